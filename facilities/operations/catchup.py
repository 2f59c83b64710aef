"""Scheduled jobs that catch up after beat was down.

Beat fires a crontab entry only at its time: a beat stopped over 06:00 on the 1st never issues
that month's reports, and one stopped over 07:00 never sends that day's digest. So beat also
runs `catch_up` every CATCH_UP_INTERVAL_SECONDS and once each time it starts; it looks at the
*work*, not at beat's own records, and does whatever the last scheduled time left undone:

- the monthly reports: every scope's report for the month before the last 1st-of-the-month
  06:00 (London) is issued (`reports.issue.issue_month` skips scopes already issued);
- the daily digest: emails held for the digest since before the last 07:00 (London) go out
  in that day's digest (`notifications.outbox.send_digests`, keyed by recipient and day).

Both are safe to run at the same time as the regular job: each claims its work in the
database. The time maths are pure functions of `now`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from facilities.models import OutboxEmail, OutboxStatus
from facilities.notifications import outbox
from facilities.periods import Period
from facilities.reports import issue
from facilities.sla import LONDON

logger = logging.getLogger(__name__)

#: When the regular jobs run (as in CELERY_BEAT_SCHEDULE), London time.
DIGEST_AT = time(7, 0)
MONTHLY_ISSUE_AT = time(6, 0)  # on the 1st


def _at(day: date, when: time) -> datetime:
    return datetime.combine(day, when, tzinfo=LONDON)


def last_daily(now: datetime, when: time = DIGEST_AT) -> datetime:
    """The latest `when` (London) at or before `now`."""
    today = now.astimezone(LONDON).date()
    at = _at(today, when)
    return at if at <= now else _at(today - timedelta(days=1), when)


def last_monthly(now: datetime, when: time = MONTHLY_ISSUE_AT) -> datetime:
    """The latest 1st-of-the-month `when` (London) at or before `now`."""
    first = now.astimezone(LONDON).date().replace(day=1)
    at = _at(first, when)
    if at <= now:
        return at
    return _at((first - timedelta(days=1)).replace(day=1), when)


@dataclass
class CaughtUp:
    reports_period: str = ""
    reports_issued: list[str] = field(default_factory=list)
    digest_day: str = ""
    digests_sent: int = 0


def catch_up(*, now: datetime) -> CaughtUp:
    """Do what the last scheduled runs left undone; nothing if they did it all."""
    done = CaughtUp()
    period = Period.month_before(last_monthly(now))
    done.reports_period = period.slug
    done.reports_issued = [s.scope_key for s in issue.issue_month(period, now=now)]
    if done.reports_issued:
        logger.warning(
            "Catch-up issued %d report(s) for %s missed at their time",
            len(done.reports_issued),
            period.slug,
        )
    digest_at = last_daily(now)
    done.digest_day = digest_at.date().isoformat()
    missed = OutboxEmail.objects.filter(status=OutboxStatus.HELD, created_at__lte=digest_at)
    if missed.exists():
        done.digests_sent = outbox.send_digests(now=digest_at)
        logger.warning(
            "Catch-up sent %d digest(s) for %s missed at their time",
            done.digests_sent,
            done.digest_day,
        )
    return done
