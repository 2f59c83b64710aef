"""Benchmark: the REST API at 1,000,000 faults (PostgreSQL) — lists, the feed and writes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/seedbench \\
        .venv/bin/python benchmarks/api.py [--runs 30] [--explain] [--only TEXT]

A script, not a test: it prints figures and query counts (issue 10: "at 1,000,000 faults —
the fault list endpoint first page and a page deep into the cursor, the events feed deep into
history, and a write (attend) — median under 50 ms with a constant number of queries").

It can point at a shared seeded database (`seed_demo --faults 1000000`): everything runs in
ONE transaction rolled back at the end — the migrations the database lacks (applied with the
migration executor), ANALYZE where it has no statistics, the tokens, every write. While it
runs (a minute or two) it holds those migrations' locks, so others' queries on the tables wait.

Requests go through Django's full stack in this process (`APIClient`, a bearer token:
authentication, throttling, routing, the view, the queries, JSON rendering; no network),
warmed up twice, then timed `--runs` times, as three people: a contractor's helpdesk (its
company's jobs), the national contract manager (every fault) and a regional contract manager.
Columns: median and 90th-percentile wall time (the target's measure), median CPU time of
this thread (the app's own work), median time in SQL as the app saw it, queries, the load
average (1 min) when the case ended, and the floor: one hand-written SQL statement reading
(or writing) just the rows the answer needs, median — the least any implementation pays.

Cases:
  list: first page         GET /api/v1/faults/ (open faults, newest first, 50 a page)
  list: page 201 (status all)  following `next` 200 times, 10,000 faults deep
  events: deep in history  GET /api/v1/events/?after=<the median event id>&limit=100
  write: attend            POST /faults/<id>/attend/, a different fault each run (contractor)
  write: job number        POST /faults/<id>/contractor-reference/ (contractor)
  write: comment           POST /faults/<id>/comment/ (contract managers)
  list: search by job number / filter by job number (the numbers the writes just gave)
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.signals import request_finished, request_started  # noqa: E402
from django.db import close_old_connections, connection, transaction  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from facilities.access import faults_visible_to  # noqa: E402
from facilities.models import ApiToken, Fault, Premises, User  # noqa: E402
from facilities.models.faults import OPEN_STATUS_VALUES  # noqa: E402

TARGET_MS = 50.0
LAST_USED_UPDATE = 'UPDATE "facilities_apitoken" SET "last_used_at"'
#: What a write may add to its queries from one fault to the next: a late step's Breach row.
FACTS = ("SAVEPOINT", "RELEASE SAVEPOINT", 'INSERT INTO "facilities_breach"')
PAGES_DEEP = 200

# Keep one database connection (and with it the one transaction) for every request.
request_started.disconnect(close_old_connections)
request_finished.disconnect(close_old_connections)


@dataclass
class Figures:
    median_ms: float
    p90_ms: float
    cpu_ms: float
    sql_ms: float
    queries: list[int]  # per run
    load: float
    floor_ms: float | None
    slowest_sql: str
    extra: Counter  # what the runs with the most queries ran beyond those with the fewest


def measure(
    send: Callable[[int], object], runs: int, floor: Callable[[int], None] | None
) -> Figures:
    """`send(i)` makes request i (warm-ups are -1 and -2); `floor(i)` runs the floor SQL."""
    for i in (-2, -1):
        send(i)
    walls, cpus, sqls, counts = [], [], [], []
    captured: list[dict] = []
    kinds: list[Counter] = []
    for i in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started, cpu_started = time.perf_counter(), time.thread_time()
            send(i)
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.thread_time() - cpu_started) * 1000)
            captured = list(queries.captured_queries)
        sqls.append(sum(float(q["time"]) for q in captured) * 1000)
        # The token's last use is written at most once a minute, whichever request that is:
        # bookkeeping of the token, not of the request, so not counted.
        counted = [q for q in captured if not q["sql"].startswith(LAST_USED_UPDATE)]
        counts.append(len(counted))
        kinds.append(Counter(" ".join(q["sql"].split()[:3]) for q in counted))
    floors = []
    if floor is not None:
        for i in range(runs):
            with transaction.atomic():  # a floor that writes is rolled back at once
                started = time.perf_counter()
                floor(i)
                floors.append((time.perf_counter() - started) * 1000)
                transaction.set_rollback(True)
    return Figures(
        median_ms=statistics.median(walls),
        p90_ms=statistics.quantiles(walls, n=10)[-1],
        cpu_ms=statistics.median(cpus),
        sql_ms=statistics.median(sqls),
        queries=counts,
        load=os.getloadavg()[0],
        floor_ms=statistics.median(floors) if floors else None,
        slowest_sql=max(captured, key=lambda q: float(q["time"]))["sql"] if captured else "",
        extra=kinds[counts.index(max(counts))] - kinds[counts.index(min(counts))],
    )


def ok(response, status: int = 200):
    if response.status_code != status:
        raise SystemExit(f"{response.status_code}: {getattr(response, 'data', response)}")
    return response


def cursor_position(url: str) -> datetime:
    """The `reported_at` a DRF cursor URL starts after."""
    token = parse_qs(urlsplit(url).query)["cursor"][0]
    fields = parse_qs(base64.b64decode(token.encode()).decode())
    return datetime.fromisoformat(fields["p"][0])


def sql_floor(statement: str, params: Callable[[int], list]) -> Callable[[int], None]:
    def run(i: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, params(i))
            if cursor.description:
                cursor.fetchall()

    return run


def scope_sql(user: User) -> tuple[str, list]:
    """The fault scope of these people as SQL (a regional manager's as their premises named,
    as the list and the feed apply it)."""
    if user.contractor_id:
        return "f.contractor_id = %s", [user.contractor_id]
    if user.is_national:
        return "TRUE", []
    premises = list(Premises.objects.filter(region__contract_managers=user).values_list("pk"))
    return "f.premises_id = ANY(%s)", [[pk for (pk,) in premises]]


OPEN = "f.status = ANY(%s)"
ROWS_SQL = (
    "SELECT f.*, p.*, c.* FROM facilities_fault f "
    "JOIN facilities_premises p ON p.id = f.premises_id "
    "JOIN facilities_category c ON c.id = f.category_id "
    "WHERE {scope} AND {extra} ORDER BY f.reported_at DESC, f.id DESC LIMIT 51"
)
EVENTS_SQL = (
    "SELECT e.* FROM facilities_faultevent e WHERE e.id > %s AND {scope} ORDER BY e.id LIMIT 101"
)
ATTEND_SQL = (
    "WITH done AS (UPDATE facilities_fault SET status = 'attended', attended_at = now(), "
    "updated_at = now() WHERE id = %s RETURNING id) "
    "INSERT INTO facilities_faultevent (fault_id, kind, actor_id, at, note, details, "
    "recorded_at) SELECT id, 'attended', %s, now(), 'On site', '{}', now() FROM done"
)


def cases(user: User, client: APIClient, runs: int, middle_event: int) -> dict[str, tuple]:
    """(send, floor) per case for this person."""
    scope, scope_params = scope_sql(user)
    first = "/api/v1/faults/"

    # A page deep into the cursor: follow `next` from the first page of every status.
    url = "/api/v1/faults/?status=all"
    for _ in range(PAGES_DEEP):
        parts = urlsplit(ok(client.get(url)).data["next"])
        url = f"{parts.path}?{parts.query}"
    deep, position = url, cursor_position(url)

    found: dict[str, tuple] = {
        "list: first page": (
            lambda i: ok(client.get(first)),
            sql_floor(
                ROWS_SQL.format(scope=scope, extra=OPEN),
                lambda i: [*scope_params, OPEN_STATUS_VALUES],
            ),
        ),
        f"list: page {PAGES_DEEP + 1} (status all)": (
            lambda i: ok(client.get(deep)),
            sql_floor(
                ROWS_SQL.format(scope=scope, extra="f.reported_at < %s"),
                lambda i: [*scope_params, position],
            ),
        ),
        "events: deep in history": (
            lambda i: ok(client.get(f"/api/v1/events/?after={middle_event}&limit=100")),
            sql_floor(
                EVENTS_SQL.format(
                    scope="TRUE"
                    if scope == "TRUE"
                    else f"e.fault_id IN (SELECT f.id FROM facilities_fault f WHERE {scope})"
                ),
                lambda i: [middle_event, *scope_params],
            ),
        ),
    }
    if user.contractor_id:
        visible = Fault.objects.filter(contractor_id=user.contractor_id)
        to_attend = list(
            visible.filter(status__in=["reported", "acknowledged"], on_hold_since__isnull=True)
            .exclude(holds__status="requested")
            .order_by("-pk")
            .values_list("pk", flat=True)[: 2 * runs + 4]
        )
        attend_ids, floor_ids = to_attend[: runs + 2], to_attend[runs + 2 :]
        numbered = list(visible.order_by("-pk").values_list("pk", flat=True)[: runs + 2])

        found["write: attend"] = (
            lambda i: ok(
                client.post(
                    f"/api/v1/faults/{attend_ids[i]}/attend/", {"note": "On site"}, format="json"
                )
            ),
            sql_floor(ATTEND_SQL, lambda i: [floor_ids[i % len(floor_ids)], user.pk]),
        )
        found["write: job number"] = (
            lambda i: ok(
                client.post(
                    f"/api/v1/faults/{numbered[i]}/contractor-reference/",
                    {"contractor_reference": f"BENCH-{numbered[i]}"},
                    format="json",
                )
            ),
            None,
        )
        number = f"BENCH-{numbered[runs // 2]}"
        found["list: search by job number"] = (
            lambda i: ok(client.get(f"/api/v1/faults/?q={number}")),
            None,
        )
        found["list: filter by job number"] = (
            lambda i: ok(client.get(f"/api/v1/faults/?contractor_reference={number}")),
            None,
        )
    else:
        open_ids = list(
            faults_visible_to(user).open().order_by("-reported_at").values_list("pk", flat=True)[:1]
        )
        found["write: comment"] = (
            lambda i: ok(
                client.post(
                    f"/api/v1/faults/{open_ids[0]}/comment/", {"text": "Any news?"}, format="json"
                )
            ),
            None,
        )
    return found


def schema_up_to_date() -> list[str]:
    """Apply (inside the caller's transaction) the migrations the database lacks."""
    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()
    plan = executor.migration_plan(targets)
    if plan:
        executor.migrate(targets, plan=plan)
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


#: The tables the API's queries read, for ANALYZE when the database has no statistics.
TABLES = tuple(
    f"facilities_{name}"
    for name in ("fault", "faultevent", "faulthold", "premises", "category", "user", "apitoken")
)


def analyse_if_never_analysed() -> list[str]:
    """ANALYZE the tables without planner statistics (a freshly seeded database with
    autovacuum off has none, and its plans are not production's)."""
    with connection.cursor() as cursor:
        # pg_stats itself: `last_analyze` is set even by an ANALYZE that was rolled back.
        cursor.execute(
            "SELECT DISTINCT tablename FROM pg_stats WHERE tablename = ANY(%s)", [list(TABLES)]
        )
        have = {row[0] for row in cursor.fetchall()}
        tables = [table for table in TABLES if table not in have]
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')
    return tables


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--explain", action="store_true", help="plan of each slowest query")
    parser.add_argument("--only", default="", help="just the cases whose name contains this")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("Point DATABASE_URL at a PostgreSQL database seeded with seed_demo.")
        return 2
    settings.API_THROTTLE_RATE = "100000000/min"

    misses = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Never queue behind another session's long query holding a lock on a table a
            # migration alters: a queued lock would make every later reader wait too.
            cursor.execute("SET LOCAL lock_timeout = '10s'")
        started = time.perf_counter()
        applied = schema_up_to_date()
        print(
            f"migrations applied for this run (rolled back at the end): "
            f"{', '.join(applied) or 'none'} ({time.perf_counter() - started:.1f} s)"
        )
        analysed = analyse_if_never_analysed()
        if analysed:
            print(f"planner statistics: none in the database; ANALYZE {', '.join(analysed)} ")
            print("  (inside the transaction: the statistics are rolled back with it)")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM facilities_fault")
            total = cursor.fetchone()[0]
            cursor.execute("SELECT min(id), max(id), count(*) FROM facilities_faultevent")
            low, high, events = cursor.fetchone()
        middle_event = (low + high) // 2
        load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        print(f"PostgreSQL {connection.cursor().connection.info.server_version}; "
              f"faults {total:,}; events {events:,}")  # fmt: skip
        print(f"median of {args.runs} runs after 2 warm-ups; target < {TARGET_MS:.0f} ms")
        print(f"CPUs {os.cpu_count()}; load average {load}\n")

        people = [
            ("contractor (helpdesk)", User.objects.get(username="helpdesk.acme")),
            ("national contract manager", User.objects.get(username="national")),
            ("regional contract manager", User.objects.get(username="manager.northeast")),
        ]
        for who, user in people:
            _token, raw = ApiToken.issue(user, name="benchmark (rolled back)")
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
            print(f"== {who}: {user.username}")
            print(
                f"{'case':34} {'median':>7} {'p90':>7} {'cpu':>6} {'sql':>6} {'queries':>8} "
                f"{'load':>5} {'floor':>6}  (ms)"
            )
            for name, (send, floor) in cases(user, client, args.runs, middle_event).items():
                if args.only not in name:
                    continue
                got = measure(send, args.runs, floor)
                constant = len(set(got.queries)) == 1 or all(
                    kind.startswith(FACTS) for kind in got.extra
                )
                low, high = min(got.queries), max(got.queries)
                queries = f"{low}-{high}" if high > low else str(low)
                floor_words = f"{got.floor_ms:6.1f}" if got.floor_ms is not None else "     -"
                flag = ""
                if got.median_ms >= TARGET_MS or not constant:
                    flag = "  MISSED"
                    misses.append(f"{who}: {name}")
                print(
                    f"{name:34} {got.median_ms:7.1f} {got.p90_ms:7.1f} {got.cpu_ms:6.1f} "
                    f"{got.sql_ms:6.1f} {queries:>8} {got.load:5.1f} {floor_words}{flag}"
                )
                if got.extra:
                    print(f"    beyond the fewest: {dict(got.extra)}")
                if args.explain and got.slowest_sql:
                    with connection.cursor() as cursor:
                        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {got.slowest_sql}")
                        print("\n".join(f"    {row[0]}" for row in cursor.fetchall()))
            print()
        transaction.set_rollback(True)
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"load average at the end {load}; everything above rolled back")
    print("All targets met." if not misses else "Missed: " + "; ".join(misses))
    return 0 if not misses else 1


if __name__ == "__main__":
    sys.exit(main())
