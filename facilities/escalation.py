"""The escalation ladder: which levels are due for a fault now, and when to look again.

Pure functions over a fault's facts and a `now` passed in; no database.

Default ladder (DESIGN.md):
  1. attend overdue;
  2. fix overdue;
  3. fix overdue by a further half of the fix window;
  4. fix overdue by a further full fix window.
Safety-critical faults start one level higher (capped at 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from facilities import sla

TOP_LEVEL = 4
AT_RISK_FRACTION = 0.75


class FaultFacts(Protocol):
    reported_at: datetime
    clock: str
    attend_due_at: datetime | None
    make_safe_due_at: datetime | None
    fix_due_at: datetime | None
    fix_target_minutes: int
    attended_at: datetime | None
    made_safe_at: datetime | None
    fixed_at: datetime | None
    on_hold_since: datetime | None
    escalation_level: int
    attend_breached_at: datetime | None
    make_safe_breached_at: datetime | None
    fix_breached_at: datetime | None
    at_risk_at: datetime | None
    status: str


@dataclass(frozen=True)
class Rung:
    level: int
    at: datetime
    why: str


OPEN = {"reported", "acknowledged", "attended", "made_safe"}


def _is_running(fault: FaultFacts) -> bool:
    return fault.status in OPEN and fault.on_hold_since is None


def ladder(fault: FaultFacts, nation: str, safety_critical: bool) -> list[Rung]:
    """Every rung that applies to this fault, with the instant it falls due."""
    if not _is_running(fault) or fault.fix_due_at is None:
        return []
    bump = 1 if safety_critical else 0
    clock = sla.Clock(fault.clock)
    rungs: list[Rung] = []
    if fault.attended_at is None and fault.attend_due_at is not None:
        rungs.append(Rung(1 + bump, fault.attend_due_at, "attendance is overdue"))
    if fault.fixed_at is None:
        window = fault.fix_target_minutes
        rungs += [
            Rung(2 + bump, fault.fix_due_at, "the fix is overdue"),
            Rung(
                min(3 + bump, TOP_LEVEL),
                sla.due_at(fault.fix_due_at, window / 2, clock, nation),
                "the fix is overdue by half its window again",
            ),
            Rung(
                TOP_LEVEL,
                sla.due_at(fault.fix_due_at, window, clock, nation),
                "the fix is overdue by its whole window again",
            ),
        ]
    return rungs


def levels_due(
    fault: FaultFacts, nation: str, safety_critical: bool, now: datetime
) -> list[tuple[int, str]]:
    """Levels above the fault's current one whose time has come, lowest first, each once."""
    due: dict[int, str] = {}
    for rung in ladder(fault, nation, safety_critical):
        if rung.at <= now and rung.level > fault.escalation_level:
            due.setdefault(rung.level, rung.why)
    return sorted(due.items())


def at_risk_time(fault: FaultFacts, nation: str, paused_minutes: float) -> datetime:
    """75% of the fix window, in the fault's clock, after logging (plus time on hold)."""
    minutes = fault.fix_target_minutes * AT_RISK_FRACTION + paused_minutes
    return sla.due_at(fault.reported_at, minutes, sla.Clock(fault.clock), nation)


def next_check_at(
    fault: FaultFacts, nation: str, safety_critical: bool, paused_minutes: float
) -> datetime | None:
    """The earliest instant at which something about this fault can next fall due.

    Breaches not yet recorded, the at-risk warning, and ladder rungs above the
    current level. None when nothing can (closed, fixed, cancelled, on hold).
    """
    if not _is_running(fault):
        return None
    moments: list[datetime] = []
    if fault.attended_at is None and fault.attend_breached_at is None and fault.attend_due_at:
        moments.append(fault.attend_due_at)
    if (
        fault.made_safe_at is None
        and fault.make_safe_breached_at is None
        and fault.make_safe_due_at is not None
    ):
        moments.append(fault.make_safe_due_at)
    if fault.fixed_at is None:
        if fault.fix_breached_at is None and fault.fix_due_at is not None:
            moments.append(fault.fix_due_at)
        if fault.at_risk_at is None and fault.fix_breached_at is None:
            moments.append(at_risk_time(fault, nation, paused_minutes))
    moments += [
        rung.at
        for rung in ladder(fault, nation, safety_critical)
        if rung.level > fault.escalation_level
    ]
    return min(moments) if moments else None
