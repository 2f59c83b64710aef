"""Retention: closed faults' personal data removed after the period (figures intact), by a
command with a dry run and by a beat job; and the streaming export to CSV and JSON Lines."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from facilities import tasks
from facilities.faults import workflow
from facilities.models import (
    Escalation,
    Fault,
    FaultEvent,
    FaultHold,
    FaultPhoto,
    OutboxEmail,
    OutboxStatus,
)
from facilities.periods import Period
from facilities.reports import issue, measures
from facilities.retention import anonymising, exporting
from facilities.retention.anonymising import REMOVED
from tests.factories import category

pytestmark = pytest.mark.django_db

LOGGED = datetime(2021, 3, 2, 10, 0, tzinfo=UTC)  # a Tuesday, years before "now"
HOUR = timedelta(hours=1)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def closed_fault(office_manager, contractor_user, premises, contract, settings):
    """A P2 fault attended late, held, commented on, escalated by hand, fixed and closed, with
    a photo and its emails sent: every kind of text and file retention must remove."""
    fault = workflow.fault_log(
        premises=premises,
        category=category("plumbing-water"),
        location="Kitchen",
        description="Jo Bloggs slipped on the leak by the sink",
        reported_by=office_manager,
        now=LOGGED,
    )
    workflow.fault_acknowledge(fault=fault, actor=contractor_user, now=LOGGED + HOUR)
    workflow.fault_comment(fault=fault, actor=office_manager, text="Ask Jo, on 07700 900123",
                           now=LOGGED + 2 * HOUR)  # fmt: skip
    workflow.fault_escalate(fault=fault, actor=office_manager, reason="Mr Smith is furious",
                            now=LOGGED + 3 * HOUR)  # fmt: skip
    workflow.fault_hold(fault=fault, actor=office_manager, reason="Jo on leave",
                        now=LOGGED + 3 * HOUR)  # fmt: skip
    workflow.fault_resume(fault=fault, actor=office_manager, now=LOGGED + 5 * HOUR)
    workflow.fault_attend(fault=fault, actor=contractor_user, note="Met Jo", now=LOGGED + 9 * HOUR)
    workflow.fault_fix(fault=fault, actor=contractor_user, note="Fixed for Jo",
                       now=LOGGED + 10 * HOUR)  # fmt: skip
    workflow.fault_confirm(fault=fault, actor=office_manager, note="Thanks", now=LOGGED + 11 * HOUR)
    FaultPhoto.objects.create(
        fault=fault,
        display=default_storage.save(f"faults/{fault.pk}/d.jpg", ContentFile(b"jpeg")),
        thumbnail=default_storage.save(f"faults/{fault.pk}/t.jpg", ContentFile(b"jpg")),
        content_type="image/jpeg",
        original_name="jo.jpg",
        uploaded_by=office_manager,
        uploaded_at=LOGGED,
    )
    OutboxEmail.objects.filter(fault=fault).update(
        status=OutboxStatus.SENT, sent_at=LOGGED, body_text="Jo Bloggs slipped"
    )
    fault.refresh_from_db()
    return fault


def figures(now=NOW) -> dict:
    report = measures.build(Fault.objects.all(), Period.month(2021, 3), now=now)
    return issue.figures_json(report)


def test_a_dry_run_counts_and_changes_nothing(closed_fault):
    before = list(FaultEvent.objects.values_list("note", flat=True))
    out = io.StringIO()
    call_command("anonymise_closed_faults", "--dry-run", "--days", "365", stdout=out)
    assert "Would anonymise 1 fault(s) closed more than 365 days ago." in out.getvalue()
    assert "photos: 1" in out.getvalue()
    closed_fault.refresh_from_db()
    assert closed_fault.anonymised_at is None
    assert closed_fault.description.startswith("Jo Bloggs")
    assert list(FaultEvent.objects.values_list("note", flat=True)) == before
    assert FaultPhoto.objects.count() == 1


def test_anonymising_removes_personal_data_and_keeps_the_figures(
    closed_fault, django_capture_on_commit_callbacks
):
    before = figures()
    photo = FaultPhoto.objects.get()
    files = [photo.display.name, photo.thumbnail.name]

    with django_capture_on_commit_callbacks(execute=True):  # files go once the rows have
        outcome = anonymising.anonymise_closed_faults(now=NOW, days=365)

    assert outcome.faults == 1
    fault = Fault.objects.get()
    assert fault.description == REMOVED
    assert fault.reported_by is None
    assert fault.anonymised_at == NOW
    assert fault.location == "Kitchen"  # a place, and what repeat faults are matched on
    texts = " ".join(
        [*FaultEvent.objects.values_list("note", flat=True)]
        + [json.dumps(d) for d in FaultEvent.objects.values_list("details", flat=True)]
        + [*FaultHold.objects.values_list("reason", flat=True)]
        + [*Escalation.objects.values_list("reason", flat=True)]
        + [*OutboxEmail.objects.values_list("body_text", flat=True)]
        + [json.dumps(c) for c in OutboxEmail.objects.values_list("context", flat=True)]
    )
    for personal in ("Jo", "Smith", "07700", "Thanks"):
        assert personal not in texts
    assert not FaultPhoto.objects.exists()
    assert not any(default_storage.exists(name) for name in files)
    # The figures are made of times, targets and breaches: the same as before.
    assert figures() == before
    # Done once: a second run finds nothing.
    assert anonymising.anonymise_closed_faults(now=NOW, days=365).faults == 0


def test_faults_within_the_period_or_still_open_are_kept(closed_fault, premises, office_manager):
    open_fault = workflow.fault_log(
        premises=premises,
        category=category("plumbing-water"),
        location="Hall",
        description="Open for ever",
        reported_by=office_manager,
        now=LOGGED,
    )
    closed_at = closed_fault.closed_at
    days = (NOW - closed_at).days + 1  # the period is not over yet
    assert anonymising.anonymise_closed_faults(now=NOW, days=days).faults == 0
    assert anonymising.anonymise_closed_faults(now=NOW, days=days - 1).faults == 1
    open_fault.refresh_from_db()
    assert open_fault.description == "Open for ever"


def test_the_beat_job_uses_the_retention_setting(closed_fault, settings):
    settings.RETENTION_DAYS = 100_000
    assert tasks.anonymise_closed_faults()["faults"] == 0
    settings.RETENTION_DAYS = 365
    assert tasks.anonymise_closed_faults()["faults"] == 1
    assert "facilities.anonymise_closed_faults" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


# --- Export ----------------------------------------------------------------------------------


def test_export_jsonl_has_each_fault_once_with_its_whole_timeline(closed_fault, tmp_path):
    path = tmp_path / "faults.jsonl"
    call_command(
        "export_faults", "--from", "2021-03-01", "--to", "2021-03-31", "--output", str(path),
        "--no-progress",
    )  # fmt: skip
    (line,) = path.read_text().splitlines()
    exported = json.loads(line)
    assert exported["reference"] == closed_fault.reference
    assert exported["status"] == "closed"
    assert exported["closed_at"] == closed_fault.closed_at.isoformat()
    assert [e["kind"] for e in exported["timeline"]] == list(
        closed_fault.events.order_by("at", "id").values_list("kind", flat=True)
    )


def test_export_csv_has_a_row_per_event_and_guards_formulas(closed_fault, office_manager):
    workflow.fault_comment(fault=closed_fault, actor=office_manager, text="=HYPERLINK(1)",
                           now=LOGGED + 12 * HOUR)  # fmt: skip
    out = io.StringIO()
    start = datetime(2021, 3, 1, tzinfo=UTC)
    written = exporting.export(start=start, end=start + timedelta(days=31), out=out, fmt="csv")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert written == 1
    assert len(rows) == closed_fault.events.count()
    assert {r["reference"] for r in rows} == {closed_fault.reference}
    assert "'=HYPERLINK(1)" in {r["event_note"] for r in rows}


def test_export_outside_the_range_is_empty_and_a_bad_date_is_refused(closed_fault):
    out = io.StringIO()
    start = datetime(2021, 4, 1, tzinfo=UTC)
    assert exporting.export(start=start, end=start + HOUR, out=out, fmt="jsonl") == 0
    with pytest.raises(Exception, match="is not a date"):
        call_command("export_faults", "--from", "2021-02-30", "--to", "2021-03-01")


def test_export_reads_in_batches_whatever_the_number_of_faults(closed_fault, premises,
                                                               office_manager):  # fmt: skip
    for n in range(9):
        workflow.fault_log(
            premises=premises,
            category=category("plumbing-water"),
            location=f"Room {n}",
            description="Dripping",
            reported_by=office_manager,
            now=LOGGED + n * HOUR,
        )
    start = datetime(2021, 3, 1, tzinfo=UTC)
    progress: list[int] = []
    with CaptureQueriesContext(connection) as queries:
        written = exporting.export(
            start=start, end=start + timedelta(days=31), out=io.StringIO(), fmt="jsonl",
            batch_size=3, progress=progress.append,
        )  # fmt: skip
    assert written == 10
    assert progress == [3, 3, 3, 1]  # a batch at a time: memory holds one batch
    assert len(queries) == 2 * 4 + 1  # faults and their events per batch, and the empty page
