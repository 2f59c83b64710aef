"""Journey 3 and 5: a contract manager finds faults, pages through them, downloads them and
opens a premises page, in a real browser, with and without JavaScript."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from facilities.faults.workflow import fault_log
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import category

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

OVERDUE_IN_REGION = 60


@pytest.fixture
def overdue_faults(premises, hostel, other_premises, contract, other_contract, national_manager):
    """60 overdue faults in North East (more than a page) and a few in Wales."""
    two_days_ago = timezone.now() - timedelta(days=2)
    slugs = ["lifts", "plumbing-water", "heating-hot-water"]
    faults = [
        fault_log(
            premises=premises if n % 2 else hostel,
            category=category(slugs[n % 3]),
            location=f"Room {n}",
            description=f"Fault number {n}",
            reported_by=national_manager,
            now=two_days_ago + timedelta(minutes=n),
        )
        for n in range(OVERDUE_IN_REGION)
    ]
    for _ in range(3):
        fault_log(
            premises=other_premises,
            category=category("lifts"),
            location="Lift",
            description="Stuck in Cardiff",
            reported_by=national_manager,
            now=two_days_ago,
        )
    return faults


def apply_overdue_in_north_east(page) -> None:
    page.goto("/faults/")
    page.get_by_label("Overdue", exact=True).check()
    page.get_by_label("Region").select_option(label="North East")
    page.get_by_role("button", name="Apply filters").first.click()
    page.wait_for_load_state()


def test_contract_manager_filters_sorts_pages_and_downloads(page, overdue_faults, hostel):
    sign_in(page, "nadia")
    apply_overdue_in_north_east(page)
    assert "overdue=1" in page.url
    selected = page.locator(".moj-filter__selected")
    assert "North East" in selected.inner_text()
    assert "Overdue" in selected.inner_text()
    assert "Cardiff" not in page.locator("table").inner_text()

    page.locator("th a.app-sort-link", has_text="Fix due").click()
    page.wait_for_load_state()
    assert "sort=fix_due" in page.url
    assert "overdue=1" in page.url
    assert page.locator('th[aria-sort="ascending"]').inner_text().startswith("Fix due")
    assert "Showing 1 to 50 faults" in page.locator("#showing").inner_text()
    assert_accessible(page, "fault-list-filtered")

    page.locator("a[rel=next]").click()
    page.wait_for_load_state()
    assert "page=2" in page.url
    assert "sort=fix_due" in page.url
    assert "Showing 51 to 60 faults" in page.locator("#showing").inner_text()
    assert page.locator("a[rel=next]").count() == 0

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download these faults (CSV)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("faults-")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == OVERDUE_IN_REGION  # every matching fault, not one page
    assert {row["Region"] for row in rows} == {"North East"}
    assert {row["Overdue"] for row in rows} == {"yes"}
    due = [row["Fix due"] for row in rows]
    assert due == sorted(due)

    page.get_by_role("link", name="Tyne approved premises").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Tyne approved premises", level=1).is_visible()
    assert "Beds out of use now" in page.content()
    assert_accessible(page, "premises")


def test_removing_a_filter_tag_widens_the_list(page, overdue_faults):
    sign_in(page, "nadia")
    apply_overdue_in_north_east(page)
    page.get_by_role("link", name="Remove this filter North East").click()
    page.wait_for_load_state()
    assert "region=" not in page.url
    page.locator("a[rel=next]").click()
    page.wait_for_load_state()
    assert "Cardiff probation office" in page.locator("table").inner_text()


def test_the_list_works_without_javascript(no_js_page, overdue_faults):
    page = no_js_page
    sign_in(page, "nadia")
    apply_overdue_in_north_east(page)
    assert "Showing 1 to 50 faults" in page.locator("#showing").inner_text()
    page.locator("th a.app-sort-link", has_text="Fix due").click()
    page.wait_for_load_state()
    page.locator("a[rel=next]").click()
    page.wait_for_load_state()
    assert "Showing 51 to 60 faults" in page.locator("#showing").inner_text()
    page.get_by_label("Search").fill("Fault number 7")
    page.get_by_role("button", name="Apply filters").first.click()
    page.wait_for_load_state()
    assert page.locator("tbody tr").count() == 6  # Fault number 7, 17, 27, 37, 47, 57
    assert "q=Fault+number+7" in page.url
    assert "sort=fix_due" in page.url  # the order is kept when filters are applied
