""" "Log a fault" is one click from anywhere: the navigation, the office manager's start button,
"Log a fault here" on each premises page (the premises chosen, its open faults first), and
only the kinds of fault that apply to the premises."""

import re

import pytest

from facilities.faults.workflow import WorkflowError, fault_log
from facilities.models import Category, Fault
from tests.factories import UserFactory, category
from tests.web.conftest import T0

pytestmark = pytest.mark.django_db

URL = "/faults/new/"


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return squash(response.content.decode())


def answers(where, slug="heating-hot-water", **extra):
    return {
        "premises": str(where.pk),
        "category": str(category(slug).pk),
        "location": "First floor kitchen",
        "description": "Radiators cold since Monday",
        **extra,
    }


# --- One click from anywhere ------------------------------------------------------------------


def test_the_navigation_offers_log_a_fault_to_everyone_who_may_log(
    client, office_manager, regional_manager, contractor_user
):
    for person in (office_manager, regional_manager):
        client.force_login(person)
        assert 'href="/faults/new/">' in get(client, "/faults/")
    client.force_login(contractor_user)
    assert 'href="/faults/new/"' not in get(client, "/")  # contractors cannot log faults


def test_the_log_page_is_its_own_section_of_the_navigation(client, office_manager):
    client.force_login(office_manager)
    html = get(client, URL)
    assert 'href="/faults/new/" aria-current="page">' in html
    assert 'href="/faults/">' in html  # "Faults" is not marked on the log page
    html = get(client, "/faults/")
    assert 'href="/faults/" aria-current="page">' in html
    assert 'href="/faults/new/">' in html


def test_office_managers_start_from_a_start_button_and_their_premises(
    client, office_manager, premises, hostel
):
    client.force_login(office_manager)
    html = get(client, "/")
    start = re.search(r'<a href="/faults/new/" role="button"[^>]*>', html).group(0)
    assert "govuk-button--start" in start
    assert f'<a class="govuk-link" href="/premises/{hostel.pk}/">Tyne approved premises</a>' in html
    assert f'href="/premises/{premises.pk}/">Newcastle probation office</a>' in html


def test_contract_managers_and_contractors_get_no_start_button(
    client, regional_manager, contractor_user
):
    for person in (regional_manager, contractor_user):
        client.force_login(person)
        assert "govuk-button--start" not in get(client, "/")


def test_each_premises_page_has_log_a_fault_here(
    client, office_manager, contractor_user, contract, hostel
):
    client.force_login(office_manager)
    html = get(client, f"/premises/{hostel.pk}/")
    assert f'<a href="/faults/new/?premises={hostel.pk}" role="button"' in html
    assert ">Log a fault here</a>" in html
    client.force_login(contractor_user)
    assert "Log a fault here" not in get(client, f"/premises/{hostel.pk}/")


# --- The premises chosen before the form ---------------------------------------------------------


def test_log_a_fault_here_chooses_the_premises_and_lists_its_open_faults_first(
    client, estate, office_manager, hostel
):
    client.force_login(office_manager)
    html = get(client, f"{URL}?premises={hostel.pk}")
    # The premises is named, not chosen; "Change" offers every premises again.
    assert f'<input type="hidden" name="premises" value="{hostel.pk}">' in html
    assert '<select class="govuk-select' not in html
    assert re.search(
        r'id="app-only-premises">Tyne approved premises <a [^>]*href="/faults/new/">', html
    )
    assert f'action="/faults/new/?premises={hostel.pk}"' in html
    # Its open faults come before the form, so the same fault is not logged twice.
    open_here = html[
        html.index('id="open-here"') : html.index('<form method="post" action="/faults')
    ]
    assert "2 faults already open at Tyne approved premises" in open_here
    assert estate.beds.reference in open_here
    assert estate.alarm.reference in open_here
    assert estate.heating.reference not in open_here  # at the office
    assert f'href="/faults/{estate.alarm.pk}/"' in open_here
    # An approved premises: its beds question, and its kinds of fault.
    assert 'name="beds_out_of_use"' in html
    assert "Approved premises beds" in html


