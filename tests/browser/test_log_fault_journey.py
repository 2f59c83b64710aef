"""Journey 2: an office manager logs a fault — with the mouse, the keyboard alone, and
without JavaScript — putting mistakes right on the way, with 0 axe violations throughout."""

import re

import pytest
from playwright.sync_api import expect

from facilities.models import Fault
from tests.browser.conftest import assert_accessible, screenshot, sign_in
from tests.test_photos import image_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def boiler_photo(tmp_path):
    path = tmp_path / "boiler.png"
    path.write_bytes(image_bytes("PNG", (40, 30)))
    return path


@pytest.fixture
def olivia(office_manager, contract):
    """An office manager at an office and an approved premises, both under contract."""
    return office_manager


def test_office_manager_logs_a_fault_putting_mistakes_right(page, olivia, boiler_photo):
    sign_in(page, "olivia")
    page.goto("/faults/new/")
    expect(page.get_by_role("heading", name="Log a fault")).to_be_visible()
    assert_accessible(page, "log-fault")

    # Beds out of use is asked only for the approved premises (revealed with JavaScript).
    beds = page.get_by_label("How many beds are out of use because of this fault?")
    expect(beds).to_be_hidden()
    page.get_by_label("Premises", exact=True).select_option(label="Tyne approved premises")
    expect(beds).to_be_visible()
    page.get_by_label("Premises", exact=True).select_option(label="Newcastle probation office")
    expect(beds).to_be_hidden()

    # The priority line follows the category.
    page.get_by_label("CCTV").check()
    expect(page.locator("#priority-line")).to_have_text(
        re.compile(r"P1 emergency.*safety-critical")
    )
    page.get_by_label("Heating and hot water").check()
    expect(page.locator("#priority-line")).to_have_text(
        "It will be logged as P2 urgent – attend within 4 hours, fix within 3 days."
    )

    # A first try with the description missing.
    page.get_by_label("Where in the building is it?").fill("First floor kitchen")
    page.get_by_role("button", name="Log fault").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Enter a description of the fault")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Log a fault"))
    # Nothing typed is lost.
    expect(page.get_by_label("Premises", exact=True)).to_have_value(
        str(olivia.premises.get(kind="office").pk)
    )
    expect(page.get_by_label("Heating and hot water")).to_be_checked()
    expect(page.get_by_label("Where in the building is it?")).to_have_value("First floor kitchen")
    assert_accessible(page, "log-fault-errors")

    # The error links to its field.
    summary.get_by_role("link", name="Enter a description of the fault").click()
    expect(page.get_by_label("What is wrong?")).to_be_focused()
    page.get_by_label("What is wrong?").fill("Radiators cold since Monday")
    expect(page.locator(".govuk-character-count__status")).to_contain_text("characters remaining")
    page.get_by_label("Photos (optional)").set_input_files(boiler_photo)
    page.get_by_role("button", name="Log fault").click()

    fault = Fault.objects.get()
    expect(page).to_have_url(re.compile(rf"/faults/{fault.pk}/logged/$"))
    panel = page.locator(".govuk-panel")
    expect(panel).to_contain_text("Fault logged")
    expect(panel).to_contain_text(fault.reference)
    expect(page.locator("#fault-contractor")).to_contain_text("North Facilities Ltd")
    expect(page.locator("#fault-due")).to_contain_text(re.compile(r"Attend by \d\d:\d\d"))
    expect(page.locator("#fault-due")).to_contain_text(re.compile(r"Fix by .*\d\d:\d\d"))
    assert_accessible(page, "fault-logged")

    page.get_by_role("link", name=f"View {fault.reference}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{fault.reference}: Heating and hot water"
    )
    photo = page.get_by_role("img", name=f"Photo 1 of {fault.reference} (boiler.png)")
    expect(photo).to_be_visible()
    loaded = page.wait_for_function(
        "(img) => img.complete && img.naturalWidth", arg=photo.element_handle()
    )
    assert loaded.json_value() == 40  # the real photo, served through the scoped view
    assert fault.photos.count() == 1
    assert_accessible(page, "fault-detail-new")


def test_a_photo_that_is_not_a_photo_is_refused(page, olivia, tmp_path):
    fake = tmp_path / "notes.jpg"
    fake.write_text("Not a photo at all")
    sign_in(page, "olivia")
    page.goto("/faults/new/")
    page.get_by_label("Premises", exact=True).select_option(label="Tyne approved premises")
    page.get_by_label("Approved premises beds").check()
    page.get_by_label("Where in the building is it?").fill("Rooms 3 and 4")
    page.get_by_label("What is wrong?").fill("Ceiling leak, both rooms unusable")
    page.get_by_label("How many beds are out of use because of this fault?").fill("2")
    page.get_by_label("Photos (optional)").set_input_files(fake)
    page.get_by_role("button", name="Log fault").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "notes.jpg must be a JPEG or PNG photo. Add the photos again"
    )
    # The beds answer stays, and stays visible.
    beds = page.get_by_label("How many beds are out of use because of this fault?")
    expect(beds).to_be_visible()
    expect(beds).to_have_value("2")
    assert_accessible(page, "log-fault-photo-error")
    assert not Fault.objects.exists()


