"""The SLA clock: pure functions that turn a start instant and a target into a due instant.

Nothing here reads the current time, touches the database or imports Django: every instant is
passed in by the caller, so the same code serves live tracking, reports and bulk seeding, and is
trivially testable.

Two clocks exist:

* ``calendar`` -- plain elapsed real time, 24/7 (computed in UTC, so daylight-saving changes do
  not stretch or shrink it);
* ``working`` -- Monday to Friday, 08:00-18:00 wall-clock time in Europe/London, excluding the
  bank holidays of the premises' nation. A working day is therefore 600 working minutes.

Working time is modelled as a sequence of closed daily windows ``[08:00, 18:00]`` on working days.
18:00 on one working day and 08:00 on the next are the same position on the working clock; when a
due instant falls exactly on such a boundary the earlier wall-clock instant (18:00) is returned.
DST changes in the UK happen at 01:00/02:00, outside working hours, so within a working window
wall-clock time and real time advance together.
"""

import bisect
import enum
import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "DEFAULT_TARGETS",
    "LONDON",
    "WORKING_DAY_END",
    "WORKING_DAY_START",
    "WORKING_MINUTES_PER_DAY",
    "Clock",
    "Nation",
    "Priority",
    "Targets",
    "due_at",
    "elapsed",
    "elapsed_minutes",
    "is_bank_holiday",
    "is_working_day",
    "remaining",
]


class Clock(enum.StrEnum):
    """How a target's minutes are counted."""

    CALENDAR = "calendar"
    WORKING = "working"


class Nation(enum.StrEnum):
    """UK nation of a premises; decides which bank holidays stop the working clock."""

    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern_ireland"


class Priority(enum.StrEnum):
    """Fault priority; P1 is the most urgent."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


@dataclass(frozen=True)
class Targets:
    """Service-level targets for one priority, in minutes of the given clock."""

    attend_minutes: int
    make_safe_minutes: int | None  # None = no separate make-safe target
    fix_minutes: int
    clock: Clock


WORKING_DAY_START = time(8, 0)
WORKING_DAY_END = time(18, 0)
WORKING_MINUTES_PER_DAY = 600

LONDON = ZoneInfo("Europe/London")

DEFAULT_TARGETS: dict[Priority, Targets] = {
    # Emergency: attend within 2 h, make safe within a further 4 h, fix within 24 h.
    Priority.P1: Targets(
        attend_minutes=120, make_safe_minutes=360, fix_minutes=1440, clock=Clock.CALENDAR
    ),
    # Urgent: attend within 4 h, fix within 3 days (72 h).
    Priority.P2: Targets(
        attend_minutes=240, make_safe_minutes=None, fix_minutes=4320, clock=Clock.CALENDAR
    ),
    # Routine: attend within 2 working days, fix within 10 working days.
    Priority.P3: Targets(
        attend_minutes=1200, make_safe_minutes=None, fix_minutes=6000, clock=Clock.WORKING
    ),
    # Planned: attend within 5 working days, fix within 30 working days.
    Priority.P4: Targets(
        attend_minutes=3000, make_safe_minutes=None, fix_minutes=18000, clock=Clock.WORKING
    ),
}

_SUBDIVISIONS: dict[Nation, str] = {
    Nation.ENGLAND: "ENG",
    Nation.WALES: "WLS",
    Nation.SCOTLAND: "SCT",
    Nation.NORTHERN_IRELAND: "NIR",
}

_DAY = timedelta(days=1)
_WORKING_DAY = timedelta(minutes=WORKING_MINUTES_PER_DAY)
_ZERO = timedelta(0)


# --------------------------------------------------------------------------------------------
# Argument normalisation
# --------------------------------------------------------------------------------------------


def _nation(nation: Nation | str) -> Nation:
    """Accept the enum or its stored string value, so callers can pass model field values."""
    try:
        return Nation(nation)
    except ValueError:
        valid = ", ".join(n.value for n in Nation)
        raise ValueError(f"Unknown nation {nation!r}; expected one of: {valid}") from None


def _clock(clock: Clock | str) -> Clock:
    """Accept the enum or its stored string value."""
    try:
        return Clock(clock)
    except ValueError:
        valid = ", ".join(c.value for c in Clock)
        raise ValueError(f"Unknown clock {clock!r}; expected one of: {valid}") from None


def _require_aware(value: datetime, name: str) -> None:
    """Naive datetimes are ambiguous (which zone?), so refuse them rather than guess."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be a timezone-aware datetime (got naive {value.isoformat()}); "
            "attach a tzinfo such as datetime.UTC or ZoneInfo('Europe/London')"
        )


