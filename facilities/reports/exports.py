"""The report as files: CSV, XLSX and PDF, all from the same tables as the page.

- CSV: one line per figure ("tidy"), easy to load into anything, then one line per field of
  each breach scored (the per-fault service credits);
- XLSX: an "About" sheet, a sheet per table with each number linked to its faults, a
  "Service credits by fault" sheet with one row per late step and totals that equal the
  report's, and a definitions sheet;
- PDF: A4, GOV.UK-like typography (Arial/Helvetica), the charts and the tables, then the
  definitions. WeasyPrint may only read `data:` URIs, so it never fetches anything.

Text that a spreadsheet would read as a formula (a contractor named "=cmd|…") is written as
text, never as a formula.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from facilities.sla import LONDON
from facilities.spreadsheets import looks_like_formula, safe_text

from . import charts, definitions, tables
from .cells import Cell, Table
from .figures import BreachLine, Report


@dataclass(frozen=True)
class Provenance:
    """Where a file came from: shown in its header (issued reports say which version)."""

    made_at: str
    app_version: str = ""
    issued: str = ""  # e.g. "Version 2, reissued by Nadia Khan: corrected contract rate"
    version: int | None = None

    @property
    def footer(self) -> str:
        """For the PDF's page footer: only words and digits made here."""
        if self.version is None:
            return "Figures as they stand now; not an issued report"
        return f"Issued report, version {int(self.version)}"


def absolute(href: str | None) -> str | None:
    return f"{settings.SITE_URL}{href}" if href and href.startswith("/") else href


def filename(report: Report, extension: str) -> str:
    scope = re.sub(r"[^a-z0-9]+", "-", " ".join(report.selection.values()).lower()).strip("-")
    return f"contractor-performance-{report.period.slug}{'-' + scope if scope else ''}.{extension}"


# --- CSV ------------------------------------------------------------------------------------


CSV_COLUMNS = [
    "period",
    "scope",
    "table",
    "contractor",
    "region",
    "priority",
    "row",
    "measure",
    "value",
]


