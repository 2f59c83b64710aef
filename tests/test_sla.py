"""Tests for the pure SLA clock in facilities.sla (no Django, no database)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facilities.sla import (
    DEFAULT_TARGETS,
    WORKING_DAY_END,
    WORKING_DAY_START,
    WORKING_MINUTES_PER_DAY,
    Clock,
    Nation,
    Priority,
    Targets,
    due_at,
    elapsed,
    elapsed_minutes,
    is_bank_holiday,
    is_working_day,
    remaining,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")

ALL_NATIONS = list(Nation)


def london(*args: int) -> datetime:
    """A wall-clock London instant, the way the business talks about times."""
    return datetime(*args, tzinfo=LONDON)


def working(start: datetime, minutes: float, nation: Nation = Nation.ENGLAND) -> datetime:
    return due_at(start, minutes, Clock.WORKING, nation)


def calendar(start: datetime, minutes: float) -> datetime:
    return due_at(start, minutes, Clock.CALENDAR, Nation.ENGLAND)


# --------------------------------------------------------------------------------------------
# Default targets and constants
# --------------------------------------------------------------------------------------------


def test_default_targets_match_the_design_brief() -> None:
    assert {
        Priority.P1: Targets(120, 360, 1440, Clock.CALENDAR),
        Priority.P2: Targets(240, None, 4320, Clock.CALENDAR),
        Priority.P3: Targets(1200, None, 6000, Clock.WORKING),
        Priority.P4: Targets(3000, None, 18000, Clock.WORKING),
    } == DEFAULT_TARGETS


def test_working_day_is_ten_hours_from_eight_to_six() -> None:
    assert time(8, 0) == WORKING_DAY_START
    assert time(18, 0) == WORKING_DAY_END
    assert WORKING_MINUTES_PER_DAY == 600


def test_enums_use_their_stored_string_values() -> None:
    assert Clock("working") is Clock.WORKING
    assert Nation("northern_ireland") is Nation.NORTHERN_IRELAND
    assert Priority("P3") is Priority.P3
    assert str(Nation.SCOTLAND) == "scotland"


# --------------------------------------------------------------------------------------------
# Calendar clock
# --------------------------------------------------------------------------------------------


def test_p1_attend_is_two_hours_later_on_the_calendar_clock() -> None:
    start = datetime(2025, 6, 14, 23, 15, tzinfo=UTC)  # a Saturday night: calendar clock runs
    assert calendar(start, DEFAULT_TARGETS[Priority.P1].attend_minutes) == datetime(
        2025, 6, 15, 1, 15, tzinfo=UTC
    )


def test_three_calendar_days_across_spring_forward_are_72_real_hours() -> None:
    # Clocks go forward at 01:00 UTC on Sunday 29 March 2026.
    start = london(2026, 3, 27, 12, 0)  # GMT, = 12:00 UTC
    due = calendar(start, DEFAULT_TARGETS[Priority.P2].fix_minutes)
    assert due == datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
    assert due.astimezone(LONDON).time() == time(13, 0)  # wall clock shows an hour "extra"
    assert due - start == timedelta(hours=72)


def test_three_calendar_days_across_autumn_back_are_72_real_hours() -> None:
    # Clocks go back at 01:00 UTC on Sunday 25 October 2026.
    start = london(2026, 10, 23, 12, 0)  # BST, = 11:00 UTC
    due = calendar(start, 4320)
    assert due == datetime(2026, 10, 26, 11, 0, tzinfo=UTC)
    assert due.astimezone(LONDON).time() == time(11, 0)
    assert due - start == timedelta(hours=72)


def test_twenty_four_hours_across_spring_forward_is_24_real_hours() -> None:
    start = london(2026, 3, 28, 12, 0)
    due = calendar(start, 1440)
    assert due - start == timedelta(hours=24)
    assert due.astimezone(LONDON) == london(2026, 3, 29, 13, 0)


def test_results_are_returned_in_utc_whatever_the_input_zone() -> None:
    start = datetime(2025, 6, 13, 9, 0, tzinfo=NEW_YORK)  # 13:00 UTC, 14:00 London
    assert calendar(start, 60).tzinfo is UTC
    assert calendar(start, 60) == datetime(2025, 6, 13, 14, 0, tzinfo=UTC)
    assert working(start, 60).tzinfo is UTC
    assert working(start, 60) == london(2025, 6, 13, 15, 0)


def test_fractional_minutes_are_accepted() -> None:
    start = datetime(2025, 6, 13, 10, 0, tzinfo=UTC)
    assert calendar(start, 0.5) == start + timedelta(seconds=30)
    assert working(start, 1.5) == start + timedelta(seconds=90)


# --------------------------------------------------------------------------------------------
# Working clock
# --------------------------------------------------------------------------------------------


def test_two_working_days_from_friday_1730_is_tuesday_1730() -> None:
    # 13-17 June 2025: no bank holiday in any UK nation.
    start = london(2025, 6, 13, 17, 30)
    assert working(start, 1200) == london(2025, 6, 17, 17, 30)


def test_two_working_days_from_friday_1730_is_tuesday_1730_in_every_nation() -> None:
    start = london(2025, 6, 13, 17, 30)
    for nation in ALL_NATIONS:
        assert working(start, 1200, nation) == london(2025, 6, 17, 17, 30)


def test_fault_logged_on_saturday_starts_the_clock_monday_0800() -> None:
    saturday = london(2025, 6, 14, 11, 20)
    assert working(saturday, 0) == london(2025, 6, 16, 8, 0)
    assert working(saturday, 90) == london(2025, 6, 16, 9, 30)
    assert working(saturday, 600) == london(2025, 6, 16, 18, 0)


def test_fault_logged_at_0700_starts_the_clock_at_0800_same_day() -> None:
    start = london(2025, 6, 12, 7, 0)
    assert working(start, 0) == london(2025, 6, 12, 8, 0)
    assert working(start, 30) == london(2025, 6, 12, 8, 30)


def test_fault_logged_at_1900_starts_the_clock_at_0800_next_working_day() -> None:
    assert working(london(2025, 6, 12, 19, 0), 0) == london(2025, 6, 13, 8, 0)
    assert working(london(2025, 6, 12, 19, 0), 45) == london(2025, 6, 13, 8, 45)
    # Friday evening rolls over the weekend.
    assert working(london(2025, 6, 13, 19, 0), 45) == london(2025, 6, 16, 8, 45)


def test_start_within_working_hours_with_zero_minutes_is_the_start_itself() -> None:
    start = london(2025, 6, 12, 10, 17, 42)
    assert working(start, 0) == start


def test_due_time_landing_on_1800_stays_at_1800() -> None:
    assert working(london(2025, 6, 12, 17, 0), 60) == london(2025, 6, 12, 18, 0)
    assert working(london(2025, 6, 12, 8, 0), 600) == london(2025, 6, 12, 18, 0)
    # A whole number of days from 08:00 ends at 18:00 on the last day, not 08:00 the next.
    assert working(london(2025, 6, 9, 8, 0), 3000) == london(2025, 6, 13, 18, 0)
    assert working(london(2025, 6, 9, 7, 0), 1200) == london(2025, 6, 10, 18, 0)


def test_start_exactly_at_1800_counts_from_the_next_working_morning() -> None:
    start = london(2025, 6, 12, 18, 0)
    assert working(start, 0) == start
    assert working(start, 1) == london(2025, 6, 13, 8, 1)


def test_p4_fix_is_thirty_working_days() -> None:
    # Monday 2 June 2025 08:00 + 30 working days: 6 whole weeks, no holidays until 25 August.
    assert working(london(2025, 6, 2, 8, 0), 18000) == london(2025, 7, 11, 18, 0)


def test_working_hours_are_wall_clock_across_spring_forward() -> None:
    # Clocks go forward on Sunday 29 March 2026; no bank holiday that weekend.
    due = working(london(2026, 3, 27, 17, 0), 120)
    assert due.astimezone(LONDON) == london(2026, 3, 30, 9, 0)
    assert due == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_working_hours_are_wall_clock_across_autumn_back() -> None:
    # Clocks go back on Sunday 25 October 2026.
    due = working(london(2026, 10, 23, 17, 0), 120)
    assert due == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # 09:00 GMT
    assert due.astimezone(LONDON) == london(2026, 10, 26, 9, 0)


# --------------------------------------------------------------------------------------------
# Bank holidays
# --------------------------------------------------------------------------------------------


def test_holidays_package_agrees_with_the_dates_these_tests_rely_on() -> None:
    eng = holidays.country_holidays("GB", subdiv="ENG", years=[2025, 2026, 2027])
    sct = holidays.country_holidays("GB", subdiv="SCT", years=[2025, 2026, 2027])
    assert eng.get(date(2027, 3, 29)) == "Easter Monday"
    assert date(2027, 3, 29) not in sct
    assert date(2025, 1, 2).weekday() == 3  # a Thursday
    assert date(2025, 1, 2) in sct
    assert date(2025, 1, 2) not in eng
    assert date(2026, 12, 28) in eng  # Boxing Day (observed)


@pytest.mark.parametrize(
    ("nation", "expected"),
    [
        (Nation.ENGLAND, True),
        (Nation.WALES, True),
        (Nation.NORTHERN_IRELAND, True),
        (Nation.SCOTLAND, False),
    ],
)
def test_easter_monday_2027_is_a_bank_holiday_except_in_scotland(
    nation: Nation, expected: bool
) -> None:
    assert is_bank_holiday(date(2027, 3, 29), nation) is expected
    assert is_working_day(date(2027, 3, 29), nation) is not expected


@pytest.mark.parametrize("nation", [Nation.ENGLAND, Nation.WALES])
def test_easter_monday_is_skipped_in_england_and_wales(nation: Nation) -> None:
    # Thursday 25 March 2027 17:00; Good Friday 26th and Easter Monday 29th are holidays.
    assert working(london(2027, 3, 25, 17, 0), 120, nation) == london(2027, 3, 30, 9, 0)


def test_easter_monday_is_counted_in_scotland() -> None:
    # Good Friday is still a holiday in Scotland, Easter Monday is not.
    due = working(london(2027, 3, 25, 17, 0), 120, Nation.SCOTLAND)
    assert due == london(2027, 3, 29, 9, 0)


def test_two_january_is_a_bank_holiday_in_scotland_only() -> None:
    assert is_bank_holiday(date(2025, 1, 2), Nation.SCOTLAND)
    for nation in (Nation.ENGLAND, Nation.WALES, Nation.NORTHERN_IRELAND):
        assert not is_bank_holiday(date(2025, 1, 2), nation)
        assert is_working_day(date(2025, 1, 2), nation)


def test_two_january_is_skipped_in_scotland_only() -> None:
    start = london(2024, 12, 31, 17, 0)  # Tuesday; 1 January 2025 is a holiday everywhere
    assert working(start, 120, Nation.ENGLAND) == london(2025, 1, 2, 9, 0)
    assert working(start, 120, Nation.SCOTLAND) == london(2025, 1, 3, 9, 0)


def test_christmas_and_boxing_day_are_skipped() -> None:
    # Thursday 25 and Friday 26 December 2025.
    start = london(2025, 12, 24, 17, 0)
    for nation in ALL_NATIONS:
        assert working(start, 120, nation) == london(2025, 12, 29, 9, 0)


def test_substitute_day_for_boxing_day_on_a_saturday_is_skipped() -> None:
    # Christmas 2026 is a Friday, Boxing Day a Saturday: Monday 28 December is the substitute.
    assert is_bank_holiday(date(2026, 12, 28), Nation.ENGLAND)
    assert working(london(2026, 12, 24, 17, 0), 120) == london(2026, 12, 29, 9, 0)


def test_substitute_days_for_a_christmas_weekend_are_both_skipped() -> None:
    # Christmas 2027 falls on Saturday and Sunday: Monday 27 and Tuesday 28 are substitutes.
    assert is_bank_holiday(date(2027, 12, 27), Nation.WALES)
    assert is_bank_holiday(date(2027, 12, 28), Nation.WALES)
    assert working(london(2027, 12, 24, 17, 0), 120, Nation.WALES) == london(2027, 12, 29, 9, 0)


def test_scottish_substitute_for_two_january_on_a_saturday_is_skipped() -> None:
    # 2 January 2027 is a Saturday; Scotland observes it on Monday 4 January.
    start = london(2026, 12, 31, 17, 0)
    assert working(start, 120, Nation.SCOTLAND) == london(2027, 1, 5, 9, 0)
    assert working(start, 120, Nation.ENGLAND) == london(2027, 1, 4, 9, 0)


def test_weekend_is_not_a_working_day_and_ordinary_weekday_is() -> None:
    assert not is_working_day(date(2025, 6, 14), Nation.ENGLAND)  # Saturday
    assert not is_working_day(date(2025, 6, 15), Nation.ENGLAND)  # Sunday
    assert is_working_day(date(2025, 6, 16), Nation.ENGLAND)
    assert not is_bank_holiday(date(2025, 6, 14), Nation.ENGLAND)


def test_bank_holidays_are_available_for_any_year() -> None:
    assert is_bank_holiday(date(2099, 12, 25), Nation.ENGLAND)
    assert is_bank_holiday(date(1999, 1, 1), Nation.NORTHERN_IRELAND)


def test_many_bank_holidays_are_skipped_over_a_long_working_target() -> None:
    # 1 December 2025 08:00, Scotland: St Andrew's (observed) 1 Dec, Christmas, Boxing Day,
    # 1 and 2 January are all skipped. Check against a day-by-day count.
    start = london(2025, 12, 1, 8, 0)
    due = working(start, 18000, Nation.SCOTLAND)
    assert due == _reference_due_working(start, 18000, Nation.SCOTLAND)
    assert due == london(2026, 1, 16, 18, 0)


def test_nation_and_clock_may_be_given_as_strings() -> None:
    start = london(2027, 3, 25, 17, 0)
    assert due_at(start, 120, "working", "scotland") == london(2027, 3, 29, 9, 0)
    assert is_bank_holiday(date(2027, 3, 29), "england")


# --------------------------------------------------------------------------------------------
# Elapsed and remaining
# --------------------------------------------------------------------------------------------


def test_elapsed_working_time_skips_weekend_and_bank_holiday() -> None:
    # Friday 22 August 2025 17:00 to Tuesday 26 August 09:00. Monday 25th is the Late Summer
    # bank holiday in England but not Scotland (whose summer holiday was 4 August).
    start, end = london(2025, 8, 22, 17, 0), london(2025, 8, 26, 9, 0)
    assert elapsed(start, end, Clock.WORKING, Nation.ENGLAND) == timedelta(minutes=120)
    assert elapsed(start, end, Clock.WORKING, Nation.SCOTLAND) == timedelta(minutes=720)
    assert elapsed(start, end, Clock.CALENDAR, Nation.ENGLAND) == timedelta(hours=88)
    assert elapsed_minutes(start, end, Clock.WORKING, Nation.ENGLAND) == 120.0


def test_elapsed_working_time_within_one_day() -> None:
    start, end = london(2025, 6, 12, 9, 15), london(2025, 6, 12, 16, 45, 30)
    assert elapsed(start, end, Clock.WORKING, Nation.WALES) == timedelta(hours=7, minutes=30.5)


def test_elapsed_working_time_outside_working_hours_is_zero() -> None:
    start, end = london(2025, 6, 12, 18, 30), london(2025, 6, 13, 7, 59)
    assert elapsed(start, end, Clock.WORKING, Nation.ENGLAND) == timedelta(0)
    saturday, sunday = london(2025, 6, 14, 9, 0), london(2025, 6, 15, 17, 0)
    assert elapsed(saturday, sunday, Clock.WORKING, Nation.ENGLAND) == timedelta(0)


def test_elapsed_is_zero_when_end_is_before_or_at_start() -> None:
    start, end = london(2025, 6, 13, 12, 0), london(2025, 6, 12, 12, 0)
    for clock in Clock:
        assert elapsed(start, end, clock, Nation.ENGLAND) == timedelta(0)
        assert elapsed(start, start, clock, Nation.ENGLAND) == timedelta(0)
        assert elapsed_minutes(start, end, clock, Nation.ENGLAND) == 0.0


def test_elapsed_calendar_is_real_time_across_dst() -> None:
    start, end = london(2026, 3, 28, 12, 0), london(2026, 3, 29, 12, 0)
    assert elapsed(start, end, Clock.CALENDAR, Nation.ENGLAND) == timedelta(hours=23)


def test_elapsed_calendar_orders_instants_by_real_time_inside_the_autumn_fold() -> None:
    # 01:00-02:00 happens twice on 25 October 2026; the second 01:10 is after the first 01:30.
    first = datetime(2026, 10, 25, 1, 30, tzinfo=LONDON, fold=0)  # 00:30 UTC
    second = datetime(2026, 10, 25, 1, 10, tzinfo=LONDON, fold=1)  # 01:10 UTC
    assert elapsed(first, second, Clock.CALENDAR, Nation.ENGLAND) == timedelta(minutes=40)
    assert elapsed(second, first, Clock.CALENDAR, Nation.ENGLAND) == timedelta(0)
    assert remaining(second, first, Clock.CALENDAR, Nation.ENGLAND) == timedelta(minutes=40)


def test_elapsed_accepts_mixed_timezones() -> None:
    start = datetime(2025, 6, 13, 8, 0, tzinfo=UTC)  # 09:00 London
    end = datetime(2025, 6, 13, 7, 0, tzinfo=NEW_YORK)  # 12:00 London
    assert elapsed(start, end, Clock.WORKING, Nation.ENGLAND) == timedelta(hours=3)


def test_remaining_is_positive_before_due() -> None:
    due = london(2025, 6, 16, 10, 0)  # Monday
    now = london(2025, 6, 13, 17, 0)  # Friday
    assert remaining(due, now, Clock.WORKING, Nation.ENGLAND) == timedelta(minutes=180)
    assert remaining(due, now, Clock.CALENDAR, Nation.ENGLAND) == timedelta(hours=65)


def test_remaining_is_negative_when_overdue() -> None:
    due = london(2025, 6, 13, 17, 0)  # Friday
    now = london(2025, 6, 16, 9, 0)  # Monday
    assert remaining(due, now, Clock.WORKING, Nation.ENGLAND) == -timedelta(minutes=120)
    assert remaining(due, now, Clock.CALENDAR, Nation.ENGLAND) == -timedelta(hours=64)


def test_remaining_is_zero_at_the_due_instant() -> None:
    due = london(2025, 6, 13, 17, 0)
    assert remaining(due, due, Clock.WORKING, Nation.ENGLAND) == timedelta(0)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


NAIVE = datetime(2025, 6, 13, 12, 0)  # noqa: DTZ001 -- deliberately naive
AWARE = datetime(2025, 6, 13, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("clock", list(Clock))
def test_naive_start_is_rejected(clock: Clock) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at(NAIVE, 60, clock, Nation.ENGLAND)


def test_naive_datetimes_are_rejected_by_elapsed_and_remaining() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        elapsed(NAIVE, AWARE, Clock.WORKING, Nation.ENGLAND)
    with pytest.raises(ValueError, match="timezone-aware"):
        elapsed(AWARE, NAIVE, Clock.CALENDAR, Nation.ENGLAND)
    with pytest.raises(ValueError, match="timezone-aware"):
        elapsed_minutes(AWARE, NAIVE, Clock.WORKING, Nation.ENGLAND)
    with pytest.raises(ValueError, match="timezone-aware"):
        remaining(NAIVE, AWARE, Clock.WORKING, Nation.ENGLAND)
    with pytest.raises(ValueError, match="timezone-aware"):
        remaining(AWARE, NAIVE, Clock.WORKING, Nation.ENGLAND)


@pytest.mark.parametrize("clock", list(Clock))
def test_negative_minutes_are_rejected(clock: Clock) -> None:
    with pytest.raises(ValueError, match="negative"):
        due_at(AWARE, -1, clock, Nation.ENGLAND)


def test_unknown_nation_or_clock_is_rejected() -> None:
    with pytest.raises(ValueError, match="nation"):
        due_at(AWARE, 60, Clock.WORKING, "narnia")
    with pytest.raises(ValueError, match="nation"):
        is_working_day(date(2025, 6, 13), "ENG")
    with pytest.raises(ValueError, match="clock"):
        due_at(AWARE, 60, "sundial", Nation.ENGLAND)


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
_SPAN_MINUTES = int((datetime(2031, 1, 1, tzinfo=UTC) - _EPOCH).total_seconds() // 60)

starts = st.integers(min_value=0, max_value=_SPAN_MINUTES - 1).map(
    lambda m: _EPOCH + timedelta(minutes=m)
)
targets = st.integers(min_value=0, max_value=30000)
clocks = st.sampled_from(list(Clock))
nations = st.sampled_from(ALL_NATIONS)


def _is_working_instant(instant: datetime, nation: Nation) -> bool:
    local = instant.astimezone(LONDON)
    return (
        is_working_day(local.date(), nation)
        and WORKING_DAY_START <= local.time() <= WORKING_DAY_END
    )


def _reference_due_working(start: datetime, minutes: int, nation: Nation) -> datetime:
    """Slow, obviously-correct oracle: walk day by day through the working windows."""
    local = start.astimezone(LONDON)
    day, left = local.date(), timedelta(minutes=minutes)
    while True:
        if is_working_day(day, nation):
            open_ = datetime.combine(day, WORKING_DAY_START, tzinfo=LONDON)
            close = datetime.combine(day, WORKING_DAY_END, tzinfo=LONDON)
            begin = max(open_, local)
            if begin <= close:
                if begin + left <= close:
                    return (begin + left).astimezone(UTC)
                left -= close - begin
        day += timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(start=starts, t=targets, clock=clocks, nation=nations)
def test_due_is_never_before_start(start: datetime, t: int, clock: Clock, nation: Nation) -> None:
    assert due_at(start, t, clock, nation) >= start


@settings(max_examples=200, deadline=None)
@given(start=starts, t1=targets, t2=targets, clock=clocks, nation=nations)
def test_due_is_monotonic_in_the_target(
    start: datetime, t1: int, t2: int, clock: Clock, nation: Nation
) -> None:
    t1, t2 = sorted((t1, t2))
    assert due_at(start, t1, clock, nation) <= due_at(start, t2, clock, nation)


@settings(max_examples=200, deadline=None)
@given(start=starts, t=targets, clock=clocks, nation=nations)
def test_elapsed_until_due_is_exactly_the_target(
    start: datetime, t: int, clock: Clock, nation: Nation
) -> None:
    due = due_at(start, t, clock, nation)
    assert elapsed(start, due, clock, nation) == timedelta(minutes=t)
    assert remaining(due, start, clock, nation) == timedelta(minutes=t)


@settings(max_examples=200, deadline=None)
@given(start=starts, t=targets, nation=nations)
def test_working_due_lies_within_working_hours_on_a_working_day(
    start: datetime, t: int, nation: Nation
) -> None:
    due = due_at(start, t, Clock.WORKING, nation)
    assert due.tzinfo is UTC
    assert _is_working_instant(due, nation)
    if t > 0:
        assert due.astimezone(LONDON).time() > WORKING_DAY_START


@settings(max_examples=200, deadline=None)
@given(start=starts, t=targets, nation=nations)
def test_working_due_matches_a_day_by_day_reference(
    start: datetime, t: int, nation: Nation
) -> None:
    assert due_at(start, t, Clock.WORKING, nation) == _reference_due_working(start, t, nation)


@settings(max_examples=200, deadline=None)
@given(start=starts, t=targets)
def test_calendar_due_is_plain_elapsed_time(start: datetime, t: int) -> None:
    assert due_at(start, t, Clock.CALENDAR, Nation.ENGLAND) - start == timedelta(minutes=t)


@settings(max_examples=200, deadline=None)
@given(a=starts, b=starts, c=starts, clock=clocks, nation=nations)
def test_elapsed_is_additive(
    a: datetime, b: datetime, c: datetime, clock: Clock, nation: Nation
) -> None:
    a, b, c = sorted((a, b, c))
    assert elapsed(a, c, clock, nation) == elapsed(a, b, clock, nation) + elapsed(
        b, c, clock, nation
    )


@settings(max_examples=200, deadline=None)
@given(due=starts, now=starts, clock=clocks, nation=nations)
def test_remaining_is_antisymmetric(
    due: datetime, now: datetime, clock: Clock, nation: Nation
) -> None:
    assert remaining(due, now, clock, nation) == -remaining(now, due, clock, nation)
