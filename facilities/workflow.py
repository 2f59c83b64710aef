"""The fault life cycle's services: the only code that changes a fault's state.

Each step is one transaction that locks the fault, checks the move is legal for this person
(`facilities.faults.rules`), applies the step's rules (`facilities.faults.lifecycle`, shared
with the demo data), saves the fault with its timeline events, holds and breaches, and queues
its emails (`facilities.notifications`) in that transaction. An illegal move raises
WorkflowError with a message a person can act on.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from facilities import escalation, notifications, sla
from facilities.faults import lifecycle
from facilities.faults.rules import (
    MANAGERS,
    RULES,
    Action,
    WorkflowError,
    refusal,
    role_of,
)
from facilities.models import (
    Category,
    Contractor,
    Escalation,
    EventKind,
    Fault,
    FaultEvent,
    FaultHold,
    Premises,
    Role,
    User,
)
from facilities.models.faults import OPEN_STATUSES
from facilities.routing import covering_contract
from facilities.scope import can_see_fault, premises_visible_to
from facilities.sweep import Writes, ladder_for, raise_levels

__all__ = ["RULES", "Action", "WorkflowError", "allowed_actions", "refusal"]


def allowed_actions(fault: Fault, user: User) -> list[Action]:
    """The steps to offer this person on this fault (the caller has checked they may see it)."""
    requested = (
        fault.pk is not None
        and fault.holds.filter(status="requested", ended_at__isnull=True).exists()
    )
    actions = [a for a in Action if refusal(fault, user, a, hold_requested=requested) is None]
    if Action.REASSIGN in actions and not Contractor.objects.exists():
        actions.remove(Action.REASSIGN)
    return actions


# --- Internals ---------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _life(fault: Fault) -> lifecycle.Life:
    rate = fault.contract.pounds_per_point if fault.contract_id else None
    return lifecycle.Life(
        fault=fault,
        nation=fault.premises.nation,
        holds=list(fault.holds.all()) if fault.pk else [],
        breaches={b.step: b for b in fault.breaches.all()} if fault.pk else {},
        pounds_per_point=rate or 0,
    )


def _lock(fault: Fault, actor: User | None, action: Action | None) -> lifecycle.Life:
    locked = (
        Fault.objects.select_for_update(of=("self",))
        .select_related("premises", "category", "contract")
        .get(pk=fault.pk)
    )
    if action is not None and actor is not None:
        if not can_see_fault(actor, locked):
            raise WorkflowError("You do not have access to this fault.")
        reason = refusal(locked, actor, action)
        if reason:
            raise WorkflowError(reason)
    return _life(locked)


def _required(text: str, field: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise WorkflowError(f"Enter {what}", field=field)
    return text


def schedule_next_check(fault: Fault) -> None:
    """Recompute the one 'look at me again at' time the sweep uses (by the fault's ladder)."""
    fault.next_check_at = escalation.next_check_at(
        fault,
        fault.premises.nation,
        fault.category.safety_critical,
        fault.paused.total_seconds() / 60,
        ladder_for(fault),
    )


def _save(life: lifecycle.Life) -> Fault:
    """Write what a step changed: the fault, then its holds, breaches and events."""
    fault = life.fault
    schedule_next_check(fault)
    fault.save()
    for hold in life.saved_holds:
        hold.fault = fault
        hold.save()
    for breach in life.saved_breaches:
        breach.fault = fault
        breach.save()
    for event in life.events:
        event.fault = fault
        event.save()
    life.saved_holds, life.saved_breaches = [], []
    return fault


def _targets(fault: Fault, priority: str) -> sla.Targets:
    if fault.contract_id:
        return fault.contract.targets_for(priority)
    return sla.DEFAULT_TARGETS[sla.Priority(priority)]


def beds_available_to_take(premises: Premises, exclude: Fault | None = None) -> int:
    """Beds at an approved premises not already out of use through open faults."""
    if not premises.is_approved_premises:
        return 0
    taken = Fault.objects.filter(premises=premises, status__in=OPEN_STATUSES, beds_out_of_use__gt=0)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    out = taken.aggregate(total=Sum("beds_out_of_use"))["total"] or 0
    return max(premises.bed_capacity - out, 0)


def _emails(life: lifecycle.Life, event: FaultEvent, now: datetime) -> None:
    notifications.queue_event_emails(fault=life.fault, event=event, now=now)


# --- Logging a fault -------------------------------------------------------------------


def _check_beds(premises: Premises, beds: int) -> int:
    beds = int(beds or 0)
    if beds < 0:
        raise WorkflowError("Beds out of use cannot be negative.", field="beds_out_of_use")
    if beds and not premises.is_approved_premises:
        raise WorkflowError(
            "Beds can only be out of use at an approved premises.", field="beds_out_of_use"
        )
    if beds:
        Premises.objects.select_for_update().filter(pk=premises.pk).first()
        free = beds_available_to_take(premises)
        if beds > free:
            raise WorkflowError(
                f"Beds out of use must be {free} or fewer: {premises.name} has "
                f"{premises.bed_capacity} beds and {premises.bed_capacity - free} "
                "are already out of use.",
                field="beds_out_of_use",
            )
    return beds


def _check_priority(category: Category, role: str, priority: str | None, reason: str) -> str:
    chosen = priority or category.default_priority
    if category.safety_critical:
        if priority and priority != "P1":
            if role not in MANAGERS:
                raise WorkflowError(
                    f"{category.name} faults are safety-critical and are logged at P1; "
                    "only a contract manager can lower that.",
                    field="priority",
                )
            _required(reason, "priority_reason", "why a safety-critical fault is not P1")
        else:
            chosen = "P1"
    elif priority and role not in MANAGERS and priority != category.default_priority:
        raise WorkflowError("Only a contract manager can choose the priority.", field="priority")
    if chosen not in sla.Priority.__members__:
        raise WorkflowError("Choose a priority from P1 to P4.", field="priority")
    return chosen


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
    repeat_of: Fault | None = None,
    now: datetime | None = None,
) -> Fault:
    """Save a new fault, route it to the covering contract and set its due times.

    With no covering contract the fault is still saved, flagged unrouted, for a
    contract manager to assign: a fault is never rejected for want of a contract.
    """
    now = _now(now)
    role = role_of(reported_by)
    if (
        role == Role.CONTRACTOR
        or not premises_visible_to(reported_by).filter(pk=premises.pk).exists()
    ):
        raise WorkflowError("You cannot log faults at this premises.", field="premises")
    location = _required(location, "location", "where in the building the fault is")
    description = _required(description, "description", "a description of the fault")
    if not category.is_active:
        raise WorkflowError("Choose a category that is in use.", field="category")
    if repeat_of is not None and repeat_of.premises_id != premises.pk:
        raise WorkflowError("A repeat must be of a fault at the same premises.", field="repeat_of")
    beds = _check_beds(premises, beds_out_of_use)
    chosen = _check_priority(category, role, priority, priority_reason)
    contract = covering_contract(premises, category, timezone.localdate(now))
    fault = Fault(
        premises=premises,
        category=category,
        priority=chosen,
        location=location,
        description=description,
        beds_out_of_use=beds,
        reported_by=reported_by,
        reported_at=now,
        contract=contract,
        contractor=contract.contractor if contract else None,
        repeat_of=repeat_of,
    )
    life = _life(fault)
    logged = lifecycle.log(
        life,
        contract.targets_for(chosen) if contract else sla.DEFAULT_TARGETS[sla.Priority(chosen)],
        reported_by.pk,
        now,
        contract=contract,
        priority_reason=priority_reason,
    )
    _save(life)
    _emails(life, logged, now)
    return fault


