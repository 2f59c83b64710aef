"""The home page: login required, and headline counts only ever from the user's scope."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from facilities.finding.dashboard import (
    HeadlineCounts,
    describe_scope,
    headline_counts,
    most_overdue,
)
from facilities.models import Role
from tests import factories

from .conftest import T0

pytestmark = pytest.mark.django_db

NOTHING = HeadlineCounts(open_faults=0, overdue=0, safety_critical_open=0, beds_out_of_use=0)
#: What the region (office manager, contractor, regional manager) sees an hour after logging.
REGION = HeadlineCounts(open_faults=3, overdue=0, safety_critical_open=1, beds_out_of_use=3)


def test_home_needs_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=/"


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("office_manager", REGION),
        ("contractor_user", REGION),
        ("regional_manager", REGION),
        (
            "national_manager",
            HeadlineCounts(open_faults=5, overdue=0, safety_critical_open=2, beds_out_of_use=3),
        ),
        (
            "administrator",
            HeadlineCounts(open_faults=5, overdue=0, safety_critical_open=2, beds_out_of_use=3),
        ),
        (
            "other_office_manager",
            HeadlineCounts(open_faults=2, overdue=0, safety_critical_open=1, beds_out_of_use=0),
        ),
        (
            "other_contractor_user",
            HeadlineCounts(open_faults=2, overdue=0, safety_critical_open=1, beds_out_of_use=0),
        ),
    ],
)
def test_counts_are_scoped_to_the_person(request, estate, clock, person, expected):
    user = request.getfixturevalue(person)
    clock.shift(timedelta(hours=1))
    assert headline_counts(user, T0 + timedelta(hours=1)) == expected


def test_an_outsider_sees_nothing(estate):
    nobody = factories.UserFactory(role=Role.OFFICE_MANAGER)  # manages no premises
    contractor_without_work = factories.UserFactory(
        role=Role.CONTRACTOR, contractor=factories.ContractorFactory()
    )
    assert headline_counts(nobody, T0) == NOTHING
    assert headline_counts(contractor_without_work, T0) == NOTHING
    assert most_overdue(nobody, T0 + timedelta(days=30)) == []


def test_counts_take_one_query(estate, office_manager):
    with CaptureQueriesContext(connection) as queries:
        headline_counts(office_manager, T0)
    # The scope itself reads the user's premises; the figures are one aggregate.
    aggregates = [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(aggregates) == 1


def test_overdue_is_counted_once_time_passes_the_due_time(estate, office_manager, national_manager):
    # P1 (the personal alarms) must be attended within 2 hours; P2 within 4 hours.
    assert headline_counts(office_manager, T0 + timedelta(hours=1, minutes=59)).overdue == 0
    assert headline_counts(office_manager, T0 + timedelta(hours=2, minutes=1)).overdue == 1
    assert headline_counts(national_manager, T0 + timedelta(hours=2, minutes=1)).overdue == 2
    assert headline_counts(office_manager, T0 + timedelta(hours=4, minutes=1)).overdue == 3
    assert headline_counts(national_manager, T0 + timedelta(hours=4, minutes=1)).overdue == 5


def test_home_page_shows_the_counts_after_moving_time(client, estate, clock, office_manager):
    clock.shift(timedelta(hours=3))
    client.force_login(office_manager)
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["counts"] == HeadlineCounts(
        open_faults=3, overdue=1, safety_critical_open=1, beds_out_of_use=3
    )
    html = response.content.decode()
    assert '<span class="app-headline__number" id="open-faults">3</span>' in html
    assert '<span class="app-headline__number" id="overdue-faults">1</span>' in html
    assert '<span class="app-headline__number" id="safety-critical-faults">1</span>' in html
    assert '<span class="app-headline__number" id="beds-out-of-use">3</span>' in html
    assert "<title>Home – Report a premises repair – GOV.UK</title>" in html


def test_most_overdue_lists_the_longest_overdue_first(client, estate, clock, office_manager):
    clock.shift(timedelta(days=3, hours=4, minutes=30))
    client.force_login(office_manager)
    html = client.get("/").content.decode()
    late = client.get("/").context["late_faults"]
    # The alarm missed its 2-hour attendance first; the P2 faults their 4-hour one.
    assert [item.fault for item in late] == [estate.alarm, estate.heating, estate.beds]
    assert late[0].summary == "Attendance overdue by 3 days 2 hours"
    assert late[1].summary == "Attendance overdue by 3 days"
    assert estate.alarm.reference in html
    assert "Attendance overdue by 3 days 2 hours" in html
    assert "Tyne approved premises" in html
    assert "Personal alarms" in html
    # Never another region's faults.
    assert estate.outsider_alarm.reference not in html
    assert estate.outsider_heating.reference not in html


def test_most_overdue_names_the_fix_once_attended(estate, contractor_user):
    from facilities.faults.workflow import fault_attend

    fault_attend(fault=estate.heating, actor=contractor_user, now=T0 + timedelta(hours=1))
    late = most_overdue(contractor_user, T0 + timedelta(days=3, hours=5))
    heating = next(item for item in late if item.fault == estate.heating)
    assert heating.step == "Fix"
    assert heating.summary == "Fix overdue by 5 hours"


def test_most_overdue_shows_at_most_ten(estate, clock, office_manager, premises):
    from facilities.faults.workflow import fault_log

    for number in range(12):
        fault_log(
            premises=premises,
            category=factories.category("lifts"),
            location=f"Lift {number}",
            description="Stuck",
            reported_by=office_manager,
            now=T0,
        )
    assert len(most_overdue(office_manager, T0 + timedelta(days=5))) == 10


def test_empty_states(client, office_manager, clock):
    client.force_login(office_manager)
    html = client.get("/").content.decode()
    assert "There are no open faults for you to see." in html
    assert '<span class="app-headline__number" id="open-faults">0</span>' in html


def test_no_overdue_faults(client, estate, office_manager):
    client.force_login(office_manager)
    assert "No open faults are overdue." in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("person", "words"),
    [
        (
            "office_manager",
            "You manage 2 premises: Newcastle probation office and Tyne approved premises.",
        ),
        ("contractor_user", "You work for North Facilities Ltd"),
        ("regional_manager", "Regional contract manager: North East."),
        ("national_manager", "National contract manager"),
        ("administrator", "Administrator"),
    ],
)
def test_home_says_what_the_person_can_see(client, request, person, words):
    user = request.getfixturevalue(person)
    assert words in describe_scope(user)
    client.force_login(user)
    assert words in client.get("/").content.decode()


def test_office_manager_of_one_premises(other_office_manager):
    assert describe_scope(other_office_manager) == (
        "You manage 1 premises: Cardiff probation office."
    )
