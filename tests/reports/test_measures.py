"""Report figures against answers worked out by hand (see conftest.py for the history)."""

from decimal import Decimal

import pytest
from django.db import connection

from facilities.models import Fault
from facilities.periods import Period
from facilities.reports import measures

from .conftest import AFTER_APRIL, at

pytestmark = pytest.mark.django_db

APRIL = Period.month(2026, 4)
MARCH = Period.month(2026, 3)


def report(period=APRIL, now=AFTER_APRIL, faults=None):
    return measures.build(faults or Fault.objects.all(), period, now=now)


def by_name(groups, contractor=None, region=None):
    for figures in groups:
        if (contractor is None or figures.contractor == contractor) and (
            region is None or figures.region == region
        ):
            return figures
    raise AssertionError(f"No group {contractor} {region}")


def test_volumes(history):
    total = report().total
    assert total.logged == 7  # C D E F G H I (A and B were logged in March)
    assert total.fixed == 6  # A B C D F G
    assert total.open_at_end == 2  # E H
    assert total.overdue_at_end == 2  # E and H never attended
    assert total.oldest_open.fault_id == history.e.pk
    assert total.oldest_open.age_days == pytest.approx(17.625)  # 13 Apr 09:00 → 1 May 00:00


def test_service_levels_by_priority(history):
    p = report().total.priorities
    # Attended in April: C, G (P2), D (P3), F (P1) — all on time.
    assert (p["P2"].attend.done, p["P2"].attend.on_time) == (2, 2)
    assert (p["P3"].attend.done, p["P3"].attend.on_time) == (1, 1)
    assert (p["P1"].attend.done, p["P1"].attend.on_time) == (1, 1)
    # Made safe: only P1 has a make-safe target.
    assert (p["P1"].make_safe.done, p["P1"].make_safe.on_time) == (1, 1)
    assert p["P2"].make_safe.done == 0
    # Fixed: A, B, C late and G on time (P2); D on time (P3); F late (P1).
    assert (p["P2"].fix.done, p["P2"].fix.on_time) == (4, 1)
    assert p["P2"].fix.percent_on_time == 25.0
    assert (p["P3"].fix.done, p["P3"].fix.on_time) == (1, 1)
    assert (p["P1"].fix.done, p["P1"].fix.on_time) == (1, 0)
    assert p["P4"].fix.percent_on_time is None  # nothing to measure, not 0%


def test_times_in_each_clocks_own_hours(history):
    p = report().total.priorities
    # P2 fixes took 7, 102, 168 and 215 hours (A's 24 March → 2 April spans the clocks
    # going forward, so it is 215 hours, not 216).
    assert p["P2"].fix_times.count == 4
    assert p["P2"].fix_times.median_hours == pytest.approx(135.0)  # (102 + 168) / 2
    assert p["P2"].fix_times.p90_hours == pytest.approx(168 + 0.7 * (215 - 168))
    assert p["P2"].fix_times.clock == "calendar"
    # D: working hours over Easter, less the 2 working days it was on hold before attendance.
    assert p["P3"].attend_times.median_hours == pytest.approx(11.0)
    assert p["P3"].fix_times.median_hours == pytest.approx(81.0)
    assert p["P3"].fix_times.clock == "working"
    assert p["P1"].attend_times.median_hours == pytest.approx(1.5)
    assert p["P1"].fix_times.median_hours == pytest.approx(51.0)
    assert p["P2"].attend_times.median_hours == pytest.approx(1.0)


def test_first_time_fix_escalations_and_safety(history):
    total = report().total
    # Of the six fixed, C was reopened and G was repeated by H within 30 days.
    assert total.first_time_fixed == 4
    assert total.first_time_fix_percent == pytest.approx(400 / 6)
    assert total.escalations == {1: 1, 2: 1, 3: 0, 4: 0}
    assert total.safety_open_24h == 1  # F, open from 14 April 09:00 to 16 April 12:00


def test_bed_days_split_between_months(history):
    # B took 3 beds out of use from 30 March 12:00 to 3 April 18:00.
    assert report().total.bed_days_lost == pytest.approx(3 * 2.75)
    assert report(MARCH).total.bed_days_lost == pytest.approx(3 * 1.5)
    assert report().total.bed_faults == 1


def test_days_without_heating(history):
    # A: heating out from 24 March 10:00 GMT to 2 April 10:00 BST.
    assert report().total.heating_days == pytest.approx(34 / 24)
    assert report(MARCH).total.heating_days == pytest.approx(181 / 24)


