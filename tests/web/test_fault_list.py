"""The fault list and its CSV download: filters, scope, search, sort, pagination, speed."""

import csv
import io
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from facilities.faults.workflow import (
    fault_attend,
    fault_cancel,
    fault_confirm,
    fault_fix,
    fault_log,
)
from facilities.finding.filters import FaultFilter
from facilities.models import Fault
from tests import factories
from tests.factories import category

from .conftest import T0

pytestmark = pytest.mark.django_db


def refs(response) -> list[str]:
    return [row.fault.reference for row in response.context["page"].rows]


def listed(client, user, query: str = "") -> list[str]:
    client.force_login(user)
    response = client.get(f"/faults/?{query}")
    assert response.status_code == 200
    return refs(response)


def download(client, user, query: str = "") -> list[dict[str, str]]:
    client.force_login(user)
    response = client.get(f"/faults/download.csv?{query}")
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def log(where, slug, who, when=T0, **extra) -> Fault:
    return fault_log(
        premises=where,
        category=category(slug),
        location=extra.pop("location", "Ground floor"),
        description=extra.pop("description", f"{slug} fault"),
        reported_by=who,
        now=when,
        **extra,
    )


@pytest.fixture
def unrouted_premises(db):
    """A premises in a region no contract covers: its faults go unrouted."""
    return factories.PremisesFactory(
        name="Brecon probation office", region=factories.RegionFactory(name="Dyfed-Powys")
    )


# --- Access --------------------------------------------------------------------------------


def test_list_needs_sign_in(client):
    response = client.get("/faults/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=/faults/"
    assert client.get("/faults/download.csv").status_code == 302


def test_the_list_is_a_get_form_that_needs_no_javascript(client, estate, office_manager):
    client.force_login(office_manager)
    html = client.get("/faults/").content.decode()
    assert '<form method="get" action="/faults/" novalidate>' in html
    assert 'class="moj-filter-layout"' in html
    assert "Apply filters" in html
    assert "<title>Faults – Report a premises repair – GOV.UK</title>" in html


# --- The default view and statuses ---------------------------------------------------------


def test_default_view_is_open_faults_newest_first(client, estate, office_manager):
    # All three were logged at T0: the newest (highest reference) first.
    assert listed(client, office_manager) == [
        estate.alarm.reference,
        estate.beds.reference,
        estate.heating.reference,
    ]


def test_show_all_statuses(client, estate, office_manager):
    shown = listed(client, office_manager, "status=all")
    assert estate.cancelled.reference in shown
    assert len(shown) == 4


def test_status_open_means_every_open_status(client, estate, office_manager, contractor_user):
    fault_attend(fault=estate.heating, actor=contractor_user, now=T0 + timedelta(hours=1))
    fault_fix(fault=estate.beds, actor=contractor_user, note="Mended", now=T0 + timedelta(hours=2))
    assert listed(client, office_manager, "status=open") == [
        estate.alarm.reference,
        estate.heating.reference,
    ]
    assert listed(client, office_manager, "status=attended") == [estate.heating.reference]
    assert listed(client, office_manager, "status=fixed") == [estate.beds.reference]
    assert listed(client, office_manager, "status=cancelled") == [estate.cancelled.reference]


# --- Each filter narrows -------------------------------------------------------------------


@pytest.fixture
def spread(
    estate, clock, premises, unrouted_premises, office_manager, contractor_user, national_manager
):
    """The estate a day and a half later, with an attended fault, a P3 and an unrouted fault."""
    lights = log(premises, "electrical-lighting", office_manager)
    fault_attend(fault=estate.beds, actor=contractor_user, now=T0 + timedelta(hours=1))
    unrouted = log(unrouted_premises, "plumbing-water", national_manager)
    clock.move_to(T0 + timedelta(hours=36), tick=False)
    return estate, lights, unrouted


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("premises={premises}", ["lights", "heating"]),
        ("premises={hostel}", ["alarm", "beds"]),
        ("region={region}", ["lights", "alarm", "beds", "heating"]),
        ("region={other_region}", ["outsider_alarm", "outsider_heating"]),
        ("category={heating_category}", ["outsider_heating", "heating"]),
        ("priority=P1", ["outsider_alarm", "alarm"]),
        ("priority=P1&priority=P3", ["lights", "outsider_alarm", "alarm"]),
        ("status=attended", ["beds"]),
        ("contractor={contractor}", ["lights", "alarm", "beds", "heating"]),
        ("contractor={other_contractor}", ["outsider_alarm", "outsider_heating"]),
        ("contractor=unrouted", ["unrouted"]),
        ("safety_critical=1", ["outsider_alarm", "alarm"]),
        ("beds=1", ["beds"]),
        ("without_heating=1", ["outsider_heating", "heating"]),
        # 36 hours on, the P1 alarms (fix in 24 hours) are open longer than 24 hours.
        ("open_over_24h=1", ["outsider_alarm", "alarm"]),
        # Overdue: every P1 and P2 missed attendance within 4 hours, except the attended beds
        # fault (fix due in 3 days); the P3 lights are not due for 2 working days.
        ("overdue=1", ["unrouted", "outsider_alarm", "outsider_heating", "alarm", "heating"]),
        ("overdue=1&region={region}&priority=P2", ["heating"]),
    ],
)
def test_each_filter_narrows_the_list(
    client,
    spread,
    national_manager,
    premises,
    hostel,
    region,
    other_region,
    contractor,
    other_contractor,
    query,
    expected,
):
    estate, lights, unrouted = spread
    faults = {
        "lights": lights,
        "unrouted": unrouted,
        **{name: getattr(estate, name) for name in vars(estate)},
    }
    filled = query.format(
        premises=premises.pk,
        hostel=hostel.pk,
        region=region.pk,
        other_region=other_region.pk,
        heating_category=category("heating-hot-water").pk,
        contractor=contractor.pk,
        other_contractor=other_contractor.pk,
    )
    # Logged in this order: heating, beds, alarm, outsider heating, outsider alarm, lights,
    # unrouted (the cancelled one first of all); all but the last two at T0.
    shown = listed(client, national_manager, filled)
    assert shown == [faults[name].reference for name in expected]