# --- Steps on an existing fault ------------------------------------------------------------


def _finish(life: lifecycle.Life, event: FaultEvent | None, now: datetime) -> Fault:
    """Save what the step changed, then queue the emails its event causes."""
    _save(life)
    if event is not None:
        _emails(life, event, now)
    return life.fault


@transaction.atomic
def fault_acknowledge(*, fault: Fault, actor: User, now: datetime | None = None) -> Fault:
    now = _now(now)
    life = _lock(fault, actor, Action.ACKNOWLEDGE)
    return _finish(life, lifecycle.acknowledge(life, actor.pk, now), now)


@transaction.atomic
def fault_attend(
    *, fault: Fault, actor: User, note: str = "", now: datetime | None = None
) -> Fault:
    now = _now(now)
    life = _lock(fault, actor, Action.ATTEND)
    return _finish(life, lifecycle.attend(life, actor.pk, now, note.strip()), now)


@transaction.atomic
def fault_make_safe(
    *, fault: Fault, actor: User, note: str = "", now: datetime | None = None
) -> Fault:
    now = _now(now)
    life = _lock(fault, actor, Action.MAKE_SAFE)
    note = _required(note, "note", "what was done to make it safe")
    return _finish(life, lifecycle.make_safe(life, actor.pk, now, note), now)


