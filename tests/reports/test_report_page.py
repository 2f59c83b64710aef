"""The report page is built by a worker, never inside the web request (issue 11, item 5).

The first view of a report (period, the person's scope and choices, the data as it stands)
sends the person to the "being prepared" page and asks a worker for it, once however many ask;
the page refreshes itself until the report is built, then shows it. Later views read what the
worker stored. The figures are checked against the April history worked out by hand in
`conftest.py`.
"""

import threading

import pytest
from celery import current_app
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from facilities import tasks
from facilities.faults import workflow
from facilities.finding import preparing, reporting
from facilities.models import Fault, PreparationStatus, PreparedReport
from facilities.periods import Period
from facilities.reports import measures

from .conftest import AFTER_APRIL, at
from .pages import prepared_id, report_page

pytestmark = pytest.mark.django_db

APRIL = Period.month(2026, 4)
URL = "/reports/2026-04/"
REFRESH = '<meta http-equiv="refresh" content="5">'


@pytest.fixture
def now(time_machine):
    time_machine.move_to(AFTER_APRIL, tick=False)
    return AFTER_APRIL


def test_the_first_view_waits_for_the_worker_then_shows_the_report(
    client, history, national_manager, now, django_assert_max_num_queries
):
    client.force_login(national_manager)
    # Session, user, choices, data version (3 lookups), the row: no report is built here.
    with django_assert_max_num_queries(15):
        first = client.get(URL)
    pk = prepared_id(first)
    row = PreparedReport.objects.get(pk=pk)
    assert (row.format, row.status, row.requested_by, row.as_of) == (
        "page",
        PreparationStatus.PREPARING,
        national_manager,
        AFTER_APRIL,
    )
    waiting = client.get(first["Location"])
    assert waiting.status_code == 200
    assert REFRESH in waiting.text
    assert "Your report is being prepared" in waiting.text
    assert "When it is ready, this page will show it." in waiting.text
    assert "Contractor performance: April 2026" in waiting.text
    assert "Format" not in waiting.text  # a page, not a file
    assert "Stop refreshing this page" in waiting.text
    assert '<a href="/reports/all/" class="govuk-back-link">All reports</a>' in waiting.text
    # There is no file to fetch: its address sends the person back to the waiting page.
    file = client.get(reverse("report_prepared_file", args=[pk]))
    assert (file.status_code, file["Location"]) == (303, f"/reports/prepared/{pk}/")

    assert tasks.prepare_report(pk) == "ready"
    ready = client.get(first["Location"])  # the page's next refresh
    assert (ready.status_code, ready["Location"]) == (303, f"{URL}?prepared={pk}")
    page = client.get(ready["Location"])
    assert page.status_code == 200
    report = page.context["report"]
    # By hand (conftest): C D E F G H I logged in April; A, B, F, C (again) late: 36 points
    # at £25 a point for the contract, E unrouted.
    assert (report.total.logged, report.total.fixed) == (7, 6)
    assert report.total.credit_points == 36
    assert "£900.00" in page.text
    assert report.breach_lines == []  # only the downloads list them
    # The download links carry the choices, never the prepared row.
    assert 'href="/reports/2026-04/download.csv"' in page.text


def test_later_views_read_what_the_worker_stored(
    client, history, national_manager, now, django_assert_max_num_queries
):
    client.force_login(national_manager)
    report_page(client, URL)
    row = PreparedReport.objects.get()
    with django_assert_max_num_queries(15):
        again = client.get(URL)
    assert again.status_code == 200
    assert again.context["report"].total.logged == 7
    cache.clear()  # another web process, say: the figures come from the row
    with django_assert_max_num_queries(16):
        fresh = client.get(URL)
    assert fresh.context["report"].total.logged == 7
    assert PreparedReport.objects.get().pk == row.pk
    assert PreparedReport.objects.get().attempts == 1
    assert tasks.prepare_report(row.pk) == "skipped"  # a duplicate message builds nothing


def test_many_first_views_ask_for_one_build(
    client, history, national_manager, now, django_capture_on_commit_callbacks
):
    client.force_login(national_manager)
    other = Client()
    other.force_login(national_manager)  # the same person in another tab
    with django_capture_on_commit_callbacks() as asked:
        pks = {prepared_id(c.get(URL)) for c in (client, other, client)}
    assert len(pks) == 1
    assert len(asked) == 1  # one task, asked for once the row commits
    assert PreparedReport.objects.count() == 1


def test_a_change_to_the_data_builds_the_report_again(
    client, history, national_manager, contractor_user, now
):
    client.force_login(national_manager)
    before = report_page(client, URL)
    pinned = before.request["PATH_INFO"] + "?" + before.request["QUERY_STRING"]
    attended = before.context["report"].total.priorities["P2"].attend.done
    assert attended == 2  # C and G (A and B were attended in March, E and H not at all)
    # H (P2, logged 27 April) attended an hour later: April now has one more attendance.
    workflow.fault_attend(fault=history.h, actor=contractor_user, now=at("2026-04-27 10:00"))
    again = client.get(URL)
    new = prepared_id(again)
    assert new != PreparedReport.objects.order_by("pk").first().pk
    # What the person was shown stays as it was at its address meanwhile.
    assert client.get(pinned).context["report"].total.priorities["P2"].attend.done == 2
    assert tasks.prepare_report(new) == "ready"
    after = client.get(client.get(again["Location"])["Location"])
    expected = reporting.report(
        national_manager, APRIL, reporting.selection(national_manager), now=AFTER_APRIL
    )
    assert expected.total.priorities["P2"].attend.done == 3
    assert after.context["report"].total == expected.total
    assert PreparedReport.objects.count() == 2