def test_open_over_24h_needs_more_than_24_hours(client, estate, clock, office_manager):
    clock.move_to(T0 + timedelta(hours=23, minutes=59), tick=False)
    assert listed(client, office_manager, "open_over_24h=1") == []
    clock.move_to(T0 + timedelta(hours=24, minutes=1), tick=False)
    assert listed(client, office_manager, "open_over_24h=1") == [estate.alarm.reference]


def test_unticked_boxes_do_not_filter(client, estate, office_manager):
    assert listed(
        client, office_manager, "overdue=0&beds=&safety_critical=false&without_heating=off"
    ) == listed(client, office_manager)


# --- Scope ----------------------------------------------------------------------------------


OUTSIDERS = ("outsider_heating", "outsider_alarm")


@pytest.mark.parametrize(
    "query",
    [
        "",
        "status=all",
        "q=heating",
        "q=Cardiff",
        "overdue=1",
        "without_heating=1",
        "open_over_24h=1",
    ],
)
def test_office_manager_never_sees_another_premises(client, estate, clock, office_manager, query):
    clock.move_to(T0 + timedelta(days=3), tick=False)
    shown = listed(client, office_manager, query)
    rows = download(client, office_manager, query)
    for name in OUTSIDERS:
        reference = getattr(estate, name).reference
        assert reference not in shown
        assert reference not in [row["Reference"] for row in rows]
    assert all(row["Premises"] != "Cardiff probation office" for row in rows)


def test_a_reference_outside_scope_is_not_found(client, estate, office_manager):
    reference = estate.outsider_alarm.reference
    assert listed(client, office_manager, f"q={reference}") == []
    assert download(client, office_manager, f"q={reference}") == []


def test_choices_outside_scope_are_not_offered_and_match_nothing(
    client, estate, office_manager, other_premises, other_region, other_contractor
):
    client.force_login(office_manager)
    response = client.get("/faults/")
    form = response.context["form"]
    assert [label for _, label in form.fields["premises"].choices] == [
        "All premises",
        "Newcastle probation office",
        "Tyne approved premises",
    ]
    assert [label for _, label in form.fields["region"].choices] == ["All regions", "North East"]
    assert "Cymru Estates Ltd" not in [label for _, label in form.fields["contractor"].choices]

    for query in (
        f"premises={other_premises.pk}",
        f"region={other_region.pk}",
        f"contractor={other_contractor.pk}",
        "premises=not-a-number",
    ):
        response = client.get(f"/faults/?{query}")
        assert refs(response) == []
        html = response.content.decode()
        assert "There is a problem" in html
        assert "<title>Error: Faults" in html
        assert download(client, office_manager, query) == []


