"""Benchmark: one sweep with D faults newly overdue in a seeded database, beside its floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/seedbench \\
        nice -n 10 .venv/bin/python benchmarks/sweep.py [--due 10000] [--runs 3] [--profile]

A script, not a test (issue 13 item 3: "10,000 newly overdue among 1,000,000 faults in ≤ 2 s,
within 3× a hand-written SQL floor that writes the same breach, escalation, event and outbox
rows; queries independent of the number of open faults"). Run it at 100,000 and at 1,000,000
faults (`seed_demo --faults N`) to see how it grows (item 6).

It may point at a shared seeded database: everything runs in ONE transaction rolled back at
the end — the migrations the database lacks, ANALYZE where there are no statistics, and every
write. `now` is just before the first moment any fault falls due, so only the D faults it
makes due are swept: the D most recent faults of a category that is not safety-critical,
with a contractor, made open (acknowledged, P2, calendar clock: attend 4 h, fix 72 h) and
logged 5 hours before `now` (attendance late: level 1), one in thirty 73 hours before (the fix
late too: levels 1 and 2 in one sweep). Their earlier escalations and outbox rows are deleted
(one per fault and level, ever). Then, `--runs` times each, alternately, rolled back to a
savepoint after each:

1. the floor (`FLOOR_SQL`): one hand-written statement that locks the due faults and writes
   what the sweep writes for them — the breaches and levels on the fault, the breach and
   escalation events, the escalations and the outbox rows (recipients worked out in SQL), the
   least any sweep can cost;
2. `sweep()` — the real thing, batch by batch; then a second sweep, which finds nothing.

The rows each wrote are compared (same faults, kinds, notes, details, levels, recipients,
contexts): "same rows: yes". Columns: wall time, CPU time of this process and of its
PostgreSQL backend, queries, load average. Emails are queued to kombu's in-memory transport
(REDIS_URL is ignored) and only once a transaction commits, which none here does.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from benchmarks.api import schema_up_to_date  # noqa: E402
from facilities.escalation import sweep  # noqa: E402
from facilities.notifications.delivery import DISPATCH_GRACE  # noqa: E402

TARGET_S = 2.0
TARGET_RATIO = 3.0
TABLES = ("facilities_fault", "facilities_faultevent", "facilities_escalation")
TABLES += ("facilities_outboxemail", "facilities_premises", "facilities_user")


def analyse_if_never_analysed() -> list[str]:
    """ANALYZE the tables without planner statistics (inside the transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tablename FROM pg_stats WHERE tablename = ANY(%s)", [list(TABLES)]
        )
        have = {row[0] for row in cursor.fetchall()}
        missing = [table for table in TABLES if table not in have]
        for table in missing:
            cursor.execute(f'ANALYZE "{table}"')
    return missing


