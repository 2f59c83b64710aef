"""Periods from URLs (`Period.from_slug`): real months or runs of days the service has data
for, or ValueError — the one check behind report pages, downloads and the `report=` filter."""

from datetime import date

import pytest

from facilities.periods import FIRST_YEAR, LONGEST_DAYS, Period

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("slug", "period"),
    [
        ("2026-03", Period(date(2026, 3, 1), date(2026, 3, 31))),
        ("2026-01-01_2026-03-31", Period(date(2026, 1, 1), date(2026, 3, 31))),
        ("2024-01-01_2024-12-31", Period(date(2024, 1, 1), date(2024, 12, 31))),  # 366 days
        ("2000-01", Period.month(2000, 1)),
        ("2027-12-01_2027-12-31", Period.month(2027, 12)),  # next year: the latest allowed
        ("2026-04-05_2026-04-05", Period(date(2026, 4, 5), date(2026, 4, 5))),
    ],
)
def test_real_periods_are_read(slug, period):
    assert Period.from_slug(slug, today=TODAY) == period


HOSTILE = [
    "0001-01-01_9999-12-31",  # OverflowError in the report before this check
    "2026-01-01_9999-12-31",
    "9999-12",
    "9999-11",
    "0000-01",
    "0001-01",
    "1999-12",  # before FIRST_YEAR
    "2028-01",  # after next year
    "2026-13",
    "2026-00",
    "2026-02-30_2026-03-01",  # no such day
    "2026-03-31_2026-03-01",  # ends before it starts
    "2025-01-01_2026-01-02",  # 367 days
    "1999-12-31_2000-01-31",
    "2027-12-01_2028-01-01",
    "20260101_20260201",  # ISO basic format: date.fromisoformat would take it
    "2026-W01-1_2026-W02-1",
    "2026-1-01_2026-02-01",
    "2026-04-01_2026-04-02_2026-04-03",
    "2026-04_2026-05",
    "-2026-04",
    "2026-04-",
    "",
    "２０２６-０４",  # full-width digits
    "2026-04\n",
    "2026-04-01 _2026-04-02",
    "9" * 5000,
]


@pytest.mark.parametrize("slug", HOSTILE)
def test_anything_else_is_refused(slug):
    with pytest.raises(ValueError):  # noqa: PT011  (each reason has its own message)
        Period.from_slug(slug, today=TODAY)


def test_the_limits():
    assert FIRST_YEAR == 2000
    assert LONGEST_DAYS == 366
    with pytest.raises(ValueError, match="a year or less"):
        Period.from_slug("2025-01-01_2026-01-02", today=TODAY)
    with pytest.raises(ValueError, match="between 2000 and 2027"):
        Period.from_slug("2028-01", today=TODAY)
    with pytest.raises(ValueError, match="Not a period"):
        Period.from_slug("2026-02-30_2026-03-01", today=TODAY)