def test_nobody_else_reads_a_prepared_page(
    client, history, national_manager, regional_manager, region, now
):
    client.force_login(national_manager)
    theirs = report_page(client, URL)
    pk = PreparedReport.objects.get().pk
    assert theirs.context["report"].total.logged == 7
    other = Client()
    other.force_login(regional_manager)
    assert client.get(reverse("report_prepared", args=[pk])).status_code == 303
    assert other.get(reverse("report_prepared", args=[pk])).status_code == 404
    # Their own report, not the pinned one of someone else.
    mine = other.get(f"{URL}?prepared={pk}")
    assert prepared_id(mine) != pk
    assert PreparedReport.objects.get(pk=prepared_id(mine)).requested_by == regional_manager
    # A pin for other choices is not honoured either: the region's own report is asked for.
    narrowed = client.get(f"{URL}?region={region.pk}&prepared={pk}")
    assert prepared_id(narrowed) != pk


def test_hostile_pins_are_ignored(client, history, national_manager, now):
    client.force_login(national_manager)
    for pin in ("x", "-1", "9" * 40, "1e3", ""):
        assert client.get(f"{URL}?prepared={pin}").status_code == 303


def test_the_page_leaves_out_the_per_breach_lines_and_nothing_else(history, now):
    faults = Fault.objects.all()
    full = measures.build(faults, APRIL, now=AFTER_APRIL)
    lean = measures.build(faults, APRIL, now=AFTER_APRIL, with_breach_lines=False)
    assert len(full.breach_lines) == 4  # A, B, C (again), F: each fixed late
    assert sum(line.points for line in full.breach_lines) == full.total.credit_points == 36
    assert lean.breach_lines == []
    full.breach_lines = []
    assert lean == full


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the categories
def test_first_views_at_the_same_moment_make_one_row_and_one_task(history, national_manager, now):
    """Two requests racing: the second's insert waits for the first's row, then uses it."""
    if connection.vendor != "postgresql":
        pytest.skip("requires PostgreSQL (concurrent transactions)")

    def waiting() -> int:
        with current_app.connection_for_write() as conn:
            return conn.default_channel._size(current_app.conf.task_default_queue)

    before = waiting()
    inserted, release = threading.Event(), threading.Event()
    seen: dict[str, int] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                shown = preparing.page_for(preparing.Wanted(national_manager, APRIL))
                seen["first"] = shown.row.pk
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    def second() -> None:
        try:
            client = Client()
            client.force_login(national_manager)
            inserted.wait(10)
            seen["second"] = prepared_id(client.get(URL))
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    threads[1].start()
    inserted.wait(10)
    threads[1].join(1)  # blocked on the first's uncommitted row
    assert "second" not in seen
    release.set()
    for thread in threads:
        thread.join(30)
    assert seen["first"] == seen["second"]
    assert PreparedReport.objects.filter(format="page").count() == 1
    assert waiting() == before + 1


def test_a_page_that_could_not_be_built_says_so_and_is_tried_again(
    client, history, regional_manager, region, now
):
    client.force_login(regional_manager)
    url = f"{URL}?region={region.pk}"
    pk = prepared_id(client.get(url))
    regional_manager.regions.clear()  # the region taken away before the worker builds it
    assert tasks.prepare_report(pk) == "failed"
    regional_manager.regions.add(region)
    assert prepared_id(client.get(url)) == pk  # the same report: its failure is shown
    page = client.get(reverse("report_prepared", args=[pk]))
    assert page.status_code == 200
    assert "Your report could not be prepared" in page.text
    assert "You can no longer see this report" in page.text
    assert REFRESH not in page.text
    assert client.post(reverse("report_prepared", args=[pk])).status_code == 303  # try again
    assert tasks.prepare_report(pk) == "ready"
    shown = client.get(client.get(reverse("report_prepared", args=[pk]))["Location"])
    assert shown.context["report"].total.logged == 6  # the North East's: all but E


def test_figures_that_cannot_be_read_are_built_again_never_a_server_error(
    client, history, national_manager, now
):
    client.force_login(national_manager)
    report_page(client, URL)
    row = PreparedReport.objects.get()
    PreparedReport.objects.filter(pk=row.pk).update(content=b"not figures")
    cache.clear()
    failed = client.get(URL)
    assert prepared_id(failed) == row.pk
    page = client.get(failed["Location"])
    assert "The report could not be read. Try again." in page.text
    client.post(failed["Location"])
    assert tasks.prepare_report(row.pk) == "ready"
    assert report_page(client, URL).context["report"].total.logged == 7
