"""Celery tasks: thin callers of the sweep, the outbox and report issuing (each safe to repeat).

Every task here is idempotent: the sweep locks and re-checks what is due, delivery claims a
row before sending it, the digest is keyed by recipient and day. So a message delivered
twice (acks_late, a worker lost mid-task, a re-dispatch) does no harm.
"""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task
from django.utils import timezone

from facilities.escalation import sweep
from facilities.notifications import outbox
from facilities.periods import Period
from facilities.reports import issue


@shared_task(name="facilities.sweep_overdue")
def sweep_overdue() -> dict[str, int]:
    """Record breaches and raise the escalation levels now due."""
    return asdict(sweep.sweep(now=timezone.now()))


@shared_task(name="facilities.deliver_email")
def deliver_email(outbox_id: int) -> str:
    return outbox.deliver(outbox_id).value


@shared_task(name="facilities.deliver_emails")
def deliver_emails(outbox_ids: list[int]) -> dict[str, int]:
    return outbox.deliver_many(outbox_ids)


@shared_task(name="facilities.redispatch_outbox")
def redispatch_outbox() -> dict[str, int]:
    """Send what was left pending (broker down, retries due) or abandoned mid-send."""
    return asdict(outbox.redispatch(now=timezone.now()))


@shared_task(name="facilities.send_daily_digests")
def send_daily_digests() -> int:
    return outbox.send_digests(now=timezone.now())


#: Every scope's report and files in one run can take minutes on a large estate; a run cut
#: short is safe to repeat (issued scopes are skipped), so the limits are generous.
@shared_task(name="facilities.issue_monthly_reports", soft_time_limit=1800, time_limit=1900)
def issue_monthly_reports() -> dict[str, object]:
    now = timezone.now()
    period = Period.month_before(now)
    made = issue.issue_month(period, now=now)
    return {"period": period.slug, "issued": [s.scope_key for s in made]}
