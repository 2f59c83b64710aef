"""The report pages: what each person sees, the downloads, issued reports and reissuing."""

import csv
import io

import pytest
from django.urls import reverse

from facilities import tasks
from facilities.models import ReissueRequest, ReportSnapshot
from facilities.periods import Period
from facilities.reports import issue

from .conftest import AFTER_APRIL, at
from .pages import report_page

pytestmark = pytest.mark.django_db

APRIL = Period.month(2026, 4)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(AFTER_APRIL, tick=False)
    return AFTER_APRIL


def month_url(**query) -> str:
    url = reverse("report_month", args=["2026-04"])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_signing_in_is_required(client):
    response = client.get(reverse("report_index"))
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]


def test_the_picker_goes_to_the_chosen_report(client, history, national_manager, region, now):
    client.force_login(national_manager)
    page = client.get(reverse("report_choose"))
    assert page.status_code == 200
    assert page.context["form"]["month"].value() == "2026-04"  # last month by default
    response = client.get(reverse("report_index"), {"month": "2026-04", "region": region.pk})
    assert response.status_code == 302
    assert response["Location"] == f"/reports/2026-04/?region={region.pk}"
    dates = client.get(reverse("report_index"), {"date_from": "1/4/2026", "date_to": "15/4/2026"})
    assert dates["Location"] == "/reports/2026-04-01_2026-04-15/"


def test_the_picker_explains_what_is_wrong(client, national_manager, now):
    client.force_login(national_manager)
    page = client.get(reverse("report_index"), {"date_from": "30/4/2026", "date_to": "1/4/2026"})
    assert page.status_code == 200
    assert "The last day must be the same as or after the first" in page.text
    assert "There is a problem" in page.text


def test_the_report_page_shows_figures_linked_to_faults(client, history, national_manager, now):
    client.force_login(national_manager)
    page = report_page(client, month_url())
    assert page.status_code == 200
    text = page.text
    assert '<h1 class="govuk-heading-l">April 2026</h1>' in text
    assert "/faults/?report=logged.2026-04&amp;status=all&amp;sort=oldest" in text
    assert "/faults/?report=logged.2026-04&amp;contractor=unrouted&amp;status=all" in text
    assert "£900.00" in text
    assert text.count("app-chart__svg") == 3  # the charts, inline
    assert "The numbers in this chart" in text
    assert page.context["report"].total.logged == 7


def test_a_contractor_sees_only_its_own_figures(client, history, contractor_user, now):
    client.force_login(contractor_user)
    page = report_page(client, month_url())
    assert page.context["report"].total.logged == 6
    assert "Unrouted" not in page.text
    choices = [value for value, _ in page.context["form"].fields["contractor"].choices]
    assert choices == [str(contractor_user.contractor_id)]


def test_a_regional_manager_sees_only_their_regions(
    client, history, regional_manager, other_region, now
):
    client.force_login(regional_manager)
    page = report_page(client, month_url())
    assert page.context["report"].total.logged == 6  # E is in Wales
    assert [f.region for f in page.context["report"].by_region] == ["North East"]
    assert client.get(month_url(region=other_region.pk)).status_code == 404


def test_an_office_manager_sees_their_premises(client, history, other_office_manager, now):
    client.force_login(other_office_manager)
    report = report_page(client, month_url()).context["report"]
    assert (report.total.logged, report.total.overdue_at_end) == (1, 1)  # E, in Cardiff


def test_choosing_a_contractor_narrows_the_report(client, history, national_manager, now):
    client.force_login(national_manager)
    report = report_page(client, month_url(contractor="unrouted")).context["report"]
    assert report.total.logged == 1
    assert report.selection == {"Contractor": "Unrouted (no contractor)"}


def prepared_download(client, url: str):
    """A download as a person gets it: asked for (the request builds nothing and sends them to
    the "being prepared" page), made by the worker's task, then served from the stored row."""
    asked = client.get(url)
    assert asked.status_code == 303
    assert asked["Location"].startswith("/reports/prepared/")
    pk = int(asked["Location"].rstrip("/").rsplit("/", 1)[1])
    assert tasks.prepare_report(pk) == "ready"
    return client.get(url)


@pytest.mark.parametrize(
    ("fmt", "content_type", "start"),
    [
        ("csv", "text/csv; charset=utf-8", b"\xef\xbb\xbfperiod,scope"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
        ("pdf", "application/pdf", b"%PDF"),
    ],
)
def test_downloads(client, history, national_manager, now, fmt, content_type, start):
    client.force_login(national_manager)
    response = prepared_download(client, reverse("report_download", args=["2026-04", fmt]))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        f'attachment; filename="contractor-performance-2026-04.{fmt}"'
    )
    assert response.getvalue().startswith(start)


def test_a_contractors_download_has_only_its_figures(client, history, contractor_user, now):
    client.force_login(contractor_user)
    response = prepared_download(client, reverse("report_download", args=["2026-04", "csv"]))
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert {r["contractor"] for r in rows} <= {"", "North Facilities Ltd"}
    logged = [
        r for r in rows if r["table"] == "All faults in the report" and r["measure"] == "Logged"
    ]
    assert logged[0]["value"] == "6"


