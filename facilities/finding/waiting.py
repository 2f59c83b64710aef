"""What is waiting on each person, most urgent first: the top of their home page.

- A contractor: their company's open jobs still to acknowledge, attend, make safe or fix,
  the earliest due first (the earliest unmet deadline, `facilities.lateness`, the one the
  home page's "most overdue" reads); jobs on hold wait on the premises, not on them.
- An office manager: hold requests awaiting their decision (the clock keeps running until
  they decide), then fixes awaiting their confirmation; the longest waiting first in each.
- A contract manager or administrator: open disputes of breaches, then unrouted faults (no
  contract covers them, so nobody is doing them); the longest waiting first in each.

Everything is scoped by `facilities.access` and read a few rows at a time, with the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import F, QuerySet
from django.urls import reverse

from facilities import access, deadlines
from facilities.faults.rules import Action, expected_steps
from facilities.finding.slices import Scope
from facilities.lateness import first_unmet_deadline
from facilities.models import BreachDispute, DisputeStatus, Fault, FaultHold, FaultStatus, User
from facilities.models.faults import OPEN_STATUS_VALUES
from facilities.models.holds import HoldStatus
from facilities.timewords import describe_due, describe_lateness

#: At most this many of each kind are listed; the section links to the rest.
SHOWN = 8

_TASKS = {
    Action.ACKNOWLEDGE: "Acknowledge",
    Action.ATTEND: "Attend",
    Action.MAKE_SAFE: "Make safe",
    Action.FIX: "Fix",
}
_STEPS = {"attend": "Attend", "make_safe": "Make safe", "fix": "Fix"}
#: As `components/tag.html` colours priorities.
_PRIORITY_COLOURS = {"P1": "red", "P2": "orange", "P4": "grey"}


@dataclass(frozen=True)
class Task:
    """One thing waiting: what to do, to which fault, how urgent, and where to do it."""

    title: str  # "Acknowledge FLT-000123: Heating and hot water"
    hint: str  # "Newcastle probation office. Attend overdue by 3 hours"
    href: str
    tag: str  # "Overdue", "P1", "Waiting 2 days"
    colour: str  # a GOV.UK tag colour ("" for the default)


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    tasks: list[Task]
    total: int
    all_href: str = ""  # the fault list showing every one of them ("" if none)

    @property
    def more(self) -> int:
        return self.total - len(self.tasks)


def waiting_for(user: User, now: datetime, scope: Scope | None = None) -> list[Section]:
    """The sections of work waiting on this person, most urgent first. `scope` is the
    user's (`slices.Scope.of(user)`), when the page has read it already."""
    scope = scope or Scope.of(user)
    if access.is_contractor(user):
        return [_jobs(scope, now)]
    if access.is_manager(user):
        return [_disputes(scope, now), _unrouted(scope, now)]
    return [_hold_requests(scope, now), _to_confirm(scope, now)]


def _fault_href(fault_id: int, anchor: str = "") -> str:
    return reverse("fault_detail", args=[fault_id]) + anchor


def _list_href(**query: str) -> str:
    return f"{reverse('fault_list')}?{urlencode(query)}"


def _waiting(since: datetime, now: datetime) -> str:
    """ "Waiting 3 hours 10 minutes", and in whole days from a day: "Waiting 12 days"."""
    delta = max(now - since, timedelta(0))
    if delta >= timedelta(days=1):
        return f"Waiting {delta.days} day{'s' if delta.days != 1 else ''}"
    return f"Waiting {describe_lateness(delta)}"


def _slice(queryset: QuerySet) -> tuple[list, int]:
    shown = list(queryset[:SHOWN])
    return shown, (queryset.count() if len(shown) == SHOWN else len(shown))


# --- Contractors ------------------------------------------------------------------------------


def _job(fault: Fault, now: datetime) -> Task:
    step = next((a for a in expected_steps(fault) if a in _TASKS), Action.FIX)
    unmet = sorted(deadlines.unmet(fault), key=lambda item: item[1])
    hint = fault.premises.name
    tag, colour = fault.priority, _PRIORITY_COLOURS.get(fault.priority, "")
    if unmet:
        due_step, due = unmet[0]
        if due < now:
            hint += f". {_STEPS[due_step]} overdue by {describe_lateness(now - due)}"
            tag, colour = "Overdue", "red"
        else:
            hint += f". {_STEPS[due_step]} {describe_due(due, now)}"
    return Task(
        title=f"{_TASKS[step]} {fault.reference}: {fault.category.name}",
        hint=hint,
        href=_fault_href(fault.pk),
        tag=tag,
        colour=colour,
    )


