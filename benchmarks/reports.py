"""Benchmark: a month's full contractor performance report over N faults (PostgreSQL).

    createdb -h 127.0.0.1 -U postgres reportbench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/reportbench
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --faults 1000000 --now 2026-05-05T12:00:00
    .venv/bin/python benchmarks/reports.py --month 2026-04 --now 2026-05-05T12:00:00
    dropdb -h 127.0.0.1 -U postgres reportbench

Times, after one warm-up run (the figures are the best and the median of --runs):

1. the floor: one hand-written SQL query for the headline figures (logged, fixed, fixed on
   time, attended on time, open and overdue at month end) per contractor and region — the
   least any report can cost;
2. `measures.build()`: the whole report as the page, downloads and monthly email use it —
   every measure per contractor, region and both, service levels, percentiles and service
   credits by priority, days without heating, escalations, oldest open, and the trend over
   the six months before — broken down by query;
3. the same for one region (a regional contract manager's report);
4. the files (CSV, XLSX, PDF with charts), for information: they are made once a month.

It prints the figures; it is not a timed test. Results go in benchmarks/results/reports.txt.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from facilities.models import Fault, Region  # noqa: E402
from facilities.periods import Period  # noqa: E402
from facilities.reports import (  # noqa: E402
    charts,
    credits,
    drilldown,
    exports,
    measures,
    repeats,
    session,
    spans,
    tables,
    times,
    trend,
)

FLOOR_SQL = """
SELECT f.contractor_id, p.region_id,
       COUNT(*) FILTER (WHERE f.reported_at >= %(start)s AND f.reported_at < %(end)s),
       COUNT(*) FILTER (WHERE f.fixed_at >= %(start)s AND f.fixed_at < %(end)s),
       COUNT(*) FILTER (WHERE f.fixed_at >= %(start)s AND f.fixed_at < %(end)s
                          AND f.fixed_at <= f.fix_due_at),
       COUNT(*) FILTER (WHERE f.attended_at >= %(start)s AND f.attended_at < %(end)s
                          AND f.attended_at <= f.attend_due_at),
       COUNT(*) FILTER (WHERE f.reported_at < %(end)s
                          AND (f.fixed_at IS NULL OR f.fixed_at >= %(end)s)
                          AND (f.cancelled_at IS NULL OR f.cancelled_at >= %(end)s)),
       COUNT(*) FILTER (WHERE f.reported_at < %(end)s
                          AND (f.fixed_at IS NULL OR f.fixed_at >= %(end)s)
                          AND (f.cancelled_at IS NULL OR f.cancelled_at >= %(end)s)
                          AND (f.on_hold_since IS NULL OR f.on_hold_since >= %(end)s)
                          AND ((f.attend_due_at < %(end)s
                                AND (f.attended_at IS NULL OR f.attended_at >= %(end)s))
                               OR f.fix_due_at < %(end)s))
  FROM facilities_fault f JOIN facilities_premises p ON p.id = f.premises_id
 WHERE f.reported_at < %(end)s
   AND (f.fixed_at IS NULL OR f.fixed_at >= %(start)s)
   AND (f.cancelled_at IS NULL OR f.cancelled_at >= %(start)s)
 GROUP BY f.contractor_id, p.region_id