def test_an_unknown_period_or_format_is_not_found(client, national_manager, now):
    client.force_login(national_manager)
    assert client.get(reverse("report_month", args=["2026-13"])).status_code == 404
    assert client.get(reverse("report_download", args=["2026-04", "doc"])).status_code == 404


HOSTILE_PERIODS = [
    "0001-01-01_9999-12-31",
    "2026-01-01_9999-12-31",
    "9999-12",
    "9999-11",
    "0001-01",
    "1899-12",
    "2026-02-30_2026-03-01",
    "2026-03-31_2026-03-01",
    "2025-01-01_2026-01-02",  # 367 days
    "20260101_20260201",
    "2026-04-01_2026-04-02_2026-04-03",
    "9" * 300,
]


@pytest.mark.parametrize("period", HOSTILE_PERIODS)
def test_no_period_in_a_url_is_a_server_error(client, national_manager, now, period):
    """Refused with a 404 before any figure is worked out (these raised OverflowError)."""
    client.force_login(national_manager)
    assert client.get(f"/reports/{period}/").status_code == 404
    for fmt in ("csv", "xlsx", "pdf"):
        assert client.get(f"/reports/{period}/download.{fmt}").status_code == 404


def test_the_reported_urls_are_not_found(client, national_manager, now):
    client.force_login(national_manager)
    assert client.get("/reports/0001-01-01_9999-12-31/").status_code == 404
    assert client.get("/reports/2026-01-01_9999-12-31/download.csv").status_code == 404


def test_the_picker_refuses_periods_outside_the_years_with_data(client, national_manager, now):
    client.force_login(national_manager)
    page = client.get(reverse("report_index"), {"date_from": "1/1/1999", "date_to": "1/2/1999"})
    assert page.status_code == 200
    assert "Choose a period between 2000 and 2027" in page.text
    page = client.get(reverse("report_index"), {"date_from": "1/1/2025", "date_to": "2/1/2026"})
    assert "Choose a period of a year or less" in page.text


def test_the_definitions_page(client, national_manager):
    client.force_login(national_manager)
    page = client.get(reverse("report_definitions"))
    assert page.status_code == 200
    assert "First-time fix rate (%)" in page.text
    assert "P1 8, P2 4, P3 2, P4 1" in page.text


def test_issued_reports_are_listed_and_downloaded_within_scope(
    client, history, national_manager, contractor_user, now
):
    issue.issue_month(APRIL, now=AFTER_APRIL)
    everything = ReportSnapshot.objects.get(scope_key="all")
    client.force_login(national_manager)
    index = client.get(reverse("report_choose"))
    assert "All regions and contractors" in index.text
    pdf = client.get(reverse("report_snapshot_download", args=[everything.pk, "pdf"]))
    assert pdf.content == bytes(everything.pdf)
    client.force_login(contractor_user)
    blocked = client.get(reverse("report_snapshot_download", args=[everything.pk, "pdf"]))
    assert blocked.status_code == 404


def test_a_contract_manager_reissues_with_a_reason(client, history, national_manager, now):
    issue.issue_month(APRIL, now=AFTER_APRIL)
    everything = ReportSnapshot.objects.get(scope_key="all")
    client.force_login(national_manager)
    url = reverse("report_reissue", args=[everything.pk])
    missing = client.post(url, {"reason": " "})
    assert "Enter why you are reissuing this report" in missing.text
    done = client.post(url, {"reason": "Late fix evidence received"})
    assert done.status_code == 303  # to "being reissued": the worker makes the new version
    asked = ReissueRequest.objects.get()
    assert done["Location"] == f"/reports/reissues/{asked.pk}/"
    assert tasks.reissue_report(asked.pk) == "ready"
    versions = ReportSnapshot.objects.filter(scope_key="all").order_by("version")
    assert [(s.version, s.reason) for s in versions] == [
        (1, "Monthly report"),
        (2, "Late fix evidence received"),
    ]


def test_only_contract_managers_reissue(client, history, contractor_user, contractor, now):
    issue.issue_month(APRIL, now=AFTER_APRIL)
    own = ReportSnapshot.objects.get(scope_key=f"contractor:{contractor.pk}")
    client.force_login(contractor_user)
    response = client.post(reverse("report_reissue", args=[own.pk]), {"reason": "Mine"})
    assert response.status_code == 403
    assert ReportSnapshot.objects.filter(scope_key=own.scope_key).count() == 1
    assert not ReissueRequest.objects.exists()


def test_a_date_range_report(client, history, national_manager, now):
    client.force_login(national_manager)
    page = report_page(client, reverse("report_month", args=["2026-04-01_2026-04-15"]))
    assert page.status_code == 200
    report = page.context["report"]
    assert report.period.label == "1 April 2026 to 15 April 2026"
    assert report.total.logged == 4  # C D E F
    assert at("2026-04-16 00:00") == report.cutoff
