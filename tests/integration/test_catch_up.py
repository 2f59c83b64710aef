"""Schedules that catch up (issue 14, item 9): a beat started after the scheduled times.

Beat was "down" over 06:00 on the 1st (last month's reports were never issued) and over the
last 07:00 (a digest email is still held). A real `celery beat` started now asks for the
catch-up as it starts; a worker runs it; the reports are issued and the digest goes — without
waiting for next month's or tomorrow's crontab time.
"""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from facilities.faults import workflow
from facilities.models import OutboxEmail, OutboxKind, OutboxStatus, ReportSnapshot
from facilities.operations import catchup
from facilities.periods import Period
from tests.factories import category
from tests.integration.conftest import BASE_DIR, wait_for
from tests.integration.stack import database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_beat_started_after_the_scheduled_times_does_what_they_missed(
    worker, office_manager, premises, contract, tmp_path
):
    now = timezone.now()
    period = Period.month_before(catchup.last_monthly(now))
    digest_at = catchup.last_daily(now)
    office_manager.wants_daily_digest = True
    office_manager.save()
    workflow.fault_log(
        premises=premises,
        category=category("plumbing-water"),
        location="Kitchen",
        description="Tap dripping",
        reported_by=office_manager,
        now=digest_at - timedelta(hours=12),
    )
    assert OutboxEmail.objects.filter(status=OutboxStatus.HELD).exists()
    assert not ReportSnapshot.objects.exists()

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "VAR_DIR": str(tmp_path),
    }
    log = tmp_path / "beat.log"
    with log.open("w") as out:
        beat = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO"],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(
                lambda: ReportSnapshot.objects.filter(period_first=period.first).count() >= 3,
                timeout=120,
                what=f"last month's reports to be issued\n{log.read_text()[-3000:]}",
            )
            wait_for(
                OutboxEmail.objects.filter(kind=OutboxKind.DIGEST).exists,
                timeout=60,
                what="the missed digest",
            )
        finally:
            beat.terminate()
            beat.wait(timeout=30)

    scopes = set(ReportSnapshot.objects.values_list("scope_key", flat=True))
    assert scopes == {"all", f"region:{premises.region_id}", f"contractor:{contract.contractor_id}"}
    digest = OutboxEmail.objects.get(kind=OutboxKind.DIGEST)
    assert digest.dedupe_key == f"digest:{office_manager.email}:{digest_at.date().isoformat()}"
    assert not OutboxEmail.objects.filter(status=OutboxStatus.HELD).exists()