def _jobs(scope: Scope, now: datetime) -> Section:
    jobs = (
        scope.faults()
        .open()
        .filter(on_hold_since__isnull=True)
        .annotate(first_due=first_unmet_deadline())
        .select_related("premises", "category")
        .order_by(F("first_due").asc(nulls_last=True), "pk")
    )
    shown, total = _slice(jobs)
    return Section(
        "jobs",
        "Your jobs, the earliest due first",
        [_job(fault, now) for fault in shown],
        total,
        _list_href(status="open", sort="fix_due"),
    )


# --- Office managers ----------------------------------------------------------------------------


def _hold_requests(scope: Scope, now: datetime) -> Section:
    requests = (
        FaultHold.objects.filter(
            scope.q("fault__"),
            status=HoldStatus.REQUESTED,
            ended_at__isnull=True,
            fault__status__in=OPEN_STATUS_VALUES,
        )
        .select_related("fault__premises", "fault__category", "requested_by")
        .order_by("started_at", "pk")
    )
    shown, total = _slice(requests)
    tasks = [
        Task(
            title=f"Decide the hold request on {hold.fault.reference}: {hold.fault.category.name}",
            hint=f"{hold.fault.premises.name}. "
            f"{hold.requested_by or 'The contractor'} could not get in: {hold.reason}",
            href=_fault_href(hold.fault_id, "#hold-request"),
            tag=_waiting(hold.started_at, now),
            colour="yellow",
        )
        for hold in shown
    ]
    return Section(
        "hold-requests",
        "Hold requests to decide",
        tasks,
        total,
    )


def _to_confirm(scope: Scope, now: datetime) -> Section:
    fixed = (
        scope.faults()
        .filter(status=FaultStatus.FIXED)
        .select_related("premises", "category", "contractor")
        .order_by("fixed_at", "pk")
    )
    shown, total = _slice(fixed)
    tasks = [
        Task(
            title=f"Confirm the fix of {fault.reference}: {fault.category.name}",
            hint=f"{fault.premises.name}. Fixed by "
            f"{fault.contractor.name if fault.contractor else 'the contractor'}: check the "
            "repair is done, then confirm it or reopen the fault",
            href=_fault_href(fault.pk),
            tag=_waiting(fault.fixed_at or now, now),
            colour="",
        )
        for fault in shown
    ]
    return Section(
        "to-confirm",
        "Repairs to confirm",
        tasks,
        total,
        _list_href(status=FaultStatus.FIXED),
    )


# --- Contract managers -----------------------------------------------------------------------


def _disputes(scope: Scope, now: datetime) -> Section:
    # The scope on the breach's fault's own columns: `breach__fault__in=<faults in scope>`
    # was a semi-join over every fault in scope (a second at 1,000,000 faults, nationally).
    disputes = (
        BreachDispute.objects.filter(scope.q("breach__fault__"), status=DisputeStatus.OPEN)
        .select_related("breach__fault__premises", "breach__fault__category", "breach__contractor")
        .order_by("raised_at", "pk")
    )
    shown, total = _slice(disputes)
    tasks = [
        Task(
            title=f"Decide the dispute of a late "
            f"{_STEPS.get(dispute.breach.step, dispute.breach.step).lower()} on "
            f"{dispute.breach.fault.reference}",
            hint=f"{dispute.breach.fault.premises.name}. "
            f"{dispute.breach.contractor.name if dispute.breach.contractor else 'The contractor'}"
            f" says: {dispute.reason}",
            href=reverse("dispute_decide", args=[dispute.breach.fault_id, dispute.pk]),
            tag=_waiting(dispute.raised_at, now),
            colour="yellow",
        )
        for dispute in shown
    ]
    return Section("disputes", "Disputes to decide", tasks, total)


def _unrouted(scope: Scope, now: datetime) -> Section:
    faults = (
        scope.faults()
        .open()
        .unrouted()
        .select_related("premises", "category")
        .order_by("reported_at", "pk")
    )
    shown, total = _slice(faults)
    tasks = [
        Task(
            title=f"Assign a contractor to {fault.reference}: {fault.category.name}",
            hint=f"{fault.premises.name}. No contract covers it, so nobody is doing it",
            href=reverse("fault_action", args=[fault.pk, Action.REASSIGN.value]),
            tag=_waiting(fault.reported_at, now),
            colour="red" if fault.priority == "P1" else "orange",
        )
        for fault in shown
    ]
    return Section(
        "unrouted",
        "Faults no contract covers",
        tasks,
        total,
        _list_href(status="open", contractor="unrouted"),
    )