# --------------------------------------------------------------------------------------------
# Bank holidays and working days
# --------------------------------------------------------------------------------------------


@functools.cache
def _holidays_in_year(nation: Nation, year: int) -> frozenset[date]:
    """All bank holidays of one nation in one year (building a holidays object is slow: cache)."""
    calendar = holidays.country_holidays("GB", subdiv=_SUBDIVISIONS[nation], years=year)
    return frozenset(day for day in calendar if day.year == year)


@functools.cache
def _weekday_holiday_ordinals(nation: Nation, year: int) -> tuple[int, ...]:
    """Sorted ordinals of the bank holidays that fall Mon-Fri, for counting with bisect."""
    return tuple(sorted(d.toordinal() for d in _holidays_in_year(nation, year) if d.weekday() < 5))


def _count_weekday_holidays(nation: Nation, first: int, last: int) -> int:
    """Number of Mon-Fri bank holidays with ordinal in the closed range [first, last]."""
    if last < first:
        return 0
    count = 0
    for year in range(date.fromordinal(first).year, date.fromordinal(last).year + 1):
        ordinals = _weekday_holiday_ordinals(nation, year)
        count += bisect.bisect_right(ordinals, last) - bisect.bisect_left(ordinals, first)
    return count


def _is_holiday(day: date, nation: Nation) -> bool:
    return day in _holidays_in_year(nation, day.year)


def _is_working(day: date, nation: Nation) -> bool:
    return day.weekday() < 5 and day not in _holidays_in_year(nation, day.year)


def is_bank_holiday(day: date, nation: Nation | str) -> bool:
    """True if `day` is a bank holiday in `nation` (weekend holidays included, as published)."""
    return _is_holiday(day, _nation(nation))


def is_working_day(day: date, nation: Nation | str) -> bool:
    """True if the working clock runs on `day` in `nation`: a weekday that is no bank holiday."""
    return _is_working(day, _nation(nation))


def _next_working_day(day: date, nation: Nation) -> date:
    """The first working day strictly after `day` (a handful of steps at most)."""
    day += _DAY
    while not _is_working(day, nation):
        day += _DAY
    return day


def _weekdays_before(ordinal: int) -> int:
    """Mon-Fri days with ordinal < `ordinal`; ordinal 1 (0001-01-01) is a Monday."""
    weeks, rest = divmod(ordinal - 1, 7)
    return 5 * weeks + min(rest, 5)


def _add_weekdays(day: date, count: int) -> date:
    """The `count`-th weekday after the weekday `day`, skipping whole weeks arithmetically."""
    weeks, rest = divmod(count, 7 - 2)
    day += timedelta(days=7 * weeks)
    if day.weekday() + rest >= 5:
        rest += 2  # crosses a weekend
    return day + timedelta(days=rest)


def _add_working_days(day: date, count: int, nation: Nation) -> date:
    """The `count`-th working day after the working day `day`.

    Jump by weekdays, then push on by as many weekdays as bank holidays were jumped over, until a
    jump crosses no holiday: this costs one bisect per jump instead of one lookup per day.
    """
    previous = day
    target = _add_weekdays(day, count)
    skipped = _count_weekday_holidays(nation, previous.toordinal() + 1, target.toordinal())
    while skipped:
        previous, target = target, _add_weekdays(target, skipped)
        skipped = _count_weekday_holidays(nation, previous.toordinal() + 1, target.toordinal())
    return target


def _working_days_between(first: date, last: date, nation: Nation) -> int:
    """Working days in the half-open range [first, last)."""
    a, b = first.toordinal(), last.toordinal()
    if b <= a:
        return 0
    return _weekdays_before(b) - _weekdays_before(a) - _count_weekday_holidays(nation, a, b - 1)


# --------------------------------------------------------------------------------------------
# Working-clock positions
# --------------------------------------------------------------------------------------------


