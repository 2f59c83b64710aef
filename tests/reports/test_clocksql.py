"""Clock time in SQL agrees with the SLA clock, instant for instant."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import DateTimeField, Value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilities import sla
from facilities.models import Region
from facilities.reports import clocksql

pytestmark = pytest.mark.django_db

CALENDAR = clocksql.HolidayCalendar.for_years(["england", "wales", "scotland"], 2024, 2027)


def sql_minutes(start: datetime, end: datetime, clock: str, nation: str) -> float:
    clocksql.prepare()
    expression = clocksql.ClockMinutes(
        Value(start, output_field=DateTimeField()),
        Value(end, output_field=DateTimeField()),
        Value(clock),
        Value(nation),
        CALENDAR,
    )
    return Region.objects.annotate(m=expression).values_list("m", flat=True).get()


@pytest.fixture
def one_row(db):
    Region.objects.create(name="Somewhere", code="somewhere")


# Easter 2026: Good Friday 3 April, Easter Monday 6 April (England and Wales).
THURSDAY_BEFORE_EASTER_17 = datetime(2026, 4, 2, 16, 0, tzinfo=UTC)  # 17:00 BST
TUESDAY_AFTER_EASTER_09 = datetime(2026, 4, 7, 8, 0, tzinfo=UTC)  # 09:00 BST


@pytest.mark.parametrize(
    ("start", "end", "clock", "nation", "expected"),
    [
        # Over Easter: 1 h on Thursday, then 1 h on Tuesday.
        (THURSDAY_BEFORE_EASTER_17, TUESDAY_AFTER_EASTER_09, "working", "england", 120),
        # The same span in calendar minutes.
        (THURSDAY_BEFORE_EASTER_17, TUESDAY_AFTER_EASTER_09, "calendar", "england", 6720),
        # Friday 17:30 to Monday 08:30 (GMT): 30 + 30 working minutes.
        (
            datetime(2026, 3, 6, 17, 30, tzinfo=UTC),
            datetime(2026, 3, 9, 8, 30, tzinfo=UTC),
            "working",
            "england",
            60,
        ),
        # Backwards is nothing.
        (TUESDAY_AFTER_EASTER_09, THURSDAY_BEFORE_EASTER_17, "working", "england", 0),
        # Across the clocks going forward (Sunday 29 March 2026): still 10 h a day.
        (
            datetime(2026, 3, 27, 8, 0, tzinfo=UTC),  # Friday 08:00 GMT
            datetime(2026, 3, 30, 7, 0, tzinfo=UTC),  # Monday 08:00 BST
            "working",
            "wales",
            600,
        ),
        # 2 January is a bank holiday in Scotland only.
        (
            datetime(2026, 1, 2, 9, 0, tzinfo=UTC),
            datetime(2026, 1, 2, 10, 0, tzinfo=UTC),
            "working",
            "scotland",
            0,
        ),
    ],
)
def test_clock_minutes_in_sql(one_row, start, end, clock, nation, expected):
    assert sql_minutes(start, end, clock, nation) == pytest.approx(expected, abs=1e-6)
    assert sla.elapsed_minutes(start, end, clock, nation) == pytest.approx(expected)


instants = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001 (made aware below)
    max_value=datetime(2026, 12, 31),  # noqa: DTZ001
).map(lambda d: d.replace(tzinfo=UTC, microsecond=0))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=instants,
    length=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
    clock=st.sampled_from(["working", "calendar"]),
    nation=st.sampled_from(["england", "wales", "scotland"]),
)
def test_sql_clock_matches_the_sla_clock(one_row, start, length, clock, nation):
    end = start + length
    expected = sla.elapsed_minutes(start, end, clock, nation)
    assert sql_minutes(start, end, clock, nation) == pytest.approx(expected, abs=1e-3)
