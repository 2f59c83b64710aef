"""Handing report work (a prepared download, a reissue) to a worker, and finding what was lost.

The web request writes a row saying what is wanted, then, once that commits, asks a worker
to do it (the task is looked up by name, as `notifications.delivery` does, so nothing here
imports the tasks module). If the broker is down the row stays *preparing* with `queued_at`
set, and the periodic re-dispatch (or the next look at the "being prepared" page) asks again
once `DISPATCH_GRACE` has passed. A build that started but never finished (its worker died)
is asked for again once the task's time limit is over, up to `MAX_ATTEMPTS` builds.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from django.db import models, transaction
from django.db.models import Q

from facilities.broker import queue_or_warn
from facilities.models import PreparationStatus

#: A row queued this long ago and not started is asked for again (the broker lost it).
DISPATCH_GRACE = timedelta(seconds=60)
#: A build is cut off by its task's hard time limit (`facilities.tasks`): a row started longer
#: ago than this was abandoned by a worker that stopped.
BUILD_TIME_LIMIT = timedelta(seconds=900)
#: Builds tried before a row is marked failed (a report that kills its worker each time).
MAX_ATTEMPTS = 3


def enqueue(task: str, pk: int) -> bool:
    """Ask a worker to run `task` for row `pk`; False (and a warning) if the broker is down:
    the row is saved, so the re-dispatch asks again later."""
    from celery import current_app

    return queue_or_warn(lambda: current_app.tasks[task].delay(pk), f"{task}({pk})")


def enqueue_on_commit(task: str, pk: int) -> None:
    transaction.on_commit(partial(enqueue, task, pk))


def lost(now: datetime) -> Q:
    """Rows still preparing that no worker is building: queued (or tried) over a grace period
    ago and never started, or started longer ago than a build may take."""
    return Q(status=PreparationStatus.PREPARING) & (
        Q(started_at__isnull=True, queued_at__lt=now - DISPATCH_GRACE)
        | Q(started_at__lt=now - BUILD_TIME_LIMIT)
    )


def is_lost(row: models.Model, now: datetime) -> bool:
    """`lost`, for one row in hand (the "being prepared" page asks again on a refresh)."""
    if row.status != PreparationStatus.PREPARING:
        return False
    if row.started_at is None:
        return row.queued_at is None or row.queued_at < now - DISPATCH_GRACE
    return row.started_at < now - BUILD_TIME_LIMIT


def redispatch(model: type[models.Model], task: str, *, now: datetime) -> dict[str, int]:
    """Ask again for every lost row of `model`; a row built `MAX_ATTEMPTS` times is failed."""
    rows = model.objects.filter(lost(now))
    failed = rows.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=PreparationStatus.FAILED,
        error="The report could not be prepared: it was tried too many times.",
    )
    asked = 0
    for pk in list(rows.values_list("pk", flat=True)[:500]):
        if claim_queue(model, pk, now=now):
            asked += enqueue(task, pk)
    return {"requeued": asked, "failed": failed}


def claim_queue(model: type[models.Model], pk: int, *, now: datetime) -> bool:
    """Mark a lost row as queued now; False if another process just did (so one asks)."""
    return bool(model.objects.filter(lost(now), pk=pk).update(queued_at=now, started_at=None))


def claim_build(model: type[models.Model], pk: int, *, now: datetime) -> bool:
    """Start building a row: False if it is not preparing, or another worker is on it (a
    duplicate message, acks_late). One UPDATE decides, so two workers never both build."""
    free = Q(started_at__isnull=True) | Q(started_at__lt=now - BUILD_TIME_LIMIT)
    return bool(
        model.objects.filter(free, pk=pk, status=PreparationStatus.PREPARING).update(
            started_at=now, attempts=models.F("attempts") + 1
        )
    )


def nudge(model: type[models.Model], task: str, row: models.Model, *, now: datetime) -> bool:
    """Ask again for one lost row (the "being prepared" page does on each refresh, so a
    request the broker lost is picked up without waiting for the periodic re-dispatch)."""
    if not is_lost(row, now) or row.attempts >= MAX_ATTEMPTS:
        return False
    return claim_queue(model, row.pk, now=now) and enqueue(task, row.pk)


def retry(model: type[models.Model], task: str, row: models.Model, *, now: datetime) -> bool:
    """Put a failed row back to preparing and ask a worker for it ("try again")."""
    with transaction.atomic():
        again = model.objects.filter(pk=row.pk, status=PreparationStatus.FAILED).update(
            status=PreparationStatus.PREPARING,
            error="",
            attempts=0,
            queued_at=now,
            started_at=None,
        )
        if again:
            enqueue_on_commit(task, row.pk)
    return bool(again)
