"""Benchmark: one sweep over N faults of which D are newly overdue (PostgreSQL).

    createdb -h 127.0.0.1 -U postgres sweepbench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sweepbench \\
        .venv/bin/python benchmarks/sweep.py --faults 1000000 --due 10000
    dropdb -h 127.0.0.1 -U postgres sweepbench

Builds the faults with one `INSERT ... SELECT generate_series` (a scratch database: never
point it at real data), makes D of them newly overdue (attendance overdue; one in ten also
past the fix time, so raised two levels at once), then times, in this order:

1. the floor: a hand-written SQL UPDATE that records the same breaches and levels on the
   same rows (rolled back), the least any sweep can cost;
2. one `sweep()` — breaches, escalations, their events, outbox rows with rendered emails;
3. a second sweep, which finds nothing due.

It prints wall time, queries in all and per batch. The query count depends on the number
of due faults (one batch per 500), not on the number of open faults. Emails are queued to
kombu's in-memory transport (REDIS_URL is ignored), so nothing is sent anywhere.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from facilities.escalation import sweep  # noqa: E402
from facilities.models import Category, Contract, Contractor, Premises, Region  # noqa: E402

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
PREMISES = 60


def build_estate() -> None:
    regions = [
        Region.objects.get_or_create(code=f"bench-{n}", defaults={"name": f"Bench region {n}"})[0]
        for n in range(12)
    ]
    contractor, _ = Contractor.objects.get_or_create(
        name="Bench Facilities Ltd",
        defaults={
            "helpdesk_email": "helpdesk@bench.example",
            "account_manager_email": "account@bench.example",
        },
    )
    contract, created = Contract.objects.get_or_create(
        reference="BENCH-001",
        defaults={"contractor": contractor, "name": "Bench", "valid_from": "2020-01-01"},
    )
    if created:
        contract.regions.set(regions)
    for n in range(PREMISES):
        Premises.objects.get_or_create(
            code=f"bench-office-{n}",
            defaults={"name": f"Bench office {n}", "kind": "office", "region": regions[n % 12]},
        )


def build_faults(total: int) -> None:
    """Open faults due later, and closed ones: `total` in all, with one INSERT."""
    have = connection.cursor()
    have.execute("SELECT count(*) FROM facilities_fault")
    existing = have.fetchone()[0]
    if existing >= total:
        return
    premises = list(Premises.objects.filter(code__startswith="bench-").values_list("pk", flat=True))
    category = Category.objects.get(slug="plumbing-water").pk
    contract = Contract.objects.get(reference="BENCH-001")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO facilities_fault (
                premises_id, category_id, priority, location, description, beds_out_of_use,
                reported_at, contractor_id, contract_id, status, clock, attend_target_minutes,
                fix_target_minutes, attend_due_at, fix_due_at, paused, reopen_count,
                cancel_reason, hold_reason, escalation_level, next_check_at, updated_at,
                attended_at, fixed_at, closed_at
            )
            SELECT
                (%(premises)s::bigint[])[1 + i %% %(n_premises)s], %(category)s, 'P2',
                'Kitchen', 'Tap dripping', 0, r, %(contractor)s, %(contract)s,
                CASE WHEN i %% 10 < 3 THEN 'acknowledged' ELSE 'closed' END,
                'calendar', 240, 4320, r + interval '4 hours', r + interval '72 hours',
                interval '0', 0, '', '', 0,
                CASE WHEN i %% 10 < 3 THEN r + interval '4 hours' END, %(now)s,
                CASE WHEN i %% 10 >= 3 THEN r + interval '2 hours' END,
                CASE WHEN i %% 10 >= 3 THEN r + interval '1 day' END,
                CASE WHEN i %% 10 >= 3 THEN r + interval '2 days' END
            FROM (
                SELECT i, %(now)s::timestamptz - (i %% 600) * interval '1 second' AS r
                FROM generate_series(1, %(count)s) AS i
            ) AS source
            """,
            {
                "premises": premises,
                "n_premises": len(premises),
                "category": category,
                "contractor": contract.contractor_id,
                "contract": contract.pk,
                "now": NOW,
                "count": total - existing,
            },
        )
        cursor.execute("ANALYZE facilities_fault")


