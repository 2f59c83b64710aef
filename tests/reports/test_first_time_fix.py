"""First-time fix: a fix is first time unless the fault was reopened or repeated within 30 days.

A repeat is a later fault, not cancelled, logged within 30 days after the fix (inclusive),
at the same premises, of the same category and in the same place in the building (locations
compared by `facilities.locations`), or one the office manager linked to the fault when
logging it. The report's one-pass count (`repeats`) and the fault list's EXISTS
(`drilldown`) must agree, on SQLite and on PostgreSQL.

All of it happens at `premises` (Newcastle probation office) in April 2026 (British Summer
Time), fixed by North Facilities Ltd:

    A  heating "Room 4 radiator", fixed 1 Apr     A2 "room 4  radiator " 10 Apr: repeat
    B  heating "Room 7 radiator", fixed 1 Apr     (A2 is another radiator): first time
    C  plumbing "Kitchen ", fixed 2 Apr           C2 "kitchen." 20 Apr: repeat
    D  electrical "Hall", fixed 3 Apr             D2 lifts "Lift lobby" 15 Apr, linked to D
    E  pest control "Store", fixed 3 Apr 12:00    E2 linked, 3 May 12:01 (too late): first time
    F  CCTV "Front door", fixed 6 Apr 09:00       F2 same place exactly 30 days later: repeat
    G  roof "Roof", fixed 7 Apr 09:00             G2 same place 30 days and a minute later
    H  other "Garden", fixed 8 Apr                H2 same place 9 Apr, cancelled: first time
    I  heating "Office 2", fixed 9 Apr, reopened 10 Apr, fixed again 11 Apr: not first time
    J  plumbing "Boiler room", fixed 13 Apr       J2 linked 12 Apr, while J was open
    K  heating "Reception", fixed 14 Apr          K2 "Reception" at the hostel: first time
    L  locks "Back gate"   , fixed 16 Apr         L2 linked 17 Apr, cancelled: first time
"""

from dataclasses import dataclass

import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.sql import Query
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilities.faults import workflow
from facilities.locations import LocationKey, location_key
from facilities.models import Fault
from facilities.periods import Period
from facilities.reports import cells, drilldown, measures
from facilities.reports.drilldown import Slice
from tests.factories import category

from .conftest import at
from .test_drilldown import listed

pytestmark = pytest.mark.django_db

APRIL = Period.month(2026, 4)
LATER = at("2026-06-01 09:00")


@dataclass
class Story:
    faults: dict[str, Fault]

    def __getattr__(self, name: str) -> Fault:
        return self.faults[name]

    def names(self, pks) -> set[str]:
        return {name for name, fault in self.faults.items() if fault.pk in pks}


@pytest.fixture
def story(premises, hostel, contract, office_manager, contractor_user) -> Story:
    om, cu = office_manager, contractor_user
    faults: dict[str, Fault] = {}

    def log(name, slug, where, when, *, at_premises=premises, **extra):
        faults[name] = workflow.fault_log(
            premises=at_premises, category=category(slug), location=where,
            description="Broken", reported_by=om, now=at(when), **extra,
        )  # fmt: skip
        return faults[name]

    def fix(name, when):
        faults[name] = workflow.fault_fix(fault=faults[name], actor=cu, note="Done", now=at(when))

    def cancel(name, when):
        workflow.fault_cancel(fault=faults[name], actor=om, reason="Twice", now=at(when))

    log("a", "heating-hot-water", "Room 4 radiator", "2026-04-01 09:00")
    fix("a", "2026-04-01 12:00")
    log("b", "heating-hot-water", "Room 7 radiator", "2026-04-01 09:30")
    fix("b", "2026-04-01 12:00")
    log("a2", "heating-hot-water", "room 4  radiator ", "2026-04-10 09:00")

    log("c", "plumbing-water", "Kitchen ", "2026-04-02 09:00")
    fix("c", "2026-04-02 12:00")
    log("c2", "plumbing-water", "kitchen.", "2026-04-20 09:00")

    log("d", "electrical-lighting", "Hall", "2026-04-03 09:00")
    fix("d", "2026-04-03 12:00")
    log("d2", "lifts", "Lift lobby", "2026-04-15 09:00", repeat_of=faults["d"])

    log("e", "pest-control", "Store", "2026-04-03 09:00")
    fix("e", "2026-04-03 12:00")
    log("e2", "pest-control", "Store room", "2026-05-03 12:01", repeat_of=faults["e"])

    log("f", "cctv", "Front door", "2026-04-06 08:00")
    fix("f", "2026-04-06 09:00")
    log("f2", "cctv", "FRONT DOOR", "2026-05-06 09:00")

    log("g", "building-fabric-roof", "Roof", "2026-04-07 08:00")
    fix("g", "2026-04-07 09:00")
    log("g2", "building-fabric-roof", "Roof", "2026-05-07 09:01")

    log("h", "other", "Garden", "2026-04-08 09:00")
    fix("h", "2026-04-08 12:00")
    log("h2", "other", "Garden", "2026-04-09 09:00")
    cancel("h2", "2026-04-09 10:00")

    log("i", "heating-hot-water", "Office 2", "2026-04-09 09:00")
    fix("i", "2026-04-09 12:00")
    faults["i"] = workflow.fault_reopen(
        fault=faults["i"], actor=om, reason="Still cold", now=at("2026-04-10 09:00")
    )
    fix("i", "2026-04-11 12:00")

    log("j", "plumbing-water", "Boiler room", "2026-04-12 09:00")
    log("j2", "plumbing-water", "Boiler cupboard", "2026-04-12 10:00", repeat_of=faults["j"])
    fix("j", "2026-04-13 12:00")

    log("k", "heating-hot-water", "Reception", "2026-04-14 09:00")
    fix("k", "2026-04-14 12:00")
    log("k2", "heating-hot-water", "Reception", "2026-04-15 09:00", at_premises=hostel)

    log("l", "locks-doors-access", "Back gate", "2026-04-16 09:00")
    fix("l", "2026-04-16 12:00")
    log("l2", "locks-doors-access", "Side gate", "2026-04-17 09:00", repeat_of=faults["l"])
    cancel("l2", "2026-04-17 10:00")

    for fault in faults.values():
        fault.refresh_from_db()
    return Story(faults)


