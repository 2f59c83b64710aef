"""Writing generated histories: faults, holds, breaches, disputes, timeline events, escalations.

`bulk_create` in general; on PostgreSQL, `COPY` with the ids that other rows point at (faults,
breaches, disputes) reserved from their sequences first. A batch is one transaction, written
by a thread of its own while the next batch is generated where that is possible.
"""

from __future__ import annotations

import json
import queue
import threading
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from facilities.models import Breach, BreachDispute, Escalation, Fault, FaultEvent, FaultHold

from .histories import GeneratedFault
from .player import Record

#: What a batch wrote, by kind of row.
KINDS = ("faults", "events", "escalations", "holds", "breaches", "disputes")


def _point_at_faults(batch: list[GeneratedFault], *, events: bool = True) -> None:
    """Every row of a history names its fault's id (once the fault has one)."""
    for g in batch:
        pk = g.fault.pk
        for rows in (g.events if events else (), g.holds, g.breaches, g.escalations):
            for row in rows:
                row.fault_id = pk


def _point_at_breaches(batch: list[GeneratedFault]) -> None:
    """Disputes name their breach's id; dispute events their breach's and dispute's ids."""
    for g in batch:
        for dispute in g.disputes:
            dispute.breach_id = dispute.breach.pk
        for event, breach, dispute in g.links:
            event.details["breach"], event.details["dispute"] = breach.pk, dispute.pk


def _count(batch: list[GeneratedFault]) -> Counter:
    counts = Counter(faults=len(batch))
    for g in batch:
        counts["events"] += len(g.events)
        counts["escalations"] += len(g.escalations)
        counts["holds"] += len(g.holds)
        counts["breaches"] += len(g.breaches)
        counts["disputes"] += len(g.disputes)
    return counts


class Writer:
    """Saves a batch of generated faults with every row of their histories."""

    def write(self, batch: list[GeneratedFault]) -> Counter:
        raise NotImplementedError

    @staticmethod
    def for_connection() -> Writer:
        if connection.vendor == "postgresql":
            return CopyWriter()
        return BulkCreateWriter()


class BulkCreateWriter(Writer):
    """Portable: bulk_create returns the new primary keys (PostgreSQL, SQLite 3.35+)."""

    def write(self, batch: list[GeneratedFault]) -> Counter:
        Fault.objects.bulk_create([g.fault for g in batch], batch_size=1000)
        _point_at_faults(batch)
        FaultHold.objects.bulk_create([h for g in batch for h in g.holds], batch_size=1000)
        Breach.objects.bulk_create([b for g in batch for b in g.breaches], batch_size=1000)
        for g in batch:
            for dispute in g.disputes:
                dispute.breach_id = dispute.breach.pk
        BreachDispute.objects.bulk_create([d for g in batch for d in g.disputes])
        _point_at_breaches(batch)
        events = [
            FaultEvent(None, e.fault_id, e.kind, e.actor_id, e.at, e.note, e.details)
            if isinstance(e, Record)
            else e
            for g in batch
            for e in g.events
        ]
        FaultEvent.objects.bulk_create(events, batch_size=2000)
        Escalation.objects.bulk_create([x for g in batch for x in g.escalations], batch_size=2000)
        return _count(batch)


