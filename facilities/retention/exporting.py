"""The archive: faults reported in a date range and their timelines, streamed to CSV or JSON
Lines in constant memory, however many faults there are.

Faults are read a batch at a time by primary key (keyset pages, never OFFSET), each batch's
events with one more query, and written before the next batch is read: memory holds one batch,
whether the range has a thousand faults or a million. CSV has one row per timeline event with
its fault's columns repeated (text a spreadsheet could run as a formula is kept as text);
JSON Lines has one object per fault with its `timeline` list.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO

from facilities.models import Fault, FaultEvent
from facilities.models.faults import reference_for
from facilities.spreadsheets import safe_text

FAULT_FIELDS = {
    "id": "id",
    "premises": "premises__name",
    "premises_code": "premises__code",
    "region": "premises__region__name",
    "category": "category__name",
    "priority": "priority",
    "status": "status",
    "location": "location",
    "description": "description",
    "beds_out_of_use": "beds_out_of_use",
    "contractor": "contractor__name",
    "contractor_reference": "contractor_reference",
    "reported_at": "reported_at",
    "acknowledged_at": "acknowledged_at",
    "attended_at": "attended_at",
    "made_safe_at": "made_safe_at",
    "fixed_at": "fixed_at",
    "closed_at": "closed_at",
    "cancelled_at": "cancelled_at",
    "attend_due_at": "attend_due_at",
    "make_safe_due_at": "make_safe_due_at",
    "fix_due_at": "fix_due_at",
    "attend_breached_at": "attend_breached_at",
    "fix_breached_at": "fix_breached_at",
    "escalation_level": "escalation_level",
    "reopen_count": "reopen_count",
    "anonymised_at": "anonymised_at",
}
EVENT_FIELDS = ("at", "kind", "actor_id", "note", "details")
CSV_COLUMNS = ["reference", *FAULT_FIELDS, *(f"event_{name}" for name in EVENT_FIELDS)]


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _batches(start: datetime, end: datetime, batch_size: int) -> Iterator[list[dict]]:
    """Faults reported in [start, end), a batch at a time, each with its `timeline`."""
    after = 0
    faults = Fault.objects.filter(reported_at__gte=start, reported_at__lt=end).order_by("pk")
    while True:
        batch = list(faults.filter(pk__gt=after).values(*FAULT_FIELDS.values())[:batch_size])
        if not batch:
            return
        after = batch[-1]["id"]
        timelines: dict[int, list[dict]] = defaultdict(list)
        events = FaultEvent.objects.filter(fault_id__in=[f["id"] for f in batch]).order_by(
            "fault_id", "at", "id"
        )
        for event in events.values("fault_id", *EVENT_FIELDS):
            timelines[event.pop("fault_id")].append(
                {name: _plain(event[name]) for name in EVENT_FIELDS}
            )
        yield [
            {
                "reference": reference_for(row["id"]),
                **{name: _plain(row[path]) for name, path in FAULT_FIELDS.items()},
                "timeline": timelines.get(row["id"], []),
            }
            for row in batch
        ]


def count(start: datetime, end: datetime) -> int:
    return Fault.objects.filter(reported_at__gte=start, reported_at__lt=end).count()


def _jsonl_writer(out: IO[str]) -> Callable[[dict], None]:
    def write(fault: dict) -> None:
        out.write(json.dumps(fault, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")

    return write


def _csv_writer(out: IO[str]) -> Callable[[dict], None]:
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)

    def write(fault: dict) -> None:
        head = [safe_text(fault[name]) for name in ("reference", *FAULT_FIELDS)]
        if not fault["timeline"]:
            writer.writerow(head + [""] * len(EVENT_FIELDS))
        for event in fault["timeline"]:
            details = json.dumps(event["details"], ensure_ascii=False)
            writer.writerow(
                head + [safe_text(details if n == "details" else event[n]) for n in EVENT_FIELDS]
            )

    return write


def export(
    *,
    start: datetime,
    end: datetime,
    out: IO[str],
    fmt: str,
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the faults reported in [start, end) to `out` as `csv` or `jsonl`; how many."""
    writers = {"csv": _csv_writer, "jsonl": _jsonl_writer}
    if fmt not in writers:
        raise ValueError(f"Unknown format {fmt!r}: csv or jsonl")
    write = writers[fmt](out)
    written = 0
    for batch in _batches(start, end, batch_size):
        for fault in batch:
            write(fault)
        written += len(batch)
        if progress is not None:
            progress(len(batch))
    return written
