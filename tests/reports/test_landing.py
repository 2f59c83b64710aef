"""Reports land on the latest complete month, with each person's own figures, and the month
picker offers only months that have data; wide tables say they scroll."""

import re

import pytest
from django.urls import reverse

from facilities.periods import Period
from facilities.web.reports_views import landing_month
from tests.factories import UserFactory
from tests.reports.pages import report_page

from .conftest import AFTER_APRIL, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def now(time_machine):
    time_machine.move_to(AFTER_APRIL, tick=False)
    return AFTER_APRIL


def test_a_contract_manager_lands_on_the_latest_complete_month(
    client, history, national_manager, now
):
    client.force_login(national_manager)
    response = client.get("/reports/")
    assert response.status_code == 302
    assert response["Location"] == "/reports/2026-04/"  # May has only begun


def test_an_office_manager_lands_on_their_premises_figures(
    client, history, other_office_manager, now
):
    client.force_login(other_office_manager)
    landing = client.get("/reports/")
    assert (landing.status_code, landing["Location"]) == (302, "/reports/2026-04/")
    page = report_page(client, "/reports/2026-04/")
    assert page.context["report"].total.logged == 1  # Cardiff's one fault, E
    assert "You manage 1 premises: Cardiff probation office." in page.text


def test_the_picker_offers_only_months_with_data(client, history, regional_manager, now):
    client.force_login(regional_manager)
    page = client.get(reverse("report_choose"))
    assert page.status_code == 200
    months = page.context["form"].fields["month"].choices
    assert months == [
        ("", "Choose a month"),
        ("2026-05", "May 2026 (so far)"),
        ("2026-04", "April 2026"),
        ("2026-03", "March 2026"),  # the first fault, A, was logged on 24 March
    ]
    assert page.context["form"]["month"].value() == "2026-04"


def test_data_that_starts_this_month_lands_on_this_month():
    may = Period.month(2026, 5)
    assert landing_month(may, at("2026-05-05 12:00")) == may
    assert landing_month(Period.month(2026, 1), at("2026-05-05 12:00")) == Period.month(2026, 4)
    assert landing_month(None, at("2026-05-05 12:00")) is None


def test_with_no_data_the_reports_page_says_so(client, now, region):
    nobody = UserFactory(role="contract_manager", regions=[region])
    client.force_login(nobody)
    page = client.get("/reports/")
    assert page.status_code == 200
    assert "There are no faults in your reports yet." in page.text
    assert 'name="month"' not in page.text


def test_wide_tables_say_they_scroll(client, history, national_manager, now):
    client.force_login(national_manager)
    html = report_page(client, "/reports/2026-04/").text
    wide = re.search(
        r'<p class="govuk-body-s app-scroll-hint" id="(table-[\w-]+-hint)">Scroll sideways '
        r"within the table to see all (\d+) columns</p>\s*"
        r'<div class="app-table-scroll app-report-scroll" role="region" aria-label="[^"]+" '
        r'aria-describedby="\1" tabindex="0">',
        html,
    )
    assert wide
    assert int(wide.group(2)) > 8
    # A narrow table's hint waits, hidden, for the script to find it does not fit.
    assert re.search(r'class="govuk-body-s app-scroll-hint" id="[\w-]+" hidden>', html)
    assert '<a href="/reports/all/" class="govuk-back-link">All reports</a>' in html
