"""Measures over spans of time: premises-days without heating, and the oldest open fault.

Days without heating are the time a premises had at least one heating fault open, within the
period: two heating faults open at once at one premises are one premises without heating, not
two. The overlapping spans are merged in SQL ("gaps and islands" with window functions), per
premises for regions and the whole report, and per contractor and premises for contractors
(a contractor answers for its own faults).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import F, QuerySet, Value, Window
from django.db.models.functions import Coalesce, Greatest, Least, RowNumber

from facilities.models import Fault

from . import drilldown
from .epoch import Epoch

DAY_SECONDS = 86400.0


def _spans(faults: QuerySet[Fault], w: drilldown.Window) -> tuple[str, tuple]:
    """SQL for each heating fault's span within the period, in epoch seconds."""
    start = Value(w.start)
    cutoff = Value(w.cutoff)
    closed = Coalesce("fixed_at", "cancelled_at", cutoff)
    query = (
        faults.filter(drilldown.without_heating(w))
        .annotate(
            h_c=Coalesce(F("contractor_id"), Value(0)),
            h_r=F("premises__region_id"),
            h_p=F("premises_id"),
            h_s=Epoch(Greatest(F("reported_at"), start)),
            h_e=Epoch(Least(closed, cutoff)),
        )
        .values("h_c", "h_r", "h_p", "h_s", "h_e")
        .order_by()
    )
    return query.query.sql_with_params()


def _islands(keys: str) -> str:
    """Merged spans per `keys` (which include the premises), from the CTE `f`."""
    return f"""
        SELECT {keys}, MIN(h_s) AS s, MAX(h_e) AS e FROM (
          SELECT {keys}, h_s, h_e,
                 SUM(CASE WHEN reach IS NULL OR h_s > reach THEN 1 ELSE 0 END)
                   OVER (PARTITION BY {keys} ORDER BY h_s, h_e ROWS UNBOUNDED PRECEDING) AS island
            FROM (SELECT {keys}, h_s, h_e,
                         MAX(h_e) OVER (PARTITION BY {keys} ORDER BY h_s, h_e
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
                    FROM f) AS x) AS y
        GROUP BY {keys}, island
    """  # noqa: S608  # nosec B608 # only constant column names, no value


def _merged_days(inner: str) -> str:
    """Days per (contractor, region) merged per contractor and premises, and per region
    merged per premises (contractor NULL), from one read of the spans."""
    return f"""
        WITH f AS (SELECT * FROM ({inner}) AS spans)
        SELECT h_c, h_r, SUM(e - s) / {DAY_SECONDS} FROM ({_islands("h_c, h_r, h_p")}) AS a
         GROUP BY h_c, h_r
        UNION ALL
        SELECT NULL, h_r, SUM(e - s) / {DAY_SECONDS} FROM ({_islands("h_r, h_p")}) AS b
         GROUP BY h_r
    """  # noqa: S608  # nosec B608 # constants and Django-compiled SQL; values are parameters


@dataclass(frozen=True)
class HeatingDays:
    #: (contractor key, region id) → days; contractor key 0 is unrouted.
    by_contractor_region: dict[tuple[int, int], float]
    #: region id → days (merged across contractors).
    by_region: dict[int, float]

    def by_contractor(self) -> dict[int, float]:
        totals: dict[int, float] = {}
        for (contractor, _region), days in self.by_contractor_region.items():
            totals[contractor] = totals.get(contractor, 0.0) + days
        return totals

    @property
    def total(self) -> float:
        return sum(self.by_region.values())


def heating_days(faults: QuerySet[Fault], w: drilldown.Window) -> HeatingDays:
    inner, params = _spans(faults, w)
    by_cr: dict[tuple[int, int], float] = {}
    by_r: dict[int, float] = {}
    with connection.cursor() as cursor:
        cursor.execute(_merged_days(inner), params)
        for c, r, days in cursor.fetchall():
            if c is None:
                by_r[r] = float(days)
            else:
                by_cr[(c, r)] = float(days)
    return HeatingDays(by_cr, by_r)


@dataclass(frozen=True)
class Oldest:
    """The longest-open fault at the cutoff."""

    fault_id: int
    reported_at: datetime
    age_days: float


def oldest_open(faults: QuerySet[Fault], w: drilldown.Window) -> dict[tuple[int, int], Oldest]:
    """The oldest fault open at the cutoff per (contractor key, region), by a window function."""
    rows = (
        faults.filter(drilldown.open_at_end(w))
        .annotate(
            o_c=Coalesce(F("contractor_id"), Value(0)),
            o_r=F("premises__region_id"),
            o_rank=Window(
                RowNumber(),
                partition_by=[F("contractor_id"), F("premises__region_id")],
                order_by=[F("reported_at").asc(), F("pk").asc()],
            ),
        )
        .filter(o_rank=1)
        .values_list("o_c", "o_r", "pk", "reported_at")
        .order_by()
    )
    return {
        (c, r): Oldest(pk, at, (w.cutoff - at).total_seconds() / DAY_SECONDS)
        for c, r, pk, at in rows
    }
