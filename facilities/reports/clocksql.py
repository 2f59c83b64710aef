"""Service-level clock time in SQL, so reports measure durations without loading faults.

`ClockMinutes(start, end, clock, nation)` is the SQL twin of `sla.elapsed_minutes`: calendar
minutes for calendar-clock faults; for working-clock faults only Mon–Fri 08:00–18:00 London
time, less the bank holidays of the premises' nation.

On PostgreSQL it is plain arithmetic on epoch seconds, cheap enough for a million rows. A
working-clock instant has a *position*: 600 minutes for every working day before its London
date plus the minutes into that day's working window (clamped to 0–600; none on a non-working
day). Elapsed working time is the difference of two positions, which is exactly how
`sla._working_elapsed` counts. Two sorted arrays, passed as parameters and searched with
`width_bucket` (a binary search), give what would otherwise need a calendar table:

- London's UTC offset at an instant, from the instants the clocks change (so no
  `AT TIME ZONE` per row, which PostgreSQL would evaluate at every use);
- the weekday bank holidays before a date, one band of day-numbers per nation, from the same
  `holidays` package the live clock uses.

Working days before a date are then weekdays (arithmetic from a Monday) less those holidays.
No table, function or migration is needed.

On SQLite (the local demo default) the same expression calls `sla.elapsed_minutes` through a
registered function: simpler, and correct by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import connection as default_connection
from django.db.models import (
    Case,
    Expression,
    F,
    FloatField,
    Func,
    Min,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Greatest

from facilities import sla
from facilities.models import EventKind, Fault, FaultEvent, Premises

#: Day numbers count from 1 January 1970 (a Thursday), like epoch seconds.
_EPOCH = date(1970, 1, 1)
_DAY_SECONDS = 86400
#: Day numbers of one nation's holidays sit in their own band of the one sorted array.
_BAND = 1_000_000


@dataclass(frozen=True)
class HolidayCalendar:
    """London's clock changes and the weekday bank holidays, as SQL parameters.

    Built once per report for the nations that have premises and the years faults span,
    so the arrays stay small (two clock changes and a few dozen holidays a year).
    """

    nations: tuple[str, ...]
    day_numbers: tuple[int, ...]  # sorted: band(nation) * _BAND + days since _EPOCH
    changes: tuple[float, ...]  # epoch seconds at which London's UTC offset changes
    offsets: tuple[float, ...]  # the offset (seconds) before the first change, then after each

    @classmethod
    def for_years(cls, nations: list[str], first_year: int, last_year: int) -> HolidayCalendar:
        numbers = []
        ordered = tuple(sorted(set(nations)))
        for band, nation in enumerate(ordered):
            for year in range(first_year, last_year + 1):
                for ordinal in sla._weekday_holiday_ordinals(sla.Nation(nation), year):
                    numbers.append(band * _BAND + ordinal - _EPOCH.toordinal())
        changes, offsets = _clock_changes(first_year, last_year)
        return cls(ordered, tuple(sorted(numbers)), changes, offsets)

    @classmethod
    def for_faults(cls, until: datetime) -> HolidayCalendar:
        """Every nation with premises, from the first fault's year to a year after `until`."""
        nations = list(Premises.objects.values_list("nation", flat=True).distinct()) or [
            sla.Nation.ENGLAND.value
        ]
        first = Fault.objects.aggregate(first=Min("reported_at"))["first"] or until
        return cls.for_years(nations, min(first, until).year - 1, until.year + 1)


def _offset(instant: datetime) -> float:
    return instant.astimezone(sla.LONDON).utcoffset().total_seconds()


def _clock_changes(first_year: int, last_year: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Every change of London's UTC offset in the years, found from the tz database."""
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    changes: list[float] = []
    offsets = [_offset(start)]
    day = start
    while day < end:
        following = day + timedelta(days=1)
        if _offset(following) != _offset(day):
            low, high = day, following  # the change is in (low, high]: bisect to the second
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if _offset(middle) == _offset(low) else (low, middle)
            changes.append(high.replace(microsecond=0).timestamp())
            offsets.append(_offset(following))
        day = following
    return tuple(changes), tuple(offsets)


class Epoch(Func):
    """Seconds since 1970 (UTC) of a datetime expression, as a float."""

    output_field = FloatField()
    arity = 1

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="date_part('epoch', %(expressions)s)",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores datetimes on SQLite as UTC text, which julianday() reads.
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
            **extra,
        )


class DurationMinutes(Func):
    """A DurationField expression (such as `paused`) in minutes, as a float."""

    output_field = FloatField()
    arity = 1

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="(date_part('epoch', %(expressions)s) / 60.0)",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        # Durations are stored as integer microseconds on SQLite.
        return self.as_sql(compiler, connection, template="(%(expressions)s / 60000000.0)", **extra)


