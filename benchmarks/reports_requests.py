"""Benchmark: the report page and report downloads as web requests, at 1,000,000 faults.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/seedbench
    nice -n 10 .venv/bin/python -u benchmarks/reports_requests.py [--runs 3] [--skip-pages]
        [--skip-downloads] [--formats csv,xlsx,pdf] [--with-breach-lines]

A script, not a test: it prints figures (issue 11: "no web request spends more than 2 s on a
report at 1,000,000 faults"). Requests go through Django's test client as the demo's national
contract manager (sees every fault), for last month and for the three months before this one.
Each line gives the wall time, this process's CPU time, the number of SQL queries and the
machine's one-minute load average at the time (the machine is shared: a high load stretches
wall times, not query counts).

- The report page: the first view (nothing built yet: a row and a 303 to the "being prepared"
  page, no report), the "being prepared" page, the worker's build (`preparing.build`, what
  `facilities.prepare_report` runs, timed here in-process: not a request), the waiting page's
  refresh once it is ready (a 303 to the report), the ready view it sends to (the figures read
  from the row, the cache empty), then `--runs` repeat views at the plain address (from the
  cache) and one more with the cache emptied (another web process: from the row).
  `--with-breach-lines` also times the build as it was before (with the per-breach lines the
  page does not show), for comparison.
- A download: the request that asks for the file (no building: a row and a 303 to the
  "being prepared" page), the "being prepared" page, the worker's build (`preparing.build`,
  what `facilities.prepare_report` runs, timed here in-process), then the same download
  request once the file is ready (served from the row).

Read-only: everything runs in one transaction that is rolled back at the end (the sign-in's
session, the prepared rows, and the prepared-reports table itself if the seeded database was
made before its migration). Columns added by migrations after the seeding are read as empty
through a temporary view (`stand_in_for_missing_columns`), never added to the real table.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.signals import request_finished, request_started  # noqa: E402
from django.db import close_old_connections, connection, transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from facilities.finding import preparing, reporting  # noqa: E402
from facilities.models import Fault, PreparedReport, User  # noqa: E402
from facilities.periods import Period  # noqa: E402

#: The models a report, its page and its files read (their tables may lack newer columns).
READ = (
    "Fault", "Premises", "Region", "Contractor", "Category", "User", "Breach", "BreachDispute",
    "FaultEvent", "FaultHold", "Escalation", "Contract", "ServiceLevel",
)  # fmt: skip
LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

request_started.disconnect(close_old_connections)
request_finished.disconnect(close_old_connections)


class Rollback(Exception):
    pass


def load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def timed(client: Client, url: str, expect: int) -> tuple[float, float, int, object]:
    with CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.thread_time()
        response = client.get(url)
        wall = (time.perf_counter() - started) * 1000
        cpu = (time.thread_time() - cpu) * 1000
    assert response.status_code == expect, (url, response.status_code)
    return wall, cpu, len(queries.captured_queries), response


def line(name: str, wall: float, cpu: float, queries: int) -> None:
    print(
        f"  {name:<58} {wall:>9,.0f} ms  cpu {cpu:>8,.0f} ms  {queries:>3} queries  load {load()}"
    )


def worker_build(label: str, pk: int) -> None:
    """`preparing.build`, what the worker's task runs: timed, but not a web request."""
    with CaptureQueriesContext(connection) as built:
        started, cpu_started = time.perf_counter(), time.thread_time()
        assert preparing.build(pk) == "ready"
        wall = (time.perf_counter() - started) * 1000
        cpu = (time.thread_time() - cpu_started) * 1000
    line(f"{label}: the worker's build (not a request)", wall, cpu, len(built))


def page(client: Client, user: User, label: str, period: Period, runs: int, lines: bool) -> None:
    url = f"/reports/{period.slug}/"
    cache.clear()
    wall, cpu, queries, response = timed(client, url, 303)
    line(f"{label}: first view (303 to the waiting page)", wall, cpu, queries)
    waiting = response["Location"]
    pk = int(waiting.rstrip("/").rsplit("/", 1)[1])
    wall, cpu, queries, _ = timed(client, waiting, 200)
    line(f"{label}: the waiting page, being prepared", wall, cpu, queries)
    worker_build(label, pk)
    size = PreparedReport.objects.filter(pk=pk).values_list("size", flat=True).get()
    print(f"  ({size / 1024:,.0f} KB of figures, tables and charts stored in the row)")
    wall, cpu, queries, response = timed(client, waiting, 303)
    line(f"{label}: the waiting page's refresh, ready (303)", wall, cpu, queries)
    wall, cpu, queries, _ = timed(client, response["Location"], 200)
    line(f"{label}: the ready view (from the row)", wall, cpu, queries)
    walls, cpus, counts = [], [], []
    for _ in range(runs):
        wall, cpu, queries, _ = timed(client, url, 200)
        walls.append(wall)
        cpus.append(cpu)
        counts.append(queries)
    line(
        f"{label}: repeat view, median of {runs} (cache)",
        statistics.median(walls),
        statistics.median(cpus),
        max(counts),
    )
    cache.clear()
    wall, cpu, queries, _ = timed(client, url, 200)
    line(f"{label}: repeat view, cache empty (from the row)", wall, cpu, queries)
    if lines:
        chosen = reporting.selection(user)
        started, cpu_started = time.perf_counter(), time.thread_time()
        reporting.report(user, period, chosen, now=timezone.now(), with_breach_lines=True)
        wall = (time.perf_counter() - started) * 1000
        cpu = (time.thread_time() - cpu_started) * 1000
        line(f"{label}: (the report with per-breach lines, as before)", wall, cpu, 0)


