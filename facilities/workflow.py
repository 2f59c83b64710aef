"""The fault life cycle: the only code that changes a fault's state.

reported → acknowledged → attended → (made safe) → fixed → closed, with reopened
(back to acknowledged) and cancelled. Each step is one transaction that locks the
fault, checks the move is legal for this person, changes the fault and writes its
timeline event, and queues its emails (`facilities.notifications`) in that transaction.
An illegal move raises WorkflowError with a message a person can act on.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from facilities import escalation, notifications, sla
from facilities.models import (
    Category,
    Contractor,
    Escalation,
    EventKind,
    Fault,
    FaultEvent,
    FaultStatus,
    Premises,
    Role,
    User,
)
from facilities.models.faults import OPEN_STATUSES
from facilities.routing import covering_contract
from facilities.scope import can_see_fault, premises_visible_to
from facilities.sweep import Writes, ladder_for, raise_levels


class WorkflowError(Exception):
    """A step the rules do not allow. `field` names the input at fault, if one is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Action(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ATTEND = "attend"
    MAKE_SAFE = "make_safe"
    FIX = "fix"
    AWAITING_PARTS = "awaiting_parts"
    CONFIRM = "confirm"
    REOPEN = "reopen"
    CANCEL = "cancel"
    HOLD = "hold"
    RESUME = "resume"
    CHANGE_PRIORITY = "change_priority"
    REASSIGN = "reassign"
    ESCALATE = "escalate"
    COMMENT = "comment"


CONTRACTOR_SIDE = frozenset({Role.CONTRACTOR, Role.ADMINISTRATOR})
PREMISES_SIDE = frozenset({Role.OFFICE_MANAGER, Role.CONTRACT_MANAGER, Role.ADMINISTRATOR})
MANAGERS = frozenset({Role.CONTRACT_MANAGER, Role.ADMINISTRATOR})
EVERYONE = frozenset(Role)
OPEN = frozenset(OPEN_STATUSES)


@dataclass(frozen=True)
class Rule:
    label: str
    statuses: frozenset[str]
    roles: frozenset[str]
    who: str


RULES: dict[Action, Rule] = {
    Action.ACKNOWLEDGE: Rule(
        "acknowledged", frozenset({FaultStatus.REPORTED}), CONTRACTOR_SIDE, "the contractor"
    ),
    Action.ATTEND: Rule(
        "marked as attended",
        frozenset({FaultStatus.REPORTED, FaultStatus.ACKNOWLEDGED}),
        CONTRACTOR_SIDE,
        "the contractor",
    ),
    Action.MAKE_SAFE: Rule(
        "marked as made safe",
        frozenset({FaultStatus.REPORTED, FaultStatus.ACKNOWLEDGED, FaultStatus.ATTENDED}),
        CONTRACTOR_SIDE,
        "the contractor",
    ),
    Action.FIX: Rule("marked as fixed", OPEN, CONTRACTOR_SIDE, "the contractor"),
    Action.AWAITING_PARTS: Rule(
        "marked as awaiting parts", OPEN, CONTRACTOR_SIDE, "the contractor"
    ),
    Action.CONFIRM: Rule(
        "confirmed as fixed",
        frozenset({FaultStatus.FIXED}),
        PREMISES_SIDE,
        "an office manager or contract manager",
    ),
    Action.REOPEN: Rule(
        "reopened",
        frozenset({FaultStatus.FIXED, FaultStatus.CLOSED}),
        PREMISES_SIDE,
        "an office manager or contract manager",
    ),
    Action.CANCEL: Rule("cancelled", OPEN, PREMISES_SIDE, "an office manager or contract manager"),
    Action.HOLD: Rule("put on hold", OPEN, PREMISES_SIDE, "an office manager or contract manager"),
    Action.RESUME: Rule(
        "taken off hold", OPEN, PREMISES_SIDE, "an office manager or contract manager"
    ),
    Action.CHANGE_PRIORITY: Rule("given a new priority", OPEN, MANAGERS, "a contract manager"),
    Action.REASSIGN: Rule("reassigned", OPEN, MANAGERS, "a contract manager"),
    Action.ESCALATE: Rule(
        "escalated", OPEN, PREMISES_SIDE, "an office manager or contract manager"
    ),
    Action.COMMENT: Rule("commented on", frozenset(FaultStatus), EVERYONE, "anyone"),
}


def _role(user: User) -> str:
    return Role.ADMINISTRATOR if user.is_superuser else user.role


def refusal(fault: Fault, user: User, action: Action) -> str | None:
    """Why this person may not take this step now, or None if they may."""
    rule = RULES[action]
    if _role(user) not in rule.roles:
        return f"Only {rule.who} can record that a fault was {rule.label}."
    if fault.status not in rule.statuses:
        status = fault.get_status_display().lower()
        return f"{fault.reference} is {status}, so it cannot be {rule.label}."
    if action == Action.HOLD and fault.is_on_hold:
        return f"{fault.reference} is already on hold."
    if action == Action.RESUME and not fault.is_on_hold:
        return f"{fault.reference} is not on hold."
    if action == Action.ESCALATE and fault.escalation_level >= escalation.TOP_LEVEL:
        return f"{fault.reference} is already escalated to the top level."
    if action == Action.REASSIGN and not Contractor.objects.exists():
        return "There is no contractor to reassign to."
    return None


def allowed_actions(fault: Fault, user: User) -> list[Action]:
    """The steps to offer this person on this fault (the caller has checked they may see it)."""
    return [action for action in Action if refusal(fault, user, action) is None]


# --- Internals ---------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _lock(fault: Fault, actor: User | None, action: Action | None) -> Fault:
    locked = (
        Fault.objects.select_for_update(of=("self",))
        .select_related("premises", "category")
        .get(pk=fault.pk)
    )
    if action is not None and actor is not None:
        if not can_see_fault(actor, locked):
            raise WorkflowError("You do not have access to this fault.")
        reason = refusal(locked, actor, action)
        if reason:
            raise WorkflowError(reason)
    return locked


def _required(text: str, field: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise WorkflowError(f"Enter {what}", field=field)
    return text


def _record(
    fault: Fault, kind: str, actor: User | None, now: datetime, note: str = "", **details
) -> FaultEvent:
    return FaultEvent.objects.create(
        fault=fault, kind=kind, actor=actor, at=now, note=note, details=details
    )


def paused_minutes(fault: Fault) -> float:
    return fault.paused.total_seconds() / 60


def schedule_next_check(fault: Fault) -> None:
    """Recompute the one 'look at me again at' time the sweep uses (by the fault's ladder)."""
    fault.next_check_at = escalation.next_check_at(
        fault,
        fault.premises.nation,
        fault.category.safety_critical,
        paused_minutes(fault),
        ladder_for(fault),
    )


def set_due_times(fault: Fault, targets: sla.Targets) -> None:
    """Copy the targets onto the fault and derive its due times (plus any time on hold)."""
    fault.clock = targets.clock.value
    fault.attend_target_minutes = targets.attend_minutes
    fault.make_safe_target_minutes = targets.make_safe_minutes
    fault.fix_target_minutes = targets.fix_minutes
    recompute_due_times(fault)


def recompute_due_times(fault: Fault, *, pending_only: bool = False) -> None:
    """Due times from logging plus time on hold.

    With `pending_only`, a step already done keeps the due time it was judged against
    (a hold after a late attendance must not make that attendance on time).
    """
    clock, nation, extra = sla.Clock(fault.clock), fault.premises.nation, paused_minutes(fault)

    def due(minutes: int | None, done: datetime | None, current: datetime | None):
        if minutes is None:
            return None
        if pending_only and done is not None and current is not None:
            return current
        return sla.due_at(fault.reported_at, minutes + extra, clock, nation)

    fault.attend_due_at = due(fault.attend_target_minutes, fault.attended_at, fault.attend_due_at)
    fault.make_safe_due_at = due(
        fault.make_safe_target_minutes,
        fault.made_safe_at or fault.fixed_at,
        fault.make_safe_due_at,
    )
    fault.fix_due_at = due(fault.fix_target_minutes, fault.fixed_at, fault.fix_due_at)


def _targets(fault: Fault, priority: str) -> sla.Targets:
    if fault.contract_id:
        return fault.contract.targets_for(priority)
    return sla.DEFAULT_TARGETS[sla.Priority(priority)]


def _save(fault: Fault) -> Fault:
    schedule_next_check(fault)
    fault.save()
    return fault


def beds_available_to_take(premises: Premises, exclude: Fault | None = None) -> int:
    """Beds at an approved premises not already out of use through open faults."""
    if not premises.is_approved_premises:
        return 0
    taken = Fault.objects.filter(premises=premises, status__in=OPEN_STATUSES, beds_out_of_use__gt=0)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    out = taken.aggregate(total=Sum("beds_out_of_use"))["total"] or 0
    return max(premises.bed_capacity - out, 0)


# --- Logging a fault -------------------------------------------------------------------


@transaction.atomic
def fault_log(
    *,
    premises: Premises,
    category: Category,
    location: str,
    description: str,
    reported_by: User,
    beds_out_of_use: int = 0,
    priority: str | None = None,
    priority_reason: str = "",
    now: datetime | None = None,
) -> Fault:
    """Save a new fault, route it to the covering contract and set its due times.

    With no covering contract the fault is still saved, flagged unrouted, for a
    contract manager to assign: a fault is never rejected for want of a contract.
    """
    now = _now(now)
    role = _role(reported_by)
    if (
        role == Role.CONTRACTOR
        or not premises_visible_to(reported_by).filter(pk=premises.pk).exists()
    ):
        raise WorkflowError("You cannot log faults at this premises.", field="premises")
    location = _required(location, "location", "where in the building the fault is")
    description = _required(description, "description", "a description of the fault")
    if not category.is_active:
        raise WorkflowError("Choose a category that is in use.", field="category")

    beds_out_of_use = int(beds_out_of_use or 0)
    if beds_out_of_use < 0:
        raise WorkflowError("Beds out of use cannot be negative.", field="beds_out_of_use")
    if beds_out_of_use and not premises.is_approved_premises:
        raise WorkflowError(
            "Beds can only be out of use at an approved premises.", field="beds_out_of_use"
        )
    if beds_out_of_use:
        Premises.objects.select_for_update().filter(pk=premises.pk).first()
        free = beds_available_to_take(premises)
        if beds_out_of_use > free:
            raise WorkflowError(
                f"Beds out of use must be {free} or fewer: {premises.name} has "
                f"{premises.bed_capacity} beds and {premises.bed_capacity - free} "
                "are already out of use.",
                field="beds_out_of_use",
            )

    chosen = priority or category.default_priority
    if category.safety_critical:
        if priority and priority != "P1":
            if role not in MANAGERS:
                raise WorkflowError(
                    f"{category.name} faults are safety-critical and are logged at P1; "
                    "only a contract manager can lower that.",
                    field="priority",
                )
            _required(priority_reason, "priority_reason", "why a safety-critical fault is not P1")
        else:
            chosen = "P1"
    elif priority and role not in MANAGERS and priority != category.default_priority:
        raise WorkflowError("Only a contract manager can choose the priority.", field="priority")
    if chosen not in sla.Priority.__members__:
        raise WorkflowError("Choose a priority from P1 to P4.", field="priority")

    contract = covering_contract(premises, category, timezone.localdate(now))
    fault = Fault(
        premises=premises,
        category=category,
        priority=chosen,
        location=location,
        description=description,
        beds_out_of_use=beds_out_of_use,
        reported_by=reported_by,
        reported_at=now,
        contract=contract,
        contractor=contract.contractor if contract else None,
    )
    targets = (
        contract.targets_for(chosen) if contract else sla.DEFAULT_TARGETS[sla.Priority(chosen)]
    )
    set_due_times(fault, targets)
    _save(fault)
    logged = _record(
        fault,
        EventKind.LOGGED,
        reported_by,
        now,
        priority=chosen,
        beds_out_of_use=beds_out_of_use,
        attend_due_at=fault.attend_due_at.isoformat(),
        fix_due_at=fault.fix_due_at.isoformat(),
        clock=fault.clock,
    )
    if chosen != category.default_priority and category.safety_critical:
        _record(
            fault,
            EventKind.PRIORITY_CHANGED,
            reported_by,
            now,
            priority_reason,
            **{"from": "P1", "to": chosen},
        )
    if contract:
        _record(
            fault,
            EventKind.ROUTED,
            None,
            now,
            contractor=contract.contractor.name,
            contract=contract.reference,
        )
    else:
        _record(
            fault, EventKind.UNROUTED, None, now, "No contract covers this premises and category."
        )
    notifications.queue_event_emails(fault=fault, event=logged, now=now)
    return fault


# --- Contractor's steps ------------------------------------------------------------------


@transaction.atomic
def fault_acknowledge(*, fault: Fault, actor: User, now: datetime | None = None) -> Fault:
    now = _now(now)
    fault = _lock(fault, actor, Action.ACKNOWLEDGE)
    fault.status, fault.acknowledged_at = FaultStatus.ACKNOWLEDGED, now
    _record(fault, EventKind.ACKNOWLEDGED, actor, now)
    return _save(fault)


@transaction.atomic
def fault_attend(
    *, fault: Fault, actor: User, note: str = "", now: datetime | None = None
) -> Fault:
    now = _now(now)
    fault = _lock(fault, actor, Action.ATTEND)
    fault.acknowledged_at = fault.acknowledged_at or now
    # After a reopen the first attendance stands: it is what the service level measured.
    fault.status, fault.attended_at = FaultStatus.ATTENDED, fault.attended_at or now
    _note_breach(fault, "attend", fault.attended_at)
    _record(
        fault,
        EventKind.ATTENDED,
        actor,
        now,
        note.strip(),
        on_time=_on_time(fault.attend_due_at, now),
    )
    return _save(fault)


@transaction.atomic
def fault_make_safe(
    *, fault: Fault, actor: User, note: str = "", now: datetime | None = None
) -> Fault:
    now = _now(now)
    fault = _lock(fault, actor, Action.MAKE_SAFE)
    note = _required(note, "note", "what was done to make it safe")
    fault.acknowledged_at = fault.acknowledged_at or now
    fault.attended_at = fault.attended_at or now
    fault.status, fault.made_safe_at = FaultStatus.MADE_SAFE, fault.made_safe_at or now
    _note_breach(fault, "attend", fault.attended_at)
    _note_breach(fault, "make_safe", fault.made_safe_at)
    _record(
        fault, EventKind.MADE_SAFE, actor, now, note, on_time=_on_time(fault.make_safe_due_at, now)
    )
    return _save(fault)


@transaction.atomic
def fault_fix(*, fault: Fault, actor: User, note: str, now: datetime | None = None) -> Fault:
    now = _now(now)
    fault = _lock(fault, actor, Action.FIX)
    note = _required(note, "note", "what was done to fix it")
    fault.acknowledged_at = fault.acknowledged_at or now
    fault.attended_at = fault.attended_at or now
    _release_hold(fault, now)  # a fix ends any hold: its time still counts as paused
    fault.status, fault.fixed_at = FaultStatus.FIXED, now
    _note_breach(fault, "attend", fault.attended_at)
    _note_breach(fault, "make_safe", fault.made_safe_at or now)
    _note_breach(fault, "fix", now)
    fault.awaiting_parts_since = None
    fixed = _record(
        fault, EventKind.FIXED, actor, now, note, on_time=_on_time(fault.fix_due_at, now)
    )
    notifications.queue_event_emails(fault=fault, event=fixed, now=now)
    return _save(fault)


@transaction.atomic
def fault_awaiting_parts(
    *, fault: Fault, actor: User, note: str, now: datetime | None = None
) -> Fault:
    """Recorded as evidence; the clock keeps running (parts are the contractor's problem)."""
    now = _now(now)
    fault = _lock(fault, actor, Action.AWAITING_PARTS)
    note = _required(note, "note", "which parts are awaited")
    fault.awaiting_parts_since = fault.awaiting_parts_since or now
    _record(fault, EventKind.AWAITING_PARTS, actor, now, note)
    return _save(fault)


def _note_breach(fault: Fault, step: str, when: datetime) -> None:
    """A step done late is a breach even if the sweep never saw it overdue: record it once."""
    due = getattr(fault, f"{step}_due_at")
    if due is not None and when > due and getattr(fault, f"{step}_breached_at") is None:
        setattr(fault, f"{step}_breached_at", due)


def _on_time(due: datetime | None, when: datetime) -> bool | None:
    return None if due is None else when <= due


# --- Premises side ---------------------------------------------------------------------------


@transaction.atomic
def fault_confirm(
    *, fault: Fault, actor: User, note: str = "", now: datetime | None = None
) -> Fault:
    now = _now(now)
    fault = _lock(fault, actor, Action.CONFIRM)
    fault.status, fault.closed_at = FaultStatus.CLOSED, now
    _record(fault, EventKind.CLOSED, actor, now, note.strip())
    return _save(fault)


@transaction.atomic
def fault_reopen(*, fault: Fault, actor: User, reason: str, now: datetime | None = None) -> Fault:
    """Back to acknowledged; the original due times stand, so lateness is not reset."""
    now = _now(now)
    fault = _lock(fault, actor, Action.REOPEN)
    reason = _required(reason, "reason", "why the repair is not done")
    previous_fix = fault.fixed_at
    # The fix made it safe; reopening does not make the hazard's clock start again.
    fault.made_safe_at = fault.made_safe_at or previous_fix
    fault.status = FaultStatus.ACKNOWLEDGED
    fault.fixed_at = fault.closed_at = None
    fault.reopened_at, fault.reopen_count = now, fault.reopen_count + 1
    reopened = _record(
        fault,
        EventKind.REOPENED,
        actor,
        now,
        reason,
        previously_fixed_at=previous_fix.isoformat() if previous_fix else None,
    )
    notifications.queue_event_emails(fault=fault, event=reopened, now=now)
    return _save(fault)


@transaction.atomic
def fault_cancel(*, fault: Fault, actor: User, reason: str, now: datetime | None = None) -> Fault:
    now = _now(now)
    fault = _lock(fault, actor, Action.CANCEL)
    reason = _required(reason, "reason", "why the fault is cancelled")
    _release_hold(fault, now)
    fault.status, fault.cancelled_at, fault.cancel_reason = FaultStatus.CANCELLED, now, reason
    _record(fault, EventKind.CANCELLED, actor, now, reason)
    return _save(fault)


@transaction.atomic
def fault_hold(*, fault: Fault, actor: User, reason: str, now: datetime | None = None) -> Fault:
    """Stop the clock for a cause on the premises' side, such as awaiting access."""
    now = _now(now)
    fault = _lock(fault, actor, Action.HOLD)
    reason = _required(reason, "reason", "why the fault is on hold, such as awaiting access")
    fault.on_hold_since, fault.hold_reason = now, reason[:250]
    _record(fault, EventKind.ON_HOLD, actor, now, reason)
    return _save(fault)


@transaction.atomic
def fault_resume(
    *, fault: Fault, actor: User, note: str = "", now: datetime | None = None
) -> Fault:
    now = _now(now)
    fault = _lock(fault, actor, Action.RESUME)
    held = _release_hold(fault, now)
    recompute_due_times(fault, pending_only=True)
    _record(
        fault,
        EventKind.RESUMED,
        actor,
        now,
        note.strip(),
        paused_minutes=round(held.total_seconds() / 60),
        total_paused_minutes=round(paused_minutes(fault)),
        fix_due_at=fault.fix_due_at.isoformat() if fault.fix_due_at else None,
    )
    return _save(fault)


def _release_hold(fault: Fault, now: datetime) -> timedelta:
    """End any hold, adding its clock time to the running total."""
    if fault.on_hold_since is None:
        return timedelta(0)
    held = sla.elapsed(fault.on_hold_since, now, sla.Clock(fault.clock), fault.premises.nation)
    fault.paused += held
    fault.on_hold_since, fault.hold_reason = None, ""
    return held


# --- Contract manager ----------------------------------------------------------------------


@transaction.atomic
def fault_change_priority(
    *, fault: Fault, actor: User, priority: str, reason: str, now: datetime | None = None
) -> Fault:
    """New targets from the contract (or defaults); due times recomputed from logging."""
    now = _now(now)
    fault = _lock(fault, actor, Action.CHANGE_PRIORITY)
    if priority not in sla.Priority.__members__:
        raise WorkflowError("Choose a priority from P1 to P4.", field="priority")
    if priority == fault.priority:
        raise WorkflowError(f"{fault.reference} is already {priority}.", field="priority")
    reason = _required(reason, "reason", "why the priority is changing")
    old = fault.priority
    fault.priority = priority
    set_due_times(fault, _targets(fault, priority))
    changed = _record(
        fault,
        EventKind.PRIORITY_CHANGED,
        actor,
        now,
        reason,
        **{"from": old, "to": priority},
        fix_due_at=fault.fix_due_at.isoformat(),
    )
    notifications.queue_event_emails(fault=fault, event=changed, now=now)
    return _save(fault)


@transaction.atomic
def fault_reassign(
    *, fault: Fault, actor: User, contractor: Contractor, reason: str, now: datetime | None = None
) -> Fault:
    """Send the fault to another contractor; due times stand."""
    now = _now(now)
    fault = _lock(fault, actor, Action.REASSIGN)
    if contractor.pk == fault.contractor_id:
        raise WorkflowError(f"{fault.reference} is already with {contractor}.", field="contractor")
    reason = _required(reason, "reason", "why the fault is being reassigned")
    previous = str(fault.contractor) if fault.contractor_id else None
    contract = covering_contract(
        fault.premises, fault.category, timezone.localdate(fault.reported_at)
    )
    fault.contractor = contractor
    fault.contract = contract if contract and contract.contractor_id == contractor.pk else None
    _record(
        fault,
        EventKind.REASSIGNED,
        actor,
        now,
        reason,
        **{"from": previous, "to": contractor.name},
    )
    return _save(fault)


# --- Anyone in scope ------------------------------------------------------------------------


@transaction.atomic
def fault_comment(
    *, fault: Fault, actor: User, text: str, now: datetime | None = None
) -> FaultEvent:
    now = _now(now)
    fault = _lock(fault, actor, Action.COMMENT)
    text = _required(text, "text", "a comment")
    return _record(fault, EventKind.COMMENT, actor, now, text)


@transaction.atomic
def fault_escalate(
    *, fault: Fault, actor: User, reason: str, now: datetime | None = None
) -> Escalation:
    """Raise the fault to the next level of the ladder, by hand, with a reason.

    The same raise path as the sweep's: the same event, and the next level's email with
    the reason in it.
    """
    now = _now(now)
    fault = _lock(fault, actor, Action.ESCALATE)
    reason = _required(reason, "reason", "why the fault needs escalating")
    level = fault.escalation_level + 1
    ladder = ladder_for(fault)
    writes = Writes()
    (escalated,) = raise_levels(
        writes,
        fault,
        [(level, f"escalated by hand: {reason}")],
        now=now,
        steps=ladder,
        people=notifications.People.for_faults([fault]),
        raised_by=actor,
        reason=reason,
    )
    writes.save()
    _save(fault)
    return escalated
