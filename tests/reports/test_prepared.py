"""Report downloads and reissues made by a worker, never inside the web request (issue 11).

Most tests call the task functions directly, as the worker would; the integration test
(tests/integration/test_prepared_reports.py) runs a real worker. Expected files are built
here independently, from `finding.reporting` and `reports.exports`.
"""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.celery_app import app as celery_app
from facilities import tasks
from facilities.faults import workflow
from facilities.finding import preparing, reporting
from facilities.models import (
    OutboxEmail,
    PreparationStatus,
    PreparedReport,
    ReissueRequest,
    ReportSnapshot,
)
from facilities.periods import Period
from facilities.reports import exports, issue, queueing
from tests.integration.conftest import broker_at, free_port

from .conftest import AFTER_APRIL
from .pages import prepared_id, report_page

pytestmark = pytest.mark.django_db

APRIL = Period.month(2026, 4)
REFRESH = '<meta http-equiv="refresh" content="5">'


@pytest.fixture
def now(time_machine):
    time_machine.move_to(AFTER_APRIL, tick=False)
    return AFTER_APRIL


def download_url(fmt: str = "csv", **query) -> str:
    url = reverse("report_download", args=["2026-04", fmt])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def expected_file(user, fmt: str, as_of, **choices) -> bytes:
    """The file as `exports` builds it for the same person, choices and moment."""
    chosen = reporting.selection(user, **choices)
    report = reporting.report(user, APRIL, chosen, now=as_of)
    made = timezone.localtime(as_of).strftime("%-d %B %Y %H:%M")
    provenance = exports.Provenance(made_at=made, app_version=issue.app_version())
    if fmt == "csv":
        return exports.to_csv(report)
    if fmt == "xlsx":
        return exports.to_xlsx(report, provenance)
    return exports.to_pdf(report, provenance)


def same_file(made: bytes, expected: bytes, fmt: str) -> bool:
    """The same bytes; for an XLSX, the same bytes in every member of the zip: openpyxl writes
    each sheet through a temporary file, so its zip entry carries the second it was built."""
    if fmt != "xlsx":
        return made == expected

    def members(data: bytes) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {name: archive.read(name) for name in archive.namelist()}

    return members(made) == members(expected)


def queued() -> int:
    """Messages waiting on the run's own queue (nothing consumes them in these tests)."""
    with celery_app.connection_for_write() as connection:
        return connection.default_channel._size(celery_app.conf.task_default_queue)


def asked(client, url: str) -> PreparedReport:
    response = client.get(url)
    assert response.status_code == 303
    match = re.fullmatch(r"/reports/prepared/(\d+)/", response["Location"])
    assert match, response["Location"]
    return PreparedReport.objects.get(pk=int(match[1]))


# --- Downloads ----------------------------------------------------------------------------


def test_a_download_asks_once_and_shows_the_being_prepared_page(
    client, history, national_manager, now
):
    client.force_login(national_manager)
    first = asked(client, download_url("pdf"))
    again = asked(client, download_url("pdf"))  # two clicks make one
    assert first.pk == again.pk
    assert PreparedReport.objects.count() == 1
    assert (first.status, first.format, first.requested_by) == (
        PreparationStatus.PREPARING,
        "pdf",
        national_manager,
    )
    assert (first.period_first, first.period_last, first.as_of) == (
        APRIL.first,
        APRIL.last,
        AFTER_APRIL,
    )
    page = client.get(reverse("report_prepared", args=[first.pk]))
    assert page.status_code == 200
    assert REFRESH in page.text
    assert "Your report is being prepared" in page.text
    assert "Contractor performance: April 2026" in page.text
    assert "Download the report" not in page.text
    assert reverse("report_prepared_file", args=[first.pk]) not in page.text
    assert "Stop refreshing this page" in page.text
    # The refreshing is a time limit the person can turn off (WCAG 2.2.1), then check by hand.
    stopped = client.get(reverse("report_prepared", args=[first.pk]), {"refresh": "off"})
    assert REFRESH not in stopped.text
    assert "This page will not refresh itself" in stopped.text
    assert f'href="/reports/prepared/{first.pk}/?refresh=off">Check whether your report' in (
        stopped.text
    )
    # The file's own address does not serve anything yet.
    early = client.get(reverse("report_prepared_file", args=[first.pk]))
    assert (early.status_code, early["Location"]) == (303, f"/reports/prepared/{first.pk}/")


