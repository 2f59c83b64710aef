"""One database session for one report: a consistent snapshot, tuned for aggregation.

A report runs several queries; in one REPEATABLE READ, READ ONLY transaction they all see the
same faults, so its figures agree with each other even while faults are being fixed. On
PostgreSQL the transaction also turns JIT compilation off (compiling the report's large
expressions costs more than running them) and gives its sorts and hashes room in memory
(`work_mem`), both with SET LOCAL so nothing outlives the report.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

WORK_MEM = "64MB"


@contextmanager
def reporting() -> Iterator[None]:
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if outermost:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SET LOCAL jit = off")
                cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        yield