def make_due(due: int):
    """Choose `due` faults, make them newly overdue just after `now`; returns (now, ids)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT date_trunc('minute', min(next_check_at)) FROM facilities_fault")
        now = cursor.fetchone()[0] - timedelta(minutes=1)
        cursor.execute(
            """
            SELECT f.id FROM facilities_fault f
            JOIN facilities_category c ON c.id = f.category_id AND NOT c.safety_critical
            JOIN facilities_contractor k ON k.id = f.contractor_id AND k.helpdesk_email <> ''
            ORDER BY f.id DESC LIMIT %s
            """,
            [due],
        )
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("DELETE FROM facilities_escalation WHERE fault_id = ANY(%s)", [ids])
        cursor.execute(
            "DELETE FROM facilities_outboxemail WHERE fault_id = ANY(%s) AND kind = 'escalation'",
            [ids],
        )
        cursor.execute(
            """
            UPDATE facilities_fault AS f SET
                status = 'acknowledged', priority = 'P2', clock = 'calendar',
                reported_at = v.reported, attend_target_minutes = 240,
                make_safe_target_minutes = NULL, fix_target_minutes = 4320,
                attend_due_at = v.reported + interval '4 hours', make_safe_due_at = NULL,
                fix_due_at = v.reported + interval '72 hours',
                next_check_at = v.reported + interval '4 hours',
                attended_at = NULL, made_safe_at = NULL, fixed_at = NULL, closed_at = NULL,
                cancelled_at = NULL, on_hold_since = NULL, paused = interval '0',
                attend_breached_at = NULL, make_safe_breached_at = NULL,
                fix_breached_at = NULL, at_risk_at = NULL, escalation_level = 0
            FROM (
                SELECT id, %(now)s - CASE WHEN id %% 30 = 0 THEN interval '73 hours'
                                          ELSE interval '5 hours' END AS reported
                FROM facilities_fault WHERE id = ANY(%(ids)s)
            ) AS v
            WHERE f.id = v.id
            """,
            {"now": now, "ids": ids},
        )
    return now, ids


#: The floor: what one sweep writes for these faults, in one statement. Recipients as the
#: default ladder's levels 1 (helpdesk, office managers) and 2 (account manager, regional
#: contract managers) give them, in the order `notifications.People.resolve` gives them.
FLOOR_SQL = """
WITH due AS (
    SELECT f.id, f.attend_due_at, f.fix_due_at, f.reported_at, f.premises_id, p.region_id,
           p.name AS premises, k.name AS contractor, k.helpdesk_email, k.account_manager_email,
           f.fix_due_at <= %(now)s AS fix_late
    FROM facilities_fault f
    JOIN facilities_premises p ON p.id = f.premises_id
    JOIN facilities_contractor k ON k.id = f.contractor_id
    WHERE f.next_check_at <= %(now)s
    FOR UPDATE OF f
), faults AS (
    UPDATE facilities_fault f SET
        attend_breached_at = d.attend_due_at,
        fix_breached_at = CASE WHEN d.fix_late THEN d.fix_due_at END,
        escalation_level = CASE WHEN d.fix_late THEN 2 ELSE 1 END,
        next_check_at = CASE WHEN d.fix_late THEN d.fix_due_at + interval '36 hours'
                             ELSE d.reported_at + interval '54 hours' END,
        updated_at = %(now)s
    FROM due d WHERE f.id = d.id
    RETURNING f.id
), levels AS (
    SELECT d.*, l.level, l.why FROM due d
    JOIN (VALUES (1, 'attendance is overdue'), (2, 'the fix is overdue')) AS l(level, why)
      ON l.level = 1 OR d.fix_late
), breaches AS (
    SELECT id, 'attend' AS step, attend_due_at AS due_at FROM due
    UNION ALL SELECT id, 'fix', fix_due_at FROM due WHERE fix_late
), events AS (
    INSERT INTO facilities_faultevent (fault_id, kind, actor_id, at, note, details)
    SELECT id, 'breached', NULL::bigint, %(now)s, 'The ' || step || ' service level was missed.',
           jsonb_build_object('step', step, 'due_at', to_char(due_at AT TIME ZONE 'UTC',
                              'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'))
    FROM breaches
    UNION ALL
    SELECT id, 'escalated', NULL::bigint, %(now)s, upper(left(why, 1)) || substr(why, 2) || '.',
           jsonb_build_object('level', level, 'automatic', true)
    FROM levels
    RETURNING id
), escalations AS (
    INSERT INTO facilities_escalation (fault_id, level, reason, automatic, raised_by_id, raised_at)
    SELECT id, level, upper(left(why, 1)) || substr(why, 2) || '.', true, NULL::bigint, %(now)s
    FROM levels
    RETURNING id
), people AS (
    SELECT l.id, l.level, 1 AS audience, 0 AS n, lower(l.helpdesk_email) AS email
    FROM levels l WHERE l.level = 1 AND l.helpdesk_email <> ''
    UNION ALL
    SELECT l.id, l.level, 2, u.id, lower(u.email) FROM levels l
    JOIN facilities_user_premises m ON m.premises_id = l.premises_id
    JOIN facilities_user u ON u.id = m.user_id AND u.role = 'office_manager' AND u.is_active
         AND u.email <> ''
    WHERE l.level = 1
    UNION ALL
    SELECT l.id, l.level, 1, 0, lower(l.account_manager_email)
    FROM levels l WHERE l.level = 2 AND l.account_manager_email <> ''
    UNION ALL
    SELECT l.id, l.level, 2, u.id, lower(u.email) FROM levels l
    JOIN facilities_user_regions r ON r.region_id = l.region_id
    JOIN facilities_user u ON u.id = r.user_id AND u.role = 'contract_manager' AND u.is_active
         AND u.email <> ''
    WHERE l.level = 2
), firsts AS (
    SELECT DISTINCT ON (id, level, email) id, level, audience, n, email
    FROM people ORDER BY id, level, email, audience, n
), recipients AS (
    SELECT id, level, jsonb_agg(email ORDER BY audience, n) AS emails
    FROM firsts GROUP BY id, level
)
INSERT INTO facilities_outboxemail ({outbox_columns})
SELECT 'escalation', 'escalation:' || l.id || ':' || l.level, l.id, r.emails, 'escalation',
       jsonb_build_object(
           'at', %(now_iso)s, 'level', l.level, 'why', l.why, 'reason', '', 'raised_by', '',
           'already_alerted', CASE WHEN l.level = 1 THEN '[]'::jsonb ELSE jsonb_build_array(
               l.contractor || ' helpdesk', 'office managers at ' || l.premises) END),
       'pending', %(now)s, %(next_attempt)s{outbox_defaults}
