"""The contractor performance report: database queries returning plain dataclasses.

`build()` is the one entry point the page, the downloads and the issued monthly report use.
It takes the faults in scope (already narrowed by `facilities.access` and any region or
contractor chosen) and a period, and runs a handful of queries in one snapshot
(`session.reporting`), each aggregating in the database:

1. counts and sums for every (contractor, region, priority), by conditional aggregation —
   each count is `Count(filter=<drilldown slice>)`, the very Q its link to the fault list
   uses — and service credits from the breach rows (`credits`), raw and after waivers;
2. first-time fix (`repeats`, one window pass), 3. median and 90th-percentile times
   (`times`), 4. days without heating and the oldest open fault (`spans`), 5. escalations by
   level, 6. the trend over the previous months (`trend`).

The first query's rows (a few hundred at most: contractors × regions × priorities) are then
added up into the total, per contractor, per region and per contractor × region. Nothing
loops over faults in Python. The drill-down tests check every count against the fault list.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, F, FloatField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least

from facilities.models import Contractor, Escalation, Fault, Region
from facilities.periods import Period

from . import credits, drilldown, repeats, session, spans, times
from .epoch import Epoch
from .figures import (
    PRIORITIES,
    UNROUTED,
    UNROUTED_LABEL,
    Figures,
    PriorityFigures,
    Report,
    Step,
    TrendPoint,
    percent,
)
from .trend import trend

__all__ = [
    "PRIORITIES",
    "UNROUTED",
    "Figures",
    "PriorityFigures",
    "Report",
    "Step",
    "TrendPoint",
    "build",
    "percent",
]

# --- The queries ------------------------------------------------------------------------------


def _aggregates(w: drilldown.Window) -> dict:
    """Conditional aggregates for one window; each count is over one drill-down slice."""

    def count(q):
        return Count("pk", filter=q)

    beds = drilldown.beds_out_of_use(w)
    cutoff = Value(w.cutoff)
    out_of_use = Epoch(Least(Coalesce("fixed_at", "cancelled_at", cutoff), cutoff)) - Epoch(
        Greatest(F("reported_at"), Value(w.start))
    )
    aggregates = {
        "logged": count(drilldown.logged(w)),
        "fixed": count(drilldown.fixed(w)),
        "fixed_on_time": count(drilldown.fixed_on_time(w)),
        "attended": count(drilldown.attended(w)),
        "attended_on_time": count(drilldown.attended_on_time(w)),
        "made_safe": count(drilldown.made_safe(w)),
        "made_safe_on_time": count(drilldown.made_safe_on_time(w)),
        "attended_waived": count(drilldown.attended_waived(w)),
        "made_safe_waived": count(drilldown.made_safe_waived(w)),
        "fixed_waived": count(drilldown.fixed_waived(w)),
        "open_at_end": count(drilldown.open_at_end(w)),
        "overdue_at_end": count(drilldown.overdue_at_end(w)),
        "safety_open_24h": count(drilldown.safety_open_24h(w)),
        "bed_faults": count(beds),
        "bed_seconds": Sum(
            F("beds_out_of_use") * out_of_use, filter=beds, output_field=FloatField()
        ),
        "heating_faults": count(drilldown.without_heating(w)),
        "breaches": count(drilldown.breached(w)),
    }
    return aggregates


def _counts(faults: QuerySet[Fault], w: drilldown.Window) -> list[dict]:
    return list(
        faults.filter(drilldown.relevant(w))
        .values("contractor_id", "premises__region_id", "priority")
        .annotate(**_aggregates(w))
        .order_by()
    )


def _escalations(faults: QuerySet[Fault], w: drilldown.Window) -> list[dict]:
    """Escalations raised in the period, by the fault's contractor, region and level.

    A fault is raised to each level at most once, so this equals the number of faults the
    `escalated_<level>` slice finds.
    """
    raised = Escalation.objects.filter(raised_at__gte=w.start, raised_at__lt=w.end)
    if faults.query.has_filters():
        raised = raised.filter(fault__in=faults.values("pk"))
    return list(
        raised.values("fault__contractor_id", "fault__premises__region_id", "level")
        .annotate(n=Count("pk"))
        .order_by()
    )


# --- Adding up ----------------------------------------------------------------------------------


def _keys(contractor_id: int | None, region_id: int) -> dict[str, tuple]:
    c = UNROUTED if contractor_id is None else contractor_id
    return {
        "total": (None, None),
        "contractor": (c, None),
        "region": (None, region_id),
        "contractor_region": (c, region_id),
    }


_COUNTS = (
    "logged",
    "fixed",
    "open_at_end",
    "overdue_at_end",
    "safety_open_24h",
    "bed_faults",
    "heating_faults",
    "breaches",
)


def _add_row(figures: Figures, row: dict) -> None:
    for name in _COUNTS:
        setattr(figures, name, getattr(figures, name) + (row[name] or 0))
    figures.bed_days_lost += (row["bed_seconds"] or 0.0) / spans.DAY_SECONDS
    p = figures.priorities[row["priority"]]
    p.attend.add(Step(row["attended"], row["attended_on_time"], row["attended_waived"]))
    p.make_safe.add(Step(row["made_safe"], row["made_safe_on_time"], row["made_safe_waived"]))
    p.fix.add(Step(row["fixed"], row["fixed_on_time"], row["fixed_waived"]))
    p.breaches += row["breaches"]


def _add_credits(figures: Figures, priority: str, c: credits.Credits) -> None:
    for target in (figures, figures.priorities[priority]):
        target.breaches_waived += c.waived
        target.credit_points += c.points
        target.credit_points_adjusted += c.points_adjusted
        target.credit_pounds += c.pounds
        target.credit_pounds_adjusted += c.pounds_adjusted


def build(
    faults: QuerySet[Fault],
    period: Period,
    *,
    now: datetime,
    scope: str = "All faults",
    selection: dict[str, str] | None = None,
    filters: dict[str, int | str] | None = None,
    trend_months: int = 6,
    with_breach_lines: bool = True,
) -> Report:
    """The report on `faults` (already scoped) for `period`, as of `now`. The per-breach lines
    (a month has tens of thousands at a million faults, several seconds to build) are only
    for the downloads' per-fault sheet: `with_breach_lines=False` leaves them out (the page)."""
    with session.reporting():
        return _build(
            faults, period, now, scope, selection or {}, filters or {}, trend_months,
            with_breach_lines,
        )  # fmt: skip


