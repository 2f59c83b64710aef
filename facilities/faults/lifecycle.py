"""A fault's life cycle in memory: each step's changes to the fault, its holds and breaches.

The rules of every step live here once. `facilities.workflow` wraps each step in a
transaction (lock, permission, save, emails); the demo data generator calls the very same
functions on faults it then writes in bulk. Nothing here touches the database.

A `Life` is one fault with its holds and breaches, and collects what a step wrote: timeline
events, new or changed holds and breaches. Due times are kept by one function,
`refresh_due_times`, which every step that ends a hold, changes targets or approves a hold
calls; a step's outcome (`facilities.faults.deadlines`) is stored when it is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from facilities import sla
from facilities.models import (
    Breach,
    EventKind,
    Fault,
    FaultEvent,
    FaultHold,
    FaultStatus,
    HoldStatus,
)
from facilities.models.holds import intervals

from . import deadlines


@dataclass
class Life:
    fault: Fault
    nation: str
    holds: list[FaultHold] = field(default_factory=list)
    breaches: dict[str, Breach] = field(default_factory=dict)
    pounds_per_point: Decimal = Decimal("0")
    events: list[FaultEvent] = field(default_factory=list)
    saved_holds: list[FaultHold] = field(default_factory=list)
    saved_breaches: list[Breach] = field(default_factory=list)

    def record(
        self, kind: str, actor_id: int | None, at: datetime, note: str = "", **details
    ) -> FaultEvent:
        event = FaultEvent(
            fault=self.fault, kind=kind, actor_id=actor_id, at=at, note=note, details=details
        )
        self.events.append(event)
        return event

    @property
    def live_hold(self) -> FaultHold | None:
        return next((h for h in self.holds if h.ended_at is None and h.status != "refused"), None)

    def _keep(self, items: list, item) -> None:
        if not any(existing is item for existing in items):
            items.append(item)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- Due times and outcomes -----------------------------------------------------------------


def refresh_due_times(
    life: Life, *, done_after: datetime | None = None, now: datetime | None = None
) -> None:
    """Due times from the targets and the approved holds: the one place they are set.

    A step still to do counts every hold that has ended. A step already done keeps the due
    time it was judged against, unless it was done after `done_after` (an approved hold
    request reaching back before it), when it is judged again.
    """
    fault, ivs = life.fault, intervals(life.holds)
    for step in deadlines.STEPS:
        target = getattr(fault, f"{step}_target_minutes")
        done = deadlines.done_at(fault, step)
        if target is None:
            setattr(fault, f"{step}_due_at", None)
            continue
        if done is not None and (done_after is None or done < done_after):
            continue
        held = deadlines.paused(ivs, done, fault.clock, life.nation)
        due = deadlines.due_at(fault.reported_at, target, held, fault.clock, life.nation)
        setattr(fault, f"{step}_due_at", due)
        if done is not None:
            _judge(life, step, now or done)
    fault.paused = deadlines.paused(ivs, None, fault.clock, life.nation)


def outcome_of(life: Life, step: str) -> deadlines.Outcome:
    fault = life.fault
    done = deadlines.done_at(fault, step)
    return deadlines.outcome(
        step,
        priority=fault.priority,
        reported_at=fault.reported_at,
        clock=fault.clock,
        nation=life.nation,
        target_minutes=getattr(fault, f"{step}_target_minutes"),
        done_at=done,
        holds=intervals(life.holds),
        on_hold=fault.on_hold_since is not None,
        cancelled=fault.cancelled_at is not None,
        now=done or fault.reported_at,
    )


def _judge(life: Life, step: str, now: datetime) -> None:
    """Store a done step's outcome; a late one is a breach, recorded once and kept."""
    result = outcome_of(life, step)
    if result.state is deadlines.State.NO_TARGET:
        return
    fault = life.fault
    setattr(fault, f"{step}_taken_minutes", result.taken_minutes)
    setattr(fault, f"{step}_paused_minutes", result.paused_minutes)
    breach = life.breaches.get(step)
    if result.late:
        if getattr(fault, f"{step}_breached_at") is None:
            setattr(fault, f"{step}_breached_at", result.due_at)
        if breach is None:
            breach = Breach(
                fault=fault,
                step=step,
                priority=fault.priority,
                contractor_id=fault.contractor_id,
                due_at=result.due_at,
                done_at=result.done_at,
                target_minutes=result.target_minutes,
                paused_minutes=result.paused_minutes,
                taken_minutes=result.taken_minutes,
                multiplier=result.multiplier,
                points=result.points,
                pounds_per_point=life.pounds_per_point,
                recorded_at=now,
            )
            life.breaches[step] = breach
            life._keep(life.saved_breaches, breach)
    elif breach is not None and not breach.is_waived and breach.done_at == result.done_at:
        # Judged again after an approved hold reached back before it: no longer late.
        breach.waived_at = now
        breach.waived_reason = "The clock was stopped by an approved hold request."
        life._keep(life.saved_breaches, breach)


def set_targets(life: Life, targets: sla.Targets, *, pending_only: bool) -> None:
    """Copy service-level targets onto the fault; with `pending_only`, only for steps to do."""
    fault = life.fault
    for step, minutes in (
        ("attend", targets.attend_minutes),
        ("make_safe", targets.make_safe_minutes),
        ("fix", targets.fix_minutes),
    ):
        if not pending_only or deadlines.done_at(fault, step) is None:
            setattr(fault, f"{step}_target_minutes", minutes)
    fault.clock = targets.clock.value
    refresh_due_times(life)


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
            EventKind.HOLD_REFUSED, actor_id, now, note, requested_at=_iso(request.started_at)
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
        requested_at=_iso(request.started_at),
        fix_due_at=_iso(fault.fix_due_at),
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
        fix_due_at=_iso(life.fault.fix_due_at),
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
        EventKind.REOPENED, actor_id, now, reason, previously_fixed_at=_iso(previous_fix)
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
    before = {s: _iso(getattr(fault, f"{s}_due_at")) for s in deadlines.STEPS}
    fault.priority = priority
    set_targets(life, targets, pending_only=True)
    after = {s: _iso(getattr(fault, f"{s}_due_at")) for s in deadlines.STEPS}
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
        attend_due_at=_iso(fault.attend_due_at),
        fix_due_at=_iso(fault.fix_due_at),
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
