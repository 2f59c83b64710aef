"""Logging a fault: the form, and the confirmation page with its reference and due times.

The view is thin: the form checks the shape of the answers, `workflow.fault_log` decides
whether the fault can be logged (and where it goes), and the photos are saved in the same
transaction so a fault is never half saved.

"Is this a repeat of an earlier fault?" (which the first-time fix rate counts) needs the
premises and the kind of fault, chosen on this same page, so it works without JavaScript as
a check before logging: when a valid form names a premises with a recent fault of the same
kind and the question was not on the page sent, the page is shown again with everything
kept, a banner, and the question — the recent faults there as radios, the most alike first,
then "No, this is a new fault". Before that the workflow's own rules are applied in a
transaction that is rolled back, so any other problem shows on the same page. Otherwise
(nothing alike, or the question answered) the fault is logged at once. The form checks the
answer is a fault the user may see at the same premises.

`?premises=<id>` ("Log a fault here" on a premises page, a poster's short link) fixes the
premises: the page names it (with a link to choose another), lists its open faults first so
the same fault is not logged twice, and offers only the kinds of fault that apply there.
Otherwise, with offices and approved premises to choose from, every kind is offered, each
saying where it applies, and a kind that does not apply to the premises chosen is refused
with a GOV.UK error (the page cannot follow the choice without JavaScript; with it, the
kinds that do not apply are hidden).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from facilities import timewords
from facilities.access import faults_visible_to, premises_visible_to
from facilities.faults import photos, workflow
from facilities.models import Category, Premises, User
from facilities.web.forms import (
    DESCRIPTION_MAX,
    FaultLogForm,
    add_workflow_error,
    priority_words,
)

CONTRACTORS_CANNOT_LOG = (
    "Contractors cannot log faults. Ask the office manager at the premises to log it, "
    "or contact your MoJ contract manager."
)


#: At most this many of the chosen premises' open faults are listed above the form.
OPEN_HERE_SHOWN = 10


def _premises_for(user: User) -> QuerySet[Premises]:
    return premises_visible_to(user).order_by("name")


def _preselected(request: HttpRequest, premises: QuerySet[Premises]) -> Premises | None:
    """The premises named by `?premises=<id>` ("Log a fault here", a poster), if the user may
    log faults there; anything else is ignored and the form offers every premises."""
    value = request.GET.get("premises", "")
    return premises.filter(pk=int(value)).first() if value.isdigit() and len(value) < 12 else None


@login_required
@require_http_methods(["GET", "POST"])
def log_fault(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_contractor and not user.is_administrator:
        # workflow.fault_log refuses them too; here we say so before they type anything.
        raise PermissionDenied(CONTRACTORS_CANNOT_LOG)
    bound = request.method == "POST"
    now = timezone.now()
    premises = _premises_for(user)
    form = FaultLogForm(
        request.POST if bound else None,
        request.FILES if bound else None,
        premises=premises,
        faults=faults_visible_to(user),
        now=now,
        preselected=_preselected(request, premises),
    )
    checking_repeat = False
    if bound and form.is_valid():
        data = form.cleaned_data
        checking_repeat = form.needs_repeat_check()
        try:
            with transaction.atomic():
                fault = workflow.fault_log(
                    premises=data["premises"],
                    category=data["category"],
                    location=data["location"],
                    description=data["description"],
                    beds_out_of_use=data.get("beds_out_of_use") or 0,
                    reported_by=user,
                    repeat_of=data.get("repeat_of"),
                    now=now,
                )
                if checking_repeat:
                    # The workflow's rules are applied, so any problem shows with the
                    # question, but nothing is kept (nor emailed) until it is answered.
                    transaction.set_rollback(True)
                else:
                    photos.attach_photos(
                        fault=fault, uploads=data["photos"], uploaded_by=user, now=now
                    )
        except workflow.WorkflowError as error:
            checking_repeat = False
            add_workflow_error(form, error)
        except photos.PhotoError as error:
            form.add_error("photos", f"{error}. Add the photos again")
        else:
            if not checking_repeat:
                return redirect("fault_logged", pk=fault.pk)
    form.ask_again_for_photos()
    context = _log_context(form)
    context["checking_repeat"] = checking_repeat
    context["open_here"] = _open_here(user, form.fixed_premises)
    return render(request, "faults/log.html", context)


def _open_here(user: User, premises: Premises | None) -> dict[str, object] | None:
    """The premises' open faults, newest first, so the same fault is not logged twice."""
    if premises is None:
        return None
    faults = faults_visible_to(user).open().filter(premises=premises)
    shown = list(
        faults.select_related("category").order_by("-reported_at", "-pk")[:OPEN_HERE_SHOWN]
    )
    return {
        "premises": premises,
        "faults": shown,
        "total": faults.count() if len(shown) == OPEN_HERE_SHOWN else len(shown),
    }


def _log_context(form: FaultLogForm) -> dict[str, object]:
    categories = list(form.fields["category"].queryset)
    chosen = form.chosen_premises()
    beds_free = (
        workflow.beds_available_to_take(chosen) if chosen and chosen.is_approved_premises else None
    )
    category = form.chosen_category()
    return {
        "form": form,
        "categories": [
            {
                "category": c,
                "words": priority_words(_priority(c)),
                "words_with_fix": priority_words(_priority(c), with_fix=True),
                # Where it applies, when the list is for offices and approved premises alike.
                "where": c.kinds_words if form.mixed_kinds else "",
                "kinds": " ".join(k for k in sorted(form.kinds) if c.applies_to(k)),
            }
            for c in categories
        ],
        "premises_kinds": {str(p.pk): p.kind for p in form.offered_premises},
        # For the enhancing script: the priority line and which premises ask about beds.
        "priority_lines": {str(c.pk): _priority_line(c) for c in categories},
        "approved_premises": [str(p.pk) for p in form.approved_premises],
        "priority_line": _priority_line(category) if category else "",
        "beds_hint": _beds_hint(chosen, beds_free),
        "description_max": DESCRIPTION_MAX,
        "photo_accept": photos.ACCEPT,
    }


def _beds_hint(premises: Premises | None, free: int | None) -> str:
    hint = "Approved premises only. Leave empty if no beds are out of use."
    if premises is not None and free is not None:
        out = premises.bed_capacity - free
        verb = "is" if out == 1 else "are"
        hint += (
            f" {premises.name} has {premises.bed_capacity} beds; {out} {verb} already out of use,"
            f" so up to {free} more can be."
        )
    return hint


def _priority(category: Category) -> str:
    """The priority a fault in this category is logged at: safety-critical ones at P1."""
    return "P1" if category.safety_critical else category.default_priority


def _priority_line(category: Category) -> str:
    priority = _priority(category)
    line = f"It will be logged as {priority_words(priority, with_fix=True)}"
    if category.safety_critical:
        line += " (safety-critical)"
    return line + "."


@login_required
@require_safe
def fault_logged(request: HttpRequest, pk: int) -> HttpResponse:
    fault = get_object_or_404(
        faults_visible_to(request.user).select_related("premises", "category", "contractor"),
        pk=pk,
    )
    now = timezone.now()
    due = [
        (step, timewords.describe_due(when, now))
        for step, when in (
            ("Attend", fault.attend_due_at),
            ("Make safe", fault.make_safe_due_at),
            ("Fix", fault.fix_due_at),
        )
        if when is not None
    ]
    return render(request, "faults/logged.html", {"fault": fault, "due": due})