class ClockMinutes(Expression):
    """Minutes of `clock` time from `start` to `end` at premises in `nation` (0 if end <= start)."""

    output_field = FloatField()

    def __init__(self, start, end, clock, nation, calendar: HolidayCalendar) -> None:
        super().__init__(output_field=FloatField())
        self.start, self.end = _expr(start), _expr(end)
        self.clock, self.nation = _expr(clock), _expr(nation)
        self.calendar = calendar

    def get_source_expressions(self):
        return [self.start, self.end, self.clock, self.nation]

    def set_source_expressions(self, exprs):
        self.start, self.end, self.clock, self.nation = exprs

    def as_sql(self, compiler, connection, **extra):
        raise NotImplementedError(f"ClockMinutes has no SQL for {connection.vendor}.")

    def as_sqlite(self, compiler, connection, **extra):
        parts = [compiler.compile(e) for e in self.get_source_expressions()]
        sql = "repairs_clock_minutes({})".format(", ".join(p[0] for p in parts))
        return sql, tuple(param for p in parts for param in p[1])

    def as_postgresql(self, compiler, connection, **extra):
        start, end, clock, nation = (compiler.compile(e) for e in self.get_source_expressions())
        calendar = self.calendar
        bands = " ".join(
            f"WHEN '{name}' THEN {i * _BAND}" for i, name in enumerate(calendar.nations)
        )
        band = _cat("(CASE ", nation, f" {bands} ELSE 0 END)")
        holidays = ("%s::bigint[]", [list(calendar.day_numbers)])
        changes = ("%s::float8[]", [list(calendar.changes)])
        offsets = ("%s::float8[]", [list(calendar.offsets)])

        def bucket(value: _Piece) -> _Piece:
            return _cat("width_bucket(", value, ", ", holidays, ")")

        def position(instant: _Piece) -> _Piece:
            """Working minutes from the epoch to `instant` (see the module docstring)."""
            seconds = _cat("date_part('epoch', ", instant, ")")
            local = _cat(
                "(", seconds, " + (", offsets, ")[width_bucket(", seconds, ", ", changes, ") + 1])"
            )
            day = _cat("floor(", local, f" / {_DAY_SECONDS})::bigint")
            monday = _cat("(", day, " + 3)")  # days since Monday 29 December 1969
            key = _cat("(", band, " + ", day, ")")
            holidays_before = _cat(
                "(", bucket(_cat(key, " - 1")), " - ", bucket(_cat(band, " - 1")), ")"
            )
            is_holiday = _cat("(", bucket(key), " > ", bucket(_cat(key, " - 1")), ")")
            weekdays_before = _cat("((", monday, " / 7) * 5 + LEAST(", monday, " %% 7, 5))")
            minutes = _cat("((", local, " - ", day, f" * {_DAY_SECONDS}) / 60.0 - 480)")
            return _cat(
                "(600 * (", weekdays_before, " - ", holidays_before, ") + CASE WHEN ",
                monday, " %% 7 < 5 AND NOT ", is_holiday,
                " THEN LEAST(GREATEST(", minutes, ", 0), 600) ELSE 0 END)",
            )  # fmt: skip

        return _cat(
            "(CASE WHEN ", end, " IS NULL OR ", start, " IS NULL THEN NULL WHEN ",
            end, " <= ", start, " THEN 0.0 WHEN ", clock, " = 'calendar' THEN ",
            "((date_part('epoch', ", end, ") - date_part('epoch', ", start, ")) / 60.0) ",
            "ELSE GREATEST(", position(end), " - ", position(start), ", 0.0) END)",
        )  # fmt: skip


_Piece = tuple[str, "list | tuple"]


def _cat(*parts: str | _Piece) -> _Piece:
    """Join SQL text and compiled (sql, params) pieces, keeping parameters in text order."""
    sql: list[str] = []
    params: list = []
    for part in parts:
        if isinstance(part, str):
            sql.append(part)
        else:
            sql.append(part[0])
            params.extend(part[1])
    return "".join(sql), params


def _expr(value) -> Expression:
    if isinstance(value, str):
        return F(value)
    if hasattr(value, "resolve_expression"):
        return value
    return Value(value)


def paused_before(step: str) -> Expression:
    """Minutes on hold that ended by the time of `step`, from the timeline's resumed events.

    Holds after attendance do not make attendance quicker, so the attend (and make-safe)
    times subtract only the holds that ended before them. Most faults are never on hold:
    the sub-select runs only for those with time on hold.
    """
    resumed = (
        FaultEvent.objects.filter(
            fault=OuterRef("pk"), kind=EventKind.RESUMED, at__lte=OuterRef(step)
        )
        .order_by()
        .values("fault")
        .annotate(total=Sum(Cast(KeyTextTransform("paused_minutes", "details"), FloatField())))
        .values("total")
    )
    return Case(
        When(paused=timedelta(0), then=Value(0.0)),
        default=Coalesce(Subquery(resumed, output_field=FloatField()), Value(0.0)),
        output_field=FloatField(),
    )


def taken_minutes(step, calendar: HolidayCalendar, paused: Expression | None = None) -> Expression:
    """Clock time a fault took to reach `step`, less its time on hold (never negative).

    `paused` defaults to the fault's whole time on hold, right for the fix (every hold comes
    before it); pass `paused_before(step)` for attendance.
    """
    elapsed = ClockMinutes("reported_at", step, "clock", "premises__nation", calendar)
    paused = DurationMinutes("paused") if paused is None else paused
    return Greatest(elapsed - paused, Value(0.0), output_field=FloatField())


# --- SQLite ------------------------------------------------------------------------------


def _parse_sqlite(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _sqlite_clock_minutes(start, end, clock, nation) -> float | None:
    start, end = _parse_sqlite(start), _parse_sqlite(end)
    if start is None or end is None:
        return None
    return sla.elapsed_minutes(start, end, clock, nation)


def prepare(connection=default_connection) -> None:
    """Register the SQLite helper on this connection (PostgreSQL needs nothing)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.create_function(
            "repairs_clock_minutes", 4, _sqlite_clock_minutes, deterministic=True
        )
