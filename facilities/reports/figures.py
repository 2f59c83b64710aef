"""The report's figures as plain data: what `measures.build` returns and every format reads.

Plain dataclasses, no database: they are also stored as the JSON of an issued report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from facilities.models.escalations import ESCALATION_LEVELS
from facilities.periods import Period
from facilities.sla import Priority

from . import drilldown
from .spans import Oldest
from .times import Times

PRIORITIES = tuple(p.value for p in Priority)
UNROUTED_LABEL = "Unrouted"
#: A group's contractor key for unrouted faults (no contractor).
UNROUTED = 0


def percent(part: int, whole: int) -> float | None:
    return None if not whole else 100.0 * part / whole


@dataclass
class Step:
    """One service-level step (attend, make safe or fix) done in the period."""

    done: int = 0
    on_time: int = 0
    #: Late, but the breach was waived after an accepted dispute.
    waived: int = 0

    @property
    def late(self) -> int:
        return self.done - self.on_time

    @property
    def percent_on_time(self) -> float | None:
        return percent(self.on_time, self.done)

    @property
    def percent_on_time_adjusted(self) -> float | None:
        """On time, counting waived breaches as on time."""
        return percent(self.on_time + self.waived, self.done)

    def add(self, other: Step) -> None:
        self.done += other.done
        self.on_time += other.on_time
        self.waived += other.waived


@dataclass
class PriorityFigures:
    priority: str
    attend: Step = field(default_factory=Step)
    make_safe: Step = field(default_factory=Step)
    fix: Step = field(default_factory=Step)
    attend_times: Times = field(default_factory=Times.none)
    fix_times: Times = field(default_factory=Times.none)
    breaches: int = 0
    breaches_waived: int = 0
    credit_points: int = 0
    credit_pounds: Decimal = Decimal("0.00")
    credit_points_adjusted: int = 0
    credit_pounds_adjusted: Decimal = Decimal("0.00")


@dataclass
class Figures:
    """Every measure for one group: the whole report, a contractor, a region, or both."""

    level: str  # "total", "contractor", "region" or "contractor_region"
    contractor_id: int | None = None  # UNROUTED (0) for unrouted faults
    contractor: str = ""
    region_id: int | None = None
    region: str = ""
    logged: int = 0
    fixed: int = 0
    open_at_end: int = 0
    overdue_at_end: int = 0
    oldest_open: Oldest | None = None
    first_time_fixed: int = 0
    escalations: dict[int, int] = field(default_factory=lambda: dict.fromkeys(ESCALATION_LEVELS, 0))
    safety_open_24h: int = 0
    bed_faults: int = 0
    bed_days_lost: float = 0.0
    heating_faults: int = 0
    heating_days: float = 0.0
    breaches: int = 0
    breaches_waived: int = 0
    credit_points: int = 0
    credit_pounds: Decimal = Decimal("0.00")
    credit_points_adjusted: int = 0
    credit_pounds_adjusted: Decimal = Decimal("0.00")
    priorities: dict[str, PriorityFigures] = field(
        default_factory=lambda: {p: PriorityFigures(p) for p in PRIORITIES}
    )

    @property
    def first_time_fix_percent(self) -> float | None:
        return percent(self.first_time_fixed, self.fixed)

    def step(self, name: str) -> Step:
        """A step over every priority."""
        total = Step()
        for figures in self.priorities.values():
            total.add(getattr(figures, name))
        return total

    @property
    def link_filters(self) -> dict[str, int | str]:
        """The fault list's contractor and region filters for this group."""
        filters: dict[str, int | str] = {}
        if self.level in ("contractor", "contractor_region"):
            filters["contractor"] = (
                drilldown.UNROUTED if self.contractor_id == UNROUTED else self.contractor_id
            )
        if self.level in ("region", "contractor_region"):
            filters["region"] = self.region_id
        return filters


@dataclass(frozen=True)
class TrendPoint:
    """The headline figures of one period in the trend (first-time fix and service credits,
    the costliest to work out, are reported for the period itself)."""

    period: Period
    logged: int
    fixed: int
    open_at_end: int
    overdue_at_end: int
    attend: Step
    fix: Step
    safety_open_24h: int
    bed_days_lost: float


@dataclass(frozen=True)
class BreachLine:
    """One late step and its service credits: the evidence for every point in the report."""

    reference: str
    fault_id: int
    premises: str
    region: str
    contractor: str
    priority: str
    step: str
    due_at: datetime
    done_at: datetime
    paused_minutes: float
    taken_minutes: float
    target_minutes: int
    multiplier: int
    points: int
    pounds_per_point: Decimal
    waived: bool
    waived_reason: str

    @property
    def pounds(self) -> Decimal:
        return self.pounds_per_point * self.points

    @property
    def ratio(self) -> float:
        return self.taken_minutes / self.target_minutes if self.target_minutes else 0.0


@dataclass
class Report:
    period: Period
    as_of: datetime
    cutoff: datetime
    scope: str  # whose faults, in words
    total: Figures
    by_contractor: list[Figures]
    by_region: list[Figures]
    by_contractor_region: list[Figures]
    trend: list[TrendPoint]
    #: What was chosen, in words ("Region": "Wales") and as fault-list filters for links.
    selection: dict[str, str] = field(default_factory=dict)
    filters: dict[str, int | str] = field(default_factory=dict)
    #: Every breach scored in the period (the per-fault sheet of the downloads).
    breach_lines: list[BreachLine] = field(default_factory=list)
