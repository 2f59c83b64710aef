"""The morning after quiet hours: each recipient's held escalation emails, sent as one.

`release` (run by the outbox re-dispatch, so a beat that was down catches up when it is back)
turns each recipient's due `quiet` rows into one email: the row itself when it is alone,
otherwise one "held overnight" email listing them. The rows leave `quiet` with one conditional
UPDATE in the transaction that writes what replaces them, and that transaction writes nothing
unless it took every one: so each goes out exactly once however many releases run at once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction

from facilities import sla
from facilities.models import OutboxEmail, OutboxKind, OutboxStatus

from . import delivery, messages
from .quiet import QuietHours
from .recipients import Person

logger = logging.getLogger(__name__)


def _held_item(row: OutboxEmail) -> dict[str, str]:
    """What the morning email says of one held email: its own subject and text, rendered as
    of the moment it was raised (and kept on the row, as a sent row keeps its words)."""
    if not row.body_text:
        row.subject, row.body_text, row.body_html = messages.render(row)
    url = messages.fault_url(row.fault_id) if row.fault_id else ""
    return {"subject": row.subject, "body": row.body_text, "url": url}


def _bundle(recipient: str, rows: list[OutboxEmail], now: datetime) -> OutboxEmail:
    items = [_held_item(r) for r in rows]
    day = now.astimezone(sla.LONDON)
    hours = QuietHours.from_settings() or QuietHours()
    (bundle,) = messages.outbox_rows(
        kind=OutboxKind.HELD_OVERNIGHT,
        dedupe_key=f"held_overnight:{recipient}:{rows[0].pk}",
        fault=None,
        people=[Person(recipient)],
        template="held-overnight",
        context={
            "service_name": settings.SERVICE_NAME,
            "day": day.strftime("%-d %B %Y"),
            "items": items,
            "quiet_hours": f"{hours.start:%H:%M} to {hours.end:%H:%M}",
        },
        now=now,
    )
    bundle.save()
    return bundle


class Contended(Exception):
    """Another release took some of these rows first: this one writes nothing."""


def _release_recipient(recipient: str, rows: list[OutboxEmail], now: datetime) -> int | None:
    """One recipient's due rows out of `quiet`, in one transaction; the row id to send.

    The conditional UPDATE comes first: it locks the rows, so a concurrent release waits for
    this one to commit and then finds them no longer `quiet` (and writes nothing)."""
    ids = [r.pk for r in rows]
    single = len(rows) == 1
    try:
        with transaction.atomic():
            taken = OutboxEmail.objects.filter(pk__in=ids, status=OutboxStatus.QUIET).update(
                status=OutboxStatus.PENDING if single else OutboxStatus.BUNDLED,
                next_attempt_at=now + delivery.DISPATCH_GRACE,
            )
            if taken != len(ids):
                raise Contended
            if single:
                return rows[0].pk
            bundle = _bundle(recipient, rows, now)
            for row in rows:  # keep what the morning email said of each, and which it was
                OutboxEmail.objects.filter(pk=row.pk).update(
                    digest=bundle,
                    subject=row.subject,
                    body_text=row.body_text,
                    body_html=row.body_html,
                )
            return bundle.pk
    except (Contended, IntegrityError):
        logger.info("Held emails for %s were released by another worker", recipient)
        return None


def release(*, now: datetime, limit: int = 5000) -> int:
    """Send every recipient's held escalation emails whose morning has come; how many emails."""
    rows = list(
        OutboxEmail.objects.select_related(
            "fault__premises", "fault__category", "fault__contractor"
        )
        .filter(status=OutboxStatus.QUIET, next_attempt_at__lte=now)
        .order_by("created_at", "pk")[:limit]
    )
    by_recipient: dict[str, list[OutboxEmail]] = defaultdict(list)
    for row in rows:
        by_recipient[row.to[0]].append(row)
    released = [
        outbox_id
        for recipient, held in sorted(by_recipient.items())
        if (outbox_id := _release_recipient(recipient, held, now)) is not None
    ]
    if released:
        delivery.enqueue(released)
    return len(released)
