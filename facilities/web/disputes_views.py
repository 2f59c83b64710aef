"""A fault's breaches on its page, and disputing them: the contractor disputes, a contract
manager accepts (the breach is waived) or rejects.

Both views start from `fault_in_scope`, so a fault outside the user's scope is a 404, and a
breach or dispute of another fault is a 404 too. Who may dispute or decide is
`facilities.faults.disputes`' rule: a move it refuses is a GOV.UK error message with a 400,
never a 500; a missing reason is shown next to its field.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from facilities.faults import disputes
from facilities.faults.workflow import WorkflowError
from facilities.models import Breach, BreachDispute, Fault, User
from facilities.web.action_forms import DisputeForm, dispute_decision_form
from facilities.web.fault_page import BreachRow, breach_row, breaches_of, fault_in_scope
from facilities.web.forms import add_workflow_error


def _prefix(dispute: BreachDispute) -> str:
    """Each open dispute's decision form on the fault's page has its own field names."""
    return f"dispute-{dispute.pk}"


def breach_rows(fault: Fault, user: User) -> list[BreachRow]:
    """The fault's breaches, each with what this person may do about it."""
    rows = []
    for breach in breaches_of(fault):
        row = breach_row(fault, breach)
        row.can_dispute = disputes.dispute_refusal(breach, user) is None
        row.to_decide = [
            (dispute, dispute_decision_form(None, prefix=_prefix(dispute)))
            for dispute in row.disputes
            if disputes.decision_refusal(dispute, user) is None
        ]
        rows.append(row)
    return rows


def _step(breach: Breach) -> str:
    return breach.get_step_display().lower()


def _page(
    request: HttpRequest,
    *,
    fault: Fault,
    breach: Breach,
    form: forms.Form,
    refusal: str | None,
    heading: str,
    post_url: str,
    dispute: BreachDispute | None = None,
) -> HttpResponse:
    return render(
        request,
        "faults/breach_form.html",
        {
            "fault": fault,
            "breach": breach_row(fault, breach),
            "dispute": dispute,
            "form": form,
            "refusal": refusal,
            "heading": heading,
            "post_url": post_url,
        },
        status=400 if refusal else 200,
    )


def _attempt(form: forms.Form, call) -> tuple[bool, str | None]:
    """Make the workflow call: (done, the refusal's words if the rules refused the move).

    An error about an input is put next to that field on the form instead.
    """
    try:
        call()
    except WorkflowError as error:
        if error.field is None:
            return False, error.message
        add_workflow_error(form, error)
        return False, None
    return True, None


@login_required
@require_http_methods(["GET", "POST"])
def breach_dispute(request: HttpRequest, pk: int, breach_pk: int) -> HttpResponse:
    """GET asks why the breach should not count; POST raises the dispute."""
    fault = fault_in_scope(request.user, pk)
    breach = get_object_or_404(Breach.objects.filter(fault=fault), pk=breach_pk)
    breach.fault = fault
    refusal = disputes.dispute_refusal(breach, request.user)
    form = DisputeForm(request.POST if request.method == "POST" else None)
    if refusal is None and request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        done, refusal = _attempt(
            form,
            lambda: disputes.breach_dispute(breach=breach, actor=request.user, reason=reason),
        )
        if done:
            messages.success(
                request,
                f"Dispute sent for the {_step(breach)} breach on {fault.reference}: "
                "a contract manager will accept or reject it",
            )
            return redirect("fault_detail", pk=fault.pk)
    return _page(
        request,
        fault=fault,
        breach=breach,
        form=form,
        refusal=refusal,
        heading="Dispute this breach",
        post_url=request.path,
    )


@login_required
@require_http_methods(["GET", "POST"])
def dispute_decide(request: HttpRequest, pk: int, dispute_pk: int) -> HttpResponse:
    """GET asks for the decision; POST accepts (waives the breach) or rejects the dispute."""
    fault = fault_in_scope(request.user, pk)
    dispute = get_object_or_404(
        BreachDispute.objects.select_related("breach", "raised_by").filter(breach__fault=fault),
        pk=dispute_pk,
    )
    dispute.breach.fault = fault
    refusal = disputes.decision_refusal(dispute, request.user)
    data = request.POST if request.method == "POST" else None
    form = dispute_decision_form(data, prefix=_prefix(dispute))
    if refusal is None and data is not None and form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        reason = form.cleaned_data["reason"]
        done, refusal = _attempt(
            form,
            lambda: disputes.dispute_decide(
                dispute=dispute, actor=request.user, accept=accept, reason=reason
            ),
        )
        if done:
            breach = f"the {_step(dispute.breach)} breach on {fault.reference}"
            messages.success(
                request,
                f"Dispute accepted: {breach} is waived"
                if accept
                else f"Dispute rejected: {breach} stands",
            )
            return redirect("fault_detail", pk=fault.pk)
    return _page(
        request,
        fault=fault,
        breach=dispute.breach,
        dispute=dispute,
        form=form,
        refusal=refusal,
        heading="Decide the dispute",
        post_url=request.path,
    )
