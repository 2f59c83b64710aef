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
from django.utils import timezone

from facilities import notifications, sla
from facilities.escalation.raising import Writes, ladder_for, raise_levels
from facilities.faults import lifecycle
from facilities.faults.intake import beds_available_to_take, fault_log
from facilities.faults.job_numbers import fault_set_contractor_reference
from facilities.faults.rules import RULES, Action, WorkflowError, refusal
from facilities.faults.store import (
    finish,
    lock,
    now_or,
    required,
    save,
    schedule_next_check,
    targets_for,
)
from facilities.models import Contractor, Escalation, EventKind, Fault, FaultEvent, FaultHold, User
from facilities.routing import covering_contract

__all__ = [
    "RULES",
    "Action",
    "WorkflowError",
    "allowed_actions",
    "beds_available_to_take",
    "fault_log",
    "fault_set_contractor_reference",
    "refusal",
    "schedule_next_check",
]


def allowed_actions(
    fault: Fault, user: User, *, any_contractor: bool | None = None
) -> list[Action]:
    """The steps to offer this person on this fault (the caller has checked they may see it).

    For a list of faults, prefetch their `holds` and pass `any_contractor` (whether there is a
    contractor to reassign to) once: then no fault costs a query of its own.
    """
    requested = fault.pk is not None and _hold_requested(fault)
    actions = [a for a in Action if refusal(fault, user, a, hold_requested=requested) is None]
    if Action.REASSIGN in actions:
        if any_contractor is None:
            any_contractor = Contractor.objects.exists()
        if not any_contractor:
            actions.remove(Action.REASSIGN)
    return actions


def _hold_requested(fault: Fault) -> bool:
    """Whether a contractor's hold request awaits a decision (from prefetched holds if any)."""
    if "holds" in getattr(fault, "_prefetched_objects_cache", {}):
        return any(h.status == "requested" and h.ended_at is None for h in fault.holds.all())
    return fault.holds.filter(status="requested", ended_at__isnull=True).exists()


# --- Steps on an existing fault ------------------------------------------------------------


@transaction.atomic
def fault_acknowledge(*, fault: Fault, actor: User, now: datetime | None = None) -> Fault:
    now = now_or(now)
    life = lock(fault, actor, Action.ACKNOWLEDGE)
    return finish(life, lifecycle.acknowledge(life, actor.pk, now), now)


@transaction.atomic
def fault_attend(
    *, fault: Fault, actor: User, note: str = "", now: datetime | None = None
) -> Fault:
    now = now_or(now)
    life = lock(fault, actor, Action.ATTEND)
    return finish(life, lifecycle.attend(life, actor.pk, now, note.strip()), now)


@transaction.atomic
def fault_make_safe(
    *, fault: Fault, actor: User, note: str = "", now: datetime | None = None
) -> Fault:
    now = now_or(now)
    life = lock(fault, actor, Action.MAKE_SAFE)
    note = required(note, "note", "what was done to make it safe")
    return finish(life, lifecycle.make_safe(life, actor.pk, now, note), now)


@transaction.atomic
def fault_fix(*, fault: Fault, actor: User, note: str, now: datetime | None = None) -> Fault:
    now = now_or(now)
    life = lock(fault, actor, Action.FIX)
    note = required(note, "note", "what was done to fix it")
    return finish(life, lifecycle.fix(life, actor.pk, now, note), now)


@transaction.atomic
def fault_awaiting_parts(
    *, fault: Fault, actor: User, note: str, now: datetime | None = None
) -> Fault:
    """Recorded as evidence; the clock keeps running (parts are the contractor's problem)."""
    now = now_or(now)
    life = lock(fault, actor, Action.AWAITING_PARTS)
    note = required(note, "note", "which parts are awaited")
    return finish(life, lifecycle.awaiting_parts(life, actor.pk, now, note), now)


@transaction.atomic
def fault_request_hold(
    *, fault: Fault, actor: User, note: str, reason: str = "No access", now: datetime | None = None
) -> Fault:
    """The contractor arrived and could not get in: ask the premises side to stop the clock."""
    now = now_or(now)
    life = lock(fault, actor, Action.REQUEST_HOLD)
    note = required(note, "note", "what happened when you tried to get in")
    reason = (reason or "").strip() or "No access"
    return finish(life, lifecycle.request_hold(life, actor.pk, now, reason, note), now)


@transaction.atomic
def fault_decide_hold(
    *, fault: Fault, actor: User, approve: bool, note: str = "", now: datetime | None = None
) -> FaultHold:
    """Approve a contractor's hold request (the clock stops from its time) or refuse it."""
    now = now_or(now)
    life = lock(fault, actor, Action.DECIDE_HOLD)
    if not approve:
        note = required(note, "note", "why the hold request is refused")
    decided = lifecycle.decide_hold(life, actor.pk, now, approve=approve, note=note.strip())
    save(life)
    return decided


