"""Raising a fault up the escalation ladder, and writing what a batch of faults changed.

`raise_levels` is the one path both the sweep and a manual escalation take: the same
escalation row, timeline event and email for each level. `Writes` collects a batch's rows to
insert in bulk (COPY on PostgreSQL) and `update_faults` writes a batch's faults in one
statement.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import JSONField, Model, Q
from django.db.models.base import ModelState
from psycopg.types.json import Jsonb

from facilities import ladder, notifications, webhooks
from facilities.models import (
    Escalation,
    EscalationStep,
    EventKind,
    Fault,
    FaultEvent,
    OutboxEmail,
    User,
)

logger = logging.getLogger(__name__)


class NewRows:
    """Unsaved rows of one model, as `Model.__init__` would make them (its defaults, then the
    values given, related objects cached) without its per-field work and signals: a sweep
    makes tens of thousands of events and escalations, and `__init__` was a third of its time.
    """

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        blank = model()
        fresh = {
            f.attname
            for f in model._meta.concrete_fields
            if f.has_default() and callable(f.default)
        }
        #: Defaults made afresh for each row (a mutable default such as `dict`).
        self.fresh = {
            f.attname: f.default for f in model._meta.concrete_fields if f.attname in fresh
        }
        self.fixed = {
            name: value
            for name, value in blank.__dict__.items()
            if name != "_state" and name not in fresh
        }

    def __call__(self, related: dict[str, Model | None] | None = None, **columns: object) -> Model:
        row = self.model.__new__(self.model)
        values = row.__dict__
        values.update(self.fixed)
        for name, make in self.fresh.items():
            if name not in columns:
                values[name] = make()
        values.update(columns)
        row._state = ModelState()
        for name, obj in (related or {}).items():
            values[self.model._meta.get_field(name).attname] = obj.pk if obj else None
            row._state.fields_cache[name] = obj
        return row


new_event = NewRows(FaultEvent)
new_escalation = NewRows(Escalation)


@dataclass
class Writes:
    """Rows a batch (or one manual escalation) inserts together, in one transaction."""

    events: list[FaultEvent] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    emails: list[OutboxEmail] = field(default_factory=list)
    #: The faults raised, by id: their events' webhooks describe them.
    faults: dict[int, Fault] = field(default_factory=dict)

    def save(self) -> None:
        if connection.vendor == "postgresql":
            copy_insert(FaultEvent, self.events, with_ids=False)
            copy_insert(Escalation, self.escalations)
            copy_insert(OutboxEmail, self.emails)
        else:
            FaultEvent.objects.bulk_create(self.events)
            Escalation.objects.bulk_create(self.escalations)
            OutboxEmail.objects.bulk_create(self.emails)
        notifications.send_on_commit([e.pk for e in self.emails if e.status == "pending"])
        webhooks.queue_events(
            (self.faults[e.fault_id], e) for e in self.events if e.fault_id in self.faults
        )


def copy_insert(model: type[Model], objs: list[Model], *, with_ids: bool = True) -> None:
    """Insert new rows with PostgreSQL's COPY, several times faster than `bulk_create` for a
    sweep's thousands of rows; constraints (unique keys included) apply as to any insert.

    With `with_ids` the ids are drawn from the table's sequence first (one more query) and
    set on the objects; without, the database numbers the rows and the objects keep none.
    """
    if not objs:
        return
    table = model._meta.db_table
    quote = connection.ops.quote_name
    pk = model._meta.pk
    # Columns the database fills itself (`db_default`, e.g. FaultEvent.recorded_at) are left out.
    fields = [f for f in model._meta.concrete_fields if f is not pk and not f.has_db_default()]
    json_fields = {f.attname for f in fields if isinstance(f, JSONField)}
    names = [f.attname for f in fields]
    columns = [f.column for f in fields]
    with connection.cursor() as cursor:
        if with_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, len(objs)],
            )
            for obj, (pk_value,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = pk_value
            columns.insert(0, pk.column)
        column_list = ", ".join(quote(c) for c in columns)
        with cursor.cursor.copy(f"COPY {quote(table)} ({column_list}) FROM STDIN") as copy:
            for obj in objs:
                values = [obj.pk] if with_ids else []
                for name in names:
                    value = getattr(obj, name)
                    values.append(Jsonb(value) if name in json_fields else value)
                copy.write_row(values)
    if with_ids:
        for obj in objs:
            obj._state.adding, obj._state.db = False, connection.alias


def ladder_for(fault: Fault) -> tuple[ladder.Step, ...]:
    """The fault's resolved ladder, read with one query (the workflow's path)."""
    rows = EscalationStep.objects.filter(
        Q(contract__isnull=True, region__isnull=True)
        | Q(contract_id=fault.contract_id)
        | Q(region_id=fault.premises.region_id)
    )
    return ladder.resolve_ladder(
        [row.as_step() for row in rows],
        contract_id=fault.contract_id,
        region_id=fault.premises.region_id,
    )


def raise_levels(
    writes: Writes,
    fault: Fault,
    levels: Sequence[tuple[int, str]],
    *,
    now: datetime,
    steps: Sequence[ladder.Step],
    people: notifications.People,
    raised_by: User | None = None,
    reason: str = "",
) -> list[Escalation]:
    """Raise the fault to each level (lowest first): an escalation, its event and its email.

    Automatic when `raised_by` is None (the sweep); by hand otherwise, with the reason.
    The caller holds the fault's row lock and saves `writes` and the fault.
    """
    raised = []
    for level, why in levels:
        recipients = ladder.recipients_for(
            steps, level=level, previous_level=fault.escalation_level
        )
        text = reason or f"{why[:1].upper()}{why[1:]}."
        automatic = raised_by is None
        raised.append(
            new_escalation(
                {"raised_by": raised_by},
                fault_id=fault.pk,
                level=level,
                reason=text,
                automatic=automatic,
                raised_at=now,
            )
        )
        writes.events.append(
            new_event(
                {"actor": raised_by},
                fault_id=fault.pk,
                kind=EventKind.ESCALATED,
                at=now,
                note=text,
                details={"level": level, "automatic": automatic},
            )
        )
        emails = notifications.escalation_emails(
            fault=fault,
            level=level,
            why=why,
            reason=reason,
            recipients=recipients,
            people=people,
            raised_by=raised_by,
            now=now,
        )
        if not emails:
            logger.warning("%s raised to level %d with nobody to email", fault.reference, level)
        writes.emails += emails
        fault.escalation_level = level
    writes.faults[fault.pk] = fault
    writes.escalations += raised
    return raised


def update_faults(faults: list[Fault], fields: list[str]) -> None:
    """Write these fields of every fault in one statement.

    On PostgreSQL an `UPDATE ... FROM unnest(arrays)`: one parameter per column, and a cost
    that grows with the rows. Django's `bulk_update` builds a CASE per field with a branch per
    row, whose cost grows with their square.
    """
    if connection.vendor != "postgresql":
        Fault.objects.bulk_update(faults, fields)
        return
    quote = connection.ops.quote_name
    columns = [Fault._meta.pk] + [Fault._meta.get_field(name) for name in fields]
    # Ids, counts and aware datetimes: psycopg adapts them as they are.
    arrays = [[getattr(fault, c.attname) for fault in faults] for c in columns]
    unnest = ", ".join(f"%s::{c.db_type(connection)}[]" for c in columns)
    names = ", ".join(quote(c.column) for c in columns)
    assignments = ", ".join(f"{quote(c.column)} = v.{quote(c.column)}" for c in columns[1:])
    pk = quote(columns[0].column)
    # Identifiers come from the model; every value is a parameter.
    sql = f"UPDATE {quote(Fault._meta.db_table)} AS f SET {assignments} "  # noqa: S608  # nosec B608 # identifiers from the model, values are parameters
    sql += f"FROM unnest({unnest}) AS v({names}) WHERE f.{pk} = v.{pk}"
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
