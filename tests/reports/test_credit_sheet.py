"""Every point explained: the per-fault sheet of the downloads adds up to the report.

Each row is one late step. The test recomputes each row's multiplier and points from the
row's own minutes taken and target (not from what the service stored as the multiplier),
and checks that the rows' totals — raw, and after a waived breach — are the report's.
"""

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from facilities.faults import disputes
from facilities.models import Breach, Fault
from facilities.periods import Period
from facilities.reports import exports, measures

from .conftest import AFTER_APRIL, LONDON

pytestmark = pytest.mark.django_db

PROVENANCE = exports.Provenance(made_at="5 May 2026 12:00", app_version="0.1.0 (test)")
BASE = {"P1": 8, "P2": 4, "P3": 2, "P4": 1}


def _sheet_rows(report) -> list[dict]:
    book = load_workbook(io.BytesIO(exports.to_xlsx(report, PROVENANCE)))
    sheet = book[exports.CREDITS_SHEET]
    header = [c.value for c in sheet[1]]
    rows = []
    for values in sheet.iter_rows(min_row=2, values_only=True):
        if values[0] in (None, "Total (raw)", "Total after waivers"):
            continue
        rows.append(dict(zip(header, values, strict=True)))
    return rows


def _expected(row: dict) -> tuple[int, int]:
    taken, target = row["Minutes taken (less hold)"], row["Target minutes"]
    factor = 3 if taken > 3 * target else 2 if taken > 2 * target else 1
    return factor, BASE[row["Priority"]] * factor


def test_each_row_explains_its_points_and_the_rows_add_up_to_the_report(
    history, contract_manager_for_disputes, contractor_user
):
    april = Period.month(2026, 4)
    report = measures.build(Fault.objects.all(), april, now=AFTER_APRIL)
    rows = _sheet_rows(report)
    assert rows, "April has late steps"
    for row in rows:
        factor, points = _expected(row)
        assert (row["Multiplier"], row["Points"]) == (factor, points), row
        assert Decimal(str(row["£"])) == Decimal(str(row["£ per point"])) * points
    assert sum(r["Points"] for r in rows) == report.total.credit_points
    assert sum(Decimal(str(r["£"])) for r in rows) == report.total.credit_pounds

    # A dispute accepted: the breach stays in the sheet, marked waived; totals follow.
    breach = Breach.objects.filter(done_at__gte=april.start, done_at__lt=april.end).first()
    dispute = disputes.breach_dispute(
        breach=breach,
        actor=contractor_user,
        reason="No access",
        now=datetime(2026, 5, 2, tzinfo=LONDON),
    )
    disputes.dispute_decide(
        dispute=dispute,
        actor=contract_manager_for_disputes,
        accept=True,
        reason="Site log confirms",
        now=datetime(2026, 5, 3, tzinfo=LONDON),
    )
    later = measures.build(Fault.objects.all(), april, now=AFTER_APRIL)
    rows = _sheet_rows(later)
    kept = [r for r in rows if r["Waived"] == "no"]
    assert len(kept) == len(rows) - 1
    assert later.total.credit_points == report.total.credit_points
    assert sum(r["Points"] for r in kept) == later.total.credit_points_adjusted
    assert later.total.credit_points_adjusted == report.total.credit_points - breach.points


def test_the_csv_carries_the_same_lines(history):
    report = measures.build(Fault.objects.all(), Period.month(2026, 4), now=AFTER_APRIL)
    text = exports.to_csv(report).decode("utf-8-sig")
    lines = [r for r in csv.DictReader(io.StringIO(text)) if r["table"] == exports.CREDITS_SHEET]
    points = [int(r["value"]) for r in lines if r["measure"] == "Points"]
    assert sum(points) == report.total.credit_points
    assert len(points) == len(report.breach_lines)


@pytest.fixture
def contract_manager_for_disputes(region):
    from facilities.models import Role
    from tests.factories import UserFactory

    return UserFactory(username="dora", role=Role.CONTRACT_MANAGER, regions=[region])
