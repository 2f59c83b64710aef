"""Retention: a closed fault's personal data is removed once `RETENTION_DAYS` have passed.

What may name or show a person goes: the link to whoever reported it, its description, the
free text of its timeline (notes, reasons, comments), of its holds, disputes, waivers and
manual escalations, the words of its emails and webhooks, and its photos (files and rows).
What the figures are made of stays: premises, category, priority, location in the building
(repeat faults are found by it), every time, due time, breach, point and escalation level.
So a report recomputed after anonymising gives the same figures.

Faults are taken in batches, each in its own transaction, and marked `anonymised_at`, so a
run stopped half-way is simply run again; `dry_run` counts what would change and writes
nothing.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet

from facilities.models import (
    Breach,
    BreachDispute,
    Escalation,
    Fault,
    FaultEvent,
    FaultHold,
    FaultPhoto,
    FaultStatus,
    OutboxEmail,
    OutboxStatus,
    WebhookDelivery,
)

logger = logging.getLogger(__name__)

REMOVED = "[removed after the retention period]"
#: Keys in an event's details or a webhook's body whose text may name people.
FREE_TEXT_KEYS = frozenset(
    {"note", "reason", "text", "comment", "description", "decision_note", "priority_reason"}
)
#: Emails not yet sent keep their words (none should be left by then; they are skipped).
SETTLED_EMAILS = (
    OutboxStatus.SENT,
    OutboxStatus.FAILED,
    OutboxStatus.DIGESTED,
    OutboxStatus.BUNDLED,
)


def retention_days() -> int:
    return int(getattr(settings, "RETENTION_DAYS", 2190))


def due(*, now: datetime, days: int | None = None) -> QuerySet[Fault]:
    """Closed or cancelled faults whose retention period is over and not yet anonymised."""
    cutoff = now - timedelta(days=retention_days() if days is None else days)
    return Fault.objects.filter(anonymised_at__isnull=True).filter(
        Q(status=FaultStatus.CLOSED, closed_at__lt=cutoff)
        | Q(status=FaultStatus.CANCELLED, cancelled_at__lt=cutoff)
    )


def _scrub(value):
    """The value with the text under free-text keys replaced, at any depth."""
    if isinstance(value, dict):
        return {
            k: (REMOVED if k in FREE_TEXT_KEYS and isinstance(v, str) and v else _scrub(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


@dataclass
class Outcome:
    faults: int = 0
    changed: Counter = field(default_factory=Counter)  # what, how many rows
    photo_files: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"faults": self.faults, "photo_files": self.photo_files, **self.changed}


def _count(ids: list[int], outcome: Outcome) -> None:
    """What anonymising these faults would change (for a dry run)."""
    changed = outcome.changed
    changed["events"] += FaultEvent.objects.filter(fault_id__in=ids).exclude(note="").count()
    changed["holds"] += FaultHold.objects.filter(fault_id__in=ids).count()
    changed["disputes"] += BreachDispute.objects.filter(breach__fault_id__in=ids).count()
    changed["escalations"] += Escalation.objects.filter(fault_id__in=ids, automatic=False).count()
    changed["emails"] += OutboxEmail.objects.filter(
        fault_id__in=ids, status__in=SETTLED_EMAILS
    ).count()
    changed["webhooks"] += WebhookDelivery.objects.filter(fault_id__in=ids).count()
    photos = FaultPhoto.objects.filter(fault_id__in=ids)
    changed["photos"] += photos.count()
    outcome.photo_files += sum(
        bool(display) + bool(thumbnail)
        for display, thumbnail in photos.values_list("display", "thumbnail")
    )


def _anonymise(ids: list[int], now: datetime, outcome: Outcome) -> list[str]:
    """Remove these faults' personal data in the caller's transaction; the photo files to
    delete once it commits."""
    changed = outcome.changed
    Fault.objects.filter(pk__in=ids).update(
        description=REMOVED, reported_by=None, hold_reason="", cancel_reason="", anonymised_at=now
    )
    events = list(FaultEvent.objects.filter(fault_id__in=ids).only("id", "note", "details"))
    for event in events:
        event.note = REMOVED if event.note else ""
        event.details = _scrub(event.details)
    changed["events"] += FaultEvent.objects.bulk_update(events, ["note", "details"], 1000)
    changed["holds"] += FaultHold.objects.filter(fault_id__in=ids).update(
        reason=REMOVED, note="", decision_note=""
    )
    changed["disputes"] += BreachDispute.objects.filter(breach__fault_id__in=ids).update(
        reason=REMOVED, decision_reason=""
    )
    Breach.objects.filter(fault_id__in=ids).exclude(waived_reason="").update(waived_reason=REMOVED)
    changed["escalations"] += Escalation.objects.filter(fault_id__in=ids, automatic=False).update(
        reason=REMOVED
    )
    changed["emails"] += OutboxEmail.objects.filter(
        fault_id__in=ids, status__in=SETTLED_EMAILS
    ).update(context={}, body_text=REMOVED, body_html="")
    deliveries = list(WebhookDelivery.objects.filter(fault_id__in=ids).only("id", "body"))
    for delivery in deliveries:
        delivery.body = json.dumps(_scrub(json.loads(delivery.body)))
    changed["webhooks"] += WebhookDelivery.objects.bulk_update(deliveries, ["body"], 1000)
    photos = list(FaultPhoto.objects.filter(fault_id__in=ids))
    files = [f.name for p in photos for f in (p.display, p.thumbnail) if f]
    changed["photos"] += FaultPhoto.objects.filter(pk__in=[p.pk for p in photos]).delete()[0]
    return files


def _delete_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # already gone, or the store is down: the row is, either way
            logger.warning("Could not delete a retained photo file", exc_info=True)


def anonymise_closed_faults(
    *, now: datetime, days: int | None = None, dry_run: bool = False, batch_size: int = 500
) -> Outcome:
    """Anonymise every closed fault past its retention period, a batch per transaction."""
    outcome = Outcome()
    after = 0
    while True:
        ids = list(
            due(now=now, days=days)
            .filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        after = ids[-1]
        outcome.faults += len(ids)
        if dry_run:
            _count(ids, outcome)
            continue
        with transaction.atomic():
            # Lock the batch and skip any another run has done meanwhile.
            locked = list(
                due(now=now, days=days)
                .select_for_update(skip_locked=True)
                .filter(pk__in=ids)
                .values_list("pk", flat=True)
            )
            files = _anonymise(locked, now, outcome) if locked else []
            outcome.faults -= len(ids) - len(locked)
            transaction.on_commit(lambda files=files: _delete_files(files))
        outcome.photo_files += len(files)
    logger.info("Retention%s: %s", " (dry run)" if dry_run else "", outcome.as_dict())
    return outcome
