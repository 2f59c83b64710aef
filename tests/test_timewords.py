"""Tests for facilities.timewords: lateness and due times in words, in London time."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from facilities.timewords import describe_due, describe_lateness

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(0), "less than a minute"),
        (timedelta(seconds=59), "less than a minute"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(minutes=25, seconds=59), "25 minutes"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=1, minutes=1), "1 hour 1 minute"),
        (timedelta(hours=4, minutes=10), "4 hours 10 minutes"),
        (timedelta(hours=23, minutes=59, seconds=59), "23 hours 59 minutes"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=1, hours=1), "1 day 1 hour"),
        (timedelta(days=3, hours=4, minutes=59), "3 days 4 hours"),
        (timedelta(days=400), "400 days"),
    ],
)
def test_describe_lateness(delta, words):
    assert describe_lateness(delta) == words


def test_lateness_cannot_be_negative():
    with pytest.raises(ValueError, match="negative"):
        describe_lateness(timedelta(seconds=-1))


NOW = datetime(2024, 12, 2, 10, 0, tzinfo=LONDON)  # Monday 2 December 2024


@pytest.mark.parametrize(
    ("due", "words"),
    [
        (datetime(2024, 12, 2, 14, 30, tzinfo=LONDON), "by 14:30 today"),
        (datetime(2024, 12, 2, 8, 0, tzinfo=LONDON), "by 08:00 today"),
        (datetime(2024, 12, 3, 9, 0, tzinfo=LONDON), "by 09:00 tomorrow"),
        (datetime(2024, 12, 1, 17, 30, tzinfo=LONDON), "by 17:30 yesterday"),
        (datetime(2024, 12, 4, 17, 30, tzinfo=LONDON), "by Wed 4 Dec 17:30"),
        (datetime(2024, 11, 29, 9, 5, tzinfo=LONDON), "by Fri 29 Nov 09:05"),
        (datetime(2025, 1, 7, 8, 0, tzinfo=LONDON), "by Tue 7 Jan 2025 08:00"),
    ],
)
def test_describe_due(due, words):
    assert describe_due(due, NOW) == words


def test_due_is_shown_in_london_time_whatever_zone_it_comes_in():
    # 23:30 UTC on 2 July is 00:30 BST on 3 July: tomorrow in London.
    now = datetime(2024, 7, 2, 12, 0, tzinfo=UTC)
    assert describe_due(datetime(2024, 7, 2, 23, 30, tzinfo=UTC), now) == "by 00:30 tomorrow"
    # In winter London is on UTC.
    assert describe_due(datetime(2024, 1, 2, 23, 30, tzinfo=UTC), now.replace(month=1)) == (
        "by 23:30 today"
    )


def test_today_is_decided_in_london_not_utc():
    # 23:30 UTC on 30 June is already 1 July in London.
    now = datetime(2024, 6, 30, 23, 30, tzinfo=UTC)
    assert describe_due(datetime(2024, 7, 1, 9, 0, tzinfo=LONDON), now) == "by 09:00 today"


def test_clocks_going_forward():
    # 31 March 2024: clocks go forward at 01:00 GMT; 02:30 UTC is 03:30 BST.
    now = datetime(2024, 3, 31, 0, 30, tzinfo=UTC)
    assert describe_due(datetime(2024, 3, 31, 2, 30, tzinfo=UTC), now) == "by 03:30 today"


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        describe_due(datetime(2024, 12, 2, 14, 30), NOW)  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone-aware"):
        describe_due(NOW, datetime(2024, 12, 2, 14, 30))  # noqa: DTZ001
