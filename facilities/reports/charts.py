"""Charts drawn on the server as SVG (matplotlib, no pyplot, no GUI backend).

Each chart comes with the table of exactly the numbers it plots, shown beside it for people
who cannot see the chart, and its SVG carries a title for screen readers. Text stays text
(`svg.fonttype: none`), so it scales, is searchable and prints sharply in the PDF.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass

import matplotlib
from django.utils.html import escape
from matplotlib.figure import Figure

from .cells import Cell, Row, Table
from .figures import PRIORITIES, Report

# Never a GUI backend on a server (charts use Figure directly, without pyplot, anyway).
matplotlib.use("Agg")

# GOV.UK colours.
BLUE = "#1d70b8"
DARK_BLUE = "#003078"
GREEN = "#00703c"
ORANGE = "#f47738"
GREY = "#505a5f"
BLACK = "#0b0c0c"

_STYLE = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "Helvetica", "Liberation Sans", "DejaVu Sans"],
    "font.size": 11,
    "axes.edgecolor": GREY,
    "axes.labelcolor": BLACK,
    "xtick.color": BLACK,
    "ytick.color": BLACK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: str  # an <svg> element, ready to put inline in HTML
    table: Table  # the numbers it plots

    @property
    def data_uri(self) -> str:
        """For an <img> (the PDF)."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def _svg(figure: Figure, key: str, title: str) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context(_STYLE | {"svg.hashsalt": key}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and DOCTYPE
    svg = _without_css(svg)
    # Make it an image with a name for assistive technology, sized by its container.
    svg = re.sub(
        r"<svg ([^>]*?)>",
        lambda m: (
            f'<svg {m.group(1)} role="img" aria-labelledby="chart-{key}-title" '
            f'class="app-chart__svg"><title id="chart-{key}-title">{escape(title)}</title>'
        ),
        svg,
        count=1,
    )
    return svg


_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')
_STYLE_ELEMENT = re.compile(r"\s*<defs>\s*<style[^>]*>\s*\*\s*\{([^}]*)\}\s*</style>\s*</defs>")


def _declarations(css: str) -> list[tuple[str, str]]:
    pairs = (part.split(":", 1) for part in css.split(";") if ":" in part)
    return [(name.strip(), value.strip()) for name, value in pairs]


def _without_css(svg: str) -> str:
    """The same drawing with no CSS in it, so a Content Security Policy without inline styles
    draws it (the charts are inline in the report's page): matplotlib's style="…" declarations
    become SVG presentation attributes (fill="…", font-size="…"), and its one <style> rule,
    `*{stroke-linejoin: round; stroke-linecap: butt}`, goes on the root, whence it is inherited.
    """
    rule = _STYLE_ELEMENT.search(svg)
    inherited = _declarations(rule.group(1)) if rule else []
    svg = _STYLE_ELEMENT.sub("", svg, count=1)

    def attributes(tag: re.Match) -> str:
        text = tag.group(0)
        found = _STYLE_ATTRIBUTE.search(text)
        declarations = _declarations(found.group(1)) if found else []
        if text.startswith("<svg "):
            declarations = inherited + declarations
        if not declarations:
            return text
        text = _STYLE_ATTRIBUTE.sub("", text, count=1)
        end = -2 if text.endswith("/>") else -1
        # Each value was an attribute value already (escaped as one): it is not escaped again.
        added = "".join(
            f' {name}="{value}"' for name, value in declarations if f" {name}=" not in text
        )
        return text[:end].rstrip() + added + text[end:]

    return _TAG.sub(attributes, svg)


def _figure(width: float = 7.5, height: float = 3.2) -> tuple[Figure, object]:
    with matplotlib.rc_context(_STYLE):
        figure = Figure(figsize=(width, height))
        axes = figure.add_subplot()
    return figure, axes


