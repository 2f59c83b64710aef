"""Under the Content Security Policy every kind of page still works in the browser.

The scripts that carry the response's nonce run (GOV.UK's js-enabled snippet, the module that
starts GOV.UK and MOJ Frontend, Swagger UI's set-up), the browser refuses nothing (the page
fixture fails the test on any refusal it reports), and what the policy could have broken still
shows: the report's charts in colour, the photos' thumbnails, the admin and the API docs.
"""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from facilities.faults import photos, workflow
from facilities.periods import Period
from tests.browser.conftest import sign_in
from tests.factories import category
from tests.reports.pages import build_report_page
from tests.test_photos import phone_jpeg

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

GOVUK_BLUE = "rgb(29, 112, 184)"  # #1d70b8, the charts' first colour


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def fault_with_photo(office_manager, contractor_user, premises, contract):
    now = timezone.now() - timedelta(hours=3)
    fault = workflow.fault_log(
        premises=premises,
        category=category("heating-hot-water"),
        location="Boiler room",
        description="No hot water",
        reported_by=office_manager,
        now=now,
    )
    photos.attach_photos(
        fault=fault,
        uploads=[SimpleUploadedFile("boiler.jpg", phone_jpeg((2400, 1600)))],
        uploaded_by=office_manager,
        now=now,
    )
    # A fix, so that this month's report has bars to draw.
    workflow.fault_fix(fault=fault, actor=contractor_user, note="Reset", now=now)
    return fault


def scripts_ran(page) -> None:
    body = page.locator("body")
    expect(body).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))  # the snippet
    expect(page.locator(".govuk-skip-link")).to_have_attribute("data-govuk-skip-link-init", "")


def test_the_service_pages_run_their_scripts_and_nothing_is_refused(page, fault_with_photo):
    fault = fault_with_photo
    sign_in(page, "olivia")
    for address in ("/", "/faults/", "/faults/new/", f"/premises/{fault.premises_id}/"):
        page.goto(address)
        scripts_ran(page)
    page.goto(f"/faults/{fault.pk}/")
    scripts_ran(page)
    thumbnail = page.get_by_role("img", name=re.compile(r"^Photo 1 of "))
    expect(thumbnail).to_be_visible()
    thumbnail.evaluate("img => img.decode()")
    assert thumbnail.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [400, 267]
    thumbnail.click()
    page.wait_for_url(f"**/faults/{fault.pk}/photos/*/")
    assert page.evaluate("document.images[0].naturalWidth") == 2000


def test_the_report_charts_keep_their_colours(page, regional_manager, fault_with_photo):
    sign_in(page, "rhea")
    month = timezone.localtime(fault_with_photo.reported_at)
    page.goto(build_report_page(regional_manager, Period.month(month.year, month.month)))
    scripts_ran(page)
    charts = page.locator("svg.app-chart__svg")
    expect(charts).to_have_count(3)
    fills = charts.first.locator("path").evaluate_all(
        "paths => paths.map(p => getComputedStyle(p).fill)"
    )
    assert GOVUK_BLUE in fills  # the bars, coloured by presentation attributes


def test_the_admin_and_the_api_docs_work_under_the_policy(page, administrator):
    sign_in(page, "ada")
    page.goto("/admin/facilities/fault/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto("/admin/facilities/region/add/")
    expect(page.locator("input[name='name']")).to_be_visible()
    page.goto("/api/docs/")
    # Swagger UI (its bundle from this site, its set-up inline with the nonce) reads the schema.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Premises repairs API")
    expect(page.locator(".opblock").first).to_be_visible()
