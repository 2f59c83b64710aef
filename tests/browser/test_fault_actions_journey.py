"""Journey 4: a fault followed through its life — the contractor acknowledges, attends and
fixes it; the office manager reopens it, then confirms the second fix — each step on the
timeline, and 0 axe violations on the pages and on an action form with errors."""

import re

import pytest
from playwright.sync_api import expect

from facilities.faults import workflow
from facilities.models import FaultStatus
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
        description="Radiator cold",
        reported_by=office_manager,
    )


def timeline(page) -> list[str]:
    return page.locator(".moj-timeline__title").all_inner_texts()


def success_banner(page):
    return page.locator(".govuk-notification-banner--success")


def switch_user(page, username: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")
    sign_in(page, username)


def test_contractor_fixes_and_office_manager_reopens_then_confirms(
    page, fault, contractor_user, office_manager
):
    ref = fault.reference
    sign_in(page, "carl")
    page.goto(f"/faults/{fault.pk}/")
    assert_accessible(page, "fault-detail-contractor")
    # The next step is the one primary button, first; the others are secondary.
    primary = page.locator(".app-actions .govuk-button:not(.govuk-button--secondary)")
    expect(primary).to_have_count(1)
    expect(primary).to_have_text("Acknowledge")
    expect(page.locator(".app-actions .govuk-button").first).to_have_text("Acknowledge")

    page.get_by_role("button", name="Acknowledge").click()
    expect(success_banner(page)).to_contain_text(f"{ref} acknowledged")
    expect(primary).to_have_text("Mark as attended")
    page.get_by_role("button", name="Mark as attended").click()
    expect(success_banner(page)).to_contain_text(f"{ref} marked as attended")
    expect(page.locator("#fault-due")).to_contain_text("On time")

    # Fixing needs a note: first without one.
    page.get_by_role("button", name="Mark as fixed").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mark as fixed")
    page.get_by_role("button", name="Mark as fixed").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter what was done to fix it")
    expect(page).to_have_title(re.compile(r"^Error: Mark as fixed"))
    assert_accessible(page, "action-fix-errors")
    page.get_by_label("What was done to fix it?").fill("Airlock cleared, radiator bled")
    page.get_by_role("button", name="Mark as fixed").click()
    expect(success_banner(page)).to_contain_text(f"{ref} marked as fixed")
    assert timeline(page)[:3] == ["Fixed", "Attended", "Acknowledged"]
    expect(page.locator(".moj-timeline")).to_contain_text("Airlock cleared, radiator bled")
    # Nothing more for the contractor to do until the office manager decides.
    expect(page.locator(".app-actions")).to_have_count(0)

    switch_user(page, "olivia")
    page.goto(f"/faults/{fault.pk}/")
    expect(page.get_by_role("button", name="Confirm fixed")).to_be_visible()
    page.get_by_role("button", name="Reopen").click()
    page.get_by_label("Why is the repair not done?").fill("Cold again by the afternoon")
    page.get_by_role("button", name="Reopen").click()
    expect(success_banner(page)).to_contain_text(f"{ref} reopened")
    expect(page.locator(".app-fault-tags")).to_contain_text("Acknowledged")
    assert timeline(page)[0] == "Reopened"

    # The contractor fixes it again (through their own system, say) …
    workflow.fault_fix(fault=fault, actor=contractor_user, note="Valve replaced")
    page.reload()
    # … and the office manager confirms it.
    page.get_by_role("button", name="Confirm fixed").click()
    expect(success_banner(page)).to_contain_text(f"{ref} confirmed as fixed")
    expect(page.locator(".app-fault-tags")).to_contain_text("Closed")
    assert timeline(page) == [
        "Confirmed and closed",
        "Fixed",
        "Reopened",
        "Fixed",
        "Attended",
        "Acknowledged",
        "Routed to contractor",
        "Logged",
    ]
    fault.refresh_from_db()
    assert fault.status == FaultStatus.CLOSED
    assert fault.reopen_count == 1
    assert_accessible(page, "fault-detail-closed")


def test_office_manager_escalates_with_a_reason(page, fault, office_manager):
    sign_in(page, "olivia")
    page.goto(f"/faults/{fault.pk}/")
    page.get_by_role("button", name="Escalate now").click()
    page.get_by_role("button", name="Escalate now").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter why the fault needs escalating"
    )
    assert_accessible(page, "action-escalate-errors")
    page.get_by_label("Why does this fault need escalating?").fill("No heating, staff sent home")
    page.get_by_role("button", name="Escalate now").click()
    expect(success_banner(page)).to_contain_text(f"{fault.reference} escalated to level 1")
    expect(page.locator("#fault-summary")).to_contain_text("Level 1 of 4")
    assert timeline(page)[0] == "Escalated"


def test_contract_manager_changes_priority_without_javascript(no_js_page, fault, regional_manager):
    page = no_js_page
    sign_in(page, "rhea")
    page.goto(f"/faults/{fault.pk}/")
    page.get_by_role("button", name="Change priority").click()
    page.get_by_label(re.compile(r"^P1 emergency")).check()
    page.get_by_label("Why is the priority changing?").fill("Freezing weather")
    page.get_by_role("button", name="Change priority").click()
    expect(success_banner(page)).to_contain_text(f"{fault.reference} given a new priority")
    expect(page.locator(".app-fault-tags")).to_contain_text("P1 emergency")
    assert timeline(page)[0] == "Priority changed"


def test_a_fault_outside_scope_is_a_govuk_page_not_found(page, fault, other_office_manager):
    sign_in(page, "owen")
    response = page.goto(f"/faults/{fault.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(page, "page-not-found")
