"""What one fault's page shows: finding the fault, its service levels, holds, breaches, timeline.

Everything starts from `access.faults_visible_to(user)`, so a fault outside the user's scope is
a 404 on every URL. Whether a step was on time comes from `Fault.outcomes`
(`facilities.deadlines`, the one definition); nothing here works lateness out itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Prefetch
from django.http import Http404
from django.utils import dateformat, timezone

from facilities import access, timewords
from facilities.deadlines import Outcome, State
from facilities.models import (
    Breach,
    BreachDispute,
    DisputeStatus,
    Fault,
    FaultEvent,
    FaultHold,
    HoldStatus,
    User,
)
from facilities.web.forms import PRIORITY_NAMES, target_words

# --- Finding the fault ----------------------------------------------------------------------


def fault_in_scope(user: User, pk: int) -> Fault:
    """The fault if this user may see it; otherwise 404, as if it did not exist."""
    fault = access.visible_fault(user, pk)
    if fault is None:
        raise Http404("No such fault.")
    return fault


# --- Durations on a fault's clock -----------------------------------------------------------


def clock_words(minutes: float, clock: str) -> str:
    """Minutes counted on the fault's clock: "26 hours", "14 working hours 30 minutes"."""
    if clock != "working":
        return timewords.describe_lateness(timedelta(minutes=max(minutes, 0)))
    hours, rest = divmod(int(max(minutes, 0)), 60)
    if not hours:
        return f"{rest} working minute{'s' if rest != 1 else ''}" if rest else "none"
    words = f"{hours} working hour{'s' if hours != 1 else ''}"
    return f"{words} {rest} minute{'s' if rest != 1 else ''}" if rest else words


# --- Service levels -------------------------------------------------------------------------

_STEP_LABELS = {"attend": "Attend", "make_safe": "Make safe", "fix": "Fix"}
_DONE_LABELS = {"attend": "Attended", "make_safe": "Made safe", "fix": "Fixed"}
#: Each state's tag: its words and colour (a GOV.UK tag colour; "" is the default blue).
_TAGS = {
    State.PENDING: ("Not due yet", ""),
    State.ON_HOLD: ("On hold", "grey"),
    State.OVERDUE: ("Overdue", "red"),
    State.CANCELLED: ("Cancelled", "grey"),
    State.ON_TIME: ("On time", "green"),
    State.LATE: ("Late", "red"),
}


@dataclass(frozen=True)
class DueRow:
    """One step's service level, as the page's "Service levels" table shows it."""

    step: str  # "Attend"
    state: State
    due_at: datetime
    due_words: str  # "by 14:30 today"
    done_label: str  # "Attended"
    done_at: datetime | None
    held: str  # time on hold that counts against the step, in words ("" for none)
    taken: str  # minutes taken less time on hold, in words ("" while to do)
    target: str  # "24 hours", "2 working days"
    tag: str  # "Late"
    colour: str  # "red"
    detail: str  # "by 6 hours", "2 hours left", "clock stopped"
    result: str  # "Late by 6 hours", "On time", "Overdue by 3 days 4 hours", "2 hours left"

    @property
    def late(self) -> bool:
        return self.state in (State.LATE, State.OVERDUE)

    @property
    def overdue(self) -> bool:
        return self.state is State.OVERDUE


def _detail(outcome: Outcome, now: datetime) -> str:
    due, done = outcome.due_at, outcome.done_at
    if outcome.state is State.LATE:
        return f"by {timewords.describe_lateness(done - due)}"
    if outcome.state is State.OVERDUE:
        return f"by {timewords.describe_lateness(now - due)}"
    if outcome.state is State.PENDING:
        return f"{timewords.describe_lateness(due - now)} left"
    if outcome.state is State.ON_HOLD:
        return "clock stopped"
    return ""


def due_rows(fault: Fault, now: datetime, holds: list[FaultHold] | None = None) -> list[DueRow]:
    """Each step with a service level: due, done, time on hold, taken against target, result."""
    rows = []
    for step, outcome in fault.outcomes(now, holds).items():
        if outcome.state is State.NO_TARGET or outcome.due_at is None:
            continue
        tag, colour = _TAGS[outcome.state]
        detail = _detail(outcome, now)
        if outcome.state is State.PENDING:
            result = detail
        elif outcome.state is State.ON_HOLD:
            result = "Clock stopped while on hold"
        else:
            result = f"{tag} {detail}".strip()
        rows.append(
            DueRow(
                step=_STEP_LABELS[step],
                state=outcome.state,
                due_at=outcome.due_at,
                due_words=timewords.describe_due(outcome.due_at, now),
                done_label=_DONE_LABELS[step],
                done_at=outcome.done_at,
                held=clock_words(outcome.paused_minutes, fault.clock)
                if outcome.paused_minutes >= 1
                else "",
                taken=clock_words(outcome.taken_minutes, fault.clock)
                if outcome.taken_minutes is not None
                else "",
                target=target_words(outcome.target_minutes, fault.clock),
                tag=tag,
                colour=colour,
                detail=detail,
                result=result,
            )
        )
    return rows


# --- Holds ------------------------------------------------------------------------------------

_HOLD_TAGS = {
    HoldStatus.REQUESTED: ("Awaiting a decision", "yellow"),
    HoldStatus.APPROVED: ("Approved", "green"),
    HoldStatus.REFUSED: ("Refused", "red"),
}


@dataclass(frozen=True)
class HoldRow:
    hold: FaultHold
    tag: str
    colour: str
    requested_by: str  # who asked for it (or put the fault on hold)
    decided_by: str  # who approved or refused a contractor's request ("" if nobody yet)

    @property
    def stopped_the_clock(self) -> bool:
        return self.hold.status == HoldStatus.APPROVED