def test_contractor_sees_only_its_jobs_and_no_unrouted_choice(
    client, estate, contractor_user, other_contractor_user
):
    assert sorted(listed(client, contractor_user, "status=all")) == sorted(
        f.reference for f in (estate.heating, estate.beds, estate.alarm, estate.cancelled)
    )
    assert sorted(listed(client, other_contractor_user)) == sorted(
        f.reference for f in (estate.outsider_heating, estate.outsider_alarm)
    )
    filters = FaultFilter({}, user=contractor_user, now=T0)
    assert [label for _, label in filters.form.fields["contractor"].choices] == [
        "All contractors",
        "North Facilities Ltd",
    ]
    assert listed(client, contractor_user, "contractor=unrouted") == []


def test_a_filterset_given_a_wider_queryset_still_keeps_to_scope(estate, office_manager):
    filters = FaultFilter({"status": "all"}, queryset=Fault.objects.all(), user=office_manager)
    assert estate.outsider_alarm not in filters.qs
    assert filters.qs.count() == 4


# --- Search ---------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["{ref}", "{ref_lower}", "flt{pk}", "{pk}", "  FLT-{pk}  "])
def test_search_by_reference_finds_any_status(client, estate, office_manager, form):
    fault = estate.cancelled
    query = form.format(ref=fault.reference, ref_lower=fault.reference.lower(), pk=fault.pk)
    assert listed(client, office_manager, urlencode({"q": query})) == [fault.reference]
    # The filter form always sends its status: a reference is still found at any status.
    found = listed(client, office_manager, urlencode({"q": query, "status": "open"}))
    assert found == [fault.reference]


def test_search_by_reference_keeps_other_filters(client, estate, office_manager, hostel):
    query = urlencode({"q": estate.cancelled.reference, "premises": hostel.pk})
    assert listed(client, office_manager, query) == []  # the cancelled fault is at the office


def test_search_by_words(client, estate, office_manager, premises, hostel):
    boiler = log(premises, "heating-hot-water", office_manager, description="Boiler pressure low")
    loft = log(hostel, "plumbing-water", office_manager, location="Loft tank room")
    assert listed(client, office_manager, "q=boiler") == [boiler.reference]
    assert listed(client, office_manager, "q=LOFT") == [loft.reference]
    # The premises name; and every word must be found somewhere.
    assert listed(client, office_manager, "q=tyne") == [
        loft.reference,
        estate.alarm.reference,
        estate.beds.reference,
    ]
    assert listed(client, office_manager, "q=tyne+tank") == [loft.reference]
    assert listed(client, office_manager, "q=boiler+tank") == []


def test_search_and_filters_combine(client, estate, office_manager, premises):
    boiler = log(premises, "heating-hot-water", office_manager, description="Boiler pressure low")
    assert listed(client, office_manager, "q=boiler&priority=P2") == [boiler.reference]
    assert listed(client, office_manager, "q=boiler&priority=P1") == []


# --- Sorting --------------------------------------------------------------------------------


@pytest.fixture
def mixed(clock, premises, office_manager, contract):
    """Faults reported at different times with different priorities and fix windows."""
    # P3, fixed within 10 working days of Monday 08:00.
    lift = log(premises, "pest-control", office_manager, when=T0 - timedelta(days=3))
    alarm = log(premises, "personal-alarms", office_manager, when=T0 - timedelta(hours=2))  # P1
    heating = log(premises, "heating-hot-water", office_manager, when=T0 - timedelta(days=1))
    return lift, alarm, heating


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["alarm", "heating", "lift"]),
        ("newest", ["alarm", "heating", "lift"]),
        ("oldest", ["lift", "heating", "alarm"]),
        # Fix due: alarm T0+22h, heating T0+2 days, lift 10 working days after T0-3 days.
        ("fix_due", ["alarm", "heating", "lift"]),
        ("fix_due_latest", ["lift", "heating", "alarm"]),
        ("priority", ["alarm", "heating", "lift"]),
        ("priority_lowest", ["lift", "heating", "alarm"]),
    ],
)
def test_sort_orders(client, mixed, office_manager, sort, expected):
    lift, alarm, heating = mixed
    faults = {"lift": lift, "alarm": alarm, "heating": heating}
    shown = listed(client, office_manager, f"sort={sort}")
    assert shown == [faults[name].reference for name in expected]


