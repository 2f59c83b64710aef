"""The contractor's job number in the browser: the fault page's form, its summary and the list."""

import html
import re

import pytest

from facilities.faults import workflow
from facilities.models import EventKind, Fault, FaultEvent

pytestmark = pytest.mark.django_db

FORM_ACTION = 'action="/faults/{pk}/actions/contractor_reference/"'


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def page(client, fault) -> str:
    response = client.get(f"/faults/{fault.pk}/")
    assert response.status_code == 200
    return squash(response.content.decode())


def job_number_row(text: str) -> str:
    """The words of the summary list's "Contractor's job number" row."""
    found = re.search(
        r'<dd class="govuk-summary-list__value" id="fault-job-number">(.*?)</dd>', text
    )
    assert found, "no job number row"
    return html.unescape(found[1]).strip()


def save(client, fault, number: str):
    return client.post(
        f"/faults/{fault.pk}/actions/contractor_reference/", {"contractor_reference": number}
    )


def test_the_contractor_gives_the_number_from_the_fault_page(client, estate, contractor_user):
    client.force_login(contractor_user)
    before = page(client, estate.heating)
    assert FORM_ACTION.format(pk=estate.heating.pk) in before
    assert job_number_row(before) == "Not given yet"
    assert '<label class="govuk-label govuk-label--s" for="id_contractor_reference">' in before

    response = save(client, estate.heating, " JOB 88/12 ")
    assert response.status_code == 302
    assert response["Location"] == f"/faults/{estate.heating.pk}/"

    after = page(client, estate.heating)
    assert job_number_row(after) == "JOB 88/12"
    assert f"Job number JOB 88/12 saved for {estate.heating.reference}" in html.unescape(after)
    # The form shows the number now kept, and the timeline the event.
    assert 'name="contractor_reference" type="text" value="JOB 88/12"' in after
    assert "Contractor's job number set to JOB 88/12" in html.unescape(after)
    assert FaultEvent.objects.filter(fault=estate.heating, kind=EventKind.JOB_NUMBER).count() == 1


def test_a_number_already_used_shows_a_govuk_error_summary(client, estate, contractor_user):
    workflow.fault_set_contractor_reference(
        fault=estate.heating, actor=contractor_user, contractor_reference="JOB-1"
    )
    client.force_login(contractor_user)
    response = save(client, estate.beds, "JOB-1")
    assert response.status_code == 200
    text = html.unescape(squash(response.content.decode()))
    message = (
        f"The contractor's job number JOB-1 is already used for {estate.heating.reference}: "
        f"enter the job number for {estate.beds.reference}"
    )
    assert "<title>Error: Save job number" in text
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', text)[0]
    assert f'<a href="#id_contractor_reference">{message}</a>' in summary
    assert '<p id="id_contractor_reference-error" class="govuk-error-message">' in text
    assert 'class="govuk-input govuk-input--width-20 govuk-input--error"' in text
    assert 'value="JOB-1"' in text  # what they typed is kept
    assert Fault.objects.get(pk=estate.beds.pk).contractor_reference == ""


def test_people_who_may_not_set_it_see_it_but_get_no_form(
    client, estate, contractor_user, office_manager
):
    workflow.fault_set_contractor_reference(
        fault=estate.heating, actor=contractor_user, contractor_reference="JOB-2"
    )
    client.force_login(office_manager)
    text = page(client, estate.heating)
    assert job_number_row(text) == "JOB-2"
    assert FORM_ACTION.format(pk=estate.heating.pk) not in text
    refused = save(client, estate.heating, "JOB-3")
    assert refused.status_code == 400
    assert "Only the contractor or a contract manager can record" in html.unescape(
        refused.content.decode()
    )
    assert Fault.objects.get(pk=estate.heating.pk).contractor_reference == "JOB-2"


def test_a_contractor_cannot_reach_another_contractors_fault(client, estate, contractor_user):
    client.force_login(contractor_user)
    assert save(client, estate.outsider_heating, "JOB-4").status_code == 404


def test_an_unrouted_fault_shows_no_job_number_row(client, estate, national_manager):
    Fault.objects.filter(pk=estate.heating.pk).update(contractor=None, contract=None)
    client.force_login(national_manager)
    text = page(client, estate.heating)
    assert 'id="fault-job-number"' not in text
    assert FORM_ACTION.format(pk=estate.heating.pk) not in text


def test_the_fault_list_search_finds_the_job_number(
    client, estate, contractor_user, office_manager
):
    workflow.fault_set_contractor_reference(
        fault=estate.heating, actor=contractor_user, contractor_reference="CAFM-51423"
    )
    workflow.fault_set_contractor_reference(
        fault=estate.cancelled, actor=contractor_user, contractor_reference="CAFM-6"
    )
    client.force_login(office_manager)

    def listed(**query):
        response = client.get("/faults/", query)
        assert response.status_code == 200
        return [row.fault.pk for row in response.context["page"].rows]

    # The filter form always sends a status; an exact job number is found at any status.
    assert listed(q="CAFM-51423", status="open") == [estate.heating.pk]
    assert listed(q="CAFM-6", status="open") == [estate.cancelled.pk]
    assert listed(q="cafm-514") == [estate.heating.pk]
    # The API's exact filter works on the page too, and shows as a removable filter.
    response = client.get("/faults/", {"contractor_reference": "CAFM-51423"})
    assert [row.fault.pk for row in response.context["page"].rows] == [estate.heating.pk]
    assert "Contractor&#x27;s job number" in response.content.decode()


def test_reassigning_removes_the_number_on_the_timeline(
    client, estate, contractor_user, regional_manager, other_contractor
):
    workflow.fault_set_contractor_reference(
        fault=estate.heating, actor=contractor_user, contractor_reference="JOB-5"
    )
    client.force_login(regional_manager)
    response = client.post(
        f"/faults/{estate.heating.pk}/actions/reassign/",
        {"contractor": other_contractor.pk, "reason": "Nearer engineer"},
    )
    assert response.status_code == 302
    text = html.unescape(page(client, estate.heating))
    assert job_number_row(text) == "Not given yet"
    assert "<dt>Contractor's job number removed:</dt> <dd>JOB-5</dd>" in text
