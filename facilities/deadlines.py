"""The one definition of a step's outcome: when it is due, whether it was late, what it costs.

A fault has three steps with service levels: attend, make safe and fix. For each, from the
fault's facts (when it was logged, its clock and nation, the step's target, when the step was
done) and its approved hold intervals, this module says — for a `now` the caller passes —

- the due time: logging plus the target plus the time on hold that counts against the step,
  which is the part of the hold intervals before the step was done (all of the ended holds
  while it is still to do), measured on the fault's own clock;
- the state: not applicable, pending, on hold, overdue, cancelled, done on time or late;
- the minutes taken less time on hold, their ratio to the target, and the service-credit
  points a late step scores (by priority, doubled past twice the target, trebled past three
  times: the pattern UK PFI and FM contracts use).

Pure: no database and no clock of its own. Everything else (the life cycle that stores due
times, the sweep, pages, emails, the report and its per-fault sheet) asks this module, or its
database twin `facilities.lateness`, which compares the columns this module fills.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from facilities import sla

STEPS = ("attend", "make_safe", "fix")
STEP_NAMES = {"attend": "attend", "make_safe": "make safe", "fix": "fix"}
#: Points a late step scores, by the fault's priority.
POINTS = {"P1": 8, "P2": 4, "P3": 2, "P4": 1}
#: (multiple of the target exceeded, factor), largest first.
OVERRUN_FACTORS = ((3, 3), (2, 2))


class State(enum.StrEnum):
    NO_TARGET = "no_target"  # the step has no service level (make safe below P1)
    PENDING = "pending"  # to do, not yet due
    ON_HOLD = "on_hold"  # to do, clock stopped by an approved hold
    OVERDUE = "overdue"  # to do, past its due time
    CANCELLED = "cancelled"  # never done: the fault was cancelled
    ON_TIME = "on_time"
    LATE = "late"

    @property
    def done(self) -> bool:
        return self in (State.ON_TIME, State.LATE)


@dataclass(frozen=True)
class Interval:
    """Time the clock stood still: an approved hold, from `start` to `end` (None: still on)."""

    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class Outcome:
    step: str
    state: State
    due_at: datetime | None
    done_at: datetime | None
    target_minutes: int | None
    paused_minutes: float
    taken_minutes: float | None
    multiplier: int
    points: int

    @property
    def late(self) -> bool:
        return self.state is State.LATE

    @property
    def ratio(self) -> float | None:
        if self.taken_minutes is None or not self.target_minutes:
            return None
        return self.taken_minutes / self.target_minutes


def paused(holds: Iterable[Interval], until: datetime | None, clock: str, nation: str) -> timedelta:
    """Clock time on hold that counts against a step done at `until`.

    With `until` None (the step is still to do) only holds that have ended count: an open
    hold's length is not known yet, and while it lasts the step cannot fall due.
    """
    total = timedelta(0)
    for hold in holds:
        end = hold.end
        if until is not None:
            end = until if end is None else min(end, until)
        if end is not None and end > hold.start:
            total += sla.elapsed(hold.start, end, clock, nation)
    return total


def minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def due_at(
    reported_at: datetime, target_minutes: int, on_hold: timedelta, clock: str, nation: str
) -> datetime:
    """Logging plus the target plus the time on hold, on the fault's clock."""
    return sla.due_at(reported_at, target_minutes + minutes(on_hold), clock, nation)


def multiplier(taken_minutes: float, target_minutes: int) -> int:
    """×3 past three times the target, ×2 past twice, else ×1."""
    return next((f for m, f in OVERRUN_FACTORS if taken_minutes > m * target_minutes), 1)


def points(priority: str, taken_minutes: float, target_minutes: int) -> int:
    """Points for one late step (the caller has established that it was late)."""
    return POINTS[priority] * multiplier(taken_minutes, target_minutes)