def test_fix_due_sort_is_soonest_first(client, mixed, office_manager):
    client.force_login(office_manager)
    response = client.get("/faults/?sort=fix_due")
    dues = [row.fault.fix_due_at for row in response.context["page"].rows]
    assert dues == sorted(dues)


def test_sortable_headers_keep_the_filters_and_say_the_order(client, mixed, office_manager):
    client.force_login(office_manager)
    html = client.get("/faults/?priority=P1&priority=P2&sort=fix_due&page=1").content.decode()
    # The current column says how it is sorted; following it again reverses the order.
    assert (
        '<th scope="col" class="govuk-table__header" aria-sort="ascending">'
        '<a class="govuk-link govuk-link--no-visited-state app-sort-link" '
        'href="?priority=P1&amp;priority=P2&amp;sort=fix_due_latest">Fix due'
    ) in html
    assert (
        'aria-sort="none"><a class="govuk-link govuk-link--no-visited-state app-sort-link" '
        'href="?priority=P1&amp;priority=P2&amp;sort=newest">Reported'
    ) in html
    # Applying filters keeps the order.
    assert '<input type="hidden" name="sort" value="fix_due">' in html


# --- Pagination ------------------------------------------------------------------------------


@pytest.fixture
def hundred_and_twenty(clock, premises, office_manager, contract):
    return [
        log(premises, "pest-control", office_manager, when=T0 - timedelta(minutes=n))
        for n in range(120)
    ]


def test_pages_of_fifty_without_counting(client, hundred_and_twenty, office_manager):
    client.force_login(office_manager)
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/faults/?priority=P3")
    assert refs(first) == [f.reference for f in hundred_and_twenty[:50]]
    html = first.content.decode()
    assert "Showing <b>1</b> to <b>50</b> faults" in html
    assert 'href="?priority=P3&amp;page=2" rel="next"' in html
    assert 'rel="prev"' not in html
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]

    second = client.get("/faults/?priority=P3&page=2")
    assert refs(second) == [f.reference for f in hundred_and_twenty[50:100]]
    html = second.content.decode()
    assert "Showing <b>51</b> to <b>100</b> faults" in html
    assert 'href="?priority=P3&amp;page=1" rel="prev"' in html
    assert 'href="?priority=P3&amp;page=3" rel="next"' in html

    third = client.get("/faults/?priority=P3&page=3")
    assert refs(third) == [f.reference for f in hundred_and_twenty[100:]]
    html = third.content.decode()
    assert "Showing <b>101</b> to <b>120</b> faults" in html
    assert 'rel="next"' not in html


def test_a_page_past_the_end_says_so(client, hundred_and_twenty, office_manager):
    client.force_login(office_manager)
    html = client.get("/faults/?page=9&priority=P3").content.decode()
    assert "There are no faults on this page" in html
    assert 'href="?priority=P3">Go to the first page' in html


def test_an_odd_page_number_is_the_first_page(client, estate, office_manager):
    client.force_login(office_manager)
    for odd in ("x", "0", "-3", ""):
        assert client.get(f"/faults/?page={odd}").context["page"].number == 1


def test_queries_do_not_grow_with_the_page(
    client, office_manager, premises, hostel, contract, clock, django_assert_max_num_queries
):
    client.force_login(office_manager)
    query = (
        "/faults/?q=fault&overdue=1&premises={}&region={}&category={}&contractor={}&sort=fix_due"
    )
    query = query.format(
        premises.pk, premises.region_id, category("lifts").pk, contract.contractor_id
    )

    def queries_for_the_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(query)
        assert response.status_code == 200
        return len(queries.captured_queries)

    log(premises, "lifts", office_manager, when=T0 - timedelta(days=30))
    few = queries_for_the_list()
    for n in range(59):
        log(premises, "lifts", office_manager, when=T0 - timedelta(days=30, minutes=n))
    clock.move_to(T0, tick=False)
    many = queries_for_the_list()
    assert len(client.get(query).context["page"].rows) == 50
    assert few == many
    with django_assert_max_num_queries(10):
        client.get(query)
    with django_assert_max_num_queries(10):
        client.get("/faults/?status=all&sort=priority")


