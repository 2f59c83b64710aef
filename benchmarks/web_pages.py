"""Benchmark: the pages that find faults — the fault list and the home dashboard — at
1,000,000 faults (PostgreSQL), beside their SQL floor, with a profile of where the time goes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/seedbench \\
        nice -n 10 .venv/bin/python benchmarks/web_pages.py [--runs 20] [--profile] [--only TEXT]

A script, not a test (issue 13 item 2: "list pages and dashboard ≤ 25 ms median at 1,000,000
faults, ≤ 10× the floor, constant query count; the profile before and after"). Run it at
100,000 faults too (`seed_demo --faults 100000`) to see how it grows (item 6).

It may point at a shared seeded database: everything runs in ONE transaction rolled back at the
end — the migrations the database lacks, ANALYZE where there are no statistics, any index asked
for. Each page is fetched with Django's test client as a signed-in person (server time: URL
routing, middleware, the queries and the template; no network), warmed up twice, then timed
`--runs` times. Columns: median and 90th-percentile wall time (the target's measure), the
median CPU time of this thread (the app's own work, which other load on the machine changes
least), the median time in SQL as the app saw it, the queries (min-max over the runs: one
number when constant), the load average (1 min) when the page ended, and the floor: the
page's costliest query alone, as hand-written SQL sent straight to the database (the rows of
the page, or the dashboard's counts), median — what any implementation of the page pays.
People: the demo's national contract manager (every fault), an office manager (three
premises) and a regional contract manager (one region).

With `--profile`, each person's first list page and home page are profiled (cProfile over
`--runs` requests) and the time is shown by part — Django and middleware, the filters and
their choices, the page's rows, the dashboard's figures, the template — with the costliest
functions.

Options:
  --add-missing-indexes  create `Fault.Meta.indexes` missing from the database (rolled back);
  --trigram              create the PostgreSQL-only pg_trgm indexes for the text search
                         (`TRIGRAM_INDEXES`: not in Meta, as SQLite cannot build them);
  --only TEXT            just the pages whose name contains TEXT (e.g. "text search");
  --explain              print PostgreSQL's plan for the slowest query of each page.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.core.signals import request_finished, request_started  # noqa: E402
from django.db import close_old_connections, connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from benchmarks.api import analyse_if_never_analysed, schema_up_to_date  # noqa: E402
from facilities.models import Category, Contractor, Fault, Premises, Region, User  # noqa: E402

TRIGRAM_INDEXES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS fault_description_trgm ON facilities_fault "
    "USING gin (upper(description) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS fault_location_trgm ON facilities_fault "
    "USING gin (upper(location::text) gin_trgm_ops)",
]
TARGET_MS = 25.0
TARGET_RATIO = 10.0
#: The text search reads many rows by its nature: the issue's 25 ms is for the list pages.
SEARCH_MS = 100.0

# Keep one database connection (and with it the one transaction) for every request.
request_started.disconnect(close_old_connections)
request_finished.disconnect(close_old_connections)


@dataclass
class Figures:
    median_ms: float
    p90_ms: float
    cpu_ms: float  # this thread's CPU time (the app's own work), median
    sql_ms: float  # the database's time as the app saw it, median
    queries: list[int]  # per run
    load: float
    floor_ms: float
    slowest_sql: str


def floor_of(sql: str, runs: int) -> float:
    """The median time of one statement sent straight to the database, rows fetched."""
    times = []
    with connection.cursor() as cursor:
        for _ in range(runs):
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(client: Client, url: str, runs: int) -> Figures:
    """Median wall time, app CPU time and SQL time over `runs` requests, and the queries."""
    for _ in range(2):
        assert client.get(url).status_code == 200, url
    walls, cpus, sqls, counts = [], [], [], []
    slowest = ("", -1.0)
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started, cpu_started = time.perf_counter(), time.thread_time()
            response = client.get(url)
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.thread_time() - cpu_started) * 1000)
            captured = list(queries.captured_queries)  # the next request clears the log
        assert response.status_code == 200, url
        sqls.append(sum(float(q["time"]) for q in captured) * 1000)
        counts.append(len(captured))
        for query in captured:
            if (
                "facilities_fault" in query["sql"].split(" WHERE ")[0]
                and float(query["time"]) > slowest[1]
            ):
                slowest = (query["sql"], float(query["time"]))
    return Figures(
        median_ms=statistics.median(walls),
        p90_ms=statistics.quantiles(walls, n=10)[-1],
        cpu_ms=statistics.median(cpus),
        sql_ms=statistics.median(sqls),
        queries=counts,
        load=os.getloadavg()[0],
        floor_ms=floor_of(slowest[0], runs) if slowest[0] else 0.0,
        slowest_sql=slowest[0],
    )


def cases() -> list[tuple[str, str, float]]:
    """(name, URL, target ms)."""
    premises = Premises.objects.get(code="newcastle")
    region = Region.objects.get(code="north-east")
    heating = Category.objects.get(slug="heating-hot-water")
    contractor = Contractor.objects.order_by("name").first()
    reference = Fault.objects.order_by("-pk").values_list("pk", flat=True)[5000]

    def faults(target: float = TARGET_MS, **query: object) -> tuple[str, float]:
        return f"/faults/?{urlencode(query)}" if query else "/faults/", target

    pages = {
        "list: first page (open, newest first)": faults(),
        "list: premises": faults(premises=premises.pk),
        "list: region": faults(region=region.pk),
        "list: category (heating)": faults(category=heating.pk),
        "list: priority P1": faults(priority="P1"),
        "list: status all": faults(status="all"),
        "list: status closed": faults(status="closed"),
        "list: contractor": faults(contractor=contractor.pk),
        "list: unrouted": faults(contractor="unrouted"),
        "list: overdue": faults(overdue=1),
        "list: safety-critical": faults(safety_critical=1),
        "list: safety-critical open > 24 h": faults(open_over_24h=1),
        "list: beds out of use": faults(beds=1),
        "list: without heating": faults(without_heating=1),
        "list: sorted by fix due": faults(sort="fix_due"),
        "list: sorted by priority": faults(sort="priority"),
        "list: page 20": faults(page=20),
        "list: reference search": faults(q=f"FLT-{reference:06d}"),
        "list: text search (open)": faults(SEARCH_MS, q="boiler"),
        "list: text search, two words (open)": faults(SEARCH_MS, q="radiator cold"),
        "list: text search (all statuses)": faults(SEARCH_MS, q="boiler", status="all"),
        "list: all statuses sorted by fix due": faults(status="all", sort="fix_due"),
        "list: all statuses sorted by priority": faults(status="all", sort="priority"),
        "list: all statuses, premises": faults(status="all", premises=premises.pk),
        "home dashboard": ("/", TARGET_MS),
    }
    return [(name, url, target) for name, (url, target) in pages.items()]


def add_missing_indexes() -> list[str]:
    """Create the Fault Meta indexes the database lacks, as their migration would."""
    with connection.cursor() as cursor:
        existing = set(connection.introspection.get_constraints(cursor, Fault._meta.db_table))
    added = []
    with connection.schema_editor() as editor:
        for index in Fault._meta.indexes:
            if index.name not in existing:
                editor.add_index(Fault, index)
                added.append(index.name)
    return added


#: The parts of a request a profile shows: (part, the functions whose cumulative time it is).
PARTS = [
    ("the view (the rest: Django, middleware)", [("web/fault_list.py", "fault_list"),
                                                 ("web/views.py", "home")]),
    ("  filters and their choices", [("finding/filters.py", "__init__")]),
    ("  the page's rows (query, lateness)", [("finding/lists.py", "fault_page")]),
    ("  the table's cells and options", [("web/fault_list.py", "table_rows"),
                                         ("web/fault_list.py", "select_options")]),
    ("  dashboard figures", [("finding/dashboard.py", "home_figures"),
                             ("finding/dashboard.py", "most_overdue")]),
    ("  waiting for you", [("finding/waiting.py", "waiting_for")]),
    ("  template rendering", [("django/shortcuts.py", "render")]),
]  # fmt: skip


def profile(client: Client, url: str, runs: int) -> None:
    """Where one page's time goes: by part of the request, then the costliest functions."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # (file, line, function) -> (.., .., own, cumulative, ..)
    total = max(row[3] for row in stats.values())
    calls = sum(row[1] for row in stats.values()) // runs
    print(f"    profile of {url}: {calls:,} function calls a request; share of the time")
    for part, functions in PARTS:
        spent = sum(
            row[3]
            for (filename, _line, name), row in stats.items()
            if any(filename.endswith(f) and name == n for f, n in functions)
        )
        print(f"      {part:42} {100 * spent / total:5.1f}%")
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(6)
    lines = [line for line in text.getvalue().splitlines() if line.strip()][-7:]
    print("\n".join(f"      {line[:150]}" for line in lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--add-missing-indexes", action="store_true")
    parser.add_argument("--trigram", action="store_true")
    parser.add_argument("--only", default="", help="just the pages whose name contains this")
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        print("Point DATABASE_URL at a PostgreSQL database seeded with seed_demo.")
        return 2
    misses = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '10s'")
        applied = schema_up_to_date()
        print(f"migrations applied for this run (rolled back): {', '.join(applied) or 'none'}")
        analysed = analyse_if_never_analysed()
        if analysed:
            print(f"planner statistics: none; ANALYZE (rolled back) {', '.join(analysed)}")
        if args.add_missing_indexes:
            print(f"Created Meta indexes: {', '.join(add_missing_indexes()) or 'none missing'}")
        if args.trigram:
            with connection.cursor() as cursor:
                for statement in TRIGRAM_INDEXES:
                    cursor.execute(statement)
                cursor.execute("ANALYZE facilities_fault")
            print("Trigram indexes present.")
        total = Fault.objects.count()
        open_faults = Fault.objects.open().count()
        load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        print(f"PostgreSQL {connection.cursor().connection.info.server_version}; "
              f"faults {total:,}; open {open_faults:,}")  # fmt: skip
        print(f"median of {args.runs} runs after 2 warm-ups; target <= {TARGET_MS:.0f} ms "
              f"(text search {SEARCH_MS:.0f}), <= {TARGET_RATIO:.0f}x the floor, "
              "a constant number of queries")  # fmt: skip
        print(f"CPUs {os.cpu_count()}; load average {load}\n")

        people = [
            ("national contract manager", User.objects.get(username="national")),
            ("office manager (3 premises)", User.objects.get(username="office.newcastle")),
            ("regional manager (North East)", User.objects.get(username="manager.northeast")),
        ]
        for who, user in people:
            client = Client()
            client.force_login(user)
            print(f"== {who}: {user.username}")
            print(f"{'page':40} {'median':>7} {'p90':>6} {'cpu':>6} {'sql':>5} {'queries':>7} "
                  f"{'load':>5} {'floor':>5} {'x':>5}  (ms)")  # fmt: skip
            for name, url, target in cases():
                if args.only not in name:
                    continue
                got = measure(client, url, args.runs)
                low, high = min(got.queries), max(got.queries)
                ratio = got.median_ms / got.floor_ms if got.floor_ms else 0.0
                ok = got.median_ms <= target and ratio <= TARGET_RATIO and low == high
                queries = f"{low}-{high}" if high > low else str(low)
                flag = "" if ok else "  MISSED"
                print(
                    f"{name:40} {got.median_ms:7.1f} {got.p90_ms:6.1f} {got.cpu_ms:6.1f} "
                    f"{got.sql_ms:5.1f} {queries:>7} {got.load:5.1f} {got.floor_ms:5.1f} "
                    f"{ratio:5.1f}{flag}"
                )
                if not ok:
                    misses.append(f"{who}: {name}")
                if args.explain and got.slowest_sql:
                    with connection.cursor() as cursor:
                        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {got.slowest_sql}")
                        print("\n".join(f"    {row[0]}" for row in cursor.fetchall()))
            if args.profile:
                for url in ("/faults/", "/"):
                    profile(client, url, args.runs)
            print()
        transaction.set_rollback(True)
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"load average at the end {load}; everything above rolled back")
    print("All targets met." if not misses else f"Missed: {len(misses)} pages (marked MISSED)")
    return 0 if not misses else 1


if __name__ == "__main__":
    sys.exit(main())