# --- The keyboard alone --------------------------------------------------------------------


def focused_id(page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def tab_to(page, element_id: str, key: str = "Tab", limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until the element with this id has the focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        if focused_id(page) == element_id:
            return
    raise AssertionError(f"{key} never reached #{element_id}")


def tab_to_button(page, text: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "(text) => document.activeElement.tagName === 'BUTTON'"
            " && document.activeElement.textContent.trim() === text",
            text,
        ):
            return
    raise AssertionError(f"Tab never reached the {text!r} button")


def test_the_same_journey_with_the_keyboard_alone(page, olivia, boiler_photo):
    sign_in(page, "olivia")
    page.goto("/faults/new/")

    # Straight to the button, to see the errors first.
    tab_to_button(page, "Log fault")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    screenshot(page, "log-fault-keyboard-errors")

    # The first error link takes us to the premises.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Choose the premises where the fault is")
    page.keyboard.press("Enter")
    expect(page.locator("#id_premises")).to_be_focused()
    page.keyboard.press("ArrowDown")  # "Choose premises" → Newcastle probation office
    expect(page.locator("#id_premises")).to_have_value(str(olivia.premises.get(kind="office").pk))

    # Category radios: Tab into the group, Space to choose, arrows to move. At an office the
    # first, "Approved premises beds", is not offered.
    expect(page.get_by_label("Approved premises beds")).to_be_hidden()
    tab_to(page, "id_category-2")
    page.keyboard.press("Space")
    for _ in range(3):  # Building fabric and roof → CCTV → Electrical → Heating and hot water
        page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Heating and hot water")).to_be_checked()
    expect(page.get_by_label("Heating and hot water")).to_be_focused()
    expect(page.locator("#priority-line")).to_contain_text("P2 urgent")

    # Shift+Tab back out to check the premises kept its answer, then on again.
    tab_to(page, "id_premises", key="Shift+Tab")
    tab_to(page, "id_location")
    page.keyboard.type("Ground floor interview room 2")
    page.keyboard.press("Tab")
    expect(page.locator("#id_description")).to_be_focused()
    page.keyboard.type("No heating; room too cold to use")

    # The beds question is hidden for an office, so the next stop is the photos.
    tab_to(page, "id_photos")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(boiler_photo)

    tab_to_button(page, "Log fault")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/faults/\d+/logged/$"))
    fault = Fault.objects.get()
    expect(page.locator(".govuk-panel")).to_contain_text(fault.reference)
    assert fault.location == "Ground floor interview room 2"
    assert fault.category.slug == "heating-hot-water"
    assert fault.photos.count() == 1
    screenshot(page, "fault-logged-keyboard")

    # And on to the fault's page.
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.trim()") == (
            f"View {fault.reference}"
        ):
            break
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/faults/{fault.pk}/$"))


# --- Without JavaScript ------------------------------------------------------------------------


def test_the_same_journey_without_javascript(no_js_page, olivia, boiler_photo):
    page = no_js_page
    sign_in(page, "olivia")
    page.goto("/faults/new/")
    # Without JavaScript the beds question is always there, saying when it applies.
    beds = page.get_by_label("How many beds are out of use because of this fault?")
    expect(beds).to_be_visible()
    expect(page.get_by_text("Approved premises only.")).to_be_visible()
    page.get_by_text("How the priority is set").click()
    expect(page.get_by_role("table")).to_contain_text("P1 emergency – attend within 2 hours")

    page.get_by_label("Premises", exact=True).select_option(label="Tyne approved premises")
    page.get_by_label("Personal alarms").check()
    page.get_by_label("How many beds are out of use because of this fault?").fill("21")
    page.get_by_role("button", name="Log fault").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter where in the building the fault is")
    expect(summary).to_contain_text("Enter a description of the fault")
    # The server shows the priority line once a category is chosen.
    expect(page.locator("#priority-line")).to_contain_text("P1 emergency")

    page.get_by_label("Where in the building is it?").fill("Staff office")
    page.get_by_label("What is wrong?").fill("Personal alarm receiver dead")
    page.get_by_role("button", name="Log fault").click()
    # Now the workflow's own rule: too many beds.
    expect(summary).to_contain_text("Beds out of use must be 20 or fewer")
    expect(page.get_by_label("Where in the building is it?")).to_have_value("Staff office")
    beds.fill("")
    page.get_by_label("Photos (optional)").set_input_files(boiler_photo)
    page.get_by_role("button", name="Log fault").click()

    fault = Fault.objects.get()
    expect(page.locator(".govuk-panel")).to_contain_text(fault.reference)
    expect(page.locator("#fault-due")).to_contain_text("Make safe by")
    assert fault.priority == "P1"
    assert fault.premises.name == "Tyne approved premises"
    assert fault.photos.count() == 1
    screenshot(page, "fault-logged-no-js")
