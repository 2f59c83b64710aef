"""The building blocks of a report table: cells that keep their raw value, their words and
their link to the faults behind them; rows; tables; and the links from a figure to its list."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.urls import reverse

from facilities.periods import Period

from . import drilldown
from .figures import Figures, Report

#: Labels for the clocks times are measured in.
CLOCK_WORDS = {
    "calendar": "calendar hours",
    "working": "working hours",
    "mixed": "each fault's own clock",
    "": "",
}


@dataclass(frozen=True)
class Cell:
    value: int | float | Decimal | str | None
    #: count (of exactly the faults its link shows), points, percent, hours, days, pounds, text
    kind: str = "count"
    href: str | None = None

    @property
    def text(self) -> str:
        v = self.value
        if v is None:
            return "–"
        if self.kind in ("count", "points"):
            return f"{v:,}"
        if self.kind == "percent":
            return f"{v:.1f}%"
        if self.kind in ("hours", "days"):
            return f"{v:,.1f}"
        if self.kind == "pounds":
            return f"£{v:,.2f}"
        return str(v)

    @property
    def is_number(self) -> bool:
        return self.kind != "text"


@dataclass
class Row:
    headers: list[str]
    cells: list[Cell]
    #: What the row is about, for the CSV (contractor, region, priority, period).
    dims: dict[str, str] = field(default_factory=dict)
    emphasis: bool = False


@dataclass
class Table:
    key: str
    title: str
    row_headers: list[str]
    columns: list[str]
    rows: list[Row]
    caption: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.rows

    @property
    def width(self) -> int:
        return len(self.row_headers) + len(self.columns)

    @property
    def is_wide(self) -> bool:
        return self.width > 8

    @property
    def lines(self) -> list[tuple[Row, list[tuple[str, Cell]]]]:
        """Each row with its cells paired to their column headings (for link text)."""
        return [(row, list(zip(self.columns, row.cells, strict=True))) for row in self.rows]


class Links:
    """Links to the fault list for one report, keeping the region or contractor chosen."""

    def __init__(self, report: Report) -> None:
        self.report = report

    def __call__(
        self,
        measure: str,
        figures: Figures | None = None,
        *,
        period: Period | None = None,
        priority: str | None = None,
    ) -> str:
        filters: dict = dict(self.report.filters)
        if figures is not None:
            filters.update(figures.link_filters)
        return drilldown.link(
            measure,
            period or self.report.period,
            contractor=filters.get("contractor"),
            region=filters.get("region"),
            priority=priority,
        )

    @staticmethod
    def fault(fault_id: int) -> str:
        return reverse("fault_detail", args=[fault_id])
