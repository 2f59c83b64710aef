"""What the report page shows, built once by a worker and kept: the figures, tables and charts.

A month's report takes tens of seconds to build at a million faults, so the page never builds
it in the web request: a worker does (`finding.preparing`), and stores the result here as
bytes in the prepared row, which any web process can read whichever machine built it. The
per-breach lines are left out: only the downloads list them (`measures.build` skips them).
"""

from __future__ import annotations

# Pickle reads only bytes this service's own worker wrote to its own database (`loads`).
import pickle  # nosec B403
import zlib
from dataclasses import dataclass, replace

from . import charts, tables
from .figures import Report


@dataclass(frozen=True)
class PageFigures:
    """The report (without its per-breach lines), its tables and its charts."""

    report: Report
    tables: dict[str, object]
    charts: list


def figures_for(report: Report) -> PageFigures:
    """Everything the report page shows of `report`, laid out once."""
    shown = replace(report, breach_lines=[])
    return PageFigures(shown, page_tables(report), charts.all_charts(report))


def page_tables(report: Report) -> dict[str, object]:
    """The page's tables, by where the template puts them."""
    return {
        "headline": tables.headline_table(report),
        "total": tables.group_table(report, "total"),
        "service_levels": tables.service_level_table(report),
        "times": tables.times_table(report),
        "by_contractor": tables.group_table(report, "contractor"),
        "by_region": tables.group_table(report, "region"),
        "by_contractor_region": tables.group_table(report, "contractor_region"),
        "escalations": tables.escalations_table(report),
        "details": [
            tables.detail_table(report, level)
            for level in ("contractor", "region", "contractor_region")
        ],
    }


def dumps(figures: PageFigures) -> bytes:
    """The figures as bytes for the prepared row (pickled, as Django's cache keeps them, and
    compressed: the column is stored uncompressed for the downloads' sake)."""
    return zlib.compress(pickle.dumps(figures, protocol=pickle.HIGHEST_PROTOCOL), 6)


def loads(data: bytes) -> PageFigures:
    """The figures back from the prepared row. The bytes are only ever written by this
    service's own worker (`dumps`) into its own database, as trusted as its cache."""
    # Our own worker's bytes in our own database, never anything a person sent.
    return pickle.loads(zlib.decompress(data))  # noqa: S301  # nosec B301
