"""Every number on the home page links to the fault list filtered to exactly those faults."""

import re
from datetime import timedelta
from html import unescape

import pytest

from facilities.faults.workflow import fault_attend, fault_hold, fault_log
from facilities.finding.dashboard import HomeFigures, headlines, home_figures
from tests.factories import category

from .conftest import T0

pytestmark = pytest.mark.django_db

PEOPLE = [
    "office_manager",
    "other_office_manager",
    "contractor_user",
    "other_contractor_user",
    "regional_manager",
    "national_manager",
    "administrator",
]
HEADLINE = re.compile(
    r'<a class="[^"]*app-headline__link" href="(?P<href>[^"]+)">\s*'
    r'<span class="app-headline__number" id="(?P<id>[^"]+)">(?P<number>[\d,]+)</span>'
)


@pytest.fixture
def busy_estate(estate, clock, office_manager, contractor_user, hostel, premises):
    """A day and more on: every headline non-zero somewhere, with faults that test each edge.

    - a heating fault put on hold (still open and without heating, but not overdue);
    - a second heating fault at the same office (the premises is counted once);
    - a safety-critical fault reported 23 hours before "now" (open, not yet 24 hours);
    - an attended fault at the hostel with beds out of use (beds, not overdue).
    """
    on_hold = fault_log(
        premises=premises,
        category=category("heating-hot-water"),
        location="Boiler room",
        description="No hot water",
        reported_by=office_manager,
        now=T0,
    )
    fault_hold(fault=on_hold, actor=office_manager, reason="Awaiting access", now=T0)
    fault_log(
        premises=premises,
        category=category("heating-hot-water"),
        location="Interview room 2",
        description="Radiator cold",
        reported_by=office_manager,
        now=T0 + timedelta(hours=1),
    )
    fault_log(
        premises=hostel,
        category=category("cctv"),
        location="Car park",
        description="Camera down",
        reported_by=office_manager,
        now=T0 + timedelta(hours=2),
    )
    beds = fault_log(
        premises=hostel,
        category=category("ap-beds"),
        location="Room 4",
        description="Window broken",
        reported_by=office_manager,
        beds_out_of_use=2,
        now=T0 + timedelta(hours=2),
    )
    fault_attend(fault=beds, actor=contractor_user, now=T0 + timedelta(hours=3))
    clock.move_to(T0 + timedelta(hours=25), tick=False)
    return estate


def shown_headlines(client, user) -> list[tuple[str, int, str]]:
    client.force_login(user)
    html = client.get("/").content.decode()
    found = [
        (m["id"], int(m["number"].replace(",", "")), unescape(m["href"]))
        for m in HEADLINE.finditer(html)
    ]
    assert len(found) == 6
    return found


def listed_faults(client, href: str):
    response = client.get(href)
    assert response.status_code == 200
    page = response.context["page"]
    assert not page.has_next()  # the test estate fits on one page
    return [row.fault for row in page.rows]


@pytest.mark.parametrize("person", PEOPLE)
def test_each_number_is_the_faults_its_link_lists(client, request, busy_estate, person):
    user = request.getfixturevalue(person)
    for headline_id, number, href in shown_headlines(client, user):
        faults = listed_faults(client, href)
        if headline_id == "beds-out-of-use":
            assert number == sum(f.beds_out_of_use for f in faults), (person, href)
        elif headline_id == "premises-without-heating":
            assert number == len({f.premises_id for f in faults}), (person, href)
        else:
            assert number == len(faults), (person, headline_id, href)


def test_the_numbers_for_the_region(busy_estate, office_manager):
    figures = home_figures(office_manager, T0 + timedelta(hours=25))
    assert figures.counts.open_faults == 7
    # Overdue: the alarm, the logged-at-T0 heating fault and the second heating fault, the
    # CCTV fault and the beds fault logged at T0 (not attended); not the fault on hold nor
    # the attended beds fault (fix due in 3 days).
    assert figures.counts.overdue == 5
    assert figures.counts.safety_critical_open == 2
    assert figures.safety_critical_over_24h == 1  # the alarm; the CCTV is 23 hours old
    assert figures.counts.beds_out_of_use == 5
    assert figures.premises_without_heating == 1  # three heating faults, one office


def test_the_links_say_what_they_filter(busy_estate, office_manager):
    links = {
        h.id: h.list_query
        for h in headlines(home_figures(office_manager, T0 + timedelta(hours=25)))
    }
    assert links == {
        "open-faults": "status=open",
        "overdue-faults": "status=open&overdue=1",
        "safety-critical-faults": "status=open&safety_critical=1",
        "safety-critical-over-24h": "status=open&open_over_24h=1",
        "beds-out-of-use": "status=open&beds=1",
        "premises-without-heating": "status=open&without_heating=1",
    }


def test_numbers_alert_only_when_there_is_something_wrong(office_manager):
    quiet = HomeFigures(
        counts=home_figures(office_manager, T0).counts,
        safety_critical_over_24h=0,
        premises_without_heating=0,
    )
    assert not any(h.alert for h in headlines(quiet))


def test_home_shows_the_new_numbers(client, busy_estate, office_manager):
    client.force_login(office_manager)
    html = client.get("/").content.decode()
    assert '<span class="app-headline__number" id="safety-critical-over-24h">1</span>' in html
    assert '<span class="app-headline__number" id="premises-without-heating">1</span>' in html
    assert "safety-critical open longer than 24 hours" in html
    assert "premises without heating now" in html