def to_csv(report: Report, all_tables: list[Table] | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    scope = _scope_words(report)
    for table in all_tables or tables.all_tables(report):
        for row in table.rows:
            for column, cell in zip(table.columns, row.cells, strict=True):
                writer.writerow(
                    [
                        report.period.slug,
                        safe_text(scope),
                        table.title,
                        safe_text(row.dims.get("contractor", "")),
                        safe_text(row.dims.get("region", "")),
                        row.dims.get("priority", ""),
                        safe_text(" / ".join(row.headers)),
                        column,
                        _csv_value(cell),
                    ]
                )
    for line in report.breach_lines:
        for measure, value in zip(CREDIT_COLUMNS[2:], credit_row(line)[2:], strict=True):
            writer.writerow(
                [
                    report.period.slug,
                    safe_text(scope),
                    CREDITS_SHEET,
                    safe_text(line.contractor),
                    safe_text(line.region),
                    line.priority,
                    f"{line.reference} {line.step}",
                    measure,
                    safe_text(str(value)) if isinstance(value, str) else value,
                ]
            )
    # Excel opens UTF-8 CSV correctly only with a byte-order mark (for "£").
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


CREDITS_SHEET = "Service credits by fault"
CREDIT_COLUMNS = [
    "Fault",
    "Premises",
    "Step",
    "Due",
    "Done",
    "Minutes on hold",
    "Minutes taken (less hold)",
    "Target minutes",
    "Taken / target",
    "Late",
    "Multiplier",
    "Points",
    "£ per point",
    "£",
    "Waived",
    "Waiver reason",
]


def _london(value) -> str:
    return f"{value.astimezone(LONDON):%d/%m/%Y %H:%M}"


def credit_row(line: BreachLine) -> list:
    """One late step, as the per-fault sheet shows it (the same values in CSV and XLSX)."""
    return [
        line.reference,
        line.premises,
        line.step.replace("_", " "),
        _london(line.due_at),
        _london(line.done_at),
        round(line.paused_minutes, 1),
        round(line.taken_minutes, 1),
        line.target_minutes,
        round(line.ratio, 3),
        "yes",
        line.multiplier,
        line.points,
        line.pounds_per_point,
        line.pounds,
        "yes" if line.waived else "no",
        line.waived_reason,
    ]


def _credits_sheet(workbook: Workbook, report: Report) -> None:
    sheet = workbook.create_sheet(CREDITS_SHEET)
    header = ["Contractor", "Region", "Priority", *CREDIT_COLUMNS]
    sheet.append(header)
    for column in range(1, len(header) + 1):
        sheet.cell(row=1, column=column).font = BOLD
    points = adjusted = 0
    pounds = pounds_adjusted = Decimal("0")
    r = 1  # rows counted here: openpyxl's `max_row` reads every cell, each time
    for line in report.breach_lines:
        r += 1
        for c, value in enumerate(
            [line.contractor, line.region, line.priority, *credit_row(line)], start=1
        ):
            _write(sheet.cell(row=r, column=c), value)
        sheet.cell(row=r, column=len(header) - 2).number_format = NUMBER_FORMATS["pounds"]
        points += line.points
        pounds += line.pounds
        if not line.waived:
            adjusted += line.points
            pounds_adjusted += line.pounds
    r += 1  # a blank row before the totals
    for label, p, money in (
        ("Total (raw)", points, pounds),
        ("Total after waivers", adjusted, pounds_adjusted),
    ):
        r += 1
        sheet.cell(row=r, column=1, value=label).font = BOLD
        sheet.cell(row=r, column=header.index("Points") + 1, value=p)
        cell = sheet.cell(row=r, column=header.index("£") + 1, value=money)
        cell.number_format = NUMBER_FORMATS["pounds"]
    sheet.freeze_panes = "A2"


def _csv_value(cell: Cell) -> str:
    if cell.value is None:
        return ""
    if cell.kind == "percent":
        return f"{cell.value:.1f}"
    if cell.kind in ("hours", "days"):
        return f"{cell.value:.2f}"
    if cell.kind == "text":
        return safe_text(str(cell.value))
    return str(cell.value)


def _scope_words(report: Report) -> str:
    chosen = ", ".join(f"{k}: {v}" for k, v in report.selection.items())
    return f"{report.scope}{' — ' + chosen if chosen else ''}"


# --- XLSX -----------------------------------------------------------------------------------

NUMBER_FORMATS = {
    "count": "#,##0",
    "points": "#,##0",
    "percent": "0.0%",
    "hours": "#,##0.0",
    "days": "#,##0.0",
    "pounds": '"£"#,##0.00',
}
BOLD = Font(bold=True)
LINK = Font(color="1D70B8", underline="single")


def _sheet_title(title: str, used: set[str]) -> str:
    clean = re.sub(r"[\[\]:*?/\\']", " ", title).strip()[:31] or "Sheet"
    candidate, n = clean, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def _write(cell, value) -> None:
    """Write a value; text that could be a formula (`facilities.spreadsheets`) stays text."""
    cell.value = value
    if isinstance(value, str) and looks_like_formula(value):
        cell.data_type = "s"  # text, never a formula
        cell.quotePrefix = True


def to_xlsx(report: Report, provenance: Provenance, all_tables: list[Table] | None = None) -> bytes:
    workbook = Workbook()
    about = workbook.active
    about.title = "About"
    used = {"about"}
    lines = [
        ("Report", f"Contractor performance: {report.period.label}"),
        ("Period", f"{report.period.first:%d/%m/%Y} to {report.period.last:%d/%m/%Y}"),
        ("Scope", _scope_words(report)),
        ("Figures as at", f"{report.cutoff.astimezone(LONDON):%d/%m/%Y %H:%M}"),
        ("Made", provenance.made_at),
        ("Version", provenance.app_version),
        ("Issued", provenance.issued or "Not an issued report: figures as they stand now"),
    ]
    about.append(["Contractor performance report"])
    about["A1"].font = Font(bold=True, size=14)
    for r, (name, value) in enumerate(lines, start=2):
        about.cell(row=r, column=1, value=name).font = BOLD
        _write(about.cell(row=r, column=2), value)
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 80

    for table in all_tables or tables.all_tables(report):
        sheet = workbook.create_sheet(_sheet_title(table.title, used))
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True, size=12)
        header = [*table.row_headers, *table.columns]
        sheet.append(header)
        for column in range(1, len(header) + 1):
            sheet.cell(row=2, column=column).font = BOLD
            sheet.cell(row=2, column=column).alignment = Alignment(wrap_text=True, vertical="top")
        for r, row in enumerate(table.rows, start=3):  # after the title and the header
            for c, text in enumerate(row.headers, start=1):
                _write(sheet.cell(row=r, column=c), text)
            for c, cell in enumerate(row.cells, start=len(row.headers) + 1):
                _xlsx_cell(sheet.cell(row=r, column=c), cell)
        sheet.freeze_panes = sheet.cell(row=3, column=len(table.row_headers) + 1)
        for c in range(1, len(header) + 1):
            sheet.column_dimensions[get_column_letter(c)].width = (
                24 if c <= len(table.row_headers) else 14
            )

    _credits_sheet(workbook, report)
    sheet = workbook.create_sheet("Definitions")
    sheet.append(["Measure", "Definition"])
    sheet["A1"].font = sheet["B1"].font = BOLD
    for r, d in enumerate(definitions.all_definitions(), start=2):
        sheet.append([d.name, d.formula])
        sheet.cell(row=r, column=2).alignment = Alignment(wrap_text=True)
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 110

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(target, cell: Cell) -> None:
    value = cell.value
    if value is None:
        target.value = None
        return
    if cell.kind == "text":
        _write(target, str(value))
        return
    target.value = value / 100 if cell.kind == "percent" else value
    target.number_format = NUMBER_FORMATS[cell.kind]
    if cell.href:
        target.hyperlink = absolute(cell.href)
        target.font = LINK


# --- PDF ------------------------------------------------------------------------------------


def to_pdf(
    report: Report,
    provenance: Provenance,
    all_tables: list[Table] | None = None,
    all_charts: list[charts.Chart] | None = None,
) -> bytes:
    # Slow to import: only when a PDF is made. The document may fetch data: URIs (the
    # charts) and nothing else: no network, no files.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(
        "reports/pdf.html",
        {
            "report": report,
            "provenance": provenance,
            "tables": all_tables or tables.all_tables(report),
            "charts": all_charts if all_charts is not None else charts.all_charts(report),
            "definitions": definitions.all_definitions(),
            "site_url": settings.SITE_URL,
            "service_name": settings.SERVICE_NAME,
        },
    )
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return HTML(string=html, base_url=settings.SITE_URL, url_fetcher=fetcher).write_pdf()
