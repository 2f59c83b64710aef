"""Times and durations in the words people use: pure functions, no database.

Everything is shown in Europe/London, whatever zone the datetimes come in.

    describe_lateness(timedelta(days=3, hours=4))  -> "3 days 4 hours"
    describe_due(due, now)                         -> "by 14:30 today"
                                                      "by 09:00 tomorrow"
                                                      "by 17:30 yesterday"
                                                      "by Tue 3 Dec 17:30"
                                                      "by Tue 3 Dec 2024 17:30" (another year)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from facilities.sla import LONDON

_MINUTE = timedelta(minutes=1)
_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)
# Spelt out rather than strftime's %a/%b, which follow the process locale.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTHS_SHORT = tuple(name[:3] for name in MONTHS)


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def describe_lateness(delta: timedelta) -> str:
    """How long something has been late, to the two largest units that matter.

    Days and hours from a day up ("3 days 4 hours", "1 day"), hours and minutes
    below a day ("4 hours 10 minutes"), minutes below an hour ("25 minutes"),
    and "less than a minute" below that. Partial units are dropped, never rounded
    up, so a fault is never described as later than it is.
    """
    if delta < timedelta(0):
        raise ValueError("Lateness cannot be negative.")
    if delta < _MINUTE:
        return "less than a minute"
    if delta < _HOUR:
        return _plural(delta // _MINUTE, "minute")
    if delta < _DAY:
        hours, rest = divmod(delta, _HOUR)
        minutes = rest // _MINUTE
        words = _plural(hours, "hour")
        return f"{words} {_plural(minutes, 'minute')}" if minutes else words
    days, rest = divmod(delta, _DAY)
    hours = rest // _HOUR
    words = _plural(days, "day")
    return f"{words} {_plural(hours, 'hour')}" if hours else words


def _london(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware.")
    return value.astimezone(LONDON)


def describe_due(due: datetime, now: datetime) -> str:
    """When something is (or was) due, relative to now, in London time.

    "by 14:30 today", "by 09:00 tomorrow", "by 17:30 yesterday", otherwise
    "by Tue 3 Dec 17:30" (with the year when it is not this year's).
    """
    due_local = _london(due, "due")
    today = _london(now, "now").date()
    clock = f"{due_local:%H:%M}"
    days_away = (due_local.date() - today).days
    if days_away == 0:
        return f"by {clock} today"
    if days_away == 1:
        return f"by {clock} tomorrow"
    if days_away == -1:
        return f"by {clock} yesterday"
    weekday = _WEEKDAYS[due_local.weekday()]
    day = f"{weekday} {due_local.day} {MONTHS_SHORT[due_local.month - 1]}"
    if due_local.year != today.year:
        day = f"{day} {due_local.year}"
    return f"by {day} {clock}"
