"""Service credits: what the breaches done in a period cost each contractor.

The rule itself — points by priority (P1 8, P2 4, P3 2, P4 1), doubled past twice the target
and trebled past three times, the time taken measured in the fault's own clock less its time
on hold — is `facilities.deadlines`. The life cycle applies it once, when the late step
is done, and writes a `Breach` row with the points and the contract's £ per point at that
time. So the report only adds up breach rows: in the period the late step was done, by the
fault's contractor, region and priority; "raw" counts every breach, "adjusted" leaves out the
breaches waived after an accepted dispute. A fault still overdue at period end scores when the
step is done, and meanwhile shows in "overdue at period end".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from facilities.deadlines import OVERRUN_FACTORS, POINTS, points
from facilities.models import Breach, Fault
from facilities.models.faults import reference_for

from . import drilldown
from .figures import UNROUTED_LABEL, BreachLine

__all__ = ["OVERRUN_FACTORS", "POINTS", "Credits", "breach_totals", "points"]

_WAIVED = Q(waived_at__isnull=False)


@dataclass
class Credits:
    breaches: int = 0
    waived: int = 0
    points: int = 0
    points_adjusted: int = 0
    pounds: Decimal = Decimal("0.00")
    pounds_adjusted: Decimal = Decimal("0.00")


#: (contractor key (0 unrouted), region id, priority) → Credits
CreditsIndex = dict[tuple[int, int, str], Credits]


def breaches_in(faults: QuerySet[Fault], w: drilldown.Window) -> QuerySet[Breach]:
    """Breach rows of the faults in scope whose late step was done in the window."""
    rows = Breach.objects.filter(done_at__gte=w.start, done_at__lt=w.end)
    if faults.query.has_filters():
        rows = rows.filter(fault__in=faults.values("pk"))
    return rows


def breach_totals(faults: QuerySet[Fault], w: drilldown.Window) -> CreditsIndex:
    pounds = ExpressionWrapper(
        F("points") * F("pounds_per_point"),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
    rows = (
        breaches_in(faults, w)
        .values("fault__contractor_id", "fault__premises__region_id", "fault__priority")
        .annotate(
            n=Count("pk"),
            waived=Count("pk", filter=_WAIVED),
            raw=Coalesce(Sum("points"), 0),
            kept=Coalesce(Sum("points", filter=~_WAIVED), 0),
            raw_pounds=Coalesce(Sum(pounds), zero),
            kept_pounds=Coalesce(Sum(pounds, filter=~_WAIVED), zero),
        )
        .order_by()
    )
    return {
        (
            row["fault__contractor_id"] or 0,
            row["fault__premises__region_id"],
            row["fault__priority"],
        ): Credits(
            breaches=row["n"],
            waived=row["waived"],
            points=row["raw"],
            points_adjusted=row["kept"],
            pounds=Decimal(row["raw_pounds"]),
            pounds_adjusted=Decimal(row["kept_pounds"]),
        )
        for row in rows
    }


def breach_lines(faults: QuerySet[Fault], w: drilldown.Window) -> list[BreachLine]:
    """Every breach scored in the window, oldest first, with what explains its points."""
    rows = (
        breaches_in(faults, w)
        .select_related("fault__premises__region", "fault__contractor")
        .order_by("done_at", "pk")
    )
    return [
        BreachLine(
            reference=reference_for(b.fault_id),
            fault_id=b.fault_id,
            premises=b.fault.premises.name,
            region=b.fault.premises.region.name,
            contractor=b.fault.contractor.name if b.fault.contractor_id else UNROUTED_LABEL,
            priority=b.priority,
            step=b.step,
            due_at=b.due_at,
            done_at=b.done_at,
            paused_minutes=b.paused_minutes,
            taken_minutes=b.taken_minutes,
            target_minutes=b.target_minutes,
            multiplier=b.multiplier,
            points=b.points,
            pounds_per_point=b.pounds_per_point,
            waived=b.is_waived,
            waived_reason=b.waived_reason,
        )
        for b in rows.iterator(chunk_size=2000)
    ]
