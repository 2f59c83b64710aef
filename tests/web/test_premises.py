"""Premises pages: open faults and how late, beds out of use, recent history; scope by 404."""

from datetime import timedelta

import pytest

from facilities.faults.workflow import (
    fault_attend,
    fault_cancel,
    fault_confirm,
    fault_fix,
    fault_log,
)
from tests import factories
from tests.factories import category

from .conftest import T0

pytestmark = pytest.mark.django_db


def page(client, user, premises):
    client.force_login(user)
    return client.get(f"/premises/{premises.pk}/")


def test_premises_page_needs_sign_in(client, premises):
    response = client.get(f"/premises/{premises.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


@pytest.mark.parametrize(
    ("person", "where", "status"),
    [
        ("office_manager", "premises", 200),
        ("office_manager", "hostel", 200),
        ("office_manager", "other_premises", 404),
        ("other_office_manager", "premises", 404),
        ("regional_manager", "hostel", 200),
        ("regional_manager", "other_premises", 404),
        ("national_manager", "other_premises", 200),
        ("contractor_user", "premises", 200),  # its contract covers the region
        ("contractor_user", "other_premises", 404),
        ("other_contractor_user", "hostel", 404),
    ],
)
def test_a_premises_outside_scope_is_not_found(
    client, request, contract, other_contract, person, where, status
):
    user = request.getfixturevalue(person)
    assert page(client, user, request.getfixturevalue(where)).status_code == status


def test_an_unknown_premises_is_not_found(client, office_manager):
    client.force_login(office_manager)
    assert client.get("/premises/999999/").status_code == 404


def test_summary_of_an_office(client, office_manager, premises):
    html = page(client, office_manager, premises).content.decode()
    assert '<h1 class="govuk-heading-l">Newcastle probation office</h1>' in html
    assert '<span class="govuk-caption-l">North East</span>' in html
    assert "Probation office" in html
    assert "1 High Street<br>AB1 2CD" in html
    assert "Beds out of use now" not in html
    assert "<title>Newcastle probation office – Report a premises repair – GOV.UK</title>" in html


def test_open_faults_with_lateness_and_beds_out_of_use(
    client, estate, clock, office_manager, contractor_user, hostel
):
    fault_attend(fault=estate.beds, actor=contractor_user, now=T0 + timedelta(hours=1))
    clock.move_to(T0 + timedelta(days=3, hours=4), tick=False)
    response = page(client, office_manager, hostel)
    overview = response.context["overview"]
    assert [row.fault for row in overview.open_rows] == [estate.alarm, estate.beds]
    assert overview.beds_out_of_use == 3
    html = response.content.decode()
    assert "Beds out of use now" in html
    assert "3 of 20" in html
    assert "Fix overdue by 4 hours" in html  # the attended beds fault: 72 hours to fix
    assert "Attendance overdue by 3 days 2 hours" in html  # the P1 alarm, never attended
    assert estate.heating.reference not in html  # at the office, not the hostel
    assert f'href="/faults/?premises={hostel.pk}"' in html


def test_recent_history_is_the_last_twenty_closed_or_cancelled_newest_first(
    client, clock, office_manager, contractor_user, premises, contract
):
    closed = []
    for n in range(22):
        when = T0 + timedelta(hours=n)
        fault = fault_log(
            premises=premises,
            category=category("lifts"),
            location=f"Lift {n}",
            description="Stuck",
            reported_by=office_manager,
            now=T0,
        )
        if n % 2:
            fault_cancel(fault=fault, actor=office_manager, reason="Logged twice", now=when)
        else:
            fault_fix(fault=fault, actor=contractor_user, note="Freed", now=when)
            fault_confirm(fault=fault, actor=office_manager, now=when)
        closed.append(fault)
    waiting = fault_log(
        premises=premises,
        category=category("lifts"),
        location="Goods lift",
        description="Stuck",
        reported_by=office_manager,
        now=T0,
    )
    fault_fix(fault=waiting, actor=contractor_user, note="Freed", now=T0 + timedelta(days=2))
    response = page(client, office_manager, premises)
    overview = response.context["overview"]
    assert overview.history == list(reversed(closed))[:20]
    assert overview.awaiting_confirmation == [waiting]
    assert overview.open_rows == []
    html = response.content.decode()
    assert "There are no open faults at Newcastle probation office for you to see." in html
    assert "Fixed, awaiting confirmation" in html


def test_a_contractor_sees_only_its_own_jobs_at_a_premises(
    client, estate, contractor_user, premises, national_manager
):
    # A fault reassigned away from the contractor is not theirs to see.
    from facilities.faults.workflow import fault_reassign

    other = factories.ContractorFactory(name="Elsewhere Ltd")
    fault_reassign(
        fault=estate.heating, actor=national_manager, contractor=other, reason="Specialist"
    )
    overview = page(client, contractor_user, premises).context["overview"]
    assert estate.heating not in [row.fault for row in overview.open_rows]


def test_premises_page_queries_do_not_grow_with_faults(
    client, office_manager, hostel, contract, clock, django_assert_max_num_queries
):
    def log_some(count):
        for n in range(count):
            fault_log(
                premises=hostel,
                category=category("lifts"),
                location=f"Lift {n}",
                description="Stuck",
                reported_by=office_manager,
                now=T0,
            )

    client.force_login(office_manager)
    log_some(2)
    with django_assert_max_num_queries(10) as few:
        client.get(f"/premises/{hostel.pk}/")
    log_some(30)
    with django_assert_max_num_queries(10) as many:
        client.get(f"/premises/{hostel.pk}/")
    assert len(few.captured_queries) == len(many.captured_queries)


def test_premises_names_link_to_their_page_from_the_list(client, estate, office_manager, hostel):
    client.force_login(office_manager)
    assert f'href="/premises/{hostel.pk}/">Tyne approved premises</a>' in (
        client.get("/faults/").content.decode()
    )
