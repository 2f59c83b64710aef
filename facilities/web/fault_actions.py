"""The actions people take on a fault: which form each takes and which workflow call it makes.

The actions offered are exactly `workflow.allowed_actions`; each action view maps the button to
its workflow function and shows a WorkflowError next to the field it names (or, for a move the
rules refuse, above the form with a 400). No rule about who may do what lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from facilities.faults import workflow
from facilities.faults.rules import expected_steps
from facilities.faults.workflow import Action, WorkflowError
from facilities.models import Fault, FaultHold, User
from facilities.web.action_forms import (
    JobNumberForm,
    NoInputForm,
    PriorityForm,
    ReassignForm,
    TextForm,
    hold_decision_form,
)
from facilities.web.fault_page import fault_in_scope, holds_of, pending_request
from facilities.web.forms import PRIORITY_NAMES, add_workflow_error


@dataclass(frozen=True)
class ActionPage:
    button: str  # the button's words, and the action page's heading
    form: Callable[[Fault, dict | None], forms.Form]
    run: Callable[[Fault, User, dict], object]
    inline: bool = False  # a plain button on the fault's page (nothing to type)
    warning: bool = False  # a red button: it cannot be undone


def _text(name: str, label: str, hint: str = "") -> Callable[[Fault, dict | None], forms.Form]:
    return lambda fault, data: TextForm(data, name=name, label=label, hint=hint)


def _no_input(fault: Fault, data: dict | None) -> forms.Form:
    return NoInputForm(data)


def request_words(hold: FaultHold | None) -> str:
    """ "Sam Person1 asked at 10:30 on 4 March 2025: Nobody answered the door." """
    if hold is None:
        return ""
    when = timezone.localtime(hold.started_at)
    who = str(hold.requested_by) if hold.requested_by_id else "The contractor"
    words = f"{who} asked at {when:%H:%M} on {when.day} {when:%B %Y}"
    return f"{words}: {hold.note}" if hold.note else f"{words}."


def _hold_decision(fault: Fault, data: dict | None) -> forms.Form:
    return hold_decision_form(data, hint=request_words(pending_request(holds_of(fault))))


ACTIONS: dict[Action, ActionPage] = {
    Action.ACKNOWLEDGE: ActionPage(
        "Acknowledge",
        _no_input,
        lambda f, u, d: workflow.fault_acknowledge(fault=f, actor=u),
        inline=True,
    ),
    Action.ATTEND: ActionPage(
        "Mark as attended",
        _text("note", "Note (optional)", "For example, who attended and what they found"),
        lambda f, u, d: workflow.fault_attend(fault=f, actor=u, note=d.get("note", "")),
        inline=True,
    ),
    Action.MAKE_SAFE: ActionPage(
        "Mark as made safe",
        _text(
            "note",
            "What was done to make it safe?",
            "For example, alarm swapped, door boarded or temporary heater left",
        ),
        lambda f, u, d: workflow.fault_make_safe(fault=f, actor=u, note=d["note"]),
    ),
    Action.FIX: ActionPage(
        "Mark as fixed",
        _text("note", "What was done to fix it?"),
        lambda f, u, d: workflow.fault_fix(fault=f, actor=u, note=d["note"]),
    ),
    Action.AWAITING_PARTS: ActionPage(
        "Record awaiting parts",
        _text(
            "note",
            "Which parts are awaited?",
            "The service level clock keeps running while parts are awaited.",
        ),
        lambda f, u, d: workflow.fault_awaiting_parts(fault=f, actor=u, note=d["note"]),
    ),
    Action.REQUEST_HOLD: ActionPage(
        "Request a hold (no access)",
        _text(
            "note",
            "What happened when you tried to get in?",
            "For example, nobody answered at reception. An office manager or contract manager "
            "decides: if they approve, the service level clock stops from now.",
        ),
        lambda f, u, d: workflow.fault_request_hold(fault=f, actor=u, note=d["note"]),
    ),
    Action.CONFIRM: ActionPage(
        "Confirm fixed",
        _text("note", "Note (optional)"),
        lambda f, u, d: workflow.fault_confirm(fault=f, actor=u, note=d.get("note", "")),
        inline=True,
    ),
    Action.REOPEN: ActionPage(
        "Reopen",
        _text("reason", "Why is the repair not done?"),
        lambda f, u, d: workflow.fault_reopen(fault=f, actor=u, reason=d["reason"]),
    ),
    Action.HOLD: ActionPage(
        "Put on hold for access",
        _text(
            "reason",
            "Why is the fault on hold?",
            "Only for causes on the premises' side, such as waiting for access. "
            "The service level clock stops until the fault is taken off hold.",
        ),
        lambda f, u, d: workflow.fault_hold(fault=f, actor=u, reason=d["reason"]),
    ),
    Action.RESUME: ActionPage(
        "Take off hold",
        _text("note", "Note (optional)"),
        lambda f, u, d: workflow.fault_resume(fault=f, actor=u, note=d.get("note", "")),
        inline=True,
    ),
    Action.DECIDE_HOLD: ActionPage(
        "Approve or refuse the hold request",
        _hold_decision,
        lambda f, u, d: workflow.fault_decide_hold(
            fault=f, actor=u, approve=d["decision"] == "approve", note=d.get("note", "")
        ),
    ),
    Action.ESCALATE: ActionPage(
        "Escalate now",
        _text(
            "reason",
            "Why does this fault need escalating?",
            "The next level of the escalation ladder is emailed with your reason.",
        ),
        lambda f, u, d: workflow.fault_escalate(fault=f, actor=u, reason=d["reason"]),
    ),
    Action.CHANGE_PRIORITY: ActionPage(
        "Change priority",
        lambda fault, data: PriorityForm(data, current=fault.priority),
        lambda f, u, d: workflow.fault_change_priority(
            fault=f, actor=u, priority=d["priority"], reason=d["reason"]
        ),
    ),
    Action.REASSIGN: ActionPage(
        "Reassign contractor",
        lambda fault, data: ReassignForm(data, current=fault.contractor),
        lambda f, u, d: workflow.fault_reassign(
            fault=f, actor=u, contractor=d["contractor"], reason=d["reason"]
        ),
    ),
    Action.CANCEL: ActionPage(
        "Cancel fault",
        _text("reason", "Why is the fault being cancelled?", "For example, it was logged twice"),
        lambda f, u, d: workflow.fault_cancel(fault=f, actor=u, reason=d["reason"]),
        warning=True,
    ),
    Action.COMMENT: ActionPage(
        "Add comment",
        _text("text", "Comment"),
        lambda f, u, d: workflow.fault_comment(fault=f, actor=u, text=d["text"]),
    ),
    Action.CONTRACTOR_REFERENCE: ActionPage(
        "Save job number",
        lambda fault, data: JobNumberForm(data, current=fault.contractor_reference),
        lambda f, u, d: workflow.fault_set_contractor_reference(
            fault=f, actor=u, contractor_reference=d.get("contractor_reference", "")
        ),
    ),
}
#: Offered on the fault's page in a place of their own, not in "What you can do".
OWN_PLACE = frozenset({Action.COMMENT, Action.DECIDE_HOLD, Action.CONTRACTOR_REFERENCE})


@dataclass(frozen=True)
class Button:
    action: Action
    page: ActionPage
    primary: bool  # the next step expected of this person: a green button, first


def next_step(fault: Fault, allowed: list[Action]) -> Action | None:
    """The step this person is expected to take next (`rules.expected_steps`), if they may:
    reported → Acknowledge, acknowledged → Attended, attended → Made safe or Fixed, fixed →
    Confirm fixed."""
    return next((action for action in expected_steps(fault) if action in allowed), None)


def buttons(fault: Fault, allowed: list[Action]) -> list[Button]:
    """The action buttons for "What you can do": the next step first as the primary button,
    then the others as secondary buttons, in the order of ACTIONS (the order of the work)."""
    primary = next_step(fault, allowed)
    offered = [
        Button(action, page, action == primary)
        for action, page in ACTIONS.items()
        if action in allowed and action not in OWN_PLACE
    ]
    return sorted(offered, key=lambda button: not button.primary)


def _done_message(fault: Fault, action: Action, result: object) -> str:
    """ "FLT-000123 marked as attended", in the words of the workflow's own rules."""
    if action == Action.COMMENT:
        return f"Comment added to {fault.reference}"
    if action == Action.CONTRACTOR_REFERENCE:
        if result.contractor_reference:
            return f"Job number {result.contractor_reference} saved for {fault.reference}"
        return f"Job number removed from {fault.reference}"
    if action == Action.REQUEST_HOLD:
        return (
            f"Hold requested for {fault.reference}: an office manager or contract manager "
            "will approve or refuse it"
        )
    if action == Action.DECIDE_HOLD:
        if result.status == "approved":
            since = timezone.localtime(result.started_at)
            return f"Hold approved for {fault.reference}: the clock stopped at {since:%H:%M}"
        return f"Hold request refused for {fault.reference}: the clock keeps running"
    message = f"{fault.reference} {workflow.RULES[action].label}"
    if action == Action.ESCALATE:
        message += f" to level {result.level}"
    elif action == Action.REASSIGN:
        message += f" to {result.contractor}"
    elif action == Action.CHANGE_PRIORITY:
        message += f": {PRIORITY_NAMES[result.priority]}"
    return message


@login_required
@require_http_methods(["GET", "POST"])
def fault_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """GET shows the action's small form; POST takes the action through the workflow."""
    fault = fault_in_scope(request.user, pk)
    try:
        action = Action(action)
    except ValueError:
        raise Http404("No such action.") from None
    page = ACTIONS[action]
    refusal = workflow.refusal(fault, request.user, action)
    form = page.form(fault, request.POST if request.method == "POST" else None)
    if refusal is None and request.method == "POST" and form.is_valid():
        try:
            result = page.run(fault, request.user, form.cleaned_data)
        except WorkflowError as error:
            if error.field is None:
                refusal = error.message
            else:
                add_workflow_error(form, error)
        else:
            messages.success(request, _done_message(fault, action, result))
            return redirect("fault_detail", pk=fault.pk)
    return render(
        request,
        "faults/action_form.html",
        {"fault": fault, "action": action, "page": page, "form": form, "refusal": refusal},
        status=400 if refusal else 200,
    )
