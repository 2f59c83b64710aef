"""Service credits: what a late step costs the contractor.

The rule (the pattern UK PFI and FM contracts use): each breach — attendance, making safe or
the fix done after its due time — scores points by the fault's priority,

    P1 8 points, P2 4, P3 2, P4 1,

doubled when the step took more than twice its target and trebled past three times, the time
taken measured in the fault's own clock less its time on hold. Points are scored in the
period in which the late step was done (so the overrun is known); a fault still overdue at
period end scores when the step is done, and meanwhile shows in "overdue at period end".
Pounds are points times the fault's contract's £ per point; a fault with no contract scores
points but no pounds.

`points_for` states the rule in Python; `points` is the same rule in SQL for the reports.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, Expression, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan

from facilities.models import Contract

from . import drilldown
from .clocksql import HolidayCalendar, paused_before, taken_minutes

POINTS = {"P1": 8, "P2": 4, "P3": 2, "P4": 1}
#: (multiple of the target exceeded, factor), largest first.
OVERRUN_FACTORS = ((3, 3), (2, 2))


def points_for(priority: str, taken_minutes: float, target_minutes: int) -> int:
    """Points for one late step (the caller has established that it was late)."""
    factor = next(
        (f for multiple, f in OVERRUN_FACTORS if taken_minutes > multiple * target_minutes), 1
    )
    return POINTS[priority] * factor


def _base() -> Case:
    return Case(
        *(When(priority=p, then=Value(n)) for p, n in POINTS.items()),
        default=Value(0),
        output_field=IntegerField(),
    )


def step_points(late: Q, step, target: str, calendar: HolidayCalendar, paused=None) -> Case:
    """Points for one step of a fault: 0 unless `late`, else by priority and overrun."""
    taken = taken_minutes(step, calendar, paused)
    factor = Case(
        *(
            When(GreaterThan(taken, F(target) * multiple), then=Value(f))
            for multiple, f in OVERRUN_FACTORS
        ),
        default=Value(1),
        output_field=IntegerField(),
    )
    return Case(When(late, then=_base() * factor), default=Value(0), output_field=IntegerField())


def points(w: drilldown.Window, calendar: HolidayCalendar) -> Expression:
    """A fault's points for the steps it did late in the window (0 if none)."""
    return (
        step_points(
            drilldown.attended_late(w),
            F("attended_at"),
            "attend_target_minutes",
            calendar,
            paused_before("attended_at"),
        )
        + step_points(
            drilldown.made_safe_late(w),
            Coalesce("made_safe_at", "fixed_at"),
            "make_safe_target_minutes",
            calendar,
            paused_before("made_safe_at"),
        )
        + step_points(drilldown.fixed_late(w), F("fixed_at"), "fix_target_minutes", calendar)
    )


def pounds_per_point(contract_ids) -> dict[int | None, Decimal]:
    """Each contract's rate; no contract, no pounds."""
    rates = dict(
        Contract.objects.filter(pk__in=[c for c in contract_ids if c]).values_list(
            "pk", "pounds_per_point"
        )
    )
    rates[None] = Decimal("0.00")
    return rates
