"""Celery task for the monthly contractor performance report (thin: see reports.issue).

Registered by name and loaded through CELERY_IMPORTS (Celery autodiscovers only tasks.py).
Beat runs it at 06:00 Europe/London on the 1st; it issues last month's report for every scope
not yet issued, so running it again, or late, sends nothing twice.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from facilities.reports import issue
from facilities.reports.periods import Period


#: Every scope's report and files in one run can take minutes on a large estate; a run cut
#: short is safe to repeat (issued scopes are skipped), so the limits are generous.
@shared_task(name="facilities.issue_monthly_reports", soft_time_limit=1800, time_limit=1900)
def issue_monthly_reports() -> dict[str, object]:
    now = timezone.now()
    period = Period.month_before(now)
    made = issue.issue_month(period, now=now)
    return {"period": period.slug, "issued": [s.scope_key for s in made]}
