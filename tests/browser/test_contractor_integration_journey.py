"""Journey: a contractor's helpdesk connects its own job system, starting where a person
starts — signed in, following visible links. It makes an API token (putting a mistake right
on the way), uses it over real HTTP, sees its last use, revokes it and sees it refused; then
gives a fault its own job number on the fault's page and finds the fault by that number.
0 axe violations on each page, with and without an error."""

import re

import pytest
from playwright.sync_api import expect

from facilities.faults import workflow
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import category

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def fault(office_manager, premises, contract):
    return workflow.fault_log(
        premises=premises,
        category=category("heating-hot-water"),
        location="Interview room 2",
        description="Radiator cold since Monday",
        reported_by=office_manager,
    )


def test_contractor_makes_uses_and_revokes_an_api_token(page, live_server, contractor_user, fault):
    sign_in(page, "carl")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    expect(page.locator("#no-tokens")).to_be_visible()
    assert_accessible(page, "api-tokens-empty")

    page.get_by_role("button", name="Make a new token").click()
    page.get_by_role("button", name="Make token").click()  # nothing filled in
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter what the token is for")
    expect(summary).to_contain_text("Choose what the token may do")
    assert_accessible(page, "api-token-new-errors")
    summary.get_by_role("link", name="Enter what the token is for").click()
    expect(page.get_by_label("What is the token for?")).to_be_focused()

    page.get_by_label("What is the token for?").fill("Our job system")
    page.get_by_label("Read and change faults").check()
    page.get_by_label("In 90 days").check()
    page.get_by_role("button", name="Make token").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Token made")
    assert_accessible(page, "api-token-made")
    secret = page.get_by_label("Your token").input_value()
    assert len(secret) > 30

    # The job system calls the API with it, over HTTP, as carl: it sees carl's fault.
    bearer = {"Authorization": f"Bearer {secret}"}
    answer = page.request.get(f"{live_server.url}/api/v1/faults/", headers=bearer)
    assert answer.status == 200
    assert [f["id"] for f in answer.json()["results"]] == [fault.pk]

    page.get_by_role("link", name="Back to your API tokens").last.click()
    row = page.locator("#api-tokens tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Our job system")
    expect(row).to_contain_text("Read and change")
    expect(row).not_to_contain_text("Not used yet")  # its use above was recorded
    expect(row).to_contain_text("Active")
    assert_accessible(page, "api-tokens-one")

    row.get_by_role("link", name=re.compile("Revoke")).click()
    page.get_by_role("button", name="Revoke token").click()
    expect(page.locator("#api-tokens tbody tr")).to_contain_text("Revoked")
    refused = page.request.get(f"{live_server.url}/api/v1/faults/", headers=bearer)
    assert refused.status == 401
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_contractor_gives_a_fault_its_job_number_and_finds_it_by_that(page, contractor_user, fault):
    sign_in(page, "carl")
    page.get_by_role("link", name="Faults", exact=True).first.click()
    page.get_by_role("link", name=re.compile(fault.reference)).first.click()
    expect(page.locator("#fault-job-number")).to_have_text("Not given yet")

    page.get_by_label("Contractor's job number").fill("ACME-77812")
    page.get_by_role("button", name="Save job number").click()
    expect(page.locator("#fault-job-number")).to_have_text("ACME-77812")
    assert_accessible(page, "fault-job-number-saved")

    page.get_by_role("link", name="Faults", exact=True).first.click()
    page.get_by_label("Search").fill("ACME-77812")
    page.get_by_label("Search").press("Enter")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(fault.reference)