def test_service_credits(history):
    total = report().total
    # A 8 + B 4 + C 8 + F 16 points, at £25 a point.
    assert total.credit_points == 36
    assert total.credit_pounds == Decimal("900.00")
    assert total.breaches == 4
    assert total.priorities["P1"].credit_points == 16
    assert total.priorities["P2"].credit_points == 20


def test_unrouted_faults_are_never_dropped(history):
    r = report()
    unrouted = by_name(r.by_contractor, contractor="Unrouted")
    assert (unrouted.logged, unrouted.open_at_end, unrouted.overdue_at_end) == (1, 1, 1)
    assert unrouted.credit_pounds == Decimal("0.00")
    north = by_name(r.by_contractor, contractor="North Facilities Ltd")
    assert north.logged + unrouted.logged == r.total.logged
    assert [f.contractor for f in r.by_contractor] == ["North Facilities Ltd", "Unrouted"]
    wales = by_name(r.by_region, region="Wales")
    assert wales.logged == 1
    cell = by_name(r.by_contractor_region, contractor="Unrouted", region="Wales")
    assert cell.oldest_open.fault_id == history.e.pk
    north_east = by_name(r.by_contractor_region, contractor="North Facilities Ltd")
    assert north_east.oldest_open.fault_id == history.h.pk


def test_trend_covers_the_previous_six_months(history):
    trend = report().trend
    assert [p.period.short_label for p in trend] == [
        "Oct 2025", "Nov 2025", "Dec 2025", "Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026",
    ]  # fmt: skip
    march, april = trend[-2], trend[-1]
    assert (march.logged, march.fixed, march.open_at_end, march.overdue_at_end) == (2, 0, 2, 1)
    assert (march.attend.done, march.attend.on_time) == (2, 2)
    assert march.bed_days_lost == pytest.approx(4.5)
    assert (april.logged, april.fixed) == (7, 6)
    assert (april.fix.done, april.fix.on_time) == (6, 2)
    assert all(p.logged == 0 for p in trend[:5])


def test_a_month_with_no_faults(history):
    june = report(Period.month(2025, 6), now=AFTER_APRIL)
    assert (june.total.logged, june.total.fixed, june.total.open_at_end) == (0, 0, 0)
    assert june.total.oldest_open is None
    assert june.total.first_time_fix_percent is None
    assert june.by_contractor == []
    assert len(june.trend) == 7


def test_a_month_not_yet_over_is_measured_as_of_now(history):
    # On 15 April at 12:00: F is attended and made safe but not fixed, and more than 24 h old.
    r = report(APRIL, now=at("2026-04-15 12:00"))
    assert r.cutoff == at("2026-04-15 12:00")
    assert r.total.open_at_end == 3  # D (on hold until the 8th, now resumed), E, F
    assert r.total.overdue_at_end == 2  # E (attendance), F (fix due 15 Apr 09:00)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="requires PostgreSQL: compares the SQLite fallback with percentile_cont",
)
def test_sqlite_percentiles_agree_with_percentile_cont(history, monkeypatch):
    """The window-function interpolation used on SQLite gives percentile_cont's answers."""
    from facilities.reports import times

    expected = report().total.priorities["P2"].fix_times
    monkeypatch.setattr(times, "_postgresql", times._sqlite)
    got = report().total.priorities["P2"].fix_times
    assert got == expected


def test_two_heating_faults_at_once_are_one_premises_without_heating(
    premises, contract, office_manager, contractor_user
):
    """Days without heating merge overlapping faults per premises (gaps and islands)."""
    from facilities.faults import workflow
    from tests.factories import category

    def heating(logged, fixed, where="Boiler room"):
        fault = workflow.fault_log(
            premises=premises, category=category("heating-hot-water"), location=where,
            description="No heat", reported_by=office_manager, now=at(logged),
        )  # fmt: skip
        if fixed:
            workflow.fault_fix(fault=fault, actor=contractor_user, note="Done", now=at(fixed))

    heating("2026-04-06 00:00", "2026-04-09 00:00")  # 3 days
    heating("2026-04-08 00:00", "2026-04-10 00:00", "Radiator")  # overlaps: +1 day
    heating("2026-04-20 00:00", None)  # still open: 20 April to the end of the month, 11 days
    r = report()
    assert r.total.heating_faults == 3
    assert r.total.heating_days == pytest.approx(4 + 11)
    assert by_name(r.by_contractor, contractor="North Facilities Ltd").heating_days == (
        pytest.approx(15)
    )