def download(client: Client, label: str, slug: str, fmt: str) -> None:
    url = f"/reports/{slug}/download.{fmt}"
    wall, cpu, queries, response = timed(client, url, 303)
    line(f"{label} {fmt.upper()}: ask (303 to the waiting page)", wall, cpu, queries)
    pk = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    wall, cpu, queries, _ = timed(client, response["Location"], 200)
    line(f"{label} {fmt.upper()}: the waiting page", wall, cpu, queries)
    worker_build(f"{label} {fmt.upper()}", pk)
    size = PreparedReport.objects.filter(pk=pk).values_list("size", flat=True).get()
    with CaptureQueriesContext(connection) as served:
        started, cpu_started = time.perf_counter(), time.thread_time()
        response = client.get(url)
        assert response.status_code == 200
        chunks = iter(response.streaming_content)
        first = len(next(chunks))
        first_wall = (time.perf_counter() - started) * 1000
        first_cpu = (time.thread_time() - cpu_started) * 1000
        first_queries = len(served)
        total = first + sum(len(chunk) for chunk in chunks)
        wall = (time.perf_counter() - started) * 1000
        cpu = (time.thread_time() - cpu_started) * 1000
    assert total == size
    line(f"{label} {fmt.upper()}: ask again, ready: first MB", first_wall, first_cpu, first_queries)
    line(f"{label} {fmt.upper()}: … all {size / 1024:,.0f} KB streamed", wall, cpu, len(served))


def stand_in_for_missing_columns() -> list[str]:
    """Columns the models have and the seeded database does not yet (it was seeded before
    later migrations): a temporary view of the same name, in this transaction only, adds them
    as empty values, so reads work without altering (and locking) the real table."""
    added = []
    with connection.cursor() as cursor:
        # Only what the report reads: another benchmark may hold a lock on other tables.
        for name in READ:
            model = apps.get_model("facilities", name)
            table = model._meta.db_table
            have = {c.name for c in connection.introspection.get_table_description(cursor, table)}
            missing = [f for f in model._meta.concrete_fields if f.column not in have]
            if not missing:
                continue
            extra = ", ".join(
                f"''::{f.db_type(connection)} AS {f.column}"
                if f.get_internal_type() in ("CharField", "TextField")
                else f"NULL::{f.db_type(connection)} AS {f.column}"
                for f in missing
            )
            cursor.execute(
                f"CREATE TEMPORARY VIEW {table} AS SELECT *, {extra} FROM public.{table}"
            )
            added += [f"{table}.{f.column}" for f in missing]
    return added


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-downloads", action="store_true")
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument(
        "--formats", default="csv,xlsx,pdf", help="the downloads to time, e.g. csv,pdf"
    )
    parser.add_argument(
        "--with-breach-lines",
        action="store_true",
        help="also time the report as the page built it before (with per-breach lines)",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("Point DATABASE_URL at the seeded PostgreSQL database (seedbench).")
        return 2
    now = timezone.now()
    last = Period.month_before(now)
    three = Period(last.shifted(-2).first, last.last)
    manager = User.objects.filter(role="contract_manager", is_national=True).order_by("pk").first()
    print(
        f"{Fault.objects.count():,} faults; {os.cpu_count()} CPUs; as {manager.username} "
        f"(national contract manager) at {timezone.localtime(now):%Y-%m-%d %H:%M}"
    )
    try:
        # The test settings keep no cache; here one process's memory, as a single web process
        # without Redis has (with REDIS_URL every web process shares Redis's).
        with override_settings(CACHES=LOCAL_CACHE), transaction.atomic():
            with connection.cursor() as cursor:  # fail, never hang, behind another's lock
                cursor.execute("SET LOCAL lock_timeout = '60s'")
            stood_in = stand_in_for_missing_columns()
            if stood_in:
                print(f"(not yet in the seeded database, read as empty: {', '.join(stood_in)})")
            tables = connection.introspection.table_names()
            if PreparedReport._meta.db_table not in tables:
                with connection.schema_editor() as editor:
                    editor.create_model(PreparedReport)
                    migration = importlib.import_module(
                        "facilities.migrations.0018_prepared_reports"
                    )
                    migration.store_files_uncompressed(None, editor)
            client = Client()
            client.force_login(manager)
            for label, period in ((f"{last.label}", last), (f"{three.label}", three)):
                if not args.skip_pages:
                    page(client, manager, label, period, args.runs, args.with_breach_lines)
            if not args.skip_downloads:
                for fmt in args.formats.split(","):
                    download(client, last.label, last.slug, fmt)
            raise Rollback
    except Rollback:
        print("(rolled back: nothing written)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