# --- Premises side ---------------------------------------------------------------------------


@transaction.atomic
def fault_confirm(
    *, fault: Fault, actor: User, note: str = "", now: datetime | None = None
) -> Fault:
    now = now_or(now)
    life = lock(fault, actor, Action.CONFIRM)
    return finish(life, lifecycle.confirm(life, actor.pk, now, note.strip()), now)


@transaction.atomic
def fault_reopen(*, fault: Fault, actor: User, reason: str, now: datetime | None = None) -> Fault:
    """Back to acknowledged; the original due times stand, so lateness is not reset."""
    now = now_or(now)
    life = lock(fault, actor, Action.REOPEN)
    reason = required(reason, "reason", "why the repair is not done")
    return finish(life, lifecycle.reopen(life, actor.pk, now, reason), now)


@transaction.atomic
def fault_cancel(*, fault: Fault, actor: User, reason: str, now: datetime | None = None) -> Fault:
    now = now_or(now)
    life = lock(fault, actor, Action.CANCEL)
    reason = required(reason, "reason", "why the fault is cancelled")
    return finish(life, lifecycle.cancel(life, actor.pk, now, reason), now)


@transaction.atomic
def fault_hold(*, fault: Fault, actor: User, reason: str, now: datetime | None = None) -> Fault:
    """Stop the clock for a cause on the premises' side, such as awaiting access."""
    now = now_or(now)
    life = lock(fault, actor, Action.HOLD)
    reason = required(reason, "reason", "why the fault is on hold, such as awaiting access")
    return finish(life, lifecycle.hold(life, actor.pk, now, reason), now)


@transaction.atomic
def fault_resume(
    *, fault: Fault, actor: User, note: str = "", now: datetime | None = None
) -> Fault:
    now = now_or(now)
    life = lock(fault, actor, Action.RESUME)
    lifecycle.resume(life, actor.pk, now, note.strip())
    return finish(life, None, now)


# --- Contract manager ----------------------------------------------------------------------


@transaction.atomic
def fault_change_priority(
    *, fault: Fault, actor: User, priority: str, reason: str, now: datetime | None = None
) -> Fault:
    """New targets for the steps not yet done; steps done keep their due times and breaches."""
    now = now_or(now)
    life = lock(fault, actor, Action.CHANGE_PRIORITY)
    if priority not in sla.Priority.__members__:
        raise WorkflowError("Choose a priority from P1 to P4.", field="priority")
    if priority == life.fault.priority:
        raise WorkflowError(f"{fault.reference} is already {priority}.", field="priority")
    reason = required(reason, "reason", "why the priority is changing")
    targets = targets_for(life.fault, priority)
    return finish(
        life, lifecycle.change_priority(life, actor.pk, now, priority, targets, reason), now
    )


@transaction.atomic
def fault_reassign(
    *, fault: Fault, actor: User, contractor: Contractor, reason: str, now: datetime | None = None
) -> Fault:
    """Send the fault to another contractor; due times stand."""
    now = now_or(now)
    life = lock(fault, actor, Action.REASSIGN)
    fault = life.fault
    if contractor.pk == fault.contractor_id:
        raise WorkflowError(f"{fault.reference} is already with {contractor}.", field="contractor")
    reason = required(reason, "reason", "why the fault is being reassigned")
    previous = str(fault.contractor) if fault.contractor_id else None
    contract = covering_contract(
        fault.premises, fault.category, timezone.localdate(fault.reported_at)
    )
    fault.contractor = contractor
    fault.contract = contract if contract and contract.contractor_id == contractor.pk else None
    # The previous contractor's job number means nothing to the next one.
    job_number, fault.contractor_reference = fault.contractor_reference, ""
    life.record(
        EventKind.REASSIGNED,
        actor.pk,
        now,
        reason,
        **{"from": previous, "to": contractor.name},
        **({"job_number_removed": job_number} if job_number else {}),
    )
    return save(life)


# --- Anyone in scope ------------------------------------------------------------------------


@transaction.atomic
def fault_comment(
    *, fault: Fault, actor: User, text: str, now: datetime | None = None
) -> FaultEvent:
    now = now_or(now)
    life = lock(fault, actor, Action.COMMENT)
    text = required(text, "text", "a comment")
    event = life.record(EventKind.COMMENT, actor.pk, now, text)
    save(life)
    return event


@transaction.atomic
def fault_escalate(
    *, fault: Fault, actor: User, reason: str, now: datetime | None = None
) -> Escalation:
    """Raise the fault to the next level of the ladder, by hand, with a reason.

    The same raise path as the sweep's: the same event, and the next level's email with
    the reason in it.
    """
    now = now_or(now)
    life = lock(fault, actor, Action.ESCALATE)
    fault = life.fault
    reason = required(reason, "reason", "why the fault needs escalating")
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
    save(life)
    return escalated
