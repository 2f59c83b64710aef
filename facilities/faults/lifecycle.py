"""A fault's life cycle in memory: each step's changes to the fault, its holds and breaches.

The rules of every step live here once. `facilities.faults.workflow` wraps each step in a
transaction (lock, permission, save, emails); the demo data generator calls the very same
functions on faults it then writes in bulk. Nothing here touches the database.

A `Life` is one fault with its holds and breaches, and collects what a step wrote: timeline
events, new or changed holds and breaches. Due times are kept by one function,
`refresh_due_times`, which every step that ends a hold, changes targets or approves a hold
calls; a step's outcome (`facilities.deadlines`) is stored when it is done.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from facilities import deadlines, sla
from facilities.models import EventKind, FaultEvent, FaultHold, FaultStatus, HoldStatus

from .life import Life, iso, refresh_due_times, set_targets

__all__ = ["Life", "refresh_due_times", "set_targets"]


# --- Holds ----------------------------------------------------------------------------------


def _end_hold(life: Life, now: datetime) -> timedelta:
    """End any live hold (a pending request lapses, stopping nothing); move the due times."""
    hold = life.live_hold
    if hold is None:
        return timedelta(0)
    hold.ended_at = now
    life._keep(life.saved_holds, hold)
    held = timedelta(0)
    if hold.status == HoldStatus.APPROVED:
        held = sla.elapsed(hold.started_at, now, life.fault.clock, life.nation)
    life.fault.on_hold_since, life.fault.hold_reason = None, ""
    refresh_due_times(life)
    return held


def hold(life: Life, actor_id: int | None, now: datetime, reason: str) -> None:
    """The premises side stops the clock (such as awaiting access)."""
    held = FaultHold(
        fault=life.fault,
        status=HoldStatus.APPROVED,
        started_at=now,
        reason=reason[:250],
        requested_by_id=actor_id,
        decided_by_id=actor_id,
        decided_at=now,
    )
    life.holds.append(held)
    life._keep(life.saved_holds, held)
    life.fault.on_hold_since, life.fault.hold_reason = now, reason[:250]
    life.record(EventKind.ON_HOLD, actor_id, now, reason)


def request_hold(
    life: Life, actor_id: int | None, now: datetime, reason: str, note: str
) -> FaultEvent:
    """The contractor cannot get in: asks for the clock to stop; nothing stops until approved."""
    requested = FaultHold(
        fault=life.fault,
        status=HoldStatus.REQUESTED,
        started_at=now,
        reason=reason[:250],
        note=note,
        requested_by_id=actor_id,
        by_contractor=True,
    )
    life.holds.append(requested)
    life._keep(life.saved_holds, requested)
    return life.record(EventKind.HOLD_REQUESTED, actor_id, now, note or reason, reason=reason[:250])


def decide_hold(
    life: Life, actor_id: int | None, now: datetime, *, approve: bool, note: str
) -> FaultHold:
    """Approve (the clock stops from the request's time) or refuse (recorded, stops nothing)."""
    request = next(h for h in life.holds if h.status == HoldStatus.REQUESTED and not h.ended_at)
    request.decided_by_id, request.decided_at, request.decision_note = actor_id, now, note
    life._keep(life.saved_holds, request)
    fault = life.fault
    if not approve:
        request.status, request.ended_at = HoldStatus.REFUSED, now
        life.record(
            EventKind.HOLD_REFUSED, actor_id, now, note, requested_at=iso(request.started_at)
        )
        return request
    request.status = HoldStatus.APPROVED
    if fault.is_open:
        fault.on_hold_since, fault.hold_reason = request.started_at, request.reason
    else:  # done or cancelled meanwhile: the hold ran until then
        request.ended_at = fault.fixed_at or fault.cancelled_at or now
    refresh_due_times(life, done_after=request.started_at, now=now)
    life.record(
        EventKind.HOLD_APPROVED,
        actor_id,
        now,
        note,
        requested_at=iso(request.started_at),
        fix_due_at=iso(fault.fix_due_at),
    )
    return request


def resume(life: Life, actor_id: int | None, now: datetime, note: str) -> timedelta:
    held = _end_hold(life, now)
    life.record(
        EventKind.RESUMED,
        actor_id,
        now,
        note,
        paused_minutes=round(deadlines.minutes(held)),
        total_paused_minutes=round(deadlines.minutes(life.fault.paused)),
        fix_due_at=iso(life.fault.fix_due_at),
    )
    return held


# --- The contractor's steps -------------------------------------------------------------------


def acknowledge(life: Life, actor_id: int | None, now: datetime) -> None:
    life.fault.status, life.fault.acknowledged_at = FaultStatus.ACKNOWLEDGED, now
    life.record(EventKind.ACKNOWLEDGED, actor_id, now)


def attend(life: Life, actor_id: int | None, now: datetime, note: str = "") -> FaultEvent:
    fault = life.fault
    fault.acknowledged_at = fault.acknowledged_at or now
    # After a reopen the first attendance stands: it is what the service level measured.
    fault.status, fault.attended_at = FaultStatus.ATTENDED, fault.attended_at or now
    _done(life, now)
    return life.record(
        EventKind.ATTENDED, actor_id, now, note, on_time=_on_time(fault.attend_due_at, now)
    )


def make_safe(life: Life, actor_id: int | None, now: datetime, note: str) -> FaultEvent:
    """Made safe (the hazard removed); attending is implied."""
    fault = life.fault
    fault.acknowledged_at = fault.acknowledged_at or now
    fault.attended_at = fault.attended_at or now
    fault.status, fault.made_safe_at = FaultStatus.MADE_SAFE, fault.made_safe_at or now
    _done(life, now)
    return life.record(
        EventKind.MADE_SAFE, actor_id, now, note, on_time=_on_time(fault.make_safe_due_at, now)
    )


def fix(life: Life, actor_id: int | None, now: datetime, note: str) -> FaultEvent:
    """Fixed. A fix ends any hold (its time up to now counts), and attends and makes safe."""
    fault = life.fault
    _end_hold(life, now)
    fault.acknowledged_at = fault.acknowledged_at or now
    fault.attended_at = fault.attended_at or now
    fault.status, fault.fixed_at = FaultStatus.FIXED, now
    fault.awaiting_parts_since = None
    _done(life, now)
    return life.record(
        EventKind.FIXED, actor_id, now, note, on_time=_on_time(fault.fix_due_at, now)
    )


def _done(life: Life, now: datetime) -> None:
    """Judge the steps done just now, each against holds up to now."""
    refresh_due_times(life, done_after=now)


def awaiting_parts(life: Life, actor_id: int | None, now: datetime, note: str) -> None:
    """Recorded as evidence; the clock keeps running (parts are the contractor's problem)."""
    life.fault.awaiting_parts_since = life.fault.awaiting_parts_since or now
    life.record(EventKind.AWAITING_PARTS, actor_id, now, note)


def _on_time(due: datetime | None, when: datetime) -> bool | None:
    return None if due is None else when <= due


# --- The premises side ------------------------------------------------------------------------


def confirm(life: Life, actor_id: int | None, now: datetime, note: str = "") -> None:
    life.fault.status, life.fault.closed_at = FaultStatus.CLOSED, now
    life.record(EventKind.CLOSED, actor_id, now, note)


def reopen(life: Life, actor_id: int | None, now: datetime, reason: str) -> FaultEvent:
    """Back to acknowledged; due times and earlier breaches stand, so lateness is not reset."""
    fault = life.fault
    previous_fix = fault.fixed_at
    # The fix made it safe; reopening does not start the hazard's clock again.
    fault.made_safe_at = fault.made_safe_at or previous_fix
    if fault.make_safe_target_minutes is not None and fault.make_safe_taken_minutes is None:
        fault.make_safe_taken_minutes = fault.fix_taken_minutes
        fault.make_safe_paused_minutes = fault.fix_paused_minutes
    fault.status = FaultStatus.ACKNOWLEDGED
    fault.fixed_at = fault.closed_at = None
    fault.fix_taken_minutes = fault.fix_paused_minutes = None
    fault.reopened_at, fault.reopen_count = now, fault.reopen_count + 1
    refresh_due_times(life)
    return life.record(
        EventKind.REOPENED, actor_id, now, reason, previously_fixed_at=iso(previous_fix)
    )


def cancel(life: Life, actor_id: int | None, now: datetime, reason: str) -> None:
    _end_hold(life, now)
    fault = life.fault
    fault.status, fault.cancelled_at, fault.cancel_reason = FaultStatus.CANCELLED, now, reason
    life.record(EventKind.CANCELLED, actor_id, now, reason)


def change_priority(
    life: Life,
    actor_id: int | None,
    now: datetime,
    priority: str,
    targets: sla.Targets,
    reason: str,
) -> FaultEvent:
    """New targets for the steps not yet done; steps done keep their due times and breaches."""
    fault = life.fault
    old = fault.priority
    before = {s: iso(getattr(fault, f"{s}_due_at")) for s in deadlines.STEPS}
    fault.priority = priority
    set_targets(life, targets, pending_only=True)
    after = {s: iso(getattr(fault, f"{s}_due_at")) for s in deadlines.STEPS}
    return life.record(
        EventKind.PRIORITY_CHANGED,
        actor_id,
        now,
        reason,
        **{"from": old, "to": priority},
        clock=fault.clock,
        targets={s: getattr(fault, f"{s}_target_minutes") for s in deadlines.STEPS},
        due_before=before,
        due_after=after,
        fix_due_at=after["fix"],
    )


def log(
    life: Life,
    targets: sla.Targets,
    reporter_id: int | None,
    now: datetime,
    *,
    contract=None,
    priority_reason: str = "",
) -> FaultEvent:
    """A new fault (routed by the caller): its targets, due times and first events."""
    fault = life.fault
    set_targets(life, targets, pending_only=False)
    logged = life.record(
        EventKind.LOGGED,
        reporter_id,
        now,
        priority=fault.priority,
        beds_out_of_use=fault.beds_out_of_use,
        attend_due_at=iso(fault.attend_due_at),
        fix_due_at=iso(fault.fix_due_at),
        clock=fault.clock,
        attend_target_minutes=fault.attend_target_minutes,
        make_safe_target_minutes=fault.make_safe_target_minutes,
        fix_target_minutes=fault.fix_target_minutes,
    )
    if fault.category.safety_critical and fault.priority != "P1":
        life.record(
            EventKind.PRIORITY_CHANGED,
            reporter_id,
            now,
            priority_reason,
            **{"from": "P1", "to": fault.priority},
        )
    if contract is not None:
        life.record(
            EventKind.ROUTED,
            None,
            now,
            contractor=contract.contractor.name,
            contract=contract.reference,
        )
    else:
        life.record(EventKind.UNROUTED, None, now, "No contract covers this premises and category.")
    return logged
