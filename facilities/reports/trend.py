"""The trend: the headline figures of the period and the six before it, in two passes.

Asking every question once per month would evaluate each condition seven times per fault.
Instead:

- figures taken *at* each period's end (open, overdue, safety-critical open over 24 hours,
  bed-days) are conditional aggregates over the drill-down slices, one per period, in one
  query — each a handful of comparisons;
- figures about *events* (logged, attended, fixed, and whether on time) put each fault's
  event in its period once — a bucket number — and count per bucket in one pass (GROUPING
  SETS on PostgreSQL, a UNION of GROUP BYs on SQLite).

Service credits are reported for the period itself, not in the trend: scoring every late
step of seven months costs more than the rest of the report together.

The drill-down test checks each trend figure against the fault list's count for its link.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import Case, Count, F, FloatField, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest, Least

from facilities.models import Fault
from facilities.periods import Period

from . import drilldown
from .epoch import Epoch
from .figures import Step, TrendPoint

DAY_SECONDS = 86400.0


def _bucket(field: str, bounds: list[datetime]) -> Case:
    """-1 before the first period, k within period k, len(periods) after; NULL if never."""
    return Case(
        When(**{f"{field}__isnull": True}, then=Value(None)),
        *(When(**{f"{field}__lt": bound}, then=Value(k - 1)) for k, bound in enumerate(bounds)),
        default=Value(len(bounds) - 1),
        output_field=IntegerField(),
    )


def _flag(q: Q) -> Case:
    return Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())


def _state(faults: QuerySet[Fault], windows: list[drilldown.Window]) -> dict:
    """Open, overdue, safety-critical over 24 h and bed-seconds at each period end."""
    aggregates = {}
    for n, w in enumerate(windows):
        cutoff = Value(w.cutoff)
        out_of_use = Epoch(Least(Coalesce("fixed_at", "cancelled_at", cutoff), cutoff)) - Epoch(
            Greatest(F("reported_at"), Value(w.start))
        )
        aggregates |= {
            f"m{n}_open": Count("pk", filter=drilldown.open_at_end(w)),
            f"m{n}_overdue": Count("pk", filter=drilldown.overdue_at_end(w)),
            f"m{n}_safety": Count("pk", filter=drilldown.safety_open_24h(w)),
            f"m{n}_beds": Sum(
                F("beds_out_of_use") * out_of_use,
                filter=drilldown.beds_out_of_use(w),
                output_field=FloatField(),
            ),
        }
    return faults.aggregate(**aggregates)


def _events_sql(faults: QuerySet[Fault], bounds: list[datetime]) -> tuple[str, tuple]:
    return (
        faults.annotate(
            t_rep=_bucket("reported_at", bounds),
            t_att=_bucket("attended_at", bounds),
            t_fix=_bucket("fixed_at", bounds),
            t_att_ok=_flag(Q(attended_at__lte=F("attend_due_at"))),
            t_fix_ok=_flag(Q(fixed_at__lte=F("fix_due_at"))),
        )
        .values("t_rep", "t_att", "t_fix", "t_att_ok", "t_fix_ok")
        .order_by()
        .query.sql_with_params()
    )


#: Each event: its bucket column, and what is counted as done on time.
_EVENTS = {
    "logged": ("t_rep", "0"),
    "attend": ("t_att", "t_att_ok"),
    "fix": ("t_fix", "t_fix_ok"),
}
#: The bucket columns, in the order of the GROUPING() bits (0: grouped by this one).
_COLUMNS = [column for column, _ok in _EVENTS.values()]


def _sqlite_select(column: str) -> str:
    """One grouping set as its own GROUP BY, with PostgreSQL's GROUPING() bits written out."""
    bits = ", ".join("0" if c == column else "1" for c in _COLUMNS)
    buckets = ", ".join(c if c == column else "NULL" for c in _COLUMNS)
    return f"SELECT {bits}, {buckets}, COUNT(*), {_OK} FROM events GROUP BY {column}"  # noqa: S608  # nosec B608 # constant column names only


_OK = "SUM(t_att_ok), SUM(t_fix_ok)"


def _events(faults: QuerySet[Fault], bounds: list[datetime]) -> dict[tuple[str, int], Step]:
    """(event, bucket) → how many, and how many on time, for every event in the span."""
    inner, params = _events_sql(faults, bounds)
    if connection.vendor == "postgresql":
        sets = ", ".join(f"({column})" for column in _COLUMNS)
        sql = f"""
            SELECT GROUPING(t_rep), GROUPING(t_att), GROUPING(t_fix),
                   t_rep, t_att, t_fix, COUNT(*), {_OK}
              FROM ({inner}) AS events
             GROUP BY GROUPING SETS ({sets})
        """  # noqa: S608  # nosec B608 # constants and Django-compiled SQL; values are parameters
    else:
        selects = " UNION ALL ".join(_sqlite_select(column) for column in _COLUMNS)
        sql = f"WITH events AS ({inner}) {selects}"
    found: dict[tuple[str, int], Step] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            grouped, buckets, n, on_time = row[0:3], row[3:6], row[6], row[7:9]
            ok = {"t_att_ok": on_time[0], "t_fix_ok": on_time[1]}
            for index, (event, (_column, ok_column)) in enumerate(_EVENTS.items()):
                if grouped[index] == 0 and buckets[index] is not None:
                    found[(event, buckets[index])] = Step(n, ok.get(ok_column) or 0)
    return found


def trend(
    faults: QuerySet[Fault],
    period: Period,
    *,
    now: datetime,
    months: int = 6,
) -> list[TrendPoint]:
    """The headline figures for the period and the `months` before it."""
    periods = period.trend(months)
    windows = [drilldown.Window.of(p, now) for p in periods]
    span = drilldown.Window(windows[0].start, windows[-1].end, windows[-1].cutoff)
    relevant = faults.filter(drilldown.relevant(span))
    state = _state(relevant, windows)
    events = _events(relevant, [windows[0].start, *(w.end for w in windows)])

    def done(event: str, k: int) -> Step:
        return events.get((event, k), Step())

    return [
        TrendPoint(
            period=p,
            logged=done("logged", k).done,
            fixed=done("fix", k).done,
            open_at_end=state[f"m{k}_open"],
            overdue_at_end=state[f"m{k}_overdue"],
            attend=done("attend", k),
            fix=done("fix", k),
            safety_open_24h=state[f"m{k}_safety"],
            bed_days_lost=(state[f"m{k}_beds"] or 0.0) / DAY_SECONDS,
        )
        for k, p in enumerate(periods)
    ]