def _person(user: User | None, fallback: str = "someone no longer using the service") -> str:
    return str(user) if user is not None else fallback


def hold_rows(holds: list[FaultHold]) -> list[HoldRow]:
    rows = []
    for hold in holds:
        tag, colour = _HOLD_TAGS.get(hold.status, (hold.get_status_display(), "grey"))
        if hold.status == HoldStatus.APPROVED and not hold.by_contractor:
            tag = "On hold" if hold.ended_at is None else "Ended"
            colour = "grey"
        decided = _person(hold.decided_by) if hold.by_contractor and hold.decided_at else ""
        rows.append(HoldRow(hold, tag, colour, _person(hold.requested_by), decided))
    return rows


def pending_request(holds: list[FaultHold]) -> FaultHold | None:
    """The contractor's hold request awaiting a decision, if there is one."""
    return next((h for h in holds if h.status == HoldStatus.REQUESTED and h.ended_at is None), None)


def holds_of(fault: Fault) -> list[FaultHold]:
    return list(fault.holds.select_related("requested_by", "decided_by"))


# --- Breaches ---------------------------------------------------------------------------------


@dataclass
class BreachRow:
    breach: Breach
    step: str  # "Fix"
    taken: str
    target: str
    held: str
    pounds: Decimal
    disputes: list[BreachDispute]
    can_dispute: bool = False
    #: Open disputes this person may decide, each with its decision form.
    to_decide: list[tuple[BreachDispute, object]] = field(default_factory=list)

    @property
    def open_dispute(self) -> BreachDispute | None:
        return next((d for d in self.disputes if d.status == DisputeStatus.OPEN), None)


def breaches_of(fault: Fault) -> list[Breach]:
    disputes = BreachDispute.objects.select_related("raised_by", "decided_by")
    return list(fault.breaches.prefetch_related(Prefetch("disputes", queryset=disputes)))


def breach_row(fault: Fault, breach: Breach) -> BreachRow:
    return BreachRow(
        breach=breach,
        step=_STEP_LABELS.get(breach.step, breach.step),
        taken=clock_words(breach.taken_minutes, fault.clock),
        target=target_words(breach.target_minutes, fault.clock),
        held=clock_words(breach.paused_minutes, fault.clock) if breach.paused_minutes >= 1 else "",
        pounds=breach.pounds,
        disputes=list(breach.disputes.all()),
    )


# --- The timeline -----------------------------------------------------------------------------


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


def _per_step(show: Callable[[object], str]) -> Callable[[object], str]:
    """{"attend": x, "fix": y} → "Attend: x; Fix: y" (steps without a value left out)."""

    def words(value: object) -> str:
        if not isinstance(value, dict):
            return str(value)
        parts = [f"{_STEP_LABELS.get(k, k)}: {show(v)}" for k, v in value.items() if v is not None]
        return "; ".join(parts)

    return words


_CLOCKS = {"calendar": "Calendar hours", "working": "Working hours (Mon–Fri 08:00–18:00)"}
#: How each key of an event's details is shown: its label and how to show its value.
_DETAILS: dict[str, tuple[str, Callable[[object], str]]] = {
    "priority": ("Priority", lambda v: PRIORITY_NAMES.get(v, str(v))),
    "beds_out_of_use": ("Beds out of use", str),
    "attend_due_at": ("Attend by", _when),
    "fix_due_at": ("Fix by", _when),
    "due_at": ("Was due", _when),
    "previously_fixed_at": ("Previously fixed", _when),
    "requested_at": ("Requested", _when),
    "clock": ("Service level clock", lambda v: _CLOCKS.get(v, str(v))),
    "contractor": ("Contractor", str),
    "contract": ("Contract", str),
    "from": ("From", lambda v: str(v)),
    "to": ("To", lambda v: str(v)),
    "job_number_removed": ("Contractor's job number removed", str),
    "on_time": ("Within the service level", lambda v: "Yes" if v else "No"),
    "step": ("Service level", lambda v: _STEP_LABELS.get(v, str(v))),
    "level": ("Escalation level", str),
    "automatic": ("Raised", lambda v: "Automatically" if v else "By hand"),
    "reason": ("Reason", str),
    "paused_minutes": ("Time on hold", _minutes),
    "total_paused_minutes": ("Total time on hold", _minutes),
    "due_before": ("Due before", _per_step(_when)),
    "due_after": ("Due after", _per_step(_when)),
}
#: Details written for the service's own bookkeeping, not for people.
_HIDDEN = frozenset({"breach", "dispute", "step_name"})
#: Minutes counted on the fault's clock (the event's own `clock` says which).
_TARGETS = {
    "attend_target_minutes": "Attend within",
    "make_safe_target_minutes": "Make safe within",
    "fix_target_minutes": "Fix within",
}


def _target(value: object, clock: str) -> str:
    try:
        return target_words(int(value), clock)
    except (TypeError, ValueError):
        return str(value)


def event_details(event: FaultEvent) -> list[tuple[str, str]]:
    """An event's details as (label, words) pairs a person can read."""
    details = event.details or {}
    clock = details.get("clock", "calendar")
    rows = []
    for key, value in details.items():
        if value is None or value == "" or key in _HIDDEN:
            continue
        if key == "beds_out_of_use" and not value:
            continue
        if key in _TARGETS:
            rows.append((_TARGETS[key], _target(value, clock)))
        elif key == "targets" and isinstance(value, dict):
            rows.append(("Targets", _per_step(lambda v: _target(v, clock))(value)))
        else:
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
