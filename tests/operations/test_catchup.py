"""Scheduled jobs catch up after beat was down: the work left undone is done once."""

from datetime import UTC, datetime, timedelta

import pytest

from facilities.faults import workflow
from facilities.models import OutboxEmail, OutboxKind, OutboxStatus, ReportSnapshot
from facilities.operations import catchup
from tests.factories import category


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2026, 3, 4, 6, 59), utc(2026, 3, 3, 7, 0)),  # GMT: before today's 07:00
        (utc(2026, 3, 4, 7, 0), utc(2026, 3, 4, 7, 0)),
        (utc(2026, 7, 4, 6, 30), utc(2026, 7, 4, 6, 0)),  # BST: 07:00 London is 06:00 UTC
        (utc(2026, 3, 29, 6, 30), utc(2026, 3, 29, 6, 0)),  # the morning the clocks go forward
    ],
)
def test_last_daily_time_is_seven_in_london(now, expected):
    assert catchup.last_daily(now) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2026, 12, 1, 5, 59), utc(2026, 11, 1, 6, 0)),  # GMT
        (utc(2026, 12, 1, 6, 0), utc(2026, 12, 1, 6, 0)),
        (utc(2026, 12, 17, 12, 0), utc(2026, 12, 1, 6, 0)),
        (utc(2026, 7, 1, 5, 30), utc(2026, 7, 1, 5, 0)),  # BST: 06:00 London
        (utc(2026, 1, 1, 5, 0), utc(2025, 12, 1, 6, 0)),  # across the year
    ],
)
def test_last_monthly_time_is_six_on_the_first_in_london(now, expected):
    assert catchup.last_monthly(now) == expected


@pytest.mark.django_db
def test_reports_missed_on_the_first_are_issued_once_when_beat_is_back(contract, region):
    back = utc(2026, 12, 2, 9, 15)  # beat was down over 06:00 on 1 December
    done = catchup.catch_up(now=back)
    assert done.reports_period == "2026-11"
    assert sorted(done.reports_issued) == sorted(
        ["all", f"region:{region.pk}", f"contractor:{contract.contractor_id}"]
    )
    assert ReportSnapshot.objects.filter(period_first="2026-11-01").count() == 3

    again = catchup.catch_up(now=back + timedelta(hours=1))
    assert again.reports_issued == []
    assert ReportSnapshot.objects.count() == 3


@pytest.mark.django_db
def test_before_six_on_the_first_it_is_the_month_before_that(contract):
    done = catchup.catch_up(now=utc(2026, 12, 1, 5, 0))
    assert done.reports_period == "2026-10"


@pytest.mark.django_db
def test_a_missed_digest_goes_out_for_its_day_and_later_held_emails_wait(
    office_manager, premises, contract
):
    office_manager.wants_daily_digest = True
    office_manager.save()
    evening = utc(2026, 3, 3, 18, 0)

    def log(at):
        return workflow.fault_log(
            premises=premises,
            category=category("plumbing-water"),
            location="Kitchen",
            description="Tap dripping",
            reported_by=office_manager,
            now=at,
        )

    log(evening)
    log(utc(2026, 3, 4, 9, 0))  # after the missed 07:00: for tomorrow's digest
    held = OutboxEmail.objects.filter(status=OutboxStatus.HELD)
    assert held.count() == 2

    # Beat was down over 07:00 on 4 March and is back at 10:00.
    done = catchup.catch_up(now=utc(2026, 3, 4, 10, 0))
    assert (done.digest_day, done.digests_sent) == ("2026-03-04", 1)
    digest = OutboxEmail.objects.get(kind=OutboxKind.DIGEST)
    assert digest.dedupe_key == f"digest:{office_manager.email}:2026-03-04"
    assert held.count() == 1

    assert catchup.catch_up(now=utc(2026, 3, 4, 11, 0)).digests_sent == 0
    assert OutboxEmail.objects.filter(kind=OutboxKind.DIGEST).count() == 1
