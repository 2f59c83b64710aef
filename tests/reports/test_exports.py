"""The downloads: the same figures as the page, opened and read back."""

import csv
import io

import pypdf
import pytest
from openpyxl import load_workbook

from facilities.models import Fault
from facilities.periods import Period
from facilities.reports import charts, exports, measures, tables

from .conftest import AFTER_APRIL

pytestmark = pytest.mark.django_db

PROVENANCE = exports.Provenance(made_at="5 May 2026 12:00", app_version="0.1.0 (test)")


@pytest.fixture
def april(history):
    return measures.build(Fault.objects.all(), Period.month(2026, 4), now=AFTER_APRIL)


def test_csv_has_one_line_per_figure(april):
    text = exports.to_csv(april).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == exports.CSV_COLUMNS

    def value(table, measure, **dims):
        for row in rows:
            if (
                row["table"].startswith(table)
                and row["measure"] == measure
                and all(row[k] == v for k, v in dims.items())
            ):
                return row["value"]
        raise AssertionError((table, measure, dims))

    assert value("All faults", "Logged") == "7"
    assert value("All faults", "Service credits £") == "900.00"
    assert value("By contractor", "Logged", contractor="Unrouted") == "1"
    assert value("Service levels by priority", "Fixed late", priority="P2") == "3"
    assert value("Time to attend", "Median hours to fix", priority="P2") == "135.00"
    assert value("By region", "Bed-days lost", region="North East") == "8.25"
    # Percentiles per contractor and per region, by priority.
    detail = "Service levels, times and credits by contractor"
    north = {"contractor": "North Facilities Ltd", "priority": "P2"}
    assert value(detail, "Median hours to fix", **north) == "135.00"
    assert value(detail, "Credits £", **north) == "500.00"  # A 8 + B 4 + C 8 points at £25
    assert value("Service levels, times and credits by region", "Median hours to attend",
                 region="North East", priority="P3") == "11.00"  # fmt: skip


def test_xlsx_has_a_sheet_per_table_and_definitions(april):
    book = load_workbook(io.BytesIO(exports.to_xlsx(april, PROVENANCE)))
    names = book.sheetnames
    assert names[0] == "About"
    assert names[-1] == "Definitions"
    assert "By contractor" in names
    assert "By contractor and region" in names
    sheet = book["By contractor"]
    assert [c.value for c in sheet[2]][:3] == ["Contractor", "Logged", "Fixed"]
    by_name = {row[0].value: row for row in sheet.iter_rows(min_row=3)}
    unrouted = by_name["Unrouted"]
    assert unrouted[1].value == 1  # logged
    assert unrouted[1].hyperlink.target.endswith(
        "/faults/?report=logged.2026-04&contractor=unrouted&status=all&sort=oldest"
    )
    north = by_name["North Facilities Ltd"]
    header = [c.value for c in sheet[2]]
    assert north[header.index("Service credits £")].value == 900
    assert north[header.index("Fixed within SLA")].value == pytest.approx(2 / 6)
    assert north[header.index("Fixed within SLA")].number_format == "0.0%"
    definitions = [row[0].value for row in book["Definitions"].iter_rows(min_row=2)]
    assert "First-time fix rate (%)" in definitions
    assert "Service credits (points and £)" in definitions
    about = {row[0].value: row[1].value for row in book["About"].iter_rows(min_row=2)}
    assert about["Version"] == "0.1.0 (test)"


def test_xlsx_never_writes_a_formula(april, contractor):
    contractor.name = '=HYPERLINK("http://evil.example")'
    contractor.save()
    report = measures.build(Fault.objects.all(), Period.month(2026, 4), now=AFTER_APRIL)
    book = load_workbook(io.BytesIO(exports.to_xlsx(report, PROVENANCE)))
    cell = book["By contractor"]["A3"]
    assert cell.data_type == "s"
    assert cell.value.startswith("=HYPERLINK")
    text = exports.to_csv(report).decode("utf-8-sig")
    assert "'=HYPERLINK" in text


@pytest.mark.parametrize("start", ["＝", "﹦", "＋", "－", "＠"])
def test_look_alike_formulas_are_guarded_like_formulas(april, contractor, start):
    """Full-width and other look-alikes are normalised (NFKC) before the guard judges them."""
    contractor.name = f'{start}HYPERLINK("http://evil.example")'
    contractor.save()
    report = measures.build(Fault.objects.all(), Period.month(2026, 4), now=AFTER_APRIL)
    book = load_workbook(io.BytesIO(exports.to_xlsx(report, PROVENANCE)))
    cell = book["By contractor"]["A3"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (contractor.name, "s", True)
    rows = csv.DictReader(io.StringIO(exports.to_csv(report).decode("utf-8-sig")))
    named = {row["contractor"] for row in rows if "HYPERLINK" in row["contractor"]}
    assert named == {f"'{contractor.name}"}


def test_pdf_is_a4_with_charts_tables_and_definitions(april):
    pdf = pypdf.PdfReader(io.BytesIO(exports.to_pdf(april, PROVENANCE)))
    first = pdf.pages[0]
    width, height = float(first.mediabox.width), float(first.mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 portrait, in points
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Contractor performance: April 2026" in text
    assert "Faults logged, fixed and open at period end" in text  # a chart
    assert "North Facilities Ltd" in text
    assert "Unrouted" in text
    assert "£900.00" in text
    assert "135.0" in text  # median hours to fix, P2
    assert "First-time fix rate" in text  # the definitions
    assert "0.1.0 (test)" in text
    assert any(float(p.mediabox.width) > float(p.mediabox.height) for p in pdf.pages)  # wide


def test_every_chart_has_its_data_table(april):
    made = charts.all_charts(april)
    assert [c.key for c in made] == ["trend", "service-levels", "contractors"]
    for chart in made:
        assert chart.svg.startswith("<svg ")
        assert 'role="img"' in chart.svg
        assert f'<title id="chart-{chart.key}-title">' in chart.svg
        assert chart.table.rows
        # Drawn without CSS, which the Content Security Policy would refuse inline: colours
        # and type are presentation attributes.
        assert "style" not in chart.svg
        assert ' fill="#' in chart.svg
        assert "font-size=" in chart.svg
    trend = made[0].table
    assert trend.rows[-1].headers == ["Apr 2026"]
    assert [c.value for c in trend.rows[-1].cells] == [7, 6, 2]


def test_tables_agree_with_the_figures(april):
    headline = tables.headline_table(april)
    logged = headline.rows[0]
    assert logged.headers == ["Faults logged"]
    assert logged.cells[-1].value == 7
    assert logged.cells[-2].value == 2  # March
    assert "report=logged.2026-03" in logged.cells[-2].href