@transaction.atomic
def fault_fix(*, fault: Fault, actor: User, note: str, now: datetime | None = None) -> Fault:
    now = _now(now)
    life = _lock(fault, actor, Action.FIX)
    note = _required(note, "note", "what was done to fix it")
    return _finish(life, lifecycle.fix(life, actor.pk, now, note), now)


@transaction.atomic
def fault_awaiting_parts(
    *, fault: Fault, actor: User, note: str, now: datetime | None = None
) -> Fault:
    """Recorded as evidence; the clock keeps running (parts are the contractor's problem)."""
    now = _now(now)
    life = _lock(fault, actor, Action.AWAITING_PARTS)
    note = _required(note, "note", "which parts are awaited")
    return _finish(life, lifecycle.awaiting_parts(life, actor.pk, now, note), now)


@transaction.atomic
def fault_request_hold(
    *, fault: Fault, actor: User, note: str, reason: str = "No access", now: datetime | None = None
) -> Fault:
    """The contractor arrived and could not get in: ask the premises side to stop the clock."""
    now = _now(now)
    life = _lock(fault, actor, Action.REQUEST_HOLD)
    note = _required(note, "note", "what happened when you tried to get in")
    reason = (reason or "").strip() or "No access"
    return _finish(life, lifecycle.request_hold(life, actor.pk, now, reason, note), now)


@transaction.atomic
def fault_decide_hold(
    *, fault: Fault, actor: User, approve: bool, note: str = "", now: datetime | None = None
) -> FaultHold:
    """Approve a contractor's hold request (the clock stops from its time) or refuse it."""
    now = _now(now)
    life = _lock(fault, actor, Action.DECIDE_HOLD)
    if not approve:
        note = _required(note, "note", "why the hold request is refused")
    decided = lifecycle.decide_hold(life, actor.pk, now, approve=approve, note=note.strip())
    _save(life)
    return decided


# --- Premises side ---------------------------------------------------------------------------


@transaction.atomic
def fault_confirm(
    *, fault: Fault, actor: User, note: str = "", now: datetime | None = None
) -> Fault:
    now = _now(now)
    life = _lock(fault, actor, Action.CONFIRM)
    return _finish(life, lifecycle.confirm(life, actor.pk, now, note.strip()), now)


@transaction.atomic
def fault_reopen(*, fault: Fault, actor: User, reason: str, now: datetime | None = None) -> Fault:
    """Back to acknowledged; the original due times stand, so lateness is not reset."""
    now = _now(now)
    life = _lock(fault, actor, Action.REOPEN)
    reason = _required(reason, "reason", "why the repair is not done")
    return _finish(life, lifecycle.reopen(life, actor.pk, now, reason), now)


@transaction.atomic
def fault_cancel(*, fault: Fault, actor: User, reason: str, now: datetime | None = None) -> Fault:
    now = _now(now)
    life = _lock(fault, actor, Action.CANCEL)
    reason = _required(reason, "reason", "why the fault is cancelled")
    return _finish(life, lifecycle.cancel(life, actor.pk, now, reason), now)