class _Table:
    """COPY for one model's rows, ids included or left to the database."""

    #: Field types whose Python values psycopg adapts as they are (the rest are prepared).
    PLAIN = frozenset(
        {
            *("AutoField", "BigAutoField", "BooleanField", "CharField", "DateTimeField"),
            *("DecimalField", "DurationField", "FloatField", "ForeignKey", "IntegerField"),
            *("PositiveIntegerField", "PositiveSmallIntegerField", "SlugField", "TextField"),
        }
    )

    def __init__(self, model: type[Model], *, with_ids: bool) -> None:
        fields = [f for f in model._meta.concrete_fields if with_ids or not f.primary_key]
        self.model, self.with_ids = model, with_ids
        self.attnames = [f.attname for f in fields]
        self.prepare = [
            (i, f.get_db_prep_save)
            for i, f in enumerate(fields)
            if f.get_internal_type() not in self.PLAIN
        ]
        quote = connection.ops.quote_name
        self.sql = "COPY {} ({}) FROM STDIN".format(
            quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
        )

    def reserve_ids(self, cursor, objs: list[Model]) -> None:
        if not objs:
            return
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [self.model._meta.db_table, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk

    def copy(self, cursor, objs: list[Model]) -> None:
        if not objs:
            return
        names, prepare = self.attnames, self.prepare
        with cursor.copy(self.sql) as copy:
            for obj in objs:
                columns = obj.__dict__  # every column is there: these are whole new rows
                row = [columns[name] for name in names]
                for i, prep in prepare:
                    row[i] = prep(row[i], connection)
                copy.write_row(row)
        if self.with_ids:
            for obj in objs:
                obj._state.adding = False


class CopyWriter(Writer):
    """PostgreSQL: ids reserved from the sequences, then COPY for every table.

    With `trusted` (a connection of the writer's own, as a superuser), the server is spared
    checking each row's foreign keys as it arrives, as `pg_restore --disable-triggers` does:
    the rows are built from the very objects they refer to, and `broken_references` checks
    them all, set-wise, once the seeding is done. Else every row is checked as usual.
    """

    def __init__(self, *, trusted: bool = False) -> None:
        self.trusted = trusted
        self.unchecked = False  # whether some rows were written without their checks
        self.faults = _Table(Fault, with_ids=True)
        self.breaches = _Table(Breach, with_ids=True)
        self.disputes = _Table(BreachDispute, with_ids=True)
        self.holds = _Table(FaultHold, with_ids=False)
        self.escalations = _Table(Escalation, with_ids=False)
        quote = connection.ops.quote_name
        self.event_sql = (
            f"COPY {quote(FaultEvent._meta.db_table)} "
            "(fault_id, kind, actor_id, at, note, details) FROM STDIN"
        )
        self.dumps = json.JSONEncoder(ensure_ascii=False).encode

    def write(self, batch: list[GeneratedFault]) -> Counter:
        now = timezone.now()
        faults = [g.fault for g in batch]
        breaches = [b for g in batch for b in g.breaches]
        disputes = [d for g in batch for d in g.disputes]
        with connection.cursor() as cursor:
            if self.trusted and not self.unchecked:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                if cursor.fetchone()[0]:
                    cursor.execute("SET session_replication_role = replica")
                    self.unchecked = True
            for table, objs in ((self.faults, faults), (self.breaches, breaches)):
                table.reserve_ids(cursor, objs)
            self.disputes.reserve_ids(cursor, disputes)
            for fault in faults:
                fault.updated_at = now
            _point_at_faults(batch, events=False)  # events are written with their fault's id
            _point_at_breaches(batch)
            self.faults.copy(cursor, faults)
            self.holds.copy(cursor, [h for g in batch for h in g.holds])
            self.breaches.copy(cursor, breaches)
            self.disputes.copy(cursor, disputes)
            dumps = self.dumps
            with cursor.copy(self.event_sql) as copy:
                for g in batch:
                    pk = g.fault.pk
                    for e in g.events:
                        copy.write_row((pk, e.kind, e.actor_id, e.at, e.note, dumps(e.details)))
            self.escalations.copy(cursor, [x for g in batch for x in g.escalations])
        return _count(batch)


#: The tables the demo writes, whose foreign keys `broken_references` checks.
WRITTEN = (Fault, FaultHold, Breach, BreachDispute, FaultEvent, Escalation)


def broken_references() -> list[str]:
    """Foreign keys of the demo's tables that point at no row: one anti-join per key."""
    quote, broken = connection.ops.quote_name, []
    with connection.cursor() as cursor:
        for model in WRITTEN:
            for field in model._meta.concrete_fields:
                if not field.many_to_one:
                    continue
                child, column = quote(model._meta.db_table), quote(field.column)
                parent = quote(field.target_field.model._meta.db_table)
                key = quote(field.target_field.column)
                # Identifiers from the models, quoted by the connection; no input reaches it.
                sql = (
                    f"SELECT count(*) FROM {child} c WHERE c.{column} IS NOT NULL "  # noqa: S608  # nosec B608
                    f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{key} = c.{column})"
                )
                cursor.execute(sql)
                if missing := cursor.fetchone()[0]:
                    broken.append(f"{missing:,} {model.__name__}.{field.name} point at no row")
    return broken


class Saver:
    """Writes batches, each in its own transaction, and adds up what was written.

    With `background`, batches are written by a thread with its own connection while the
    next batch is generated: on PostgreSQL the server then works on one core while Python
    generates on the other. Only outside any transaction (the thread cannot see uncommitted
    rows), so tests, which run inside one, write in the foreground.

    `turn` (a lock shared by several workers) makes their batches commit one at a time: two
    transactions at once both lock the same few users, premises and categories that their
    rows refer to (PostgreSQL's foreign-key checks), which costs the server far more than
    waiting its turn, and the workers go on generating meanwhile.
    """

    def __init__(
        self,
        writer: Writer,
        progress: Callable[[int], object] | None,
        *,
        background: bool,
        turn: AbstractContextManager | None = None,
    ):
        self.writer, self.progress = writer, progress
        self.turn = turn or nullcontext()
        self.written: Counter = Counter()
        self.error: BaseException | None = None
        self.queue: queue.Queue[list[GeneratedFault] | None] = queue.Queue(maxsize=2)
        self.thread = None
        if background:
            self.thread = threading.Thread(target=self._run, name="seed-demo-writer")
            self.thread.start()

    def _save(self, batch: list[GeneratedFault]) -> None:
        with self.turn, transaction.atomic():
            self.written += self.writer.write(batch)
        if self.progress:
            self.progress(len(batch))

    def _run(self) -> None:
        try:
            while (batch := self.queue.get()) is not None:
                if self.error is None:
                    try:
                        self._save(batch)
                    except BaseException as error:  # handed to the main thread
                        self.error = error
        finally:
            connection.close()

    def put(self, batch: list[GeneratedFault]) -> None:
        if self.thread is None:
            self._save(batch)
            return
        if self.error is not None:
            self.close()
        self.queue.put(batch)

    def close(self) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.thread = None
        if self.error is not None:
            raise self.error