def _build(faults, period, now, scope, selection, filters, trend_months, lines) -> Report:
    w = drilldown.Window.of(period, now)
    rows = _counts(faults, w)

    groups: dict[tuple[str, int | None, int | None], Figures] = {}

    def group(level: str, key: tuple) -> Figures:
        if (level, *key) not in groups:
            groups[(level, *key)] = Figures(level, contractor_id=key[0], region_id=key[1])
        return groups[(level, *key)]

    group("total", (None, None))
    for row in rows:
        for level, key in _keys(row["contractor_id"], row["premises__region_id"]).items():
            _add_row(group(level, key), row)
    for (c, r, p), found in credits.breach_totals(faults, w).items():
        for level, key in _keys(c or None, r).items():
            _add_credits(group(level, key), p, found)
    for (c, r, _p), n in repeats.first_time_fixed(faults, w).items():
        for level, key in _keys(c or None, r).items():
            group(level, key).first_time_fixed += n
    for row in _escalations(faults, w):
        keys = _keys(row["fault__contractor_id"], row["fault__premises__region_id"])
        for level, key in keys.items():
            group(level, key).escalations[row["level"]] += row["n"]
    _fill_times(groups, times.times(faults, w))
    _fill_spans(groups, faults, w)
    _name(groups)

    def level(name: str) -> list[Figures]:
        found = [f for (lvl, *_), f in groups.items() if lvl == name]
        return sorted(found, key=_order)

    return Report(
        period=period,
        as_of=now,
        cutoff=w.cutoff,
        scope=scope,
        total=groups[("total", None, None)],
        by_contractor=level("contractor"),
        by_region=level("region"),
        by_contractor_region=level("contractor_region"),
        trend=trend(faults, period, now=now, months=trend_months),
        selection=selection,
        filters=filters,
        breach_lines=credits.breach_lines(faults, w) if lines else [],
    )


def _fill_times(groups: dict, index: times.TimesIndex) -> None:
    for (level, c, r), figures in groups.items():
        for p, pf in figures.priorities.items():
            pf.attend_times = index.get((level, "attend", c, r, p), times.Times.none())
            pf.fix_times = index.get((level, "fix", c, r, p), times.Times.none())


def _fill_spans(groups: dict, faults: QuerySet[Fault], w: drilldown.Window) -> None:
    heating = spans.heating_days(faults, w)
    by_contractor = heating.by_contractor()
    oldest = spans.oldest_open(faults, w)
    for (level, c, r), figures in groups.items():
        figures.heating_days = {
            "total": heating.total,
            "contractor": by_contractor.get(c, 0.0),
            "region": heating.by_region.get(r, 0.0),
            "contractor_region": heating.by_contractor_region.get((c, r), 0.0),
        }[level]
        candidates = [
            o
            for (oc, orr), o in oldest.items()
            if (c is None or oc == c) and (r is None or orr == r)
        ]
        figures.oldest_open = min(
            candidates, key=lambda o: (o.reported_at, o.fault_id), default=None
        )


def _name(groups: dict) -> None:
    contractors = dict(Contractor.objects.values_list("pk", "name"))
    regions = dict(Region.objects.values_list("pk", "name"))
    for figures in groups.values():
        if figures.contractor_id is not None:
            figures.contractor = (
                UNROUTED_LABEL
                if figures.contractor_id == UNROUTED
                else contractors.get(figures.contractor_id, "")
            )
        if figures.region_id is not None:
            figures.region = regions.get(figures.region_id, "")


def _order(figures: Figures) -> tuple:
    """Contractors by name with Unrouted last; then regions by name."""
    return (figures.contractor_id == UNROUTED, figures.contractor, figures.region)
