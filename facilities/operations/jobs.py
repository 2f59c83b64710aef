"""Records of scheduled jobs completing, and the ages /healthz reports from them."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import F, Min
from django.utils import timezone

from facilities.models import JobRun, OutboxEmail, OutboxStatus

SWEEP_TASK = "facilities.sweep_overdue"


def scheduled_tasks() -> set[str]:
    return {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def record_completion(task: str, *, now: datetime | None = None) -> bool:
    """Note that a run of a scheduled task completed; other tasks are not recorded."""
    if task not in scheduled_tasks():
        return False
    now = now or timezone.now()
    updated = JobRun.objects.filter(task=task).update(last_completed_at=now, runs=F("runs") + 1)
    if not updated:
        JobRun.objects.get_or_create(task=task, defaults={"last_completed_at": now, "runs": 1})
    return True


def last_completed(task: str) -> datetime | None:
    return JobRun.objects.filter(task=task).values_list("last_completed_at", flat=True).first()


def oldest_pending_email() -> tuple[datetime | None, datetime | None]:
    """(when the oldest pending email was written, the earliest time one was due to go)."""
    found = OutboxEmail.objects.filter(status=OutboxStatus.PENDING).aggregate(
        created=Min("created_at"), due=Min("next_attempt_at")
    )
    return found["created"], found["due"]
