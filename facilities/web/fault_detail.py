"""One fault's page, its photos, and the actions people take on it.

Everything here starts from `scope.faults_visible_to(user)`, so a fault outside the user's
scope is a 404 on every URL. The actions offered are exactly `workflow.allowed_actions`;
each action view maps the button to its workflow function and shows a WorkflowError next
to the field it names. No rule about who may do what lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import dateformat, timezone
from django.views.decorators.http import require_http_methods, require_safe

from facilities import timewords, workflow
from facilities.models import Fault, FaultEvent, FaultStatus, User
from facilities.scope import faults_visible_to
from facilities.web.forms import (
    PRIORITY_NAMES,
    NoInputForm,
    PriorityForm,
    ReassignForm,
    TextForm,
    add_workflow_error,
)
from facilities.workflow import Action, WorkflowError

# --- Finding the fault ----------------------------------------------------------------------


def fault_in_scope(user: User, pk: int) -> Fault:
    """The fault if this user may see it; otherwise 404, as if it did not exist."""
    faults = faults_visible_to(user).select_related(
        "premises__region", "category", "contractor", "contract", "reported_by"
    )
    return get_object_or_404(faults, pk=pk)


# --- The actions: which form each takes and which workflow function it calls ----------------


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
}


def _done_message(fault: Fault, action: Action, result: object) -> str:
    """ "FLT-000123 marked as attended", in the words of the workflow's own rules."""
    if action == Action.COMMENT:
        return f"Comment added to {fault.reference}"
    message = f"{fault.reference} {workflow.RULES[action].label}"
    if action == Action.ESCALATE:
        message += f" to level {result.level}"
    elif action == Action.REASSIGN:
        message += f" to {result.contractor}"
    elif action == Action.CHANGE_PRIORITY:
        message += f": {PRIORITY_NAMES[result.priority]}"
    return message


# --- What the page shows ------------------------------------------------------------------


@dataclass(frozen=True)
class DueRow:
    step: str
    due_at: datetime
    due_words: str  # "by 14:30 today"
    done_label: str  # "Attended"
    done_at: datetime | None
    result: str  # "On time", "Late by 2 hours", "Overdue by 3 days 4 hours", "2 hours left"
    late: bool


def due_rows(fault: Fault, now: datetime) -> list[DueRow]:
    """Each due time with when it was done, or how long is left, or how late it is."""
    steps = (
        ("Attend", "Attended", fault.attend_due_at, fault.attended_at),
        ("Make safe", "Made safe", fault.make_safe_due_at, fault.made_safe_at or fault.fixed_at),
        ("Fix", "Fixed", fault.fix_due_at, fault.fixed_at),
    )
    rows = []
    for step, done_label, due, done in steps:
        if due is None:
            continue
        if done is not None:
            late = done > due
            result = f"Late by {timewords.describe_lateness(done - due)}" if late else "On time"
        elif fault.status == FaultStatus.CANCELLED:
            late, result = False, "Cancelled"
        elif fault.is_on_hold:
            late, result = False, "Clock stopped while on hold"
        elif now > due:
            late, result = True, f"Overdue by {timewords.describe_lateness(now - due)}"
        elif fault.status == FaultStatus.CLOSED:
            late, result = False, "Closed"
        else:
            late, result = False, f"{timewords.describe_lateness(due - now)} left"
        rows.append(
            DueRow(
                step=step,
                due_at=due,
                due_words=timewords.describe_due(due, now),
                done_label=done_label,
                done_at=done,
                result=result,
                late=late,
            )
        )
    return rows


def _when(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    if timezone.is_naive(moment):
        return str(value)
    return dateformat.format(timezone.localtime(moment), "D j M Y H:i")


def _minutes(value: object) -> str:
    try:
        return timewords.describe_lateness(timedelta(minutes=float(value)))
    except (TypeError, ValueError):
        return str(value)


_CLOCKS = {"calendar": "Calendar hours", "working": "Working hours (Mon–Fri 08:00–18:00)"}
_STEPS = {"attend": "Attend", "make_safe": "Make safe", "fix": "Fix"}
#: How each key of an event's details is shown: its label and how to show its value.
_DETAILS: dict[str, tuple[str, Callable[[object], str]]] = {
    "priority": ("Priority", lambda v: PRIORITY_NAMES.get(v, str(v))),
    "beds_out_of_use": ("Beds out of use", str),
    "attend_due_at": ("Attend by", _when),
    "fix_due_at": ("Fix by", _when),
    "due_at": ("Was due", _when),
    "previously_fixed_at": ("Previously fixed", _when),
    "clock": ("Service level clock", lambda v: _CLOCKS.get(v, str(v))),
    "contractor": ("Contractor", str),
    "contract": ("Contract", str),
    "from": ("From", lambda v: str(v)),
    "to": ("To", lambda v: str(v)),
    "on_time": ("Within the service level", lambda v: "Yes" if v else "No"),
    "step": ("Service level", lambda v: _STEPS.get(v, str(v))),
    "level": ("Escalation level", str),
    "automatic": ("Raised", lambda v: "Automatically" if v else "By hand"),
    "paused_minutes": ("Time on hold", _minutes),
    "total_paused_minutes": ("Total time on hold", _minutes),
}


def event_details(event: FaultEvent) -> list[tuple[str, str]]:
    """An event's details as (label, words) pairs a person can read."""
    rows = []
    for key, value in (event.details or {}).items():
        if value is None or value == "" or (key == "beds_out_of_use" and not value):
            continue
        label, show = _DETAILS.get(key, (key.replace("_", " ").capitalize(), str))
        rows.append((label, show(value)))
    return rows


@dataclass(frozen=True)
class TimelineItem:
    event: FaultEvent
    label: str
    by: str
    details: list[tuple[str, str]]


def timeline(fault: Fault) -> list[TimelineItem]:
    """Every event, newest first, in one query."""
    events = fault.events.select_related("actor").order_by("-at", "-id")
    return [
        TimelineItem(
            event=event,
            label=event.get_kind_display(),
            by=str(event.actor) if event.actor_id else "the service",
            details=event_details(event),
        )
        for event in events
    ]


# --- Views ---------------------------------------------------------------------------------------


@login_required
@require_safe
def fault_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fault = fault_in_scope(request.user, pk)
    now = timezone.now()
    allowed = workflow.allowed_actions(fault, request.user)
    # In the order of ACTIONS (the order work happens in), the irreversible last.
    buttons = [(a, page) for a, page in ACTIONS.items() if a in allowed and a != Action.COMMENT]
    comment_form = ACTIONS[Action.COMMENT].form(fault, None) if Action.COMMENT in allowed else None
    return render(
        request,
        "faults/detail.html",
        {
            "fault": fault,
            "due": due_rows(fault, now),
            "paused": timewords.describe_lateness(fault.paused) if fault.paused else "",
            "timeline": timeline(fault),
            "photos": list(fault.photos.all()),
            "inline_actions": [(a, page) for a, page in buttons if page.inline],
            "page_actions": [(a, page) for a, page in buttons if not page.inline],
            "comment_form": comment_form,
        },
    )


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


@login_required
@require_safe
def fault_photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    """A photo, only for people who may see its fault; never a public media URL."""
    fault = fault_in_scope(request.user, pk)
    photo = get_object_or_404(fault.photos, pk=photo_pk)
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError:
        raise Http404("The photo file is missing.") from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
