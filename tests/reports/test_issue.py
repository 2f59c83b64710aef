"""Issued monthly reports: one immutable snapshot per scope, emailed once, reissued as versions."""

import hashlib
import io

import pytest
from django.db import IntegrityError, transaction
from openpyxl import load_workbook

from facilities import notifications
from facilities import tasks as report_tasks
from facilities.access import report_snapshots_visible_to
from facilities.models import OutboxEmail, ReportSnapshot
from facilities.periods import Period
from facilities.reports import issue

from .conftest import AFTER_APRIL, at

# Every test issues April's reports for the same history: each scope's PDF is laid out once.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pdfs_rendered_once")]

APRIL = Period.month(2026, 4)


@pytest.fixture
def people(national_manager, regional_manager, contractor_user, office_manager):
    return {
        "national": national_manager,
        "regional": regional_manager,
        "contractor": contractor_user,
        "office": office_manager,
    }


def report_emails():
    return OutboxEmail.objects.filter(kind=issue.REPORT_KIND).order_by("dedupe_key")


def test_issuing_a_month_makes_a_snapshot_per_scope(history, people, region, contractor):
    made = issue.issue_month(APRIL, now=AFTER_APRIL)
    assert sorted(s.scope_key for s in made) == sorted(
        ["all", f"region:{region.pk}", f"region:{history.e.premises.region_id}",
         f"contractor:{contractor.pk}"]
    )  # fmt: skip
    everything = ReportSnapshot.objects.get(scope_key="all")
    assert everything.version == 1
    assert everything.reason == "Monthly report"
    assert everything.figures["total"]["logged"] == 7
    assert everything.figures["total"]["credit_pounds"] == "900.00"
    assert everything.app_version
    assert everything.created_by is None


def test_each_contractor_gets_only_its_own_figures(history, people, contractor):
    issue.issue_month(APRIL, now=AFTER_APRIL)
    own = ReportSnapshot.objects.get(scope_key=f"contractor:{contractor.pk}")
    assert own.figures["total"]["logged"] == 6  # not E, which is unrouted
    assert [g["contractor"] for g in own.figures["by_contractor"]] == ["North Facilities Ltd"]
    assert b"Unrouted" not in bytes(own.csv)


def test_emails_go_to_the_contract_managers_in_scope_and_the_contractor(
    history, people, region, contractor
):
    issue.issue_month(APRIL, now=AFTER_APRIL)
    sent = {row.dedupe_key: row for row in report_emails()}
    everything = ReportSnapshot.objects.get(scope_key="all")
    north_east = ReportSnapshot.objects.get(scope_key=f"region:{region.pk}")
    own = ReportSnapshot.objects.get(scope_key=f"contractor:{contractor.pk}")
    national = people["national"].email
    regional = people["regional"].email
    account = contractor.account_manager_email
    assert set(sent) == {
        f"report:{everything.pk}:{national}",
        f"report:{north_east.pk}:{regional}",
        f"report:{own.pk}:{account}",
    }  # Wales has no contract manager: its snapshot is kept, and emailed to nobody
    row = sent[f"report:{everything.pk}:{national}"]
    assert row.to == [national]
    assert row.fault is None
    subject, text, html = notifications.render(row)
    assert subject == "Contractor performance, April 2026 – All regions and contractors"
    assert "Service credits: £900.00 (36 points)" in text
    assert f"PDF: http://testserver/reports/issued/{everything.pk}/pdf/" in text.replace(
        "http://127.0.0.1:8000", "http://testserver"
    )
    assert '<th scope="row"' in html


def test_issuing_twice_makes_and_sends_nothing_more(history, people):
    first = issue.issue_month(APRIL, now=AFTER_APRIL)
    emails = report_emails().count()
    again = issue.issue_month(APRIL, now=at("2026-05-06 09:00"))
    assert again == []
    assert ReportSnapshot.objects.count() == len(first)
    assert report_emails().count() == emails


def test_the_database_refuses_a_second_version_1(history, people):
    (snapshot, *_rest) = issue.issue_month(APRIL, now=AFTER_APRIL)
    duplicate = ReportSnapshot(
        **{
            f.attname: getattr(snapshot, f.attname)
            for f in ReportSnapshot._meta.concrete_fields
            if f.attname != "id"
        }
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_a_reissue_is_version_2_kept_beside_version_1(history, people):
    issue.issue_month(APRIL, now=AFTER_APRIL)
    first = ReportSnapshot.objects.get(scope_key="all")
    national = people["national"]
    second = issue.reissue(
        first, by=national, reason="Contract rate corrected", now=at("2026-05-10 09:00")
    )
    assert (second.version, second.reason, second.created_by) == (
        2,
        "Contract rate corrected",
        national,
    )
    assert ReportSnapshot.objects.filter(scope_key="all").count() == 2
    first.refresh_from_db()
    assert first.version == 1
    email = report_emails().get(dedupe_key=f"report:{second.pk}:{national.email}")
    subject, text, _html = notifications.render(email)
    assert subject.startswith("Reissued (version 2): Contractor performance, April 2026")
    assert "Why it was reissued: Contract rate corrected" in text
    third = issue.reissue(first, by=national, reason="Again", now=at("2026-05-11 09:00"))
    assert third.version == 3


def test_snapshots_cannot_be_changed_or_deleted(history, people):
    (snapshot, *_rest) = issue.issue_month(APRIL, now=AFTER_APRIL)
    snapshot.reason = "Edited"
    with pytest.raises(TypeError, match="reissue"):
        snapshot.save()
    with pytest.raises(TypeError):
        snapshot.delete()


def test_snapshot_files_are_kept_with_their_checksums(history, people):
    issue.issue_month(APRIL, now=AFTER_APRIL)
    snapshot = ReportSnapshot.objects.get(scope_key="all")
    pdf, xlsx, csv = bytes(snapshot.pdf), bytes(snapshot.xlsx), bytes(snapshot.csv)
    assert pdf.startswith(b"%PDF")
    assert snapshot.checksums["pdf"] == hashlib.sha256(pdf).hexdigest()
    assert snapshot.checksums["csv"] == hashlib.sha256(csv).hexdigest()
    about = load_workbook(io.BytesIO(xlsx))["About"]
    assert "Version 1" in [row[1].value for row in about.iter_rows(min_row=2)]


def test_the_monthly_task_issues_last_month(history, people, time_machine):
    time_machine.move_to(at("2026-05-01 06:00"), tick=False)
    result = report_tasks.issue_monthly_reports()
    assert result["period"] == "2026-04"
    assert "all" in result["issued"]
    assert report_tasks.issue_monthly_reports()["issued"] == []


def test_who_sees_which_issued_reports(history, people, region, contractor, administrator):
    issue.issue_month(APRIL, now=AFTER_APRIL)

    def seen(user):
        return sorted(report_snapshots_visible_to(user).values_list("scope_key", flat=True))

    every = sorted(ReportSnapshot.objects.values_list("scope_key", flat=True))
    assert seen(people["national"]) == every
    assert seen(administrator) == every
    assert seen(people["regional"]) == [f"region:{region.pk}"]
    assert seen(people["contractor"]) == [f"contractor:{contractor.pk}"]
    assert seen(people["office"]) == []
