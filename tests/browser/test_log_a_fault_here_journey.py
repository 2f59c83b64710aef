"""A new office manager finds "Log a fault" from sign-in by clicking only what they see: the
start button on their home page, and "Log a fault here" on a premises page, which chooses the
premises and shows its open faults first. Then the premises' QR poster: downloaded from its
page, its code read back and followed, as a phone would. 0 axe violations throughout."""

import io
import re
from pathlib import Path

import pytest
import zxingcpp
from playwright.sync_api import expect
from pypdf import PdfReader

from facilities.faults.workflow import fault_log
from facilities.models import Fault
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import category

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def olivia(office_manager, contract):
    """An office manager at an office and an approved premises, both under contract."""
    return office_manager


@pytest.fixture
def leak(olivia, hostel):
    """A fault already open at the approved premises."""
    return fault_log(
        premises=hostel,
        category=category("plumbing-water"),
        location="Laundry",
        description="Washing machine leaking",
        reported_by=olivia,
    )


def test_from_sign_in_to_a_logged_fault_by_the_start_button(page, olivia):
    sign_in(page, "olivia")
    expect(page.get_by_role("heading", name="Repairs at a glance")).to_be_visible()
    assert_accessible(page, "home-office-manager")
    page.get_by_role("button", name="Log a fault").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a fault")
    expect(page.locator('.govuk-service-navigation__link[aria-current="page"]')).to_have_text(
        "Log a fault"
    )
    page.get_by_label("Premises", exact=True).select_option(label="Newcastle probation office")
    # An office: the approved premises' kind of fault is not offered.
    expect(page.get_by_label("Approved premises beds")).to_be_hidden()
    page.get_by_label("Heating and hot water").check()
    page.get_by_label("Where in the building is it?").fill("Interview room 2")
    page.get_by_label("What is wrong?").fill("Radiator cold")
    page.get_by_role("button", name="Log fault").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Fault logged")
    assert Fault.objects.get().premises.name == "Newcastle probation office"


def test_log_a_fault_here_chooses_the_premises_and_shows_what_is_open(page, olivia, hostel, leak):
    sign_in(page, "olivia")
    page.get_by_role("link", name="Tyne approved premises").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tyne approved premises")
    assert_accessible(page, "premises-office-manager")
    page.get_by_role("button", name="Log a fault here").click()

    expect(page).to_have_url(re.compile(rf"/faults/new/\?premises={hostel.pk}$"))
    open_here = page.locator("#open-here")
    expect(open_here).to_contain_text("1 fault already open at Tyne approved premises")
    expect(open_here.get_by_role("link", name=leak.reference)).to_be_visible()
    expect(page.locator("#app-only-premises")).to_contain_text("Tyne approved premises")
    expect(page.get_by_label("Approved premises beds")).to_be_visible()
    assert_accessible(page, "log-fault-here")

    page.get_by_label("Approved premises beds").check()
    page.get_by_label("Where in the building is it?").fill("Room 7")
    page.get_by_label("What is wrong?").fill("Window restrictor broken")
    page.get_by_label("How many beds are out of use because of this fault?").fill("1")
    page.get_by_role("button", name="Log fault").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Fault logged")
    fault = Fault.objects.exclude(pk=leak.pk).get()
    assert (fault.premises, fault.category.slug, fault.beds_out_of_use) == (hostel, "ap-beds", 1)


def test_without_javascript_a_category_for_other_premises_is_refused_clearly(no_js_page, olivia):
    page = no_js_page
    sign_in(page, "olivia")
    page.get_by_role("link", name="Log a fault", exact=True).click()
    page.get_by_label("Premises", exact=True).select_option(label="Newcastle probation office")
    # Without JavaScript the list cannot follow the premises: it says where each applies.
    expect(
        page.get_by_text("P2 urgent – attend within 4 hours. Approved premises only")
    ).to_be_visible()
    page.get_by_label("Approved premises beds").check()
    page.get_by_label("Where in the building is it?").fill("Reception")
    page.get_by_label("What is wrong?").fill("Bed broken")
    page.get_by_role("button", name="Log fault").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Approved premises beds faults can only be logged at approved premises: "
        "choose another kind of fault for Newcastle probation office"
    )
    assert not Fault.objects.exists()


def test_the_premises_poster_opens_log_a_fault_there(page, olivia, hostel, live_server, settings):
    settings.SITE_URL = live_server.url
    sign_in(page, "olivia")
    page.get_by_role("link", name="Tyne approved premises").click()
    with page.expect_download() as download:
        page.get_by_role(
            "link", name="Download the poster for Tyne approved premises (PDF, A4)"
        ).click()
    (poster,) = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes())).pages
    assert (round(poster.mediabox.width), round(poster.mediabox.height)) == (595, 842)  # A4
    (code,) = [
        found.text
        for image in poster.images
        for found in zxingcpp.read_barcodes(image.image.convert("L"))
    ]
    assert code == f"{live_server.url}/p/{hostel.pk}/"
    # A phone that scans it: signed in already, it opens the form with the premises chosen.
    page.goto(code)
    expect(page).to_have_url(re.compile(rf"/faults/new/\?premises={hostel.pk}$"))
    expect(page.locator("#app-only-premises")).to_contain_text("Tyne approved premises")
