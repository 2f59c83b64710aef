"""The escalation ladder: which levels are due for a fault now, and when to look again.

Pure functions over a fault's facts, the ladder's steps (plain data) and a `now` passed in;
no database. The steps come from admin (`EscalationStep`, per contract and per region) and
are resolved here: contract-specific beats region beats default beats the built-in ladder.

Default ladder (seeded as `EscalationStep` rows by migration 0005_seed_default_ladder):
  1. attend overdue → contractor helpdesk, office managers;
  2. fix overdue → contractor account manager, regional contract managers;
  3. fix overdue by a further half of the fix window → national contract managers;
  4. fix overdue by a further full fix window → head of estates for the region
     (an extra address on a region's level-4 step; national contract managers until then).
Safety-critical faults start one level higher (capped at 4).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Protocol

from facilities import sla

LEVELS = (1, 2, 3, 4)
TOP_LEVEL = 4
AT_RISK_FRACTION = 0.75


class StartsAfter(enum.StrEnum):
    """The due time a step counts from."""

    ATTEND_DUE = "attend_due"
    FIX_DUE = "fix_due"


class Audience(enum.StrEnum):
    """A kind of person a step emails; the sweep turns each into addresses for a fault."""

    CONTRACTOR_HELPDESK = "contractor_helpdesk"
    ACCOUNT_MANAGER = "account_manager"
    OFFICE_MANAGERS = "office_managers"
    REGIONAL_CONTRACT_MANAGERS = "regional_contract_managers"
    NATIONAL_CONTRACT_MANAGERS = "national_contract_managers"


@dataclass(frozen=True)
class Step:
    """One rung of a ladder as configured: when it falls due and whom it emails."""

    level: int
    starts_after: StartsAfter
    plus_fix_windows: Decimal = Decimal(0)
    audiences: frozenset[Audience] = frozenset()
    extra_emails: tuple[str, ...] = ()
    contract_id: int | None = None
    region_id: int | None = None

    @property
    def specificity(self) -> int:
        return 2 if self.contract_id is not None else 1 if self.region_id is not None else 0

    @cached_property
    def why(self) -> str:
        """Worked out once a step (a sweep asks it for every rung of every fault)."""
        what = "attendance" if self.starts_after == StartsAfter.ATTEND_DUE else "the fix"
        plus = Decimal(self.plus_fix_windows)
        if not plus:
            return f"{what} is overdue"
        if plus == 1:
            return f"{what} is overdue by a further full fix window"
        if plus == Decimal("0.5"):
            return f"{what} is overdue by a further half of the fix window"
        return f"{what} is overdue by a further {plus.normalize():f} fix windows"


_A = Audience
DEFAULT_LADDER: tuple[Step, ...] = (
    Step(
        1,
        StartsAfter.ATTEND_DUE,
        Decimal(0),
        frozenset({_A.CONTRACTOR_HELPDESK, _A.OFFICE_MANAGERS}),
    ),
    Step(
        2,
        StartsAfter.FIX_DUE,
        Decimal(0),
        frozenset({_A.ACCOUNT_MANAGER, _A.REGIONAL_CONTRACT_MANAGERS}),
    ),
    Step(3, StartsAfter.FIX_DUE, Decimal("0.5"), frozenset({_A.NATIONAL_CONTRACT_MANAGERS})),
    Step(4, StartsAfter.FIX_DUE, Decimal(1), frozenset({_A.NATIONAL_CONTRACT_MANAGERS})),
)


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


def resolve_ladder(
    steps: Iterable[Step], *, contract_id: int | None, region_id: int | None
) -> tuple[Step, ...]:
    """The ladder for one fault: per level, the most specific step that applies to it.

    A step for the fault's contract beats one for its region, which beats a default step
    (neither set); a level nobody configured keeps the built-in default.
    """
    chosen: dict[int, Step] = {step.level: step for step in DEFAULT_LADDER}
    rank: dict[int, int] = dict.fromkeys(chosen, -1)
    for step in steps:
        if step.contract_id is not None and step.contract_id != contract_id:
            continue
        if step.region_id is not None and step.region_id != region_id:
            continue
        if step.specificity > rank.get(step.level, -1):
            chosen[step.level], rank[step.level] = step, step.specificity
    return tuple(chosen[level] for level in sorted(chosen))


def ladder(
    fault: FaultFacts,
    nation: str,
    safety_critical: bool,
    steps: Iterable[Step] = DEFAULT_LADDER,
) -> list[Rung]:
    """Every rung that applies to this fault, with the instant it falls due, earliest first."""
    if not _is_running(fault) or fault.fix_due_at is None:
        return []
    bump = 1 if safety_critical else 0
    clock = sla.Clock(fault.clock)
    rungs: list[Rung] = []
    for step in steps:
        if step.starts_after == StartsAfter.ATTEND_DUE:
            start, done = fault.attend_due_at, fault.attended_at
        else:
            start, done = fault.fix_due_at, fault.fixed_at
        if start is None or done is not None:
            continue
        plus = float(step.plus_fix_windows) * fault.fix_target_minutes
        at = sla.due_at(start, plus, clock, nation) if plus else start
        rungs.append(Rung(min(step.level + bump, TOP_LEVEL), at, step.why))
    return sorted(rungs, key=lambda rung: (rung.at, rung.level))


def levels_due(
    fault: FaultFacts,
    nation: str,
    safety_critical: bool,
    now: datetime,
    steps: Iterable[Step] = DEFAULT_LADDER,
    rungs: list[Rung] | None = None,
) -> list[tuple[int, str]]:
    """Levels above the fault's current one whose time has come, lowest first, each once.

    `rungs`, if given, is the fault's `ladder` already worked out (it is the costly part).
    """
    due: dict[int, str] = {}
    if rungs is None:
        rungs = ladder(fault, nation, safety_critical, steps)
    for rung in rungs:
        if rung.at <= now and rung.level > fault.escalation_level:
            due.setdefault(rung.level, rung.why)
    return sorted(due.items())


@dataclass(frozen=True)
class Recipients:
    """Whom a raised level emails, and whom earlier levels already told."""

    audiences: frozenset[Audience]
    extra_emails: tuple[str, ...]
    already_alerted: frozenset[Audience]
    already_extra: tuple[str, ...]


def recipients_for(steps: Iterable[Step], *, level: int, previous_level: int) -> Recipients:
    """The people for `level`, plus those of any level skipped on the way up.

    A safety-critical fault starts one level higher, and a fault found late may jump
    levels: the people of a level that will never be raised are told with the first level
    above it, so no one on the ladder is left out.
    """
    steps = list(steps)
    now_told = [s for s in steps if previous_level < s.level <= level]
    before = [s for s in steps if s.level <= previous_level]
    return Recipients(
        audiences=frozenset(a for s in now_told for a in s.audiences),
        extra_emails=tuple(dict.fromkeys(e for s in now_told for e in s.extra_emails)),
        already_alerted=frozenset(a for s in before for a in s.audiences),
        already_extra=tuple(dict.fromkeys(e for s in before for e in s.extra_emails)),
    )


def at_risk_time(fault: FaultFacts, nation: str, paused_minutes: float) -> datetime:
    """75% of the fix window, in the fault's clock, after logging (plus time on hold)."""
    minutes = fault.fix_target_minutes * AT_RISK_FRACTION + paused_minutes
    return sla.due_at(fault.reported_at, minutes, sla.Clock(fault.clock), nation)