# --- Rows -----------------------------------------------------------------------------------


def test_rows_show_lateness_and_at_risk(client, estate, clock, office_manager, contractor_user):
    # Attended, so the P2 heating fault's next deadline is its fix: 3 days (72 hours).
    fault_attend(fault=estate.heating, actor=contractor_user, now=T0 + timedelta(hours=1))
    fault_attend(fault=estate.beds, actor=contractor_user, now=T0 + timedelta(hours=1))
    clock.move_to(T0 + timedelta(days=3, hours=4), tick=False)
    client.force_login(office_manager)
    html = client.get(f"/faults/?premises={estate.heating.premises_id}").content.decode()
    assert '<strong class="govuk-tag govuk-tag--red">Fix overdue by 4 hours</strong>' in html

    # At risk: past 75% of the 72-hour fix window (54 hours), not yet overdue.
    clock.move_to(T0 + timedelta(hours=55), tick=False)
    html = client.get(f"/faults/?premises={estate.beds.premises_id}&priority=P2").content.decode()
    assert (
        '<strong class="govuk-tag govuk-tag--orange">At risk: fix due in 17 hours</strong>' in html
    )


def test_rows_link_to_the_fault_and_its_premises(client, estate, office_manager, hostel):
    client.force_login(office_manager)
    html = client.get("/faults/").content.decode()
    assert f'href="/faults/{estate.alarm.pk}/">{estate.alarm.reference}</a>' in html
    assert f'href="/premises/{hostel.pk}/">Tyne approved premises</a>' in html
    assert "4 Mar 2025<br>10:00" in html  # London time


def test_reported_time_is_shown_in_london_time(client, office_manager, premises, contract, clock):
    summer = T0.replace(month=7, day=1, hour=9)  # 08:00 UTC, 09:00 BST
    log(premises, "lifts", office_manager, when=summer)
    client.force_login(office_manager)
    html = client.get("/faults/").content.decode()
    assert "1 Jul 2025<br>09:00" in html


def test_unrouted_faults_are_tagged(client, unrouted_premises, national_manager, clock):
    log(unrouted_premises, "lifts", national_manager)
    client.force_login(national_manager)
    html = client.get("/faults/").content.decode()
    assert '<strong class="govuk-tag govuk-tag--pink">Unrouted</strong>' in html


def test_selected_filters_are_tags_that_remove_themselves(client, estate, office_manager, hostel):
    client.force_login(office_manager)
    html = client.get(f"/faults/?premises={hostel.pk}&overdue=1&priority=P1").content.decode()
    assert "Selected filters" in html
    assert (
        f'<a class="moj-filter__tag" href="?premises={hostel.pk}&amp;priority=P1">'
        '<span class="govuk-visually-hidden">Remove this filter</span> Overdue</a>'
    ) in html
    assert (
        '<a class="moj-filter__tag" href="?overdue=1&amp;priority=P1">'
        '<span class="govuk-visually-hidden">Remove this filter</span> Tyne approved premises</a>'
    ) in html
    # The default "open" status is shown too; removing it shows every status.
    assert f'href="?premises={hostel.pk}&amp;overdue=1&amp;priority=P1&amp;status=all"' in html
    assert 'href="?status=all">Clear filters</a>' in html


def test_empty_state_offers_to_clear_filters(client, estate, office_manager):
    client.force_login(office_manager)
    html = client.get("/faults/?q=nothing-like-this&sort=oldest").content.decode()
    assert "No faults match these filters" in html
    assert 'href="?sort=oldest&amp;status=all">clear filters</a>' in html
    assert "<table" not in html


# --- CSV ------------------------------------------------------------------------------------