def make_due(due: int) -> list[int]:
    """Reset `due` open faults to newly overdue: attendance late; one in ten, the fix too."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM facilities_fault WHERE status = 'acknowledged' ORDER BY id LIMIT %s",
            [due],
        )
        ids = [row[0] for row in cursor.fetchall()]
        for table in ("facilities_outboxemail", "facilities_escalation", "facilities_faultevent"):
            cursor.execute(f"DELETE FROM {table} WHERE fault_id = ANY(%s)", [ids])
        cursor.execute(
            """
            UPDATE facilities_fault AS f SET
                reported_at = v.reported, attend_due_at = v.reported + interval '4 hours',
                fix_due_at = v.reported + interval '72 hours',
                next_check_at = v.reported + interval '4 hours',
                attend_breached_at = NULL, make_safe_breached_at = NULL,
                fix_breached_at = NULL, at_risk_at = NULL, escalation_level = 0
            FROM (
                SELECT id, %(now)s - CASE WHEN id %% 30 = 0 THEN interval '73 hours'
                                          ELSE interval '5 hours' END AS reported
                FROM facilities_fault WHERE id = ANY(%(ids)s)
            ) AS v
            WHERE f.id = v.id
            """,
            {"now": NOW, "ids": ids},
        )
    return ids


FLOOR_SQL = """
UPDATE facilities_fault SET
    attend_breached_at = attend_due_at,
    fix_breached_at = CASE WHEN fix_due_at <= %(now)s THEN fix_due_at END,
    escalation_level = CASE WHEN fix_due_at <= %(now)s THEN 2 ELSE 1 END,
    next_check_at = CASE WHEN fix_due_at <= %(now)s THEN fix_due_at + interval '36 hours'
                         ELSE fix_due_at - interval '18 hours' END,
    updated_at = %(now)s
WHERE next_check_at <= %(now)s
"""


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process on this machine (Linux), or None if unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=sweep.BATCH_SIZE)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL to a scratch database.")

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    build_estate()
    build_faults(args.faults)
    make_due(args.due)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE facilities_fault")
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'acknowledged') FROM facilities_fault"
        )
        total, open_faults = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM facilities_fault WHERE next_check_at <= %s", [NOW])
        due = cursor.fetchone()[0]
    print(f"setup: {time.perf_counter() - started:.1f} s")
    print(f"faults: {total:,} in all, {open_faults:,} open, {due:,} newly overdue")
    print(f"PostgreSQL: {connection.cursor().connection.info.server_version}")
    print(f"load average (1, 5, 15 min) on {os.cpu_count()} CPUs: {os.getloadavg()}")

    with transaction.atomic():
        with connection.cursor() as cursor:
            floor_start = time.perf_counter()
            cursor.execute(FLOOR_SQL, {"now": NOW})
            floor = time.perf_counter() - floor_start
            floor_rows = cursor.rowcount
        transaction.set_rollback(True)
    print(f"floor (one hand-written UPDATE, rolled back): {floor:.3f} s for {floor_rows:,} rows")

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    with CaptureQueriesContext(connection) as queries:
        backend_start = cpu_seconds(backend)
        sweep_start, cpu_start = time.perf_counter(), time.process_time()
        result = sweep.sweep(now=NOW, batch_size=args.batch_size)
        elapsed, cpu = time.perf_counter() - sweep_start, time.process_time() - cpu_start
        backend_end = cpu_seconds(backend)
    batches = -(-result.checked // args.batch_size)
    print(
        f"sweep: {elapsed:.2f} s, {len(queries.captured_queries)} queries "
        f"({batches} batches of up to {args.batch_size}; "
        f"{len(queries.captured_queries) / max(batches, 1):.1f} queries per batch)"
    )
    print(f"  {result}")
    by_kind: dict[str, list[float]] = {}
    for query in queries.captured_queries:
        words = query["sql"].split()
        table = next((w for w in words if "facilities_" in w or "django_" in w), "")
        kind = f"{words[0]} {table.strip('"')}"
        by_kind.setdefault(kind, []).append(float(query["time"]))
    database = sum(sum(times) for times in by_kind.values())
    print(
        f"  CPU time of this process: {cpu:.2f} s; time in database calls (COPY not counted): "
        f"{database:.2f} s"
    )
    if backend_start is not None and backend_end is not None:
        print(
            f"  CPU time of its PostgreSQL backend: {backend_end - backend_start:.2f} s "
            f"(both together: {cpu + backend_end - backend_start:.2f} s, whatever the load)"
        )
    for kind, times in sorted(by_kind.items(), key=lambda item: -sum(item[1])):
        print(f"    {len(times):4d} x {kind:<40} {sum(times):6.2f} s")
    print(f"  {result.checked / elapsed:,.0f} faults/s; {elapsed / floor:.1f}x the floor")

    with CaptureQueriesContext(connection) as again:
        second_start = time.perf_counter()
        second = sweep.sweep(now=NOW, batch_size=args.batch_size)
        second_elapsed = time.perf_counter() - second_start
    print(
        f"second sweep: {second_elapsed * 1000:.1f} ms, "
        f"{len(again.captured_queries)} queries, {second}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM facilities_fault WHERE next_check_at <= %s "
            "ORDER BY next_check_at, id LIMIT 500 FOR UPDATE SKIP LOCKED",
            [NOW],
        )
        print("plan of the batch query:")
        for (line,) in cursor.fetchall():
            print(f"  {line}")
    print("target: under 5 s for 10,000 newly overdue among 1,000,000 faults")


if __name__ == "__main__":
    main()
