"""Celery tasks: thin callers of the sweep, the outboxes and the reports (each safe to repeat).

Every task here is idempotent: the sweep locks and re-checks what is due, delivery (of an
email or a webhook) claims a row before sending it, the digest is keyed by recipient and day,
a report download or reissue claims its row before building it. So a message delivered twice
(acks_late, a worker lost mid-task, a re-dispatch) does no harm.
"""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task
from django.utils import timezone

from facilities import webhooks
from facilities.escalation import sweep
from facilities.finding import preparing
from facilities.notifications import outbox
from facilities.operations import catchup
from facilities.periods import Period
from facilities.reports import issue, queueing, reissuing
from facilities.retention import anonymising


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


@shared_task(name="facilities.deliver_webhook")
def deliver_webhook(delivery_id: int) -> str:
    return webhooks.deliver(delivery_id).value


@shared_task(name="facilities.redispatch_webhooks")
def redispatch_webhooks() -> dict[str, int]:
    """Send webhooks left pending (broker down, retries due) or abandoned mid-send."""
    return asdict(webhooks.redispatch(now=timezone.now()))


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


#: A month's PDF at a million faults takes up to a minute, a year's much longer: the hard
#: limit is what `queueing.BUILD_TIME_LIMIT` waits for before asking again.
_BUILD_LIMITS = {
    "soft_time_limit": int(queueing.BUILD_TIME_LIMIT.total_seconds()) - 60,
    "time_limit": int(queueing.BUILD_TIME_LIMIT.total_seconds()),
}


@shared_task(name="facilities.prepare_report", **_BUILD_LIMITS)
def prepare_report(prepared_id: int) -> str:
    """Build one person's report page figures or download (`finding.preparing`) off the web
    request: a month takes tens of seconds at a million faults."""
    return preparing.build(prepared_id)


@shared_task(name="facilities.reissue_report", **_BUILD_LIMITS)
def reissue_report(request_id: int) -> str:
    """Make the version a contract manager asked for (`reports.reissuing`)."""
    return reissuing.run(request_id)


@shared_task(name="facilities.redispatch_prepared_reports")
def redispatch_prepared_reports() -> dict[str, object]:
    """Ask again for downloads and reissues the broker or a worker lost; drop day-old files."""
    now = timezone.now()
    return {"downloads": preparing.redispatch(now=now), "reissues": reissuing.redispatch(now=now)}


@shared_task(name="facilities.catch_up", soft_time_limit=1800, time_limit=1900)
def catch_up() -> dict[str, object]:
    """Run what beat missed while it was down (`operations.catchup`); safe to repeat."""
    return asdict(catchup.catch_up(now=timezone.now()))


@shared_task(name="facilities.anonymise_closed_faults", soft_time_limit=3300, time_limit=3600)
def anonymise_closed_faults() -> dict[str, int]:
    """Remove closed faults' personal data after the retention period (`retention`); a run
    cut short is safe to repeat (each batch is one transaction, marked done)."""
    return anonymising.anonymise_closed_faults(now=timezone.now()).as_dict()