@pytest.mark.parametrize(
    ("fmt", "content_type", "words"),
    [
        ("csv", "text/csv; charset=utf-8", "CSV"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
        ("pdf", "application/pdf", "PDF"),
    ],
)
def test_the_worker_makes_the_file_that_exports_builds(
    client, history, national_manager, now, fmt, content_type, words
):
    client.force_login(national_manager)
    row = asked(client, download_url(fmt))
    assert tasks.prepare_report(row.pk) == "ready"
    row.refresh_from_db()
    expected = expected_file(national_manager, fmt, AFTER_APRIL)
    assert same_file(bytes(row.content), expected, fmt)
    page = client.get(reverse("report_prepared", args=[row.pk]))
    assert REFRESH not in page.text
    assert "Your report is ready" in page.text
    size = f"{row.size / 1024:.1f}\xa0KB"  # Django's filesizeformat
    assert row.size == len(bytes(row.content))
    assert f"Download the report ({words}, {size})" in page.text
    served = client.get(reverse("report_prepared_file", args=[row.pk]))
    assert served.status_code == 200
    assert served["Content-Type"] == content_type
    assert served["Content-Disposition"] == (
        f'attachment; filename="contractor-performance-2026-04.{fmt}"'
    )
    assert served["Cache-Control"] == "private, no-store"
    assert served["Content-Length"] == str(len(expected))
    assert served.getvalue() == bytes(row.content)
    # Served a slice at a time: any slice length gives the same bytes back.
    assert b"".join(preparing.slices(row.pk, row.size, length=1000)) == bytes(row.content)


def test_a_second_request_serves_the_stored_file_without_building_it_again(
    client, history, national_manager, now, django_assert_max_num_queries
):
    client.force_login(national_manager)
    row = asked(client, download_url("csv"))
    tasks.prepare_report(row.pk)
    row.refresh_from_db()
    # Session, user, period and choices (the person's regions and contractors), the data
    # version (3 primary-key lookups), the row, its bytes: no report is built.
    with django_assert_max_num_queries(12):
        served = client.get(download_url("csv"))
    assert served.status_code == 200
    assert served.getvalue() == bytes(row.content)
    assert PreparedReport.objects.count() == 1
    again = PreparedReport.objects.get()
    assert (again.attempts, again.ready_at) == (1, row.ready_at)
    # A duplicate task message (acks_late) builds nothing either.
    assert tasks.prepare_report(row.pk) == "skipped"
    assert PreparedReport.objects.get().attempts == 1


def test_a_new_timeline_event_gives_a_fresh_preparation(
    client, history, national_manager, office_manager, now
):
    client.force_login(national_manager)
    first = asked(client, download_url("csv"))
    tasks.prepare_report(first.pk)
    workflow.fault_comment(fault=history.h, actor=office_manager, text="Still dripping", now=now)
    second = asked(client, download_url("csv"))
    assert second.pk != first.pk
    assert second.data_version != first.data_version
    assert second.status == PreparationStatus.PREPARING
    assert PreparedReport.objects.count() == 2


def test_each_person_and_choice_has_a_file_of_their_own(
    client, history, national_manager, regional_manager, region, now
):
    client.force_login(national_manager)
    everything = asked(client, download_url("csv"))
    one_region = asked(client, download_url("csv", region=region.pk))
    client.force_login(regional_manager)
    theirs = asked(client, download_url("csv"))
    assert len({everything.pk, one_region.pk, theirs.pk}) == 3
    for row in (everything, one_region, theirs):
        tasks.prepare_report(row.pk)
    theirs.refresh_from_db()
    assert bytes(theirs.content) == expected_file(regional_manager, "csv", AFTER_APRIL)
    one_region.refresh_from_db()
    expected = expected_file(national_manager, "csv", AFTER_APRIL, region=str(region.pk))
    assert bytes(one_region.content) == expected
    assert one_region.filename == "contractor-performance-2026-04-north-east.csv"


def test_nobody_else_sees_the_page_or_the_file(
    client, history, national_manager, regional_manager, now
):
    client.force_login(national_manager)
    row = asked(client, download_url("pdf"))
    tasks.prepare_report(row.pk)
    client.force_login(regional_manager)  # a manager too, but not the one who asked
    assert client.get(reverse("report_prepared", args=[row.pk])).status_code == 404
    assert client.get(reverse("report_prepared_file", args=[row.pk])).status_code == 404
    assert client.post(reverse("report_prepared", args=[row.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("report_prepared_file", args=[row.pk])).status_code == 302


def test_choices_not_offered_and_periods_not_started_are_not_found(
    client, history, regional_manager, other_region, now
):
    client.force_login(regional_manager)
    assert client.get(download_url("csv", region=other_region.pk)).status_code == 404
    assert client.get(download_url("csv", contractor="999")).status_code == 404
    assert client.get(reverse("report_download", args=["2026-06", "csv"])).status_code == 404
    assert client.get(download_url("doc")).status_code == 404
    assert not PreparedReport.objects.exists()


def test_scope_is_checked_again_when_the_file_is_built(
    client, history, regional_manager, region, now
):
    """Asked for while the person could see the region; built after it was taken away:
    a clear page that says so, with "try again", never a 500 and never the figures."""
    client.force_login(regional_manager)
    row = asked(client, download_url("xlsx", region=region.pk))
    regional_manager.regions.clear()
    assert tasks.prepare_report(row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == PreparationStatus.FAILED
    assert bytes(row.content) == b""
    page = client.get(reverse("report_prepared", args=[row.pk]))
    assert page.status_code == 200
    assert "Your report could not be prepared" in page.text
    assert "You can no longer see this report: Choose a region from the list." in page.text
    assert ">Try again</button>" in page.text
    assert REFRESH not in page.text
    retried = client.post(reverse("report_prepared", args=[row.pk]))
    assert (retried.status_code, retried["Location"]) == (303, f"/reports/prepared/{row.pk}/")
    row.refresh_from_db()
    assert (row.status, row.error, row.attempts) == (PreparationStatus.PREPARING, "", 0)
    regional_manager.regions.add(region)
    assert tasks.prepare_report(row.pk) == "ready"


def test_a_broker_that_is_down_leaves_the_file_waiting_until_it_is_asked_again(
    client, history, national_manager, now, time_machine, caplog, django_capture_on_commit_callbacks
):
    client.force_login(national_manager)
    with (
        broker_at(f"redis://127.0.0.1:{free_port()}/0"),  # nothing listens there
        django_capture_on_commit_callbacks(execute=True),
    ):
        row = asked(client, download_url("csv"))
    assert "Could not queue facilities.prepare_report" in caplog.text
    row.refresh_from_db()
    assert (row.status, row.attempts, row.queued_at) == (PreparationStatus.PREPARING, 0, now)

    before = queued()
    page = client.get(reverse("report_prepared", args=[row.pk]))  # within the grace minute
    assert REFRESH in page.text
    assert queued() == before  # not asked again yet

    later = now + queueing.DISPATCH_GRACE + timedelta(seconds=1)
    time_machine.move_to(later, tick=False)
    client.get(reverse("report_prepared", args=[row.pk]))  # the refresh after a minute
    assert queued() == before + 1
    row.refresh_from_db()
    assert row.queued_at == later
    assert tasks.prepare_report(row.pk) == "ready"


def test_the_periodic_redispatch_asks_again_fails_the_hopeless_and_drops_old_files(
    client, history, national_manager, now, time_machine
):
    client.force_login(national_manager)
    lost = asked(client, download_url("csv"))
    dead = asked(client, download_url("xlsx"))
    # A worker started the xlsx three times and died each time (never finished).
    PreparedReport.objects.filter(pk=dead.pk).update(started_at=now, attempts=3)
    ready = asked(client, download_url("pdf"))
    tasks.prepare_report(ready.pk)

    before = queued()
    assert tasks.redispatch_prepared_reports()["downloads"] == {
        "requeued": 0,
        "failed": 0,
        "deleted": 0,
    }
    later = now + queueing.BUILD_TIME_LIMIT + timedelta(seconds=1)
    time_machine.move_to(later, tick=False)
    result = tasks.redispatch_prepared_reports()["downloads"]
    assert result == {"requeued": 1, "failed": 1, "deleted": 0}
    assert queued() == before + 1
    lost.refresh_from_db()
    assert (lost.status, lost.queued_at) == (PreparationStatus.PREPARING, later)
    dead.refresh_from_db()
    assert dead.status == PreparationStatus.FAILED
    page = client.get(reverse("report_prepared", args=[dead.pk]))
    assert "it was tried too many times" in page.text

    time_machine.move_to(now + timedelta(days=1, minutes=1), tick=False)
    assert tasks.redispatch_prepared_reports()["downloads"]["deleted"] == 3
    assert not PreparedReport.objects.exists()


def test_a_report_not_over_is_prepared_again_each_hour(
    client, history, national_manager, now, time_machine
):
    """May 2026 so far (it is 5 May): the same data an hour later makes a new file, as the
    figures have aged; April's, a period over, stays the same file."""
    client.force_login(national_manager)
    may = reverse("report_download", args=["2026-05", "csv"])
    first_may, first_april = asked(client, may), asked(client, download_url("csv"))
    time_machine.move_to(now + timedelta(minutes=30), tick=False)  # 12:30, the same hour
    assert asked(client, may).pk == first_may.pk
    time_machine.move_to(now + timedelta(hours=1), tick=False)
    later = asked(client, may)
    assert later.pk != first_may.pk
    assert later.as_of == now + timedelta(hours=1)
    assert asked(client, download_url("csv")).pk == first_april.pk


# --- The month page -------------------------------------------------------------------------


def test_the_month_page_links_the_downloads_without_a_download_attribute(
    client, history, national_manager, now
):
    client.force_login(national_manager)
    page = report_page(client, reverse("report_month", args=["2026-04"]))
    assert f'href="{download_url("pdf")}"' in page.text
    assert " download>" not in page.text  # it may lead to the "being prepared" page


@pytest.fixture
def page_cache():
    """A cache of this process's own (the test settings have none)."""
    here = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=here):
        cache.clear()
        yield cache
        cache.clear()


def test_a_repeat_view_of_the_report_page_builds_nothing_until_the_data_changes(
    client, history, national_manager, regional_manager, office_manager, now, page_cache
):
    """measures.build reads the escalations: no view does, only the worker's build."""
    client.force_login(national_manager)
    url = reverse("report_month", args=["2026-04"])
    with CaptureQueriesContext(connection) as first:
        asked = client.get(url)  # the first view: to the "being prepared" page
    assert reads(first, "facilities_escalation") == 0
    pk = prepared_id(asked)
    with CaptureQueriesContext(connection) as worker:
        assert tasks.prepare_report(pk) == "ready"
    assert reads(worker, "facilities_escalation") > 0
    with CaptureQueriesContext(connection) as second:
        cached = client.get(url)
    assert reads(second, "facilities_escalation") == 0
    assert cached.context["report"].total.logged == 7
    assert "£900.00" in cached.text
    client.force_login(regional_manager)  # nobody else's figures: their own report is asked for
    assert report_page(client, url).context["report"].total.logged == 6
    client.force_login(national_manager)
    workflow.fault_comment(fault=history.h, actor=office_manager, text="Still dripping", now=now)
    with CaptureQueriesContext(connection) as third:
        moved = client.get(url)
    assert reads(third, "facilities_escalation") == 0
    assert prepared_id(moved) != pk  # the data moved: to be built again, by the worker


def test_the_report_page_works_when_the_cache_is_down(client, history, national_manager, now):
    dead = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    client.force_login(national_manager)
    with override_settings(CACHES=dead):
        page = report_page(client, reverse("report_month", args=["2026-04"]))
        again = client.get(reverse("report_month", args=["2026-04"]))  # from the row
    assert page.status_code == again.status_code == 200
    assert again.context["report"].total.logged == 7
    assert page.context["report"].total.logged == 7


def reads(queries: CaptureQueriesContext, table: str) -> int:
    return sum(f'"{table}"' in q["sql"] for q in queries.captured_queries)


# --- Reissuing ---------------------------------------------------------------------------


def test_a_reissue_is_made_by_the_worker_once(
    client, history, national_manager, regional_manager, now
):
    issue.issue_month(APRIL, now=AFTER_APRIL)
    everything = ReportSnapshot.objects.get(scope_key="all")
    emails_before = OutboxEmail.objects.count()
    client.force_login(national_manager)
    response = client.post(
        reverse("report_reissue", args=[everything.pk]), {"reason": "Late fix evidence"}
    )
    assert response.status_code == 303
    request = ReissueRequest.objects.get()
    assert response["Location"] == f"/reports/reissues/{request.pk}/"
    assert ReportSnapshot.objects.filter(scope_key="all").count() == 1  # nothing made yet
    page = client.get(response["Location"])
    assert REFRESH in page.text
    assert "The report is being reissued" in page.text

    assert tasks.reissue_report(request.pk) == "ready"
    assert tasks.reissue_report(request.pk) == "skipped"  # a duplicate message
    versions = ReportSnapshot.objects.filter(scope_key="all").order_by("version")
    assert [(s.version, s.reason, s.created_by) for s in versions] == [
        (1, "Monthly report", None),
        (2, "Late fix evidence", national_manager),
    ]
    request.refresh_from_db()
    assert request.made == versions[1]
    new_emails = OutboxEmail.objects.filter(dedupe_key__startswith=f"report:{versions[1].pk}:")
    assert new_emails.count() == 1  # the national manager, emailed again
    assert OutboxEmail.objects.count() == emails_before + 1

    page = client.get(response["Location"])
    assert REFRESH not in page.text
    assert "Report reissued" in page.text
    assert reverse("report_snapshot_download", args=[versions[1].pk, "pdf"]) in page.text
    listed = report_page(client, reverse("report_month", args=["2026-04"]))
    assert "Late fix evidence" in listed.text

    client.force_login(regional_manager)
    assert client.get(response["Location"]).status_code == 404


def test_a_reissue_by_someone_who_lost_the_right_fails_politely(
    client, history, national_manager, now
):
    issue.issue_month(APRIL, now=AFTER_APRIL)
    everything = ReportSnapshot.objects.get(scope_key="all")
    client.force_login(national_manager)
    client.post(reverse("report_reissue", args=[everything.pk]), {"reason": "Corrected rate"})
    request = ReissueRequest.objects.get()
    national_manager.is_national = False
    national_manager.save()
    assert tasks.reissue_report(request.pk) == "failed"
    page = client.get(reverse("report_reissuing", args=[request.pk]))
    assert page.status_code == 200
    assert "You can no longer reissue this report." in page.text
    assert ReportSnapshot.objects.filter(scope_key="all").count() == 1


def test_the_broker_down_leaves_a_reissue_waiting(
    client, history, national_manager, now, time_machine, django_capture_on_commit_callbacks
):
    issue.issue_month(APRIL, now=AFTER_APRIL)
    everything = ReportSnapshot.objects.get(scope_key="all")
    client.force_login(national_manager)
    with (
        broker_at(f"redis://127.0.0.1:{free_port()}/0"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(reverse("report_reissue", args=[everything.pk]), {"reason": "Again"})
    request = ReissueRequest.objects.get()
    before = queued()
    time_machine.move_to(now + timedelta(minutes=2), tick=False)
    assert tasks.redispatch_prepared_reports()["reissues"] == {"requeued": 1, "failed": 0}
    assert queued() == before + 1
    assert tasks.reissue_report(request.pk) == "ready"