def test_csv_has_every_matching_fault_with_its_columns(client, estate, clock, office_manager):
    clock.move_to(T0 + timedelta(days=1, hours=2), tick=False)
    rows = download(client, office_manager, "status=all&sort=oldest")
    assert [row["Reference"] for row in rows] == [
        f.reference for f in (estate.cancelled, estate.heating, estate.beds, estate.alarm)
    ]
    beds = rows[2]
    assert beds == {
        "Reference": estate.beds.reference,
        "Premises": "Tyne approved premises",
        "Region": "North East",
        "Category": "Approved premises beds",
        "Priority": "P2",
        "Status": "Reported",
        "Contractor": "North Facilities Ltd",
        "Location": "Ground floor",
        "Description": "ap-beds fault",
        "Reported at": "2025-03-04 10:00",
        "Attend due": "2025-03-04 14:00",
        "Attended at": "",
        "Fix due": "2025-03-07 10:00",
        "Fixed at": "",
        "Overdue": "yes",
        "How late": "Attendance overdue by 22 hours",
        "Beds out of use": "3",
        "Escalation level": "0",
    }
    assert rows[0]["Status"] == "Cancelled"
    assert rows[0]["Overdue"] == "no"


def test_csv_follows_the_filters(client, estate, office_manager):
    assert [row["Reference"] for row in download(client, office_manager, "beds=1")] == [
        estate.beds.reference
    ]


def test_csv_is_a_download(client, estate, office_manager):
    client.force_login(office_manager)
    response = client.get("/faults/download.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="faults-2025-03-04')


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "＝", "＋", "－", "＠", "﹦"])
def test_csv_guards_against_formulas(client, office_manager, premises, contract, clock, start):
    log(
        premises,
        "lifts",
        office_manager,
        location=f"{start}cmd|' /C calc'!A0",
        description=f'{start}HYPERLINK("http://evil.example")',
    )
    (row,) = download(client, office_manager)
    assert row["Location"] == f"'{start}cmd|' /C calc'!A0"
    assert row["Description"] == f'\'{start}HYPERLINK("http://evil.example")'


def test_list_links_to_the_csv_with_the_same_filters(client, estate, office_manager):
    client.force_login(office_manager)
    html = client.get("/faults/?safety_critical=1&sort=oldest&page=1&beds=").content.decode()
    assert 'href="/faults/download.csv?safety_critical=1&amp;sort=oldest&amp;beds="' in html


def test_closed_and_fixed_faults_are_not_overdue_in_the_csv(
    client, estate, clock, office_manager, contractor_user
):
    fault_fix(fault=estate.heating, actor=contractor_user, note="Done", now=T0 + timedelta(days=4))
    fault_confirm(fault=estate.heating, actor=office_manager, now=T0 + timedelta(days=4))
    fault_cancel(fault=estate.beds, actor=office_manager, reason="Duplicate", now=T0)
    clock.move_to(T0 + timedelta(days=5), tick=False)
    rows = {row["Reference"]: row for row in download(client, office_manager, "status=all")}
    assert rows[estate.heating.reference]["Overdue"] == "no"
    assert rows[estate.heating.reference]["Fixed at"] == "2025-03-08 10:00"
    assert rows[estate.alarm.reference]["Overdue"] == "yes"


@pytest.mark.parametrize(
    "value",
    [
        "logged.0001-01-01_9999-12-31",
        "logged.2026-01-01_9999-12-31",
        "fixed_late.9999-12",
        "logged.1899-12",
        "logged.2025-02-29_2025-03-01",
        "logged.2024-01-01_2025-01-01",  # 367 days
        "logged.２０２５-０３",  # full-width digits
    ],
)
def test_a_hostile_report_period_is_a_form_error_not_a_server_error(
    client, estate, office_manager, value
):
    client.force_login(office_manager)
    response = client.get("/faults/", {"report": value, "status": "all"})
    assert response.status_code == 200
    assert "Choose a figure from a report" in response.content.decode()
    assert refs(response) == []
    download = client.get("/faults/download.csv", {"report": value, "status": "all"})
    assert download.status_code == 200
    assert b"".join(download.streaming_content).decode("utf-8-sig").count("\n") == 1  # header


def test_a_report_figure_link_is_a_filter_tag_kept_by_the_form(client, estate, office_manager):
    client.force_login(office_manager)
    response = client.get("/faults/?report=logged.2025-03&status=all")
    assert len(refs(response)) == 4
    html = response.content.decode()
    assert "Faults logged in March 2025" in html
    assert '<a class="moj-filter__tag" href="?status=all">' in html
    assert '<input type="hidden" name="report" value="logged.2025-03">' in html
