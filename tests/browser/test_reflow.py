"""Reflow (WCAG 2.2 success criterion 1.4.10): every main page fits 320 CSS pixels without
scrolling sideways. A table may scroll inside its own labelled, focusable container; the page
itself never does. Each role's pages, with and without JavaScript, with 0 axe violations."""

from datetime import timedelta

import pytest
from django.utils import timezone

from facilities.faults import workflow
from facilities.periods import Period
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import category
from tests.reports.pages import build_report_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTH = 320

#: What sticks out past the right edge, to say which element breaks the reflow: those outside
#: a table's scroll box first, then absolutely positioned ones inside one (which escape it).
WIDEST = """(width) => [...document.querySelectorAll("body *")]
  .filter((el) => el.getBoundingClientRect().right > width + 0.5)
  .filter((el) => !el.closest(".app-table-scroll")
    || getComputedStyle(el).position === "absolute")
  .slice(0, 8)
  .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`
     + ` right=${Math.round(el.getBoundingClientRect().right)}`)"""


def narrow(browser, live_server, javascript: bool = True):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": WIDTH, "height": 800},
        java_script_enabled=javascript,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def assert_fits(page, url: str, name: str | None = None) -> None:
    response = page.goto(url)
    assert response.ok, f"{url}: {response.status}"
    page.wait_for_load_state()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{url} is {width}px wide at {WIDTH}px: {page.evaluate(WIDEST, WIDTH)}"
    if name:
        assert_accessible(page, f"320-{name}")


@pytest.fixture
def faults(office_manager, contractor_user, regional_manager, premises, hostel, contract):
    """Faults of every kind of page: open, fixed and awaiting confirmation, on hold, with long
    words where people type them, over last month and this."""
    start = timezone.now() - timedelta(days=35)

    def log(where, slug, **extra):
        return workflow.fault_log(
            premises=where,
            category=category(slug),
            location=extra.pop("location", "First-floor open-plan office by the window"),
            description=extra.pop(
                "description",
                "Radiators cold since Monday; the thermostat in the corridor reads 12°C and "
                "the boiler shows fault code F28 (ignition failure)",
            ),
            reported_by=office_manager,
            now=start,
            **extra,
        )

    heating = log(premises, "heating-hot-water")
    workflow.fault_acknowledge(fault=heating, actor=contractor_user, now=start)
    workflow.fault_attend(fault=heating, actor=contractor_user, now=start + timedelta(hours=30))
    fixed_at = start + timedelta(days=4)
    workflow.fault_fix(fault=heating, actor=contractor_user, note="New lead", now=fixed_at)
    alarm = log(hostel, "personal-alarms", location="Night office")
    beds = log(hostel, "ap-beds", location="Room 12", beds_out_of_use=2)
    workflow.fault_hold(fault=beds, actor=office_manager, reason="Awaiting access to room 12")
    return {"heating": heating, "alarm": alarm, "beds": beds}


def test_office_managers_pages_fit_320_pixels(browser, live_server, faults, hostel, office_manager):
    # The report /reports/ lands on (last month), built as its first view's worker would.
    last_month = Period.month_before(timezone.now())
    build_report_page(office_manager, last_month)
    context, page = narrow(browser, live_server)
    sign_in(page, "olivia")
    alarm = faults["alarm"].pk
    assert_fits(page, "/", "home")
    assert_fits(page, "/faults/", "faults")
    assert_fits(page, "/faults/?status=all&sort=fix_due")
    assert_fits(page, "/faults/new/", "log-fault")
    assert_fits(page, f"/faults/new/?premises={hostel.pk}", "log-fault-here")
    assert_fits(page, f"/faults/{alarm}/", "fault")
    assert_fits(page, f"/faults/{faults['heating'].pk}/")
    assert_fits(page, f"/faults/{alarm}/actions/hold/", "action-hold")
    assert_fits(page, f"/premises/{hostel.pk}/", "premises")
    assert_fits(page, "/reports/", "report-month")
    assert_fits(page, "/reports/all/", "reports-all")
    assert_fits(page, "/reports/definitions/")
    assert_fits(page, "/accessibility/")
    context.close()


def test_contractors_and_contract_managers_pages_fit_320_pixels(
    browser, live_server, faults, hostel
):
    context, page = narrow(browser, live_server)
    sign_in(page, "carl")
    alarm = faults["alarm"].pk
    assert_fits(page, "/", "home-contractor")
    assert_fits(page, f"/faults/{alarm}/", "fault-contractor")
    assert_fits(page, f"/faults/{alarm}/actions/fix/")
    # Connecting their own job system: the token pages, with a long-named token listed.
    assert_fits(page, "/account/api-tokens/", "api-tokens-contractor")
    assert_fits(page, "/account/api-tokens/new/", "api-token-new")
    page.get_by_label("What is the token for?").fill("Helpdesk CAFM integration (production)")
    page.get_by_label("Read only").check()
    page.get_by_label("Never").check()
    page.get_by_role("button", name="Make token").click()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= WIDTH, f"the new token's page is {width}px wide"
    assert_fits(page, "/account/api-tokens/")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "rhea")
    assert_fits(page, "/", "home-contract-manager")
    assert_fits(page, "/faults/?status=all")
    assert_fits(page, f"/premises/{hostel.pk}/")
    assert_fits(page, "/reports/")
    context.close()


def test_pages_fit_320_pixels_without_javascript(browser, live_server, faults, hostel):
    context, page = narrow(browser, live_server, javascript=False)
    assert_fits(page, "/sign-in/")
    sign_in(page, "olivia")
    for url in ("/", "/faults/", "/faults/new/", f"/faults/{faults['alarm'].pk}/", "/reports/"):
        assert_fits(page, url)
    context.close()