def trend_chart(report: Report) -> Chart:
    """Faults logged and fixed in each period, and open at each period end."""
    title = "Faults logged, fixed and open at period end"
    labels = [p.period.short_label for p in report.trend]
    logged = [p.logged for p in report.trend]
    fixed = [p.fixed for p in report.trend]
    still_open = [p.open_at_end for p in report.trend]
    with matplotlib.rc_context(_STYLE):
        figure, axes = _figure()
        x = range(len(labels))
        axes.bar([i - 0.2 for i in x], logged, width=0.4, color=BLUE, label="Logged")
        axes.bar([i + 0.2 for i in x], fixed, width=0.4, color=GREEN, label="Fixed")
        axes.plot(list(x), still_open, color=ORANGE, marker="o", linewidth=2, label="Open at end")
        axes.set_xticks(list(x), labels)
        axes.set_ylabel("Faults")
        axes.legend(frameon=False, ncols=3, loc="upper left", bbox_to_anchor=(0, 1.15))
        axes.yaxis.get_major_locator().set_params(integer=True)
    table = Table(
        "chart-trend",
        title,
        ["Period"],
        ["Logged", "Fixed", "Open at period end"],
        [
            Row([label], [Cell(a), Cell(b), Cell(c)])
            for label, a, b, c in zip(labels, logged, fixed, still_open, strict=True)
        ],
    )
    return Chart("trend", title, _svg(figure, "trend", title), table)


def service_level_chart(report: Report) -> Chart:
    """% attended and % fixed within the service level, by priority."""
    title = f"Attended and fixed within the service level, {report.period.label}"
    priorities = report.total.priorities
    attend = [priorities[p].attend.percent_on_time for p in PRIORITIES]
    fix = [priorities[p].fix.percent_on_time for p in PRIORITIES]
    with matplotlib.rc_context(_STYLE):
        figure, axes = _figure()
        x = range(len(PRIORITIES))
        axes.bar([i - 0.2 for i in x], [v or 0 for v in attend], 0.4, color=BLUE, label="Attended")
        axes.bar([i + 0.2 for i in x], [v or 0 for v in fix], 0.4, color=DARK_BLUE, label="Fixed")
        for i, (a, f) in enumerate(zip(attend, fix, strict=True)):
            for offset, value in ((-0.2, a), (0.2, f)):
                text = "none" if value is None else f"{value:.0f}%"
                axes.annotate(text, (i + offset, value or 0), ha="center", va="bottom", fontsize=9)
        axes.set_xticks(list(x), list(PRIORITIES))
        axes.set_ylim(0, 110)
        axes.set_ylabel("% within service level")
        axes.legend(frameon=False, ncols=2, loc="upper left", bbox_to_anchor=(0, 1.15))
    table = Table(
        "chart-service-levels",
        title,
        ["Priority"],
        ["Attended within SLA", "Fixed within SLA"],
        [
            Row([p], [Cell(a, "percent"), Cell(f, "percent")])
            for p, a, f in zip(PRIORITIES, attend, fix, strict=True)
        ],
    )
    return Chart("service-levels", title, _svg(figure, "service-levels", title), table)


def contractor_chart(report: Report) -> Chart | None:
    """% fixed within the service level and first-time fix, by contractor."""
    groups = report.by_contractor
    if not groups:
        return None
    title = (
        f"Fixed within the service level and fixed first time, by contractor, {report.period.label}"
    )
    names = [f.contractor for f in groups]
    on_time = [f.step("fix").percent_on_time for f in groups]
    first_time = [f.first_time_fix_percent for f in groups]
    with matplotlib.rc_context(_STYLE):
        figure, axes = _figure(height=max(1.6, 0.7 * len(names) + 0.8))
        y = range(len(names))
        axes.barh(
            [i + 0.2 for i in y],
            [v or 0 for v in on_time],
            0.4,
            color=DARK_BLUE,
            label="Fixed within SLA",
        )
        axes.barh(
            [i - 0.2 for i in y],
            [v or 0 for v in first_time],
            0.4,
            color=GREEN,
            label="First-time fix",
        )
        axes.set_yticks(list(y), names)
        axes.invert_yaxis()
        axes.set_xlim(0, 100)
        axes.set_xlabel("% of faults fixed in the period")
        axes.legend(frameon=False, ncols=2, loc="upper left", bbox_to_anchor=(0, 1.25))
    table = Table(
        "chart-contractors",
        title,
        ["Contractor"],
        ["Fixed within SLA", "First-time fix"],
        [
            Row([n], [Cell(a, "percent"), Cell(b, "percent")])
            for n, a, b in zip(names, on_time, first_time, strict=True)
        ],
    )
    return Chart("contractors", title, _svg(figure, "contractors", title), table)


def all_charts(report: Report) -> list[Chart]:
    charts = [trend_chart(report), service_level_chart(report), contractor_chart(report)]
    return [c for c in charts if c is not None]
