"""A fault in memory — its holds, breaches and what a step wrote — and its due times.

`refresh_due_times` is the one place due times are set: every step that ends a hold,
changes targets or approves a hold calls it. A done step's outcome
(`facilities.deadlines`) is stored when it is done, and a late one is a breach,
recorded once and kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from facilities import deadlines, sla
from facilities.models import Breach, Fault, FaultEvent, FaultHold
from facilities.models.holds import intervals


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


def iso(value: datetime | None) -> str | None:
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
        elif not breach.is_waived and breach.done_at == result.done_at:
            # Judged again after an approved hold reached back before it: still late, but by
            # less, so the breach shows the figures its points now come from.
            breach.due_at, breach.paused_minutes = result.due_at, result.paused_minutes
            breach.taken_minutes, breach.multiplier = result.taken_minutes, result.multiplier
            breach.points = result.points
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
