"""The XLSX puts every value in its own row and column, and stays linear in its rows.

`exports.to_xlsx` counts its rows itself (openpyxl's `max_row` reads every cell each time it is
asked, which made a month's 64,582-line credits sheet take half an hour). Here every cell of
every sheet is worked out again from the report and compared with the workbook read back.
"""

import dataclasses
import io
import time
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from facilities.models import Fault
from facilities.periods import Period
from facilities.reports import definitions, exports, measures, tables

from .conftest import AFTER_APRIL

pytestmark = pytest.mark.django_db

PROVENANCE = exports.Provenance(made_at="5 May 2026 12:00", app_version="0.1.0 (test)")


@pytest.fixture
def april(history):
    return measures.build(Fault.objects.all(), Period.month(2026, 4), now=AFTER_APRIL)


def written(value):
    """A value as openpyxl reads it back (an empty text is an empty cell)."""
    if value == "":
        return None
    return float(value) if isinstance(value, Decimal) else value


def expected_value(cell):
    if cell.value is None:
        return None
    if cell.kind == "text":
        return written(str(cell.value))
    return same(written(cell.value / 100 if cell.kind == "percent" else cell.value))


def same(value):
    """Floats to 9 places: the XLSX keeps 15 significant digits."""
    return round(value, 9) if isinstance(value, float) else value


def grid(sheet) -> list[list]:
    return [[same(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def test_every_table_row_is_where_the_report_puts_it(april):
    book = load_workbook(io.BytesIO(exports.to_xlsx(april, PROVENANCE)))
    all_tables = tables.all_tables(april)
    used = {"about"}
    assert book.sheetnames[1 : 1 + len(all_tables)] == [
        exports._sheet_title(t.title, used) for t in all_tables
    ]
    for table, name in zip(all_tables, book.sheetnames[1:], strict=False):
        rows = grid(book[name])
        width = len(table.row_headers) + len(table.columns)
        assert rows[0][0] == table.title
        assert rows[1] == [written(h) for h in (*table.row_headers, *table.columns)]
        expected = [
            [*(written(h) for h in row.headers), *(expected_value(c) for c in row.cells)]
            for row in table.rows
        ]
        assert [r[:width] for r in rows[2:]] == expected, table.title
        assert len(rows) == 2 + len(table.rows)

    about = grid(book["About"])
    assert about[0][0] == "Contractor performance report"
    assert [r[0] for r in about[1:]] == [
        "Report", "Period", "Scope", "Figures as at", "Made", "Version", "Issued",
    ]  # fmt: skip
    assert about[1][1] == "Contractor performance: April 2026"
    assert about[6][1] == "0.1.0 (test)"
    defined = grid(book["Definitions"])
    assert defined[1:] == [[d.name, d.formula] for d in definitions.all_definitions()]


def test_the_credits_sheet_has_a_row_per_breach_then_the_totals(april):
    book = load_workbook(io.BytesIO(exports.to_xlsx(april, PROVENANCE)))
    rows = grid(book[exports.CREDITS_SHEET])
    lines = april.breach_lines
    assert len(lines) == 4  # A, B, C (again) and F fixed late
    assert rows[0] == ["Contractor", "Region", "Priority", *exports.CREDIT_COLUMNS]
    for r, line in enumerate(lines, start=1):
        expected = [line.contractor, line.region, line.priority, *exports.credit_row(line)]
        assert rows[r] == [same(written(v)) for v in expected], line.reference
    blank, raw, kept = rows[len(lines) + 1 :]
    assert set(blank) == {None}
    points = rows[0].index("Points")
    pounds = rows[0].index("£")
    assert (raw[0], raw[points], raw[pounds]) == (
        "Total (raw)",
        sum(line.points for line in lines),
        written(sum(line.pounds for line in lines)),
    )
    assert (raw[points], raw[pounds]) == (36, 900)  # by hand, in conftest
    unwaived = [line for line in lines if not line.waived]
    assert (kept[0], kept[points], kept[pounds]) == (
        "Total after waivers",
        sum(line.points for line in unwaived),
        written(sum(line.pounds for line in unwaived)),
    )


def test_a_long_credits_sheet_takes_time_in_proportion(april):
    """8,000 lines: a second or two; counted by `max_row` it took about half a minute."""
    many = [
        dataclasses.replace(line, reference=f"FLT-{n:06d}")
        for n, line in enumerate(april.breach_lines * 2000)
    ]
    report = dataclasses.replace(april, breach_lines=many)
    started = time.thread_time()
    book = load_workbook(io.BytesIO(exports.to_xlsx(report, PROVENANCE)), read_only=True)
    assert time.thread_time() - started < 15
    sheet = book[exports.CREDITS_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + len(many) + 3
    assert [r[3] for r in rows[1 : len(many) + 1]] == [line.reference for line in many]
    assert rows[-2][rows[0].index("Points")] == 36 * 2000
