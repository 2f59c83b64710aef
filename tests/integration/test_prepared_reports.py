"""A report download becomes ready through Celery: PostgreSQL, Redis and a real worker.

The download request only records what is wanted and sends the person to the "being
prepared" page; once its transaction commits, the task goes through Redis to an in-process
worker, which builds the file; the page then links it, and the file is what `exports` makes
of the same report.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from facilities.faults import workflow
from facilities.finding import reporting
from facilities.models import PreparationStatus, PreparedReport
from facilities.periods import Period, london_date
from facilities.reports import exports
from tests.factories import category
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def faults(office_manager, contractor_user, premises, contract):
    """Two faults yesterday or the day before: one fixed, one still open."""
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
        fault=fixed, actor=contractor_user, note="Washer", now=start + timedelta(hours=1)
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


def test_a_download_becomes_ready_through_the_worker(
    services, worker, client, regional_manager, faults
):
    client.force_login(regional_manager)
    # A period that is over (from the faults' day to yesterday): the same file all day.
    period = Period(london_date(faults), london_date(timezone.now()) - timedelta(days=1))
    url = reverse("report_download", args=[period.slug, "csv"])
    asked = client.get(url)
    assert asked.status_code == 303
    pk = int(re.fullmatch(r"/reports/prepared/(\d+)/", asked["Location"])[1])
    waiting = client.get(asked["Location"])
    assert "Your report is" in waiting.text  # being prepared, or ready already

    def ready():
        return PreparedReport.objects.filter(pk=pk, status=PreparationStatus.READY).exists()

    wait_for(ready, timeout=60, what="the worker to prepare the file")
    row = PreparedReport.objects.get(pk=pk)
    assert row.attempts == 1
    page = client.get(asked["Location"])
    assert '<meta http-equiv="refresh"' not in page.text
    assert reverse("report_prepared_file", args=[pk]) in page.text
    served = client.get(reverse("report_prepared_file", args=[pk]))
    assert served.status_code == 200
    chosen = reporting.selection(regional_manager)
    report = reporting.report(regional_manager, period, chosen, now=row.as_of)
    body = served.getvalue()  # a streamed response can be read once
    assert body == exports.to_csv(report)
    again = client.get(url)  # asked again, nothing changed: the stored file
    assert again.status_code == 200, f"prepared again: {again.get('Location')}"
    assert again.getvalue() == body
    assert PreparedReport.objects.count() == 1


def test_the_report_page_is_built_by_the_worker_on_its_first_view(
    services, worker, client, regional_manager, faults
):
    client.force_login(regional_manager)
    period = Period(london_date(faults), london_date(timezone.now()) - timedelta(days=1))
    url = reverse("report_month", args=[period.slug])
    first = client.get(url)
    assert first.status_code == 303  # to "being prepared": the request built nothing
    pk = int(re.fullmatch(r"/reports/prepared/(\d+)/", first["Location"])[1])

    def ready():
        return PreparedReport.objects.filter(pk=pk, status=PreparationStatus.READY).exists()

    wait_for(ready, timeout=60, what="the worker to build the report page")
    shown = client.get(first["Location"])  # the waiting page's next refresh
    assert (shown.status_code, shown["Location"]) == (303, f"{url}?prepared={pk}")
    page = client.get(shown["Location"])
    assert page.status_code == 200
    chosen = reporting.selection(regional_manager)
    expected = reporting.report(regional_manager, period, chosen, now=page.context["report"].as_of)
    assert page.context["report"].total == expected.total
    assert page.context["report"].total.logged == 2  # the tap and the camera
    again = client.get(url)  # nothing changed: what the worker stored, no new build
    assert again.status_code == 200
    assert PreparedReport.objects.filter(format="page").count() == 1