def listed_slice(measure: str, now=LATER) -> set[int]:
    q = Slice.parse(f"{measure}.{APRIL.slug}").q(now)
    return set(Fault.objects.filter(q).values_list("pk", flat=True))


FIRST_TIME = {"b", "e", "g", "h", "j", "k", "l"}
NOT_FIRST_TIME = {"a", "c", "d", "f", "i"}


def test_which_fixes_are_first_time(story):
    assert story.names(listed_slice("first_time_fixed")) == FIRST_TIME
    assert story.names(listed_slice("not_first_time_fixed")) == NOT_FIRST_TIME
    assert story.names(listed_slice("fixed")) == FIRST_TIME | NOT_FIRST_TIME


def test_the_figure_counts_the_same_faults(story):
    report = measures.build(Fault.objects.all(), APRIL, now=LATER)
    assert report.total.fixed == 12
    assert report.total.first_time_fixed == len(FIRST_TIME) == 7
    assert report.total.first_time_fix_percent == pytest.approx(700 / 12)


def test_each_figure_equals_its_drill_down_list(story, national_manager):
    report = measures.build(Fault.objects.all(), APRIL, now=LATER)
    link = cells.Links(report)
    groups = [report.total, *report.by_contractor, *report.by_region]
    assert len(groups) > 2
    for figures in groups:
        assert listed(link("first_time_fixed", figures), national_manager, now=LATER) == (
            figures.first_time_fixed
        ), figures.level


@pytest.mark.parametrize(
    ("earlier", "later", "repeat"),
    [
        ("Room 4 radiator", "Room 4 radiator", True),
        ("Room 4 radiator", "Room 7 radiator", False),  # two radiators
        ("Kitchen ", "kitchen", True),
        ("First floor  kitchen", " first floor kitchen.", True),
        ("Kitchen", "Kitchen 2", False),
        ("Kitchen", "Kitchen!?", True),
        ("Kitchen", "Kitchens", False),
    ],
)
def test_same_place_is_compared_normalised(
    premises, contract, office_manager, contractor_user, earlier, later, repeat
):
    def log(where, when):
        return workflow.fault_log(
            premises=premises, category=category("heating-hot-water"), location=where,
            description="Cold", reported_by=office_manager, now=at(when),
        )  # fmt: skip

    first = log(earlier, "2026-04-01 09:00")
    workflow.fault_fix(fault=first, actor=contractor_user, note="Done", now=at("2026-04-01 12:00"))
    log(later, "2026-04-02 09:00")
    first_time = listed_slice("first_time_fixed")
    assert (first.pk not in first_time) is repeat
    report = measures.build(Fault.objects.all(), APRIL, now=LATER)
    assert report.total.first_time_fixed == len(first_time) == (0 if repeat else 1)


def test_repeats_count_whoever_may_see_them(story):
    """The faults in scope limit the fixes counted, never the faults that repeat them."""
    only_a_and_b = Fault.objects.filter(pk__in=[story.a.pk, story.b.pk])
    report = measures.build(only_a_and_b, APRIL, now=LATER)
    assert report.total.fixed == 2
    assert report.total.first_time_fixed == 1  # B; A2, out of scope, still repeats A
    q = drilldown.first_time_fixed(drilldown.Window.of(APRIL, LATER))
    assert list(only_a_and_b.filter(q)) == [story.b]


# --- The location key: Python and SQL agree --------------------------------------------------


def sql_key(text: str) -> str:
    query = Query(Fault)
    expression = LocationKey(Value(text)).resolve_expression(query)
    sql, params = query.get_compiler(connection=connection).compile(expression)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Kitchen ", "kitchen"),
        ("  KITCHEN.", "kitchen"),
        ("Room  4\tradiator!?", "room 4 radiator"),
        ("Room 4 radiator\r\n", "room 4 radiator"),
        ("First floor, kitchen; by the sink.", "first floor, kitchen; by the sink"),
        ("Room 4 - radiator", "room 4 - radiator"),
        ("Interview room 3 (left)", "interview room 3 (left)"),
        ("it's 100% the hall", "it's 100% the hall"),
        ("...", ""),
        ("Éco CAFÉ", "Éco cafÉ"),  # A to Z only, the same in SQLite and PostgreSQL
        ("a\x01 b", "ab"),
    ],
)
def test_location_key(db, text, key):
    assert location_key(text) == key
    assert sql_key(text) == key


TEXT = st.text(
    alphabet=st.sampled_from(" \t\n\r\x0b\x0c\x01.,;:!?'%-AaZzÉéßİ4"), max_size=20
) | st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXT)
def test_python_and_sql_keys_agree(db, text):
    assert sql_key(text) == location_key(text)
