"""Report periods: a month or any run of whole days, in Europe/London.

People think of "March" as London dates, so a period is a first and last day there; the
database compares UTC instants, so a period also gives its start and end as UTC instants
(midnight in London, which moves with British Summer Time). Pure: no database; the clock is
read only for the latest year a period from a URL may reach (pass `today` to fix it).

Every period that comes from a URL (report pages and downloads, the fault list's `report=`
filter) is read by `Period.from_slug`, the one place that refuses what is not a real period
of the service: impossible dates, more than `LONGEST_DAYS` days, or years outside
`FIRST_YEAR` to next year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from facilities.sla import LONDON
from facilities.timewords import MONTHS

_MONTH_SLUG = re.compile(r"([0-9]{4})-([0-9]{2})")
_RANGE_SLUG = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})_([0-9]{4}-[0-9]{2}-[0-9]{2})")

#: The first year a period may start in (the service holds no older data).
FIRST_YEAR = 2000
#: The longest period a report covers: a leap year.
LONGEST_DAYS = 366


def london_midnight(day: date) -> datetime:
    """The UTC instant at which `day` begins in London."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def london_date(instant: datetime) -> date:
    return instant.astimezone(LONDON).date()


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, order=True)
class Period:
    """The London days `first` to `last`, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("A period cannot end before it starts.")

    # --- Constructors ----------------------------------------------------------------

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = date(year, month, 1)
        return cls(first, _add_months(first, 1) - timedelta(days=1))

    @classmethod
    def from_slug(cls, slug: str, *, today: date | None = None) -> Period:
        """`2026-03` → March 2026, `2026-01-01_2026-03-31` → those days (as in a URL).

        Raises ValueError for anything else: not one of those forms, impossible dates, a
        period ending before it starts or longer than `LONGEST_DAYS` days, or one outside the
        years `FIRST_YEAR` to the year after `today` (by default today in London).
        """
        text = slug or ""
        try:
            if match := _MONTH_SLUG.fullmatch(text):
                period = cls.month(int(match[1]), int(match[2]))
            elif match := _RANGE_SLUG.fullmatch(text):
                period = cls(date.fromisoformat(match[1]), date.fromisoformat(match[2]))
            else:
                raise ValueError("neither a month nor a range of days")
        except ValueError:
            raise ValueError(f"Not a period: {text!r}") from None
        return period.checked(today=today)

    def checked(self, *, today: date | None = None) -> Period:
        """This period, if a report may cover it; ValueError (with words for people) if not."""
        today = today or datetime.now(LONDON).date()
        if self.days > LONGEST_DAYS:
            raise ValueError("Choose a period of a year or less")
        if self.first.year < FIRST_YEAR or self.last.year > today.year + 1:
            raise ValueError(f"Choose a period between {FIRST_YEAR} and {today.year + 1}")
        return self

    @classmethod
    def containing(cls, instant: datetime) -> Period:
        """The London month in which `instant` falls."""
        day = london_date(instant)
        return cls.month(day.year, day.month)

    @classmethod
    def month_before(cls, instant: datetime) -> Period:
        """Last month, as seen in London at `instant` (the monthly report's period)."""
        return cls.containing(instant).shifted(-1)

    # --- Instants --------------------------------------------------------------------

    @property
    def start(self) -> datetime:
        """The first instant of the period (UTC)."""
        return london_midnight(self.first)

    @property
    def end(self) -> datetime:
        """The first instant after the period (UTC): periods are half-open [start, end)."""
        return london_midnight(self.last + timedelta(days=1))

    def cutoff(self, now: datetime) -> datetime:
        """When "at period end" figures are taken: the end, or now for a period not yet over
        (and never before the start)."""
        return min(self.end, max(now, self.start))

    # --- Words and neighbours ----------------------------------------------------------

    @property
    def is_month(self) -> bool:
        whole = Period.month(self.first.year, self.first.month) if self.first.day == 1 else None
        return whole is not None and self.last == whole.last

    @property
    def slug(self) -> str:
        if self.is_month:
            return f"{self.first:%Y-%m}"
        return f"{self.first:%Y-%m-%d}_{self.last:%Y-%m-%d}"

    @property
    def label(self) -> str:
        """ "March 2026", or "1 January 2026 to 15 March 2026"."""
        if self.is_month:
            return f"{MONTHS[self.first.month - 1]} {self.first.year}"
        return f"{_day(self.first)} to {_day(self.last)}"

    @property
    def short_label(self) -> str:
        """ "Mar 2026" for a month (chart axes and trend columns)."""
        if self.is_month:
            return f"{MONTHS[self.first.month - 1][:3]} {self.first.year}"
        return f"{self.first:%d/%m/%Y}–{self.last:%d/%m/%Y}"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def shifted(self, months: int) -> Period:
        """The month `months` away (only for months)."""
        if not self.is_month:
            raise ValueError("Only a month can be shifted by months.")
        first = _add_months(self.first, months)
        return Period.month(first.year, first.month)

    def trend(self, months: int = 6) -> list[Period]:
        """The `months` months before this one and this one, oldest first.

        For a date range, the same number of equally long ranges before it.
        """
        if self.is_month:
            return [self.shifted(-n) for n in range(months, -1, -1)]
        length = timedelta(days=self.days)
        return [
            Period(self.first - length * n, self.last - length * n) for n in range(months, -1, -1)
        ]


def _day(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