@transaction.atomic
def fault_hold(*, fault: Fault, actor: User, reason: str, now: datetime | None = None) -> Fault:
    """Stop the clock for a cause on the premises' side, such as awaiting access."""
    now = _now(now)
    life = _lock(fault, actor, Action.HOLD)
    reason = _required(reason, "reason", "why the fault is on hold, such as awaiting access")
    return _finish(life, lifecycle.hold(life, actor.pk, now, reason), now)


@transaction.atomic
def fault_resume(
    *, fault: Fault, actor: User, note: str = "", now: datetime | None = None
) -> Fault:
    now = _now(now)
    life = _lock(fault, actor, Action.RESUME)
    lifecycle.resume(life, actor.pk, now, note.strip())
    return _finish(life, None, now)


# --- Contract manager ----------------------------------------------------------------------


@transaction.atomic
def fault_change_priority(
    *, fault: Fault, actor: User, priority: str, reason: str, now: datetime | None = None
) -> Fault:
    """New targets for the steps not yet done; steps done keep their due times and breaches."""
    now = _now(now)
    life = _lock(fault, actor, Action.CHANGE_PRIORITY)
    if priority not in sla.Priority.__members__:
        raise WorkflowError("Choose a priority from P1 to P4.", field="priority")
    if priority == life.fault.priority:
        raise WorkflowError(f"{fault.reference} is already {priority}.", field="priority")
    reason = _required(reason, "reason", "why the priority is changing")
    targets = _targets(life.fault, priority)
    return _finish(
        life, lifecycle.change_priority(life, actor.pk, now, priority, targets, reason), now
    )


@transaction.atomic
def fault_reassign(
    *, fault: Fault, actor: User, contractor: Contractor, reason: str, now: datetime | None = None
) -> Fault:
    """Send the fault to another contractor; due times stand."""
    now = _now(now)
    life = _lock(fault, actor, Action.REASSIGN)
    fault = life.fault
    if contractor.pk == fault.contractor_id:
        raise WorkflowError(f"{fault.reference} is already with {contractor}.", field="contractor")
    reason = _required(reason, "reason", "why the fault is being reassigned")
    previous = str(fault.contractor) if fault.contractor_id else None
    contract = covering_contract(
        fault.premises, fault.category, timezone.localdate(fault.reported_at)
    )
    fault.contractor = contractor
    fault.contract = contract if contract and contract.contractor_id == contractor.pk else None
    life.record(
        EventKind.REASSIGNED, actor.pk, now, reason, **{"from": previous, "to": contractor.name}
    )
    return _save(life)


# --- Anyone in scope ------------------------------------------------------------------------


@transaction.atomic
def fault_comment(
    *, fault: Fault, actor: User, text: str, now: datetime | None = None
) -> FaultEvent:
    now = _now(now)
    life = _lock(fault, actor, Action.COMMENT)
    text = _required(text, "text", "a comment")
    event = life.record(EventKind.COMMENT, actor.pk, now, text)
    _save(life)
    return event


@transaction.atomic
def fault_escalate(
    *, fault: Fault, actor: User, reason: str, now: datetime | None = None
) -> Escalation:
    """Raise the fault to the next level of the ladder, by hand, with a reason.

    The same raise path as the sweep's: the same event, and the next level's email with
    the reason in it.
    """
    now = _now(now)
    life = _lock(fault, actor, Action.ESCALATE)
    fault = life.fault
    reason = _required(reason, "reason", "why the fault needs escalating")
    writes = Writes()
    (escalated,) = raise_levels(
        writes,
        fault,
        [(fault.escalation_level + 1, f"escalated by hand: {reason}")],
        now=now,
        steps=ladder_for(fault),
        people=notifications.People.for_faults([fault]),
        raised_by=actor,
        reason=reason,
    )
    writes.save()
    _save(life)
    return escalated