def _working_position(instant: datetime, nation: Nation) -> tuple[date, timedelta]:
    """Where `instant` sits on the working clock: (working day, working time into that day).

    The offset lies in [0, 10 h]. Instants outside working hours snap forward: before 08:00 on a
    working day to 08:00; after 18:00, or on a non-working day, to 08:00 of the next working day.
    Exactly 18:00 stays as (that day, 10 h) so that a day's end is not confused with tomorrow.
    """
    local = instant.astimezone(LONDON)
    day = local.date()
    if _is_working(day, nation):
        wall = local.time()
        if wall < WORKING_DAY_START:
            return day, _ZERO
        if wall <= WORKING_DAY_END:
            offset = timedelta(
                hours=wall.hour - WORKING_DAY_START.hour,
                minutes=wall.minute - WORKING_DAY_START.minute,
                seconds=wall.second,
                microseconds=wall.microsecond,
            )
            return day, offset
    return _next_working_day(day, nation), _ZERO


def _instant(day: date, offset: timedelta) -> datetime:
    """The UTC instant `offset` into the working window of `day` (wall-clock London time)."""
    # No DST change happens between 08:00 and 18:00, so adding wall time is adding real time.
    start = datetime.combine(day, WORKING_DAY_START, tzinfo=LONDON)
    return (start + offset).astimezone(UTC)


def _working_due(start: datetime, amount: timedelta, nation: Nation) -> datetime:
    day, offset = _working_position(start, nation)
    total = offset + amount
    if total <= _WORKING_DAY:
        return _instant(day, total)
    # Beyond today's window: whole further working days, then the part-day on the last one.
    # The part-day is in (0, 10 h], so a due time exactly at a day's end stays at 18:00.
    extra_days, rest = divmod(total, _WORKING_DAY)
    if not rest:
        extra_days -= 1
        rest = _WORKING_DAY
    return _instant(_add_working_days(day, extra_days, nation), rest)


def _working_elapsed(start: datetime, end: datetime, nation: Nation) -> timedelta:
    start_day, start_offset = _working_position(start, nation)
    end_day, end_offset = _working_position(end, nation)
    days = _working_days_between(start_day, end_day, nation)
    return max(days * _WORKING_DAY + end_offset - start_offset, _ZERO)


# --------------------------------------------------------------------------------------------
# Public clock functions
# --------------------------------------------------------------------------------------------


def due_at(
    start: datetime, minutes: int | float, clock: Clock | str, nation: Nation | str
) -> datetime:
    """The instant at which `minutes` of clock time have elapsed since `start` (in UTC).

    On the working clock a start outside working hours begins counting at the next working
    instant, so `minutes == 0` returns `start` snapped forward to working time. A due time that
    lands exactly on the end of a working day is that day's 18:00, not 08:00 the next day.
    """
    _require_aware(start, "start")
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes!r}")
    amount = timedelta(minutes=minutes)
    if _clock(clock) is Clock.CALENDAR:
        _nation(nation)  # validate anyway, so bad data fails the same way for both clocks
        return start.astimezone(UTC) + amount
    return _working_due(start, amount, _nation(nation))


def elapsed(start: datetime, end: datetime, clock: Clock | str, nation: Nation | str) -> timedelta:
    """Clock time between two instants (0 if end <= start); working clock counts only working time.

    Exact inverse of `due_at`: ``elapsed(s, due_at(s, t, ...), ...) == timedelta(minutes=t)``.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    clock = _clock(clock)
    nation = _nation(nation)
    # Python compares and subtracts datetimes sharing one tzinfo by wall clock, which is wrong
    # across a DST change (Europe/London 12:00 Sat to 12:00 Sun in spring is 23 h): use UTC.
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return _ZERO
    if clock is Clock.CALENDAR:
        return end - start
    return _working_elapsed(start, end, nation)


def elapsed_minutes(
    start: datetime, end: datetime, clock: Clock | str, nation: Nation | str
) -> float:
    """`elapsed` as a float number of minutes, convenient for reports and comparisons."""
    return elapsed(start, end, clock, nation).total_seconds() / 60


def remaining(due: datetime, now: datetime, clock: Clock | str, nation: Nation | str) -> timedelta:
    """Clock time left until `due` (negative when overdue: minus the clock time since due).

    Overdue time is measured on the same clock, so a P3 fault does not become "more overdue"
    over a weekend.
    """
    _require_aware(due, "due")
    _require_aware(now, "now")
    if now.astimezone(UTC) <= due.astimezone(UTC):  # real order, even within a DST fold
        return elapsed(now, due, clock, nation)
    return -elapsed(due, now, clock, nation)
