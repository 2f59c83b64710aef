"""A plausible life for one fault: who takes which step, when, and how late.

Only the choices are made here (the chance of a late visit, a hold, a reopening...); each step
is taken through `Player`, so by the life cycle's own functions and rules. The mix: contractors
more or less punctual, office-manager holds, contractor hold requests approved or refused,
priority changes, P1 faults made safe (or made safe by the fix), steps done outside working
hours, awaiting parts, chases, escalations by hand, reopenings, cancellations, and disputes of
some breaches, accepted or rejected (or still open).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from functools import partial
from typing import TYPE_CHECKING

from facilities import sla
from facilities.faults import lifecycle
from facilities.faults.rules import Action

from . import words
from .player import Player

if TYPE_CHECKING:
    from .histories import Generator

_LATE_STEP = 1.02  # a late step's share of its target starts here


def live(gen: Generator, p: Player, reporter: int, winter: bool) -> None:
    rng, f = p.rng, p.fault
    t0 = f.reported_at
    regional = gen.estate.regional_manager_of[f.premises.region_id]

    if winter and f.category.is_heating and f.priority == "P2" and rng.random() < 0.35:
        # No heating in winter: the regional contract manager raises it to P1.
        at = p.advance(t0 + timedelta(minutes=rng.randint(10, 90)))
        if at is None:
            return
        _reprioritise(gen, p, regional, at, "P1", "No heating in winter: staff and residents.")
    elif f.priority in ("P3", "P4") and rng.random() < 0.04:
        at = p.advance(t0 + timedelta(minutes=rng.randint(30, 600)))
        if at is None:
            return
        priority, reason = rng.choice(words.PRIORITY_UP)
        _reprioritise(gen, p, regional, at, priority, reason)

    if f.contractor_id is None:  # unrouted: a spot order, or still waiting for one
        spot = gen.fallback_contractor.get(f.premises.region_id)
        chance = rng.random()
        if spot is None or chance < 0.15:  # forgotten: nobody has picked it up
            _maybe_escalate(gen, p, reporter, t0, chance=0.5)
            return
        # Most are placed as spot orders within two days; some wait weeks.
        wait = rng.randint(30, 2880) if chance < 0.7 else rng.randint(2880, 30 * 1440)
        at = p.advance(t0 + timedelta(minutes=wait))
        if at is None:
            _maybe_escalate(gen, p, reporter, t0, chance=0.5)
            return
        p.reassign(regional, at, spot, "Spot order while the contract is being re-let.")

    profile = gen.estate.profiles[f.contractor_id]
    helpdesk = profile.helpdesk_id
    attend_target = f.attend_target_minutes

    at = p.advance(p.at(t0, attend_target * rng.uniform(0.02, 0.25)))
    if at is None:
        return
    p.step(Action.ACKNOWLEDGE, lifecycle.acknowledge, helpdesk, at)

    if rng.random() < 0.03:
        at = p.advance(p.at(at, attend_target * rng.uniform(0.05, 0.5)))
        if at is not None:
            p.step(Action.CANCEL, lifecycle.cancel, reporter, at, rng.choice(words.CANCEL_REASONS))
        return

    punctual, request = profile.attend_on_time, None
    chance = rng.random()
    if chance < 0.05:  # no access for a while: the office manager stops the clock
        if not _office_hold(rng, p, reporter, at, attend_target):
            return
    elif chance < 0.09:  # the engineer could not get in, and asks for the clock to stop
        request = _no_access(rng, p, helpdesk, reporter, at, attend_target)
        if request is None:
            return
        if request != APPROVED:
            punctual *= 0.5  # turned away, and behind with the next visit

    stuck = rng.random() < 0.03
    if rng.random() < punctual:
        share = rng.uniform(0.15, 0.97)
    else:
        share = rng.uniform(2.5, 6.0) if stuck else _LATE_STEP + rng.expovariate(1 / 0.35)
    attend_at = _out_of_hours(rng, p, p.at(t0, attend_target * share + f.paused_minutes))
    at = p.advance(max(attend_at, p.last + timedelta(minutes=5)))
    if at is None:
        _maybe_escalate(gen, p, reporter, p.last, chance=0.4)
        return
    p.step(Action.ATTEND, lifecycle.attend, helpdesk, at, rng.choice(words.ATTEND_NOTES))
    if request == UNDECIDED:
        # Approved only after the engineer got in: the clock stood still from the request,
        # so the attendance is judged again (a breach it no longer is, is waived).
        at = p.advance(sla.due_at(at, rng.uniform(30, 1200), "working", p.nation))
        if at is None:
            return
        note = rng.choice(words.HOLD_APPROVALS)
        p.step(Action.DECIDE_HOLD, lifecycle.decide_hold, reporter, at, approve=True, note=note)
        at = p.advance(at + timedelta(minutes=rng.randint(1, 30)))
        if at is None:
            return
        p.step(Action.RESUME, lifecycle.resume, reporter, at, "Engineer already on site.")

    if f.priority == "P2" and not f.category.safety_critical and rng.random() < 0.03:
        # Not as urgent as reported: the steps done keep their due times.
        down = p.advance(at + timedelta(minutes=rng.randint(30, 300)))
        if down is None:
            return
        priority, reason = rng.choice(words.PRIORITY_DOWN)
        _reprioritise(gen, p, regional, down, priority, reason)
        at = down
    if rng.random() < 0.03 and not _office_hold(rng, p, reporter, at, f.fix_target_minutes / 4):
        return
    _fix(gen, p, profile, helpdesk, reporter, at, stuck)


def _fix(gen: Generator, p: Player, profile, helpdesk: int, reporter: int, at, stuck) -> None:
    """From the visit to the fix, then confirmation or reopening."""
    rng, f = p.rng, p.fault
    t0, fix_target = f.reported_at, f.fix_target_minutes
    if rng.random() < 0.3:  # fixed at the visit
        fix_at = at + timedelta(minutes=rng.randint(15, 150))
    elif rng.random() < profile.fix_on_time:
        fix_at = p.at(t0, fix_target * rng.uniform(0.2, 0.97) + f.paused_minutes)
    else:
        late = rng.uniform(2.2, 6.0) if stuck else _LATE_STEP + rng.expovariate(1 / 0.3)
        fix_at = p.at(t0, fix_target * late + f.paused_minutes)
    fix_at = _out_of_hours(rng, p, max(fix_at, at + timedelta(minutes=15)))

    # Between the visit and the fix, in time order: (when, the step, what it says).
    steps: list[tuple[datetime, Callable, str]] = []
    safe_note = words.MAKE_SAFE_NOTES.get(f.category.slug)
    if (
        safe_note
        and (f.make_safe_due_at is not None or rng.random() < 0.3)
        and fix_at - at > timedelta(hours=2)
        and rng.random() < 0.85
    ):
        safe_at = at + timedelta(minutes=rng.randint(10, 150))
        steps.append(
            (safe_at, partial(p.step, Action.MAKE_SAFE, lifecycle.make_safe, helpdesk), safe_note)
        )
    if fix_at - at > timedelta(days=1) and rng.random() < 0.35:
        parts_at = at + (fix_at - at) * rng.uniform(0.05, 0.3)
        parts = partial(p.step, Action.AWAITING_PARTS, lifecycle.awaiting_parts, helpdesk)
        steps.append((parts_at, parts, rng.choice(words.PARTS_NOTES)))
    if fix_at > f.fix_due_at:
        chase_at = f.fix_due_at + (fix_at - f.fix_due_at) * rng.uniform(0.1, 0.6)
        if rng.random() < 0.5:
            steps.append((chase_at, partial(p.comment, reporter), rng.choice(words.CHASES)))
            reply_at = chase_at + timedelta(minutes=rng.randint(20, 600))
            steps.append((reply_at, partial(p.comment, helpdesk), rng.choice(words.REPLIES)))
        if rng.random() < 0.35:
            why = rng.choice(words.ESCALATION_REASONS)
            escalate_at = chase_at + timedelta(minutes=rng.randint(5, 240))
            steps.append((escalate_at, partial(p.escalate, reporter), why))
    for when, step, text in sorted(steps, key=lambda s: s[0]):
        if when >= fix_at:
            continue
        at = p.advance(when)
        if at is None:
            return
        step(at, text)

    fix_notes = words.FIX_NOTES[f.category.slug]
    at = p.advance(fix_at)
    if at is None:
        return
    p.step(Action.FIX, lifecycle.fix, helpdesk, at, rng.choice(fix_notes))

    # The office manager confirms, or finds it is not fixed and reopens (once or twice).
    for round_ in range(3):
        confirm_at = sla.due_at(at, rng.uniform(20, 2400), "working", p.nation)
        reopen = rng.random() < (0.06 if round_ == 0 else 0.12 if round_ == 1 else 0)
        if not reopen:
            confirmed = p.advance(confirm_at)
            if confirmed is not None:
                note = rng.choice(words.CONFIRM_NOTES)
                p.step(Action.CONFIRM, lifecycle.confirm, reporter, confirmed, note)
            return
        reopen_at = sla.due_at(at, rng.uniform(60, 3000), "working", p.nation)
        if reopen_at > confirm_at:
            confirmed = p.advance(confirm_at)
            if confirmed is None:
                return
            note = rng.choice(words.CONFIRM_NOTES)
            p.step(Action.CONFIRM, lifecycle.confirm, reporter, confirmed, note)
        at = p.advance(reopen_at)
        if at is None:
            return
        reason = rng.choice(words.REOPEN_REASONS)
        p.step(Action.REOPEN, lifecycle.reopen, reporter, at, reason)
        revisit = p.at(at, fix_target * rng.uniform(0.05, 0.6))
        at = p.advance(_out_of_hours(rng, p, max(revisit, at + timedelta(minutes=30))))
        if at is None:
            return
        p.step(Action.FIX, lifecycle.fix, helpdesk, at, rng.choice(fix_notes))


# --- Pieces of a life ---------------------------------------------------------------------------


def _reprioritise(gen: Generator, p: Player, actor: int, at, priority: str, reason: str) -> None:
    if priority == p.fault.priority:
        return
    targets = gen.targets(p.fault.contract, priority)
    p.step(Action.CHANGE_PRIORITY, lifecycle.change_priority, actor, at, priority, targets, reason)


def _office_hold(rng: random.Random, p: Player, reporter: int, after, span: float) -> bool:
    """The office manager stops the clock (awaiting access) and starts it again later.

    False when the life ends here (now comes first).
    """
    hold_at = p.advance(p.at(after, span * rng.uniform(0.05, 0.6)))
    if hold_at is None:
        return False
    p.step(Action.HOLD, lifecycle.hold, reporter, hold_at, rng.choice(words.HOLD_REASONS))
    at = p.advance(p.at(hold_at, span * rng.uniform(0.5, 4)))
    if at is None:
        return False  # still on hold
    p.step(Action.RESUME, lifecycle.resume, reporter, at, rng.choice(words.RESUME_NOTES))
    return True


APPROVED, REFUSED, UNDECIDED = "approved", "refused", "undecided"


def _no_access(
    rng: random.Random, p: Player, helpdesk: int, reporter: int, after, attend_target: float
) -> str | None:
    """The engineer cannot get in and requests a hold. The office manager approves it (the
    clock stops from the request) and later resumes, or refuses it, or decides only after
    the engineer got in (UNDECIDED here). None when the life ends here."""
    visit = p.advance(p.at(after, attend_target * rng.uniform(0.2, 0.8)))
    if visit is None:
        return None
    reason, note = rng.choice(words.NO_ACCESS)
    p.step(Action.REQUEST_HOLD, lifecycle.request_hold, helpdesk, visit, reason, note)
    chance = rng.random()
    if chance < 0.25:
        return UNDECIDED
    decided = p.advance(sla.due_at(visit, rng.uniform(10, 480), "working", p.nation))
    if decided is None:
        return None  # awaiting a decision
    decide = partial(p.step, Action.DECIDE_HOLD, lifecycle.decide_hold, reporter, decided)
    if chance < 0.5:
        decide(approve=False, note=rng.choice(words.HOLD_REFUSALS))
        return REFUSED
    decide(approve=True, note=rng.choice(words.HOLD_APPROVALS))
    resumed = p.advance(p.at(decided, attend_target * rng.uniform(0.2, 2)))
    if resumed is None:
        return None
    p.step(Action.RESUME, lifecycle.resume, reporter, resumed, rng.choice(words.RESUME_NOTES))
    return APPROVED


def _out_of_hours(rng: random.Random, p: Player, when: datetime) -> datetime:
    """Now and then a working-hours job is done in the evening or early morning instead."""
    if p.fault.clock != sla.Clock.WORKING or rng.random() >= 0.1:
        return when
    day = when.astimezone(sla.LONDON).date()
    if rng.random() < 0.7:
        start, minutes = clock_time(18, 5), rng.uniform(0, 150)
    else:
        start, minutes = clock_time(6, 30), rng.uniform(0, 85)
    local = datetime.combine(day, start, tzinfo=sla.LONDON) + timedelta(minutes=minutes)
    moved = local.astimezone(UTC)
    return moved if moved > p.last else when


def _maybe_escalate(gen: Generator, p: Player, reporter: int, after, chance: float) -> None:
    """An office manager escalating a fault nobody has come to, by hand."""
    rng = p.rng
    if rng.random() >= chance:
        return
    at = p.advance(p.at(max(after, p.fault.attend_due_at), rng.uniform(60, 1200)))
    if at is not None:
        p.escalate(reporter, at, rng.choice(words.ESCALATION_REASONS))


def disputes(gen: Generator, p: Player) -> None:
    """The contractor disputes some breaches; a contract manager accepts or rejects most."""
    rng, now = p.rng, gen.now
    for breach in list(p.life.breaches.values()):
        if breach.contractor_id is None or breach.is_waived or rng.random() >= 0.08:
            continue
        raised = sla.due_at(breach.recorded_at, rng.uniform(30, 3000), "working", p.nation)
        if raised > now:
            continue
        helpdesk = gen.estate.profiles[breach.contractor_id].helpdesk_id
        dispute = p.dispute(breach, helpdesk, raised, rng.choice(words.DISPUTE_REASONS))
        decided = sla.due_at(raised, rng.uniform(60, 6000), "working", p.nation)
        chance = rng.random()
        if decided > now or chance < 0.2:
            continue  # awaiting a decision
        accept = chance < 0.55
        reasons = words.DISPUTE_ACCEPTANCES if accept else words.DISPUTE_REJECTIONS
        manager = gen.estate.regional_manager_of[p.fault.premises.region_id]
        p.decide(dispute, manager, decided, accept=accept, reason=rng.choice(reasons))