def outcome(
    step: str,
    *,
    priority: str,
    reported_at: datetime,
    clock: str,
    nation: str,
    target_minutes: int | None,
    done_at: datetime | None,
    holds: Iterable[Interval],
    on_hold: bool,
    cancelled: bool,
    now: datetime,
    judged_due: datetime | None = None,
) -> Outcome:
    """One step's outcome at `now` (see the module docstring).

    `judged_due`: for a step already done, the due time it was judged against when it was
    done, if known. It differs from a fresh computation only when the fault's priority (and
    so its clock) changed after the step was done, and a step done keeps its judgement.
    """
    holds = tuple(holds)
    if target_minutes is None:
        return Outcome(step, State.NO_TARGET, None, done_at, None, 0.0, None, 0, 0)
    held = paused(holds, done_at, clock, nation)
    due = due_at(reported_at, target_minutes, held, clock, nation)
    if done_at is not None and judged_due is not None:
        due = judged_due
    if done_at is None:
        if cancelled:
            state = State.CANCELLED
        elif on_hold:
            state = State.ON_HOLD
        else:
            state = State.OVERDUE if now > due else State.PENDING
        return Outcome(step, state, due, None, target_minutes, minutes(held), None, 0, 0)
    elapsed = sla.elapsed_minutes(reported_at, done_at, clock, nation)
    taken = max(elapsed - minutes(held), 0.0)
    late = done_at > due
    factor = multiplier(taken, target_minutes) if late else 0
    score = POINTS[priority] * factor
    state = State.LATE if late else State.ON_TIME
    return Outcome(step, state, due, done_at, target_minutes, minutes(held), taken, factor, score)


class FaultLike:
    """What `outcomes` reads from a fault (a model instance or anything with these names)."""

    priority: str
    reported_at: datetime
    clock: str
    attend_target_minutes: int
    make_safe_target_minutes: int | None
    fix_target_minutes: int
    attended_at: datetime | None
    made_safe_at: datetime | None
    fixed_at: datetime | None
    cancelled_at: datetime | None
    on_hold_since: datetime | None
    status: str


def done_at(fault: FaultLike, step: str) -> datetime | None:
    """When a step was done. A fix also makes safe, and attending is implied by both."""
    if step == "attend":
        return fault.attended_at
    if step == "make_safe":
        return fault.made_safe_at or fault.fixed_at
    return fault.fixed_at


def outcomes(
    fault: FaultLike, nation: str, holds: Iterable[Interval], now: datetime, *, stored: bool = True
) -> dict[str, Outcome]:
    """Every step's outcome for one fault at `now`.

    With `stored`, a step already done keeps the due time stored on the fault when it was
    judged (see `outcome`); without, everything is worked out afresh from the facts.
    """
    holds = tuple(holds)
    return {
        step: outcome(
            step,
            priority=fault.priority,
            reported_at=fault.reported_at,
            clock=fault.clock,
            nation=nation,
            target_minutes=getattr(fault, f"{step}_target_minutes"),
            done_at=done_at(fault, step),
            holds=holds,
            on_hold=fault.on_hold_since is not None,
            cancelled=fault.cancelled_at is not None,
            now=now,
            judged_due=getattr(fault, f"{step}_due_at", None) if stored else None,
        )
        for step in STEPS
    }


# --- Over the stored due times (the Python twin of `lateness`) -------------------------------

OPEN_STATUSES = frozenset({"reported", "acknowledged", "attended", "made_safe"})


def unmet(fault: FaultLike) -> list[tuple[str, datetime]]:
    """The steps not yet done that have a due time, with the due time stored on the fault."""
    return [
        (step, due)
        for step in STEPS
        if (due := getattr(fault, f"{step}_due_at")) is not None and done_at(fault, step) is None
    ]


def overdue_steps(fault: FaultLike, now: datetime) -> list[tuple[str, datetime]]:
    """Steps past their due time at `now` on an open fault not on hold, earliest due first.

    What `lateness.overdue(now)` selects in the database (tests/faults/test_lateness_twin.py).
    """
    if fault.status not in OPEN_STATUSES or fault.on_hold_since is not None:
        return []
    return sorted(((s, d) for s, d in unmet(fault) if now > d), key=lambda item: item[1])