FROM levels l JOIN recipients r ON r.id = l.id AND r.level = l.level
"""
FLOOR_OUTBOX = ("kind", "dedupe_key", "fault_id", "to", "template", "context", "status")
FLOOR_OUTBOX += ("created_at", "next_attempt_at")


def floor_sql() -> tuple[str, list]:
    """FLOOR_SQL with every other outbox column at its model default (the model may grow)."""
    from facilities.models import OutboxEmail

    others = [
        f
        for f in OutboxEmail._meta.concrete_fields
        if not f.primary_key and f.attname not in FLOOR_OUTBOX and not f.null
    ]
    columns = ", ".join(f'"{c}"' for c in (*FLOOR_OUTBOX, *(f.column for f in others)))
    defaults = "".join(f", %(default_{f.attname})s" for f in others)
    sql = FLOOR_SQL.replace("{outbox_columns}", columns).replace("{outbox_defaults}", defaults)
    return sql, others


def written(now) -> dict[str, Counter]:
    """The rows written at `now` (by the floor or the sweep), as comparable values."""
    queries = {
        "events": "SELECT fault_id, kind, note, details::text FROM facilities_faultevent "
        "WHERE at = %s AND kind IN ('breached', 'escalated')",
        "escalations": "SELECT fault_id, level, reason, automatic FROM facilities_escalation "
        "WHERE raised_at = %s",
        "outbox": 'SELECT dedupe_key, fault_id, "to"::text, status, template, context::text '
        "FROM facilities_outboxemail WHERE created_at = %s AND kind = 'escalation'",
        "faults": "SELECT id, attend_breached_at, fix_breached_at, escalation_level, "
        "next_check_at FROM facilities_fault WHERE updated_at = %s",
    }
    found = {}
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql, [now])
            found[name] = Counter(cursor.fetchall())
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process on this machine (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(run, backend: int) -> tuple[float, float, float, int, object]:
    """Wall, this process's CPU and the backend's CPU time, queries, and run's result."""
    with CaptureQueriesContext(connection) as queries:
        backend_start, cpu_start, started = (
            cpu_seconds(backend),
            time.process_time(),
            time.perf_counter(),
        )
        result = run()
        wall = time.perf_counter() - started
        cpu, backend_cpu = time.process_time() - cpu_start, cpu_seconds(backend) - backend_start
    return wall, cpu, backend_cpu, len(queries.captured_queries), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=sweep.BATCH_SIZE)
    parser.add_argument("--profile", action="store_true", help="profile one more sweep")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at a PostgreSQL database seeded with seed_demo.")

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '10s'")
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        started = time.perf_counter()
        applied = schema_up_to_date()
        analysed = analyse_if_never_analysed()
        now, ids = make_due(args.due)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE facilities_fault")
            cursor.execute(
                "SELECT count(*), count(*) FILTER (WHERE status = ANY(%s)), "
                "count(*) FILTER (WHERE next_check_at <= %s) FROM facilities_fault",
                [["reported", "acknowledged", "attended", "made_safe"], now],
            )
            total, open_faults, due = cursor.fetchone()
        print(f"migrations applied for this run (rolled back): {', '.join(applied) or 'none'}")
        print(f"ANALYZE (rolled back): {', '.join(analysed) or 'statistics present'}")
        print(f"setup {time.perf_counter() - started:.1f} s; now = {now:%Y-%m-%d %H:%M} UTC")
        print(f"faults {total:,}; open {open_faults:,}; due now {due:,} (made due: {len(ids):,})")
        quiet = "on" if getattr(settings, "QUIET_HOURS_ENABLED", True) else "off"
        load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        print(
            f"PostgreSQL {connection.cursor().connection.info.server_version}; quiet hours {quiet}"
        )
        print(f"CPUs {os.cpu_count()}; load average {load}\n")

        sql, others = floor_sql()
        params = {
            "now": now,
            "now_iso": now.isoformat(),
            "next_attempt": now + DISPATCH_GRACE,
        }
        for field in others:
            params[f"default_{field.attname}"] = field.get_db_prep_save(
                field.get_default(), connection
            )

        def floor() -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)

        floors, sweeps, floor_rows, sweep_rows, queries, second = [], [], None, None, 0, None
        for _ in range(args.runs):
            with transaction.atomic():
                floors.append((*timed(floor, backend)[:3], os.getloadavg()[0]))
                floor_rows = written(now)
                transaction.set_rollback(True)
            with transaction.atomic():
                wall, cpu, backend_cpu, queries, result = timed(
                    lambda: sweep.sweep(now=now, batch_size=args.batch_size), backend
                )
                sweeps.append((wall, cpu, backend_cpu, os.getloadavg()[0]))
                sweep_rows = written(now)
                second = timed(lambda: sweep.sweep(now=now, batch_size=args.batch_size), backend)
                transaction.set_rollback(True)

        def line(name: str, runs: list[tuple], count: int | str) -> None:
            wall, cpu, back, load = (statistics.median(r[i] for r in runs) for i in range(4))
            print(f"{name:32} {wall:7.2f} {cpu:7.2f} {back:8.2f} {count!s:>8} {load:5.1f}")

        print(f"{'median of ' + str(args.runs) + ' runs':32} {'wall s':>7} {'cpu s':>7} "
              f"{'sql cpu':>8} {'queries':>8} {'load':>5}")  # fmt: skip
        line("floor (one SQL statement)", floors, 1)
        line("sweep", sweeps, queries)
        print(f"second sweep (nothing due)       {second[0] * 1000:5.1f} ms, {second[3]} queries")
        ratio = statistics.median(s[0] for s in sweeps) / statistics.median(f[0] for f in floors)
        same = floor_rows == sweep_rows
        print(f"result: {result}")
        counts = ", ".join(f"{name} {sum(rows.values()):,}" for name, rows in sweep_rows.items())
        print(f"rows written: {counts}; same rows as the floor: {'yes' if same else 'NO'}")
        if not same:
            for name in sweep_rows:
                extra, missing = (
                    sweep_rows[name] - floor_rows[name],
                    floor_rows[name] - sweep_rows[name],
                )
                if extra or missing:
                    print(f"  {name}: sweep only {list(extra)[:2]}; floor only {list(missing)[:2]}")
        batches = -(-result.checked // args.batch_size)
        print(f"queries: {queries} for {batches} batches of up to {args.batch_size} "
              f"({queries / max(batches, 1):.1f} a batch); second sweep {second[3]}")  # fmt: skip
        wall = statistics.median(s[0] for s in sweeps)
        met = wall <= TARGET_S and ratio <= TARGET_RATIO and same
        print(f"sweep / floor: {ratio:.1f}x; target <= {TARGET_S:.0f} s and <= {TARGET_RATIO:.0f}x "
              f"the floor: {'met' if met else 'MISSED'}")  # fmt: skip

        if args.profile:
            with transaction.atomic():
                profile = cProfile.Profile()
                profile.runcall(sweep.sweep, now=now, batch_size=args.batch_size)
                if os.environ.get("SWEEP_PROFILE_FILE"):
                    profile.dump_stats(os.environ["SWEEP_PROFILE_FILE"])
                transaction.set_rollback(True)
            print("\nprofile of one more sweep (cProfile, top 25 by own time):")
            pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(25)
        transaction.set_rollback(True)
    print(f"load average at the end {', '.join(f'{n:.1f}' for n in os.getloadavg())}; "
          "everything above rolled back")  # fmt: skip
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
