"""The webhook outbox: rows written with their cause, sent by a worker that claims them first.

`queue` writes deliveries in the caller's transaction and, once it commits, asks a worker to
send each (`facilities.deliver_webhook`, looked up by name). If the broker is down the rows
stay pending and the periodic `redispatch` sends them. `deliver` claims a row (row lock,
`SKIP LOCKED`; a row that has been tried only once its backoff is over; a row left *sending*
longer than `WEBHOOKS_SENDING_TIMEOUT_SECONDS` by a worker that stopped), POSTs it, and logs
the attempt. A 2xx answer delivers it; anything else (another status, a redirect, which is
never followed, or no answer) retries on the Standard Webhooks schedule (`RETRY_SCHEDULE`)
and fails after the last. `replay` sends a message again as a new delivery: the same id and
body, a new timestamp and signature.
"""

from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from facilities.broker import queue_or_warn
from facilities.models import User, WebhookAttempt, WebhookDelivery, WebhookStatus
from facilities.models.webhooks import allow_private_urls

from . import guard, signing

logger = logging.getLogger(__name__)

#: The task queued on commit normally sends a new row at once; re-dispatch only after this.
DISPATCH_GRACE = timedelta(seconds=60)
#: Waits after each failed attempt (Standard Webhooks' schedule): eight attempts over 32 hours.
RETRY_SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
#: A retry this soon is queued with a countdown; a later one waits for the re-dispatch (a
#: long countdown would sit in a worker's memory, and past the broker's visibility timeout).
COUNTDOWN_LIMIT = timedelta(minutes=5)
#: Seconds to connect, and to wait for each read of the answer.
REQUEST_TIMEOUT = (5, 10)
TASK = "facilities.deliver_webhook"


