"""Benchmark: the pages that find faults, at 1,000,000 faults (PostgreSQL).

    createdb -h 127.0.0.1 -U postgres webbench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/webbench
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --faults 1000000
    .venv/bin/python benchmarks/web_pages.py --add-missing-indexes --trigram [--runs 20]
    dropdb -h 127.0.0.1 -U postgres webbench

A script, not a test: it prints figures and SQL query counts. Each page is fetched with
Django's test client as a signed-in person (server time: URL routing, middleware, the
queries and the template; no network), warmed up twice, then timed `--runs` times. Columns:
the median wall time (the target's measure), the median CPU time of this process (the
app's own work, which other load on the machine barely changes), the median time spent in
SQL as the app saw it, and the number of SQL queries. People: the demo's national contract
manager (sees every fault), an office manager (three premises) and a regional contract
manager (one region).

Targets (issue 3): the fault list (first page, any one filter, sorted by due time) runs at
most 10 queries with a median under 50 ms; a text search and the home dashboard under 100 ms.

Options:
  --add-missing-indexes  create `Fault.Meta.indexes` missing from the database (until their
                         migration exists), as the migration would;
  --trigram              create the PostgreSQL-only pg_trgm indexes for the text search
                         (`TRIGRAM_INDEXES`: not in Meta, as SQLite cannot build them);
  --renice               run this process and its database backend at nice -10 (root only):
                         on a shared machine, figures nearer an unloaded server's;
  --only TEXT            just the pages whose name contains TEXT (e.g. "text search");
  --explain              print PostgreSQL's plan for the slowest query of each page.
"""

from __future__ import annotations

import argparse
import os
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
from django.db import close_old_connections, connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from facilities.models import Category, Contractor, Fault, Premises, Region, User  # noqa: E402

TRIGRAM_INDEXES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS fault_description_trgm ON facilities_fault "
    "USING gin (upper(description) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS fault_location_trgm ON facilities_fault "
    "USING gin (upper(location::text) gin_trgm_ops)",
]
LIST_QUERIES = 10
LIST_MS = 50.0
SEARCH_MS = 100.0
DASHBOARD_MS = 100.0

# Keep one database connection, as production does (CONN_MAX_AGE): time pages, not connects.
request_started.disconnect(close_old_connections)
request_finished.disconnect(close_old_connections)


@dataclass
class Figures:
    median_ms: float
    cpu_ms: float  # this process's CPU time (the app's own work), median
    sql_ms: float  # the database's time as the app saw it, median
    queries: int
    slowest_sql: str


def measure(client: Client, url: str, runs: int) -> Figures:
    """Median wall time, app CPU time and SQL time over `runs` requests, and the query count."""
    for _ in range(2):
        assert client.get(url).status_code == 200, url
    walls, cpus, sqls = [], [], []
    captured: list[dict] = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started, cpu_started = time.perf_counter(), time.thread_time()
            response = client.get(url)
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.thread_time() - cpu_started) * 1000)
            captured = list(queries.captured_queries)  # the next request clears the log
        assert response.status_code == 200, url
        sqls.append(sum(float(q["time"]) for q in captured) * 1000)
    slowest = max(captured, key=lambda q: float(q["time"]))["sql"]
    return Figures(
        statistics.median(walls),
        statistics.median(cpus),
        statistics.median(sqls),
        len(captured),
        slowest,
    )


def cases() -> list[tuple[str, str, float | None]]:
    """(name, URL, target ms); the target is None where the issue sets none."""
    premises = Premises.objects.get(code="newcastle")
    region = Region.objects.get(code="north-east")
    heating = Category.objects.get(slug="heating-hot-water")
    contractor = Contractor.objects.order_by("name").first()
    reference = Fault.objects.order_by("-pk").values_list("pk", flat=True)[5000]

    def faults(target: float | None = LIST_MS, **query: object) -> tuple[str, float | None]:
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
        "home dashboard": ("/", DASHBOARD_MS),
        f"premises page ({premises.name})": (f"/premises/{premises.pk}/", None),
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


def renice() -> None:
    os.nice(-10)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        os.setpriority(os.PRIO_PROCESS, cursor.fetchone()[0], -10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--add-missing-indexes", action="store_true")
    parser.add_argument("--trigram", action="store_true")
    parser.add_argument("--renice", action="store_true")
    parser.add_argument("--only", default="", help="just the pages whose name contains this")
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        print("Point DATABASE_URL at a PostgreSQL database seeded with seed_demo.")
        return 2
    if args.add_missing_indexes:
        added = add_missing_indexes()
        print(f"Created Meta indexes: {', '.join(added) or 'none missing'}")
    if args.trigram:
        with connection.cursor() as cursor:
            for statement in TRIGRAM_INDEXES:
                cursor.execute(statement)
        print("Trigram indexes present.")
    if args.add_missing_indexes or args.trigram:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE facilities_fault")
    if args.renice:
        renice()
    total = Fault.objects.count()
    open_faults = Fault.objects.open().count()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'facilities_fault' ORDER BY 1"
        )
        indexes = [row[0] for row in cursor.fetchall()]
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"PostgreSQL {connection.cursor().connection.info.server_version}; faults {total:,}")
    print(f"open faults {open_faults:,}; median of {args.runs} runs after 2 warm-ups")
    print(f"CPUs {os.cpu_count()}; load average {load}; reniced: {'yes' if args.renice else 'no'}")
    print(f"fault indexes: {', '.join(indexes)}\n")

    people = [
        ("national contract manager", User.objects.get(username="national")),
        ("office manager (3 premises)", User.objects.get(username="office.newcastle")),
        ("regional contract manager (North East)", User.objects.get(username="manager.northeast")),
    ]
    misses = []
    for who, user in people:
        client = Client()
        client.force_login(user)
        print(f"== {who}: {user.username}")
        print(f"{'page':44} {'median ms':>9} {'app cpu':>8} {'sql ms':>7} {'queries':>7}  target")
        for name, url, target in cases():
            if args.only not in name:
                continue
            got = measure(client, url, args.runs)
            is_list = name.startswith("list")
            ok = (target is None or got.median_ms < target) and (
                not is_list or got.queries <= LIST_QUERIES
            )
            goal = f"< {target:.0f} ms" if target else "-"
            if is_list:
                goal += f", <= {LIST_QUERIES} queries"
            flag = "" if ok else "  MISSED"
            print(
                f"{name:44} {got.median_ms:9.1f} {got.cpu_ms:8.1f} {got.sql_ms:7.1f} "
                f"{got.queries:7d}  {goal}{flag}"
            )
            if not ok:
                misses.append(f"{who}: {name}")
            if args.explain:
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {got.slowest_sql}")
                    print("\n".join(f"    {row[0]}" for row in cursor.fetchall()))
        print()
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"load average at the end {load}")
    print("All targets met." if not misses else "Missed: " + "; ".join(misses))
    return 0 if not misses else 1


if __name__ == "__main__":
    sys.exit(main())
