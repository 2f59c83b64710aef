"""A contract manager reads a month's report, follows a figure to its faults, downloads it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from facilities.faults import workflow
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import category

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def month_of_faults(office_manager, contractor_user, premises, contract):
    """Two faults logged this month: one fixed, one still open."""
    start = timezone.now() - timedelta(hours=30)
    fixed = workflow.fault_log(
        premises=premises,
        category=category("plumbing-water"),
        location="Kitchen",
        description="Tap leaking",
        reported_by=office_manager,
        now=start,
    )
    workflow.fault_fix(
        fault=fixed, actor=contractor_user, note="Washer", now=start + timedelta(hours=2)
    )
    workflow.fault_log(
        premises=premises,
        category=category("cctv"),
        location="Car park",
        description="Camera 2 dark",
        reported_by=office_manager,
        now=start,
    )
    return start


def test_contract_manager_reads_the_month_and_follows_a_figure(
    page, regional_manager, month_of_faults
):
    sign_in(page, "rhea")
    page.goto("/reports/")
    assert_accessible(page, "reports-index")
    period = timezone.localtime(month_of_faults).strftime("%Y-%m")
    page.goto(f"/reports/{period}/")
    assert page.get_by_role("heading", level=1).is_visible()
    assert_accessible(page, "report-month")
    with page.expect_download() as download:
        page.locator("a[href$='download.csv']").first.click()
    assert download.value.suggested_filename.endswith(".csv")
    logged = page.locator(f"a[href*='report=logged.{period}']").first
    assert logged.inner_text().split()[0] == "2"  # then visually hidden words for the link
    logged.click()
    page.wait_for_url("**/faults/**")
    assert page.locator("tbody tr").count() == 2


def test_definitions_page_is_accessible(page, regional_manager):
    sign_in(page, "rhea")
    page.goto("/reports/definitions/")
    assert_accessible(page, "report-definitions")
