"""Handing outbox rows to a worker once the transaction that wrote them commits.

Tasks are looked up by name in the Celery app, so this module does not import the tasks
module (which imports the outbox, which imports the messages that use this).
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.db import transaction

from facilities.broker import queue_or_warn
from facilities.models import (
    OutboxEmail,
    OutboxStatus,
)

#: The task queued on commit normally sends a row at once; re-dispatch picks it up after this.
DISPATCH_GRACE = timedelta(seconds=60)
#: Emails queued in one task message (they share one SMTP connection).
DELIVERY_CHUNK = 20


def save_and_send_on_commit(rows: list[OutboxEmail]) -> list[OutboxEmail]:
    """Write the rows in the caller's transaction; queue the pending ones once it commits."""
    if rows:
        OutboxEmail.objects.bulk_create(rows)
        send_on_commit([r.pk for r in rows if r.status == OutboxStatus.PENDING])
    return rows


def send_on_commit(outbox_ids: list[int]) -> None:
    if outbox_ids:
        transaction.on_commit(partial(enqueue, list(outbox_ids)))


def _task(name: str):
    """A delivery task, by name. A web process has not imported the tasks module (only a worker
    imports it, at start), so discover the installed apps' task modules the first time; without
    this every email logged on a page waited for the re-dispatch. (Discovery alone: the worker's
    start-up hook would also set Django up again, resetting logging, and run the checks.)"""
    from celery import current_app

    if name not in current_app.tasks:
        current_app.autodiscover_tasks(force=True)
    return current_app.tasks[name]


def enqueue(outbox_ids: list[int]) -> bool:
    """Ask a worker to deliver these rows. If the broker is down the rows stay pending and the
    periodic re-dispatch sends them later: the write is never lost, so this only warns."""

    def send() -> None:
        for start in range(0, len(outbox_ids), DELIVERY_CHUNK):
            chunk = outbox_ids[start : start + DELIVERY_CHUNK]
            if len(chunk) == 1:
                _task("facilities.deliver_email").delay(chunk[0])
            else:
                _task("facilities.deliver_emails").delay(chunk)

    return queue_or_warn(send, f"{len(outbox_ids)} email(s) for delivery")