class Outcome(enum.StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"  # not due, taken by another worker, or done already


class ReplayRefused(Exception):
    """A replay that cannot be made now; the message says why."""


def sending_timeout() -> timedelta:
    """How long a claim may last before the row counts as abandoned: well beyond one request
    (connect and read time out after `REQUEST_TIMEOUT`)."""
    return timedelta(seconds=getattr(settings, "WEBHOOKS_SENDING_TIMEOUT_SECONDS", 120))


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt."""
    return RETRY_SCHEDULE[min(max(attempts, 1), len(RETRY_SCHEDULE)) - 1]


# --- Writing and queueing ---------------------------------------------------------------------


def queue(rows: list[WebhookDelivery]) -> list[WebhookDelivery]:
    """Write the rows in the caller's transaction; ask a worker to send them once it commits."""
    if rows:
        WebhookDelivery.objects.bulk_create(rows)
        transaction.on_commit(partial(enqueue, [row.pk for row in rows]))
    return rows


def _task():
    """The delivery task, by name. A web process has not imported the tasks module (only a
    worker imports it, at start), so discover the installed apps' task modules the first time,
    as `facilities.notifications.delivery` does (discovery alone: the worker's start-up hook
    would also set Django up again and run the checks)."""
    from celery import current_app

    if TASK not in current_app.tasks:
        current_app.autodiscover_tasks(force=True)
    return current_app.tasks[TASK]


def enqueue(delivery_ids: list[int], *, countdown: float | None = None) -> bool:
    """Ask a worker to send these rows. With the broker down they stay pending for the
    re-dispatch: nothing is lost, so this only warns."""

    def send() -> None:
        task = _task()
        for delivery_id in delivery_ids:
            task.apply_async((delivery_id,), countdown=countdown)

    return queue_or_warn(send, f"{len(delivery_ids)} webhook(s)")


# --- Sending ----------------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    """Rows a worker may take now: pending and due (a row never tried is due at once), or left
    sending by a worker that stopped."""
    pending = Q(status=WebhookStatus.PENDING) & (Q(attempts=0) | Q(next_attempt_at__lte=now))
    abandoned = Q(status=WebhookStatus.SENDING, claimed_at__lt=now - sending_timeout())
    return pending | abandoned


def claim(delivery_id: int, *, now: datetime) -> WebhookDelivery | None:
    """Take the row for sending (locked, skipping a row another worker holds), or None."""
    with transaction.atomic():
        row = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(_due(now), pk=delivery_id)
            .first()
        )
        if row is None:
            return None
        if row.status == WebhookStatus.SENDING:
            _log(row, row.claimed_at, None, "Abandoned while sending (the worker stopped).", 0)
            if row.attempts >= MAX_ATTEMPTS:
                row.status, row.last_error = WebhookStatus.FAILED, "Abandoned while sending."
                row.save(update_fields=["status", "last_error"])
                return None
        row.status, row.claimed_at, row.attempts = WebhookStatus.SENDING, now, row.attempts + 1
        row.save(update_fields=["status", "claimed_at", "attempts"])
    return row


def _log(row: WebhookDelivery, at, status: int | None, error: str, ms: int) -> WebhookAttempt:
    return WebhookAttempt.objects.create(
        delivery=row,
        at=at,
        response_status=status,
        error=error[:2000],
        duration_ms=ms,
        replay=row.is_replay,
    )


def _post(row: WebhookDelivery, now: datetime) -> int:
    """POST the row's body, signed with every live secret; the answer's status code."""
    endpoint = row.endpoint
    if not allow_private_urls() and urlsplit(endpoint.url).scheme != "https":
        raise requests.exceptions.InvalidURL("Refused: webhooks are sent only over https.")
    headers = signing.headers(row.msg_id, now, row.body, endpoint.live_secrets(now))
    with guard.session() as http:
        response = http.post(
            endpoint.url,
            data=row.body.encode(),
            headers=headers,
            timeout=REQUEST_TIMEOUT,
            allow_redirects=False,
            stream=True,  # the answer's body is not read
        )
        response.close()
    return response.status_code


def send(row: WebhookDelivery, *, now: datetime) -> Outcome:
    """Send a row this worker has claimed; log the attempt and record the outcome."""
    started = time.monotonic()
    status: int | None = None
    error = ""
    give_up = False
    try:
        if not row.endpoint.active:
            error, give_up = "The endpoint has been deactivated.", True
        else:
            status = _post(row, now)
    except requests.RequestException as failed:
        error = f"{type(failed).__name__}: {failed}"
    except Exception as failed:  # anything else: still never leave the row claimed
        logger.exception("Unexpected error sending webhook %s", row.pk)
        error = f"{type(failed).__name__}: {failed}"
    ms = round((time.monotonic() - started) * 1000)
    delivered = status is not None and 200 <= status < 300
    if status is not None and not delivered:
        error = f"The endpoint answered {status}" + (
            " (redirects are not followed)" if 300 <= status < 400 else ""
        )
    _log(row, now, status, "" if delivered else error, ms)
    mine = WebhookDelivery.objects.filter(
        pk=row.pk, status=WebhookStatus.SENDING, claimed_at=row.claimed_at
    )
    if delivered:
        mine.update(
            status=WebhookStatus.DELIVERED, delivered_at=now, last_response_status=status,
            last_error="",
        )  # fmt: skip
        return Outcome.DELIVERED
    if give_up or row.attempts >= MAX_ATTEMPTS:
        logger.error("Webhook %s failed after %d attempt(s): %s", row.pk, row.attempts, error)
        mine.update(status=WebhookStatus.FAILED, last_response_status=status, last_error=error)
        return Outcome.FAILED
    wait = backoff(row.attempts)
    logger.warning("Webhook %s not delivered (%s); retrying in %s", row.pk, error, wait)
    mine.update(
        status=WebhookStatus.PENDING, next_attempt_at=now + wait, claimed_at=None,
        last_response_status=status, last_error=error,
    )  # fmt: skip
    if wait <= COUNTDOWN_LIMIT:
        enqueue([row.pk], countdown=wait.total_seconds())
    return Outcome.RETRY


def deliver(delivery_id: int, *, now: datetime | None = None) -> Outcome:
    """Claim and send one delivery; SKIPPED if it is not due or another worker has it."""
    now = now or timezone.now()
    row = claim(delivery_id, now=now)
    return send(row, now=now) if row is not None else Outcome.SKIPPED


# --- Re-dispatch and replay -------------------------------------------------------------------


@dataclass(frozen=True)
class Redispatch:
    queued: int


def redispatch(*, now: datetime, limit: int = 5000) -> Redispatch:
    """Queue rows whose next attempt has come (their task was lost, or the broker was down,
    or a long backoff is over) and rows abandoned mid-send."""
    due = Q(status=WebhookStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=WebhookStatus.SENDING, claimed_at__lt=now - sending_timeout()
    )
    ids = list(
        WebhookDelivery.objects.filter(due)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return Redispatch(queued=len(ids) if ids and enqueue(ids) else 0)


def replay(delivery: WebhookDelivery, by: User | None, *, now: datetime | None = None):
    """Send a message again to its endpoint: a new delivery with the same id and body (a new
    timestamp and signature when sent), logged as a replay of the first."""
    now = now or timezone.now()
    with transaction.atomic():
        original = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint")
            .get(pk=delivery.pk)
        )
        if not original.endpoint.active:
            raise ReplayRefused("The endpoint is not active: activate it first.")
        waiting = WebhookDelivery.objects.filter(
            endpoint=original.endpoint_id,
            msg_id=original.msg_id,
            status__in=[WebhookStatus.PENDING, WebhookStatus.SENDING],
        )
        if waiting.exists():
            raise ReplayRefused(
                "This message is still waiting to be sent: replay it once it is delivered "
                "or has failed."
            )
        (row,) = queue(
            [
                WebhookDelivery(
                    endpoint=original.endpoint,
                    msg_id=original.msg_id,
                    event_type=original.event_type,
                    fault_id=original.fault_id,
                    body=original.body,
                    created_at=now,
                    next_attempt_at=now + DISPATCH_GRACE,
                    replay_of_id=original.replay_of_id or original.pk,
                    replayed_by=by,
                )
            ]
        )
    logger.info("Webhook message %s replayed to %s by %s", row.msg_id, row.endpoint.url, by)
    return row