def test_log_a_fault_here_at_an_office_offers_only_office_categories(
    client, office_manager, premises
):
    client.force_login(office_manager)
    html = get(client, f"{URL}?premises={premises.pk}")
    assert "Approved premises beds" not in html
    assert "Heating and hot water" in html
    assert 'name="beds_out_of_use"' not in html
    assert 'id="open-here"' not in html  # nothing open there


def test_a_premises_the_user_cannot_log_at_is_ignored(client, office_manager, other_premises):
    client.force_login(office_manager)
    html = get(client, f"{URL}?premises={other_premises.pk}")
    assert "Cardiff probation office" not in html
    assert '<option value="" selected>Choose premises</option>' in html
    assert get(client, f"{URL}?premises=nonsense")


def test_a_fault_logged_from_log_a_fault_here_is_at_that_premises(
    client, clock, office_manager, hostel
):
    client.force_login(office_manager)
    response = client.post(f"{URL}?premises={hostel.pk}", answers(hostel, "ap-beds"))
    assert response.status_code == 302
    fault = Fault.objects.get()
    assert (fault.premises, fault.category.slug) == (hostel, "ap-beds")
    logged = get(client, response["Location"])
    assert f'href="/faults/new/?premises={hostel.pk}">Log another fault at Tyne approved' in logged


# --- Only sensible categories ------------------------------------------------------------------


def test_approved_premises_beds_is_for_approved_premises_only():
    beds = category("ap-beds")
    assert (beds.for_offices, beds.for_approved_premises) == (False, True)
    assert Category.objects.filter(for_offices=False).count() == 1
    assert not Category.objects.filter(for_approved_premises=False).exists()
    assert beds.kinds_words == "Approved premises only"
    assert list(Category.objects.for_kinds(["office"])).count(beds) == 0


def test_with_both_kinds_of_premises_each_category_says_where_it_applies(client, office_manager):
    client.force_login(office_manager)
    html = get(client, URL)
    assert "Some kinds apply only to approved premises." in html
    beds = html[html.index(">Approved premises beds</label>") :]
    assert re.match(
        r">Approved premises beds</label> <div [^>]*>P2 urgent[^<]*\. Approved premises only</div>",
        beds,
    )
    assert 'data-kinds="approved_premises"' in html  # for the script that hides it at offices


def test_an_office_manager_of_offices_never_sees_approved_premises_beds(client, premises):
    only_offices = UserFactory(premises=[premises])
    client.force_login(only_offices)
    html = get(client, URL)
    assert "Approved premises beds" not in html
    assert "Some kinds apply only" not in html


def test_a_category_that_does_not_apply_is_refused_with_a_clear_error(
    client, clock, office_manager, premises
):
    client.force_login(office_manager)
    response = client.post(URL, answers(premises, "ap-beds"))
    assert response.status_code == 200
    html = squash(response.content.decode())
    message = (
        "Approved premises beds faults can only be logged at approved premises: "
        "choose another kind of fault for Newcastle probation office"
    )
    assert f'<a href="#id_category">{message}</a>' in html
    error = '<span class="govuk-visually-hidden">Error:</span>'
    assert f'<p id="id_category-error" class="govuk-error-message">{error} {message}</p>' in html
    assert not Fault.objects.exists()


def test_the_workflow_refuses_a_category_that_does_not_apply(office_manager, premises):
    with pytest.raises(WorkflowError) as refused:
        fault_log(
            premises=premises,
            category=category("ap-beds"),
            location="Room 1",
            description="Bed broken",
            reported_by=office_manager,
            now=T0,
        )
    assert refused.value.field == "category"
    assert "only be logged at approved premises" in refused.value.message
