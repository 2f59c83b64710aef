"""The sweep: record breaches, warn at risk, and raise escalation levels as they fall due.

It reads only faults whose `next_check_at` has passed (the partial index
`fault_due_for_check`), in batches locked with `SELECT ... FOR UPDATE SKIP LOCKED`, so any
number of sweeps may run at once and each fault is handled by one of them. Each batch is
one transaction with a constant number of queries: its events, escalations and outbox rows
are bulk-inserted and its faults bulk-updated. That each (fault, level) is raised and
emailed once is enforced by the database (`one_escalation_per_level`, the outbox's unique
dedupe key), never by timing. A fault that raises an error is logged, looked at again in
five minutes, and does not stop the sweep.

Raising a level (`escalation.raising.raise_levels`) is also the path a manual escalation
takes, so both write the same event and the same email.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.base import ModelState

from facilities import ladder, notifications
from facilities.models import (
    Category,
    Contractor,
    EventKind,
    Fault,
    FaultEvent,
    Premises,
)
from facilities.models.notifications import all_steps

from .raising import Writes, new_event, raise_levels, update_faults

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
RETRY_AFTER = timedelta(minutes=5)
UPDATED_FIELDS = [
    "attend_breached_at",
    "make_safe_breached_at",
    "fix_breached_at",
    "at_risk_at",
    "escalation_level",
    "next_check_at",
    "updated_at",
]


@dataclass
class SweepResult:
    checked: int = 0
    breaches: int = 0
    at_risk: int = 0
    levels_raised: int = 0
    emails_queued: int = 0
    errors: int = 0

    def add(self, other: SweepResult) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _breach_event(fault: Fault, step: str, due: datetime, now: datetime) -> FaultEvent:
    return new_event(
        fault_id=fault.pk,
        kind=EventKind.BREACHED,
        at=now,
        note=f"The {step.replace('_', ' ')} service level was missed.",
        details={"step": step, "due_at": due.isoformat()},
    )


def check_fault(
    fault: Fault,
    writes: Writes,
    *,
    now: datetime,
    steps: Sequence[ladder.Step],
    people: notifications.People,
    ladders: dict[tuple[int | None, int], tuple[ladder.Step, ...]] | None = None,
) -> SweepResult:
    """Everything now due for one locked fault, added to `writes`; sets its next check.

    `ladders` keeps each (contract, region)'s resolved ladder for the rest of the batch.
    """
    result = SweepResult(checked=1)
    nation, safety = fault.premises.nation, fault.category.safety_critical
    paused = fault.paused_minutes
    key = (fault.contract_id, fault.premises.region_id)
    fault_steps = ladders.get(key) if ladders is not None else None
    if fault_steps is None:
        fault_steps = ladder.resolve_ladder(steps, contract_id=key[0], region_id=key[1])
        if ladders is not None:
            ladders[key] = fault_steps
    due = ladder.breaches_due(fault, nation, paused, now)
    for step, flagged in (("attend", due.attend), ("make_safe", due.make_safe), ("fix", due.fix)):
        if flagged:
            when = getattr(fault, f"{step}_due_at")
            setattr(fault, f"{step}_breached_at", when)
            writes.events.append(_breach_event(fault, step, when, now))
            result.breaches += 1
    if due.at_risk:
        fault.at_risk_at = now
        writes.events.append(
            new_event(
                fault_id=fault.pk,
                kind=EventKind.AT_RISK,
                at=now,
                note="Three quarters of the fix window have passed.",
                details={"fix_due_at": fault.fix_due_at.isoformat()},
            )
        )
        writes.emails += notifications.at_risk_emails(fault=fault, people=people, now=now)
        result.at_risk += 1
    rungs = ladder.ladder(fault, nation, safety, fault_steps)
    levels = ladder.levels_due(fault, nation, safety, now, fault_steps, rungs)
    if levels:
        raise_levels(writes, fault, levels, now=now, steps=fault_steps, people=people)
        result.levels_raised += len(levels)
    fault.next_check_at = ladder.next_check_at(fault, nation, safety, paused, fault_steps, rungs)
    if fault.next_check_at is not None and fault.next_check_at <= now:
        logger.warning("%s would be due again at once; looking again later", fault.reference)
        fault.next_check_at = now + RETRY_AFTER
    fault.updated_at = now
    return result


def _process(faults: list[Fault], *, now: datetime, steps: Sequence[ladder.Step]) -> SweepResult:
    result = SweepResult()
    writes = Writes()
    people = notifications.People.for_faults(faults)
    ladders: dict[tuple[int | None, int], tuple[ladder.Step, ...]] = {}
    for fault in faults:
        result.add(check_fault(fault, writes, now=now, steps=steps, people=people, ladders=ladders))
    writes.save()
    update_faults(faults, UPDATED_FIELDS)
    result.emails_queued += sum(1 for e in writes.emails if e.status == "pending")
    return result


#: What checking a fault reads (fewer columns, faster rows); anything else would be a query each.
CHECKED_FIELDS = [
    *UPDATED_FIELDS,
    *("premises_id", "category_id", "contractor_id", "contract_id", "status", "reported_at"),
    "priority",  # an escalation's webhook gives it (facilities.webhooks)
    *("clock", "paused", "on_hold_since", "attend_due_at", "make_safe_due_at", "fix_due_at"),
    *("fix_target_minutes", "attended_at", "made_safe_at", "fixed_at"),
]


def _due_batch(now: datetime, size: int) -> list[Fault]:
    """Lock up to `size` due faults no other sweep holds, with their premises, category and
    contractor (read as three small lookups, not joined into every row).

    The faults are read as plain rows and made into unsaved-looking `Fault`s with just
    `CHECKED_FIELDS` (any other field is read if asked for, as with `only()`), and their
    relations cached directly: a model instance per row through `from_db` cost a tenth of a
    sweep.
    """
    rows = list(
        Fault.objects.select_for_update(skip_locked=True)
        .filter(next_check_at__lte=now)
        .order_by("next_check_at", "pk")
        .values_list("pk", *CHECKED_FIELDS)[:size]
    )
    if not rows:
        return []
    names = ["id", *(Fault._meta.get_field(name).attname for name in CHECKED_FIELDS)]
    faults = [_loaded_fault(dict(zip(names, row, strict=True))) for row in rows]
    premises = Premises.objects.only("name", "nation", "region_id").in_bulk(
        {f.premises_id for f in faults}
    )
    categories = Category.objects.only("name", "safety_critical").in_bulk(
        {f.category_id for f in faults}
    )
    contractors = Contractor.objects.only(
        "name", "helpdesk_email", "account_manager_email"
    ).in_bulk({f.contractor_id for f in faults if f.contractor_id})
    for fault in faults:
        cache = fault._state.fields_cache
        cache["premises"] = premises[fault.premises_id]
        cache["category"] = categories[fault.category_id]
        cache["contractor"] = contractors.get(fault.contractor_id)
    return faults


def _loaded_fault(values: dict[str, object]) -> Fault:
    """A fault as read from the database with just these columns (as `from_db` makes it)."""
    fault = Fault.__new__(Fault)
    fault.__dict__.update(values)
    fault._state = ModelState()
    fault._state.adding, fault._state.db = False, DEFAULT_DB_ALIAS
    return fault


def _one_by_one(ids: list[int], *, now: datetime, steps: Sequence[ladder.Step]) -> SweepResult:
    """After a batch failed: each fault in its own savepoint; a bad one is pushed back."""
    result = SweepResult()
    faults = Fault.objects.select_related("premises", "category", "contractor").filter(pk__in=ids)
    for fault in faults.order_by("pk"):
        try:
            with transaction.atomic():
                result.add(_process([fault], now=now, steps=steps))
        except Exception:
            logger.exception(
                "Sweep could not check %s; looking at it again in %s", fault.reference, RETRY_AFTER
            )
            Fault.objects.filter(pk=fault.pk).update(next_check_at=now + RETRY_AFTER)
            result.errors += 1
    return result


def sweep_batch(
    *, now: datetime, steps: Sequence[ladder.Step], size: int
) -> tuple[int, SweepResult]:
    """Lock and check one batch of due faults in one transaction; (faults taken, result)."""
    with transaction.atomic():
        faults = _due_batch(now, size)
        if not faults:
            return 0, SweepResult()
        try:
            with transaction.atomic():
                return len(faults), _process(faults, now=now, steps=steps)
        except Exception:
            logger.exception(
                "Sweep batch of %d faults failed; checking them one by one", len(faults)
            )
        return len(faults), _one_by_one([f.pk for f in faults], now=now, steps=steps)


def sweep(*, now: datetime, batch_size: int = BATCH_SIZE) -> SweepResult:
    """Check every fault due by `now`, batch by batch, until none is left for this sweep.

    Every fault checked leaves with a `next_check_at` after `now` (or none), so the loop ends.
    """
    steps = all_steps()
    result = SweepResult()
    while True:
        taken, batch = sweep_batch(now=now, steps=steps, size=batch_size)
        result.add(batch)
        if taken < batch_size:
            return result