@dataclass(frozen=True)
class Breaches:
    """Which service-level breaches are due to be recorded now (each once, ever)."""

    attend: bool
    make_safe: bool
    fix: bool
    at_risk: bool

    def __bool__(self) -> bool:
        return self.attend or self.make_safe or self.fix or self.at_risk


def breaches_due(fault: FaultFacts, nation: str, paused_minutes: float, now: datetime) -> Breaches:
    """Breaches past their time and not yet recorded; the at-risk warning if still useful.

    The at-risk warning is only worth sending while the fix is not yet overdue.
    """
    if not _is_running(fault):
        return Breaches(False, False, False, False)

    def late(due: datetime | None, done: datetime | None, recorded: datetime | None) -> bool:
        return due is not None and done is None and recorded is None and due <= now

    fix_late = late(fault.fix_due_at, fault.fixed_at, fault.fix_breached_at)
    at_risk = (
        fault.fixed_at is None
        and fault.at_risk_at is None
        and fault.fix_breached_at is None
        and not fix_late
        and fault.fix_due_at is not None
        and at_risk_time(fault, nation, paused_minutes) <= now
    )
    return Breaches(
        attend=late(fault.attend_due_at, fault.attended_at, fault.attend_breached_at),
        make_safe=late(
            fault.make_safe_due_at,
            fault.made_safe_at or fault.fixed_at,
            fault.make_safe_breached_at,
        ),
        fix=fix_late,
        at_risk=at_risk,
    )


def next_check_at(
    fault: FaultFacts,
    nation: str,
    safety_critical: bool,
    paused_minutes: float,
    steps: Iterable[Step] = DEFAULT_LADDER,
    rungs: list[Rung] | None = None,
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
        if fault.at_risk_at is None and fault.fix_breached_at is None and fault.fix_due_at:
            moments.append(at_risk_time(fault, nation, paused_minutes))
    if rungs is None:
        rungs = ladder(fault, nation, safety_critical, steps)
    moments += [rung.at for rung in rungs if rung.level > fault.escalation_level]
    return min(moments) if moments else None