"""


def timed(fn, runs: int) -> tuple[float, float, object, int]:
    """(best, median) seconds over `runs` after one warm-up, the last result, queries per run."""
    fn()
    seconds = []
    result = None
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            result = fn()
            seconds.append(time.perf_counter() - start)
    return min(seconds), statistics.median(seconds), result, len(queries.captured_queries)


def line(name: str, best: float, median: float, queries: int | None = None) -> None:
    q = f"  {queries:>3} queries" if queries is not None else ""
    print(f"  {name:<52} best {best * 1000:8.0f} ms   median {median * 1000:8.0f} ms{q}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--month", default="2026-04")
    parser.add_argument("--now", default="2026-05-05T12:00:00+00:00")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--files", action="store_true", help="also time CSV, XLSX and PDF")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL (DATABASE_URL=postgres://…).")

    period = Period.from_slug(args.month)
    now = datetime.fromisoformat(args.now)
    w = drilldown.Window.of(period, now)
    faults = Fault.objects.all()

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        server = cursor.fetchone()[0].split(" on ")[0]
    total = faults.count()
    in_month = faults.filter(drilldown.logged(w)).count()
    relevant = faults.filter(drilldown.relevant(w)).count()
    print(f"{server}; {os.cpu_count()} CPUs; jit/work_mem as build() sets them")
    print(f"{total:,} faults; report for {period.label} as of {now:%Y-%m-%d %H:%M}")
    print(f"  faults logged in the month: {in_month:,}; relevant to it: {relevant:,}")
    print()

    params = {"start": w.start, "end": w.end}

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_SQL, params)
            return cursor.fetchall()

    best, median, _rows, q = timed(floor, args.runs)
    line("floor: hand-written SQL, headline figures", best, median, q)

    parts = [
        ("counts and SLA (contractor×region×priority)", lambda: measures._counts(faults, w)),
        ("service credits from breach rows", lambda: credits.breach_totals(faults, w)),
        ("per-fault credit lines", lambda: credits.breach_lines(faults, w)),
        ("first-time fix (one window pass)", lambda: repeats.first_time_fixed(faults, w)),
        ("percentiles (GROUPING SETS, percentile_cont)", lambda: times.times(faults, w)),
        ("days without heating (gaps and islands)", lambda: spans.heating_days(faults, w)),
        ("oldest open (window function)", lambda: spans.oldest_open(faults, w)),
        ("escalations by level", lambda: measures._escalations(faults, w)),
        ("trend: 7 periods' headline figures", lambda: trend.trend(faults, period, now=now)),
    ]  # fmt: skip
    print("  each part, as build() runs it (one snapshot, JIT off, work_mem for sorts):")
    for name, fn in parts:

        def in_session(fn=fn):
            with session.reporting():
                return fn()

        best, median, _result, q = timed(in_session, args.runs)
        line(f"  {name}", best, median, q)

    def full():
        return measures.build(faults, period, now=now)

    best, median, report, q = timed(full, args.runs)
    line("measures.build(): the full report", best, median, q)
    print(f"  → {'PASS' if median < 2 else 'FAIL'}: median under 2 s")

    region = Region.objects.order_by("name").first()
    scoped = Fault.objects.filter(premises__region=region)
    best, median, _r, q = timed(lambda: measures.build(scoped, period, now=now), args.runs)
    line(f"one region ({region.name})", best, median, q)
    print()

    t = report.total
    print("Figures (whole estate):")
    print(
        f"  logged {t.logged:,}, fixed {t.fixed:,}, open at end {t.open_at_end:,}, "
        f"overdue at end {t.overdue_at_end:,}, first-time fix {t.first_time_fix_percent:.1f}%"
    )
    for p, pf in t.priorities.items():
        print(
            f"  {p}: attended {pf.attend.done:,} ({pf.attend.percent_on_time or 0:.1f}% on time), "
            f"fixed {pf.fix.done:,} ({pf.fix.percent_on_time or 0:.1f}% on time), "
            f"median fix {pf.fix_times.median_hours or 0:.1f} h, "
            f"p90 {pf.fix_times.p90_hours or 0:.1f} h "
            f"({pf.fix_times.clock}), credits {pf.credit_points:,} points"
        )  # fmt: skip
    print(f"  escalations {t.escalations}, safety-critical open > 24 h {t.safety_open_24h:,}")
    print(
        f"  bed-days lost {t.bed_days_lost:,.1f}, "
        f"premises-days without heating {t.heating_days:,.1f}"
    )
    print(f"  service credits £{t.credit_pounds:,.2f} ({t.credit_points:,} points)")
    print(f"  {len(report.by_contractor)} contractors, {len(report.by_region)} regions, "
          f"{len(report.by_contractor_region)} contractor×region cells")  # fmt: skip

    if args.files:
        print()
        provenance = exports.Provenance(made_at="benchmark", app_version="benchmark")
        all_tables = tables.all_tables(report)
        for name, fn in [
            ("CSV", lambda: exports.to_csv(report, all_tables)),
            ("XLSX", lambda: exports.to_xlsx(report, provenance, all_tables)),
            ("charts (3 SVG)", lambda: charts.all_charts(report)),
            ("PDF (with charts)", lambda: exports.to_pdf(report, provenance, all_tables)),
        ]:
            best, median, data, _q = timed(fn, max(1, args.runs // 2))
            size = f"  {len(data) / 1024:6.0f} KB" if isinstance(data, bytes) else ""
            line(name, best, median)
            if size:
                print(f"    {size.strip()}")


if __name__ == "__main__":
    main()
