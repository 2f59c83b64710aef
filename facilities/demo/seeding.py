"""`seed_demo`: the demo estate, then a deterministic history of faults, batch by batch."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from facilities.models import Breach, BreachDispute, Fault, FaultStatus

from . import shortcuts
from .estate import ensure_estate
from .histories import Generator
from .workers import run as run_workers
from .writer import KINDS, BulkCreateWriter, CopyWriter, Saver, Writer, broken_references

DEFAULT_SEED = 2026
DEFAULT_FAULTS = 3000
DEFAULT_MONTHS = 6
BATCH_SIZE = 5000


@dataclass
class SeedSummary:
    faults: int = 0
    events: int = 0
    escalations: int = 0
    holds: int = 0
    breaches: int = 0
    disputes: int = 0
    seconds: float = 0.0
    by_status: dict[str, int] = field(default_factory=dict)
    logged_unrouted: int = 0
    unrouted_now: int = 0
    overdue_now: int = 0
    beds_out_of_use_now: int = 0
    on_hold_now: int = 0
    reopened: int = 0
    waived: int = 0
    disputes_open: int = 0

    @property
    def faults_per_second(self) -> float:
        return self.faults / self.seconds if self.seconds else 0.0

    def lines(self) -> list[str]:
        statuses = ", ".join(f"{k} {v:,}" for k, v in self.by_status.items())
        return [
            f"Faults: {self.faults:,} ({statuses})",
            f"Timeline events: {self.events:,}; escalations: {self.escalations:,}; "
            f"holds and hold requests: {self.holds:,}",
            f"Breaches: {self.breaches:,} ({self.waived:,} waived); disputes: "
            f"{self.disputes:,} ({self.disputes_open:,} awaiting a decision)",
            f"Logged unrouted: {self.logged_unrouted:,} ({self.unrouted_now:,} still without a "
            f"contractor); reopened: {self.reopened:,}",
            f"Overdue now: {self.overdue_now:,}; on hold now: {self.on_hold_now:,}; "
            f"beds out of use now: {self.beds_out_of_use_now:,}",
            f"Took {self.seconds:,.1f} s ({self.faults_per_second:,.0f} faults/s)",
        ]


def summarise(now: datetime, summary: SeedSummary | None = None) -> SeedSummary:
    summary = summary or SeedSummary()
    counts = dict(Fault.objects.values_list("status").annotate(n=Count("id")).order_by())
    summary.by_status = {s.value: counts.get(s.value, 0) for s in FaultStatus}
    faults = Fault.objects.all()
    summary.unrouted_now = faults.unrouted().count()
    summary.overdue_now = faults.overdue(now).count()
    summary.on_hold_now = faults.open().filter(on_hold_since__isnull=False).count()
    summary.reopened = faults.filter(reopen_count__gt=0).count()
    beds = faults.with_beds_out_of_use().aggregate(n=Sum("beds_out_of_use"))["n"]
    summary.beds_out_of_use_now = beds or 0
    summary.waived = Breach.objects.filter(waived_at__isnull=False).count()
    summary.disputes_open = BreachDispute.objects.filter(status="open").count()
    return summary


def default_workers() -> int:
    """One worker per CPU on PostgreSQL (where they write at once); else one."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def seed_demo(
    *,
    seed: int = DEFAULT_SEED,
    faults: int = DEFAULT_FAULTS,
    months: int = DEFAULT_MONTHS,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], object] | None = None,
    writer: Writer | None = None,
    workers: int | None = None,
) -> SeedSummary:
    """Build the demo estate and `faults` faults over the `months` before `now`.

    With `workers` above one (PostgreSQL, outside a transaction: each worker has its own
    connection) the premises are shared out between that many processes; the rows written
    are the same whatever the number.
    """
    now = (now or timezone.now()).astimezone(UTC).replace(microsecond=0)
    started = time.perf_counter()
    estate = ensure_estate()
    workers = default_workers() if workers is None and writer is None else workers or 1
    if workers > 1 and faults:
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            raise ValueError("Several workers need PostgreSQL, outside any transaction.")
        written, unrouted, unchecked = run_workers(
            parts=workers,
            seed=seed,
            faults=faults,
            months=months,
            now=now,
            batch_size=batch_size,
            progress=progress,
        )
    else:
        generator = Generator(estate, seed=seed, now=now, months=months)
        background = connection.vendor == "postgresql" and not connection.in_atomic_block
        # A background writer has a connection of its own, so may be trusted (`CopyWriter`).
        writer = writer or (CopyWriter(trusted=background) if background else BulkCreateWriter())
        background = background and isinstance(writer, CopyWriter)
        saver = Saver(writer, progress, background=background)
        stream = generator.faults(faults)
        try:
            with shortcuts.seeding():
                while batch := list(itertools.islice(stream, batch_size)):
                    saver.put(batch)
        finally:
            saver.close()
        written, unrouted = saver.written, generator.logged_unrouted
        unchecked = getattr(writer, "unchecked", False)
    if unchecked and (broken := broken_references()):
        raise RuntimeError("Demo rows written with broken references: " + "; ".join(broken))
    summary = SeedSummary(**{kind: written[kind] for kind in KINDS})
    summary.seconds = time.perf_counter() - started
    summary.logged_unrouted = unrouted
    return summarise(now, summary)
