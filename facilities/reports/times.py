"""Median and 90th-percentile time to attend and to fix, per group and priority, in SQL.

Times are in each fault's own clock (working hours for working-clock faults), less time on
hold, for the faults attended (or fixed) in the period: the minutes the life cycle stored
when the step was done (`facilities.deadlines`), so no clock is evaluated here.
One query computes them for every grouping at once: on PostgreSQL with `percentile_cont`
over GROUPING SETS; on SQLite (the local demo default, which has neither) with the same
interpolation written out over ROW_NUMBER() windows. Both give `percentile_cont`'s answer:
the value at position 1 + p × (n − 1) of the sorted times, interpolated between neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, F, FloatField, QuerySet, Value, When
from django.db.models.functions import Coalesce

from facilities.models import Fault

from . import drilldown

#: Groupings, by the level names the report uses.
LEVELS = ("contractor_region", "contractor", "region", "total")
#: In per cent, so positions can be worked out in integers on every database.
PERCENTILES = (50, 90)


@dataclass(frozen=True)
class Times:
    """Time taken by the faults that did one step in the period."""

    count: int
    median_hours: float | None
    p90_hours: float | None
    clock: str  # "calendar", "working", "mixed", or "" when there were none

    @classmethod
    def none(cls) -> Times:
        return cls(0, None, None, "")


#: (level, step, contractor key, region id, priority) → Times; the contractor key is the
#: contractor's id, 0 for unrouted, None when the level does not group by contractor.
TimesIndex = dict[tuple[str, str, int | None, int | None, str], Times]


def _durations(faults: QuerySet[Fault], w: drilldown.Window) -> tuple:
    """SQL for each fault attended or fixed in the window, in one scan: its contractor key,
    region, priority, clock, and minutes to attend and to fix (NULL if not in the window)."""
    return (
        faults.filter(drilldown.attended(w) | drilldown.fixed(w))
        .annotate(
            t_c=Coalesce(F("contractor_id"), Value(0)),
            t_r=F("premises__region_id"),
            t_p=F("priority"),
            t_clock=F("clock"),
            t_attend=Case(
                When(drilldown.attended(w), then=F("attend_taken_minutes")),
                output_field=FloatField(),
            ),
            t_fix=Case(
                When(drilldown.fixed(w), then=F("fix_taken_minutes")),
                output_field=FloatField(),
            ),
        )
        .values("t_c", "t_r", "t_p", "t_clock", "t_attend", "t_fix")
        .order_by()
        .query.sql_with_params()
    )


def _steps(inner: str) -> str:
    """One row per step done: (step, contractor key, region, priority, clock, minutes)."""
    if connection.vendor == "postgresql":
        # OFFSET 0 keeps the durations a subquery computed once per fault, rather than
        # inlined (and computed again) into each row of the VALUES list.
        return f"""
            SELECT v.step, d.t_c, d.t_r, d.t_p, d.t_clock, v.t_m
              FROM ({inner} OFFSET 0) AS d
             CROSS JOIN LATERAL (VALUES ('attend', d.t_attend), ('fix', d.t_fix)) AS v(step, t_m)
             WHERE v.t_m IS NOT NULL
        """  # noqa: S608  # nosec B608 # constants and Django-compiled SQL; values are parameters
    return " UNION ALL ".join(
        f"SELECT '{step}' AS step, t_c, t_r, t_p, t_clock, t_{step} AS t_m "  # noqa: S608  # nosec B608 # step is one of two constants
        f"FROM ({inner}) AS d WHERE t_{step} IS NOT NULL"
        for step in ("attend", "fix")
    )


def _postgresql(inner: str) -> str:
    # One sort per group for every percentile (the array form), not one sort per percentile.
    fractions = ", ".join(str(p / 100) for p in PERCENTILES)
    values = ", ".join(f"pc[{n + 1}] / 60.0" for n in range(len(PERCENTILES)))
    return f"""
        SELECT level, step, t_c, t_r, t_p, n, c0, c1, {values} FROM (
          SELECT CASE GROUPING(t_c) * 2 + GROUPING(t_r)
                   WHEN 0 THEN 'contractor_region' WHEN 1 THEN 'contractor'
                   WHEN 2 THEN 'region' ELSE 'total' END AS level,
                 step, t_c, t_r, t_p, COUNT(*) AS n, MIN(t_clock) AS c0, MAX(t_clock) AS c1,
                 percentile_cont(ARRAY[{fractions}]) WITHIN GROUP (ORDER BY t_m) AS pc
            FROM ({inner}) AS durations
           GROUP BY GROUPING SETS (
                 (step, t_c, t_r, t_p), (step, t_c, t_p), (step, t_r, t_p), (step, t_p))
        ) AS grouped
    """  # noqa: S608  # nosec B608 # constants and Django-compiled SQL; values are parameters


def _sqlite(inner: str) -> str:
    levels = " UNION ALL ".join(
        f"SELECT '{level}' AS level, step, {c} AS t_c, {r} AS t_r, t_p, t_clock, t_m FROM d"  # noqa: S608  # nosec B608 # levels and columns are the constants below
        for level, c, r in (
            ("contractor_region", "t_c", "t_r"),
            ("contractor", "t_c", "NULL"),
            ("region", "NULL", "t_r"),
            ("total", "NULL", "NULL"),
        )
    )
    picks = []
    for n, p in enumerate(PERCENTILES):
        # Position 1 + p(n - 1): its whole part in integer division, its fraction from the rest.
        whole = f"(((n - 1) * {p}) / 100)"
        fraction = f"((((n - 1) * {p}) %% 100) / 100.0)"
        picks.append(
            f"MAX(CASE WHEN rn = 1 + {whole} THEN t_m END) AS lo{n}, "
            f"MAX(CASE WHEN rn = 2 + {whole} THEN t_m END) AS hi{n}, "
            f"{fraction} AS f{n}"
        )
    values = ", ".join(
        f"(lo{n} + f{n} * (COALESCE(hi{n}, lo{n}) - lo{n})) / 60.0" for n in range(len(PERCENTILES))
    )
    return f"""
        WITH d AS (SELECT * FROM ({inner}) AS durations),
             g AS ({levels}),
             ranked AS (
               SELECT g.*,
                      ROW_NUMBER() OVER (PARTITION BY level, step, t_c, t_r, t_p
                                         ORDER BY t_m) AS rn,
                      COUNT(*) OVER (PARTITION BY level, step, t_c, t_r, t_p) AS n
                 FROM g),
             picked AS (
               SELECT level, step, t_c, t_r, t_p, n, MIN(t_clock) AS c0, MAX(t_clock) AS c1,
                      {", ".join(picks)}
                 FROM ranked GROUP BY level, step, t_c, t_r, t_p, n)
        SELECT level, step, t_c, t_r, t_p, n, c0, c1, {values} FROM picked
    """  # noqa: S608  # nosec B608 # constants and Django-compiled SQL; values are parameters


def times(faults: QuerySet[Fault], w: drilldown.Window) -> TimesIndex:
    """Times to attend and to fix in the window, for every grouping and priority."""
    inner, params = _durations(faults, w)
    if connection.vendor != "postgresql":
        params = params * 2  # the durations appear once per step
    steps = _steps(inner)
    sql = _postgresql(steps) if connection.vendor == "postgresql" else _sqlite(steps)
    index: TimesIndex = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for level, step, c, r, p, n, clock_min, clock_max, median, p90 in cursor.fetchall():
            clock = clock_min if clock_min == clock_max else "mixed"
            index[(level, step, c, r, p)] = Times(n, _number(median), _number(p90), clock or "")
    return index


def _number(value) -> float | None:
    return None if value is None else float(value)
