"""The report laid out as tables: one layout for the page, the XLSX, the PDF and the CSV.

Each cell keeps its raw value (for spreadsheets), its words (for people) and its link to the
faults behind it, so every format shows the same figures and every number can be followed.
"""

from __future__ import annotations

from collections.abc import Callable

from facilities.models.escalations import ESCALATION_LEVELS

from .cells import Cell, Links, Row, Table
from .figures import PRIORITIES, Figures, Report, Step, TrendPoint

#: Labels for the clocks times are measured in.
CLOCK_WORDS = {
    "calendar": "calendar hours",
    "working": "working hours",
    "mixed": "each fault's own clock",
    "": "",
}


# --- Tables -------------------------------------------------------------------------------


def _percent(step: Step, href: str) -> Cell:
    return Cell(step.percent_on_time, "percent", href)


def _percent_adjusted(step: Step, href: str) -> Cell:
    """Within the service level once breaches waived after accepted disputes are excused."""
    return Cell(step.percent_on_time_adjusted, "percent", href)


#: The group tables' columns: (heading, cell for a group).
def _group_columns(link: Links) -> list[tuple[str, Callable[[Figures], Cell]]]:
    def oldest(f: Figures) -> Cell:
        if f.oldest_open is None:
            return Cell(None, "days")
        return Cell(f.oldest_open.age_days, "days", Links.fault(f.oldest_open.fault_id))

    return [
        ("Logged", lambda f: Cell(f.logged, href=link("logged", f))),
        ("Fixed", lambda f: Cell(f.fixed, href=link("fixed", f))),
        ("Open at period end", lambda f: Cell(f.open_at_end, href=link("open_at_end", f))),
        ("Overdue at period end", lambda f: Cell(f.overdue_at_end, href=link("overdue_at_end", f))),
        ("Oldest open (days)", oldest),
        ("Attended within SLA", lambda f: _percent(f.step("attend"), link("attended", f))),
        ("Made safe within SLA", lambda f: _percent(f.step("make_safe"), link("made_safe", f))),
        ("Fixed within SLA", lambda f: _percent(f.step("fix"), link("fixed", f))),
        (
            "Fixed within SLA after waivers",
            lambda f: _percent_adjusted(f.step("fix"), link("fixed", f)),
        ),
        (
            "First-time fix",
            lambda f: Cell(f.first_time_fix_percent, "percent", link("first_time_fixed", f)),
        ),
        (
            "Safety-critical open > 24 h",
            lambda f: Cell(f.safety_open_24h, href=link("safety_open_24h", f)),
        ),
        ("Bed-days lost", lambda f: Cell(f.bed_days_lost, "days", link("beds_out_of_use", f))),
        (
            "Premises-days without heating",
            lambda f: Cell(f.heating_days, "days", link("without_heating", f)),
        ),
        ("Service credit points", lambda f: Cell(f.credit_points, "points", link("breached", f))),
        ("Service credits £", lambda f: Cell(f.credit_pounds, "pounds", link("breached", f))),
        (
            "Credit points after waivers",
            lambda f: Cell(f.credit_points_adjusted, "points", link("breached", f)),
        ),
        (
            "Credits £ after waivers",
            lambda f: Cell(f.credit_pounds_adjusted, "pounds", link("breached", f)),
        ),
    ]


def _dims(f: Figures) -> dict[str, str]:
    dims = {}
    if f.level in ("contractor", "contractor_region"):
        dims["contractor"] = f.contractor
    if f.level in ("region", "contractor_region"):
        dims["region"] = f.region
    return dims


def group_table(report: Report, level: str) -> Table:
    link = Links(report)
    columns = _group_columns(link)
    groups = {
        "total": [report.total],
        "contractor": report.by_contractor,
        "region": report.by_region,
        "contractor_region": report.by_contractor_region,
    }[level]
    heads, title = {
        "total": ([""], "All faults in the report"),
        "contractor": (["Contractor"], "By contractor"),
        "region": (["Region"], "By region"),
        "contractor_region": (["Contractor", "Region"], "By contractor and region"),
    }[level]

    def headers(f: Figures) -> list[str]:
        return {
            "total": ["All"],
            "contractor": [f.contractor],
            "region": [f.region],
            "contractor_region": [f.contractor, f.region],
        }[level]

    rows = [Row(headers(f), [cell(f) for _, cell in columns], _dims(f)) for f in groups]
    return Table(level, title, heads, [name for name, _ in columns], rows)


def headline_table(report: Report) -> Table:
    """The headline figures for the period and the six before it (the trend)."""
    link = Links(report)
    trend = report.trend

    def row(name: str, cell: Callable[[TrendPoint], Cell]) -> Row:
        return Row([name], [cell(p) for p in trend])

    def at(measure: str) -> Callable[[TrendPoint], str]:
        return lambda p: link(measure, period=p.period)

    rows = [
        row("Faults logged", lambda p: Cell(p.logged, href=at("logged")(p))),
        row("Faults fixed", lambda p: Cell(p.fixed, href=at("fixed")(p))),
        row("Open at period end", lambda p: Cell(p.open_at_end, href=at("open_at_end")(p))),
        row(
            "Overdue at period end", lambda p: Cell(p.overdue_at_end, href=at("overdue_at_end")(p))
        ),
        row("Attended within SLA", lambda p: _percent(p.attend, at("attended")(p))),
        row("Fixed within SLA", lambda p: _percent(p.fix, at("fixed")(p))),
        row(
            "Safety-critical open > 24 h",
            lambda p: Cell(p.safety_open_24h, href=at("safety_open_24h")(p)),
        ),
        row("Bed-days lost", lambda p: Cell(p.bed_days_lost, "days", at("beds_out_of_use")(p))),
    ]
    columns = [p.period.short_label for p in trend]
    return Table(
        "headline",
        f"Headline figures: {report.period.label} and the {len(trend) - 1} periods before",
        ["Measure"],
        columns,
        rows,
        caption="The last column is the period of this report.",
    )


def service_level_table(report: Report, figures: Figures | None = None) -> Table:
    """Attended, made safe and fixed within the service level, by priority."""
    f = figures or report.total
    link = Links(report)
    rows = []
    for p in PRIORITIES:
        pf = f.priorities[p]
        cells = []
        for step, measure in (("attend", "attended"), ("make_safe", "made_safe"), ("fix", "fixed")):
            s: Step = getattr(pf, step)
            cells += [
                Cell(s.done, href=link(measure, f, priority=p)),
                Cell(s.late, href=link(f"{measure}_late", f, priority=p)),
                _percent(s, link(measure, f, priority=p)),
                _percent_adjusted(s, link(measure, f, priority=p)),
            ]
        cells += [
            Cell(pf.credit_points, "points", link("breached", f, priority=p)),
            Cell(pf.credit_pounds, "pounds", link("breached", f, priority=p)),
            Cell(pf.credit_points_adjusted, "points", link("breached", f, priority=p)),
            Cell(pf.credit_pounds_adjusted, "pounds", link("breached", f, priority=p)),
        ]
        rows.append(Row([p], cells, _dims(f) | {"priority": p}))
    columns = [
        "Attended", "Attended late", "Attended within SLA", "after waivers",
        "Made safe", "Made safe late", "Made safe within SLA", "after waivers",
        "Fixed", "Fixed late", "Fixed within SLA", "after waivers",
        "Credit points", "Credits £", "Points after waivers", "£ after waivers",
    ]  # fmt: skip
    who = f" — {f.contractor or f.region}" if f.level != "total" else ""
    return Table(
        f"service_levels{who}", f"Service levels by priority{who}", ["Priority"], columns, rows
    )


def times_table(report: Report, figures: Figures | None = None) -> Table:
    """Median and 90th-percentile hours to attend and to fix, by priority."""
    f = figures or report.total
    link = Links(report)
    rows = []
    for p in PRIORITIES:
        pf = f.priorities[p]
        rows.append(
            Row(
                [p],
                [
                    Cell(pf.attend_times.count, href=link("attended", f, priority=p)),
                    Cell(pf.attend_times.median_hours, "hours", link("attended", f, priority=p)),
                    Cell(pf.attend_times.p90_hours, "hours", link("attended", f, priority=p)),
                    Cell(pf.fix_times.count, href=link("fixed", f, priority=p)),
                    Cell(pf.fix_times.median_hours, "hours", link("fixed", f, priority=p)),
                    Cell(pf.fix_times.p90_hours, "hours", link("fixed", f, priority=p)),
                    Cell(CLOCK_WORDS[pf.fix_times.clock or pf.attend_times.clock], "text"),
                ],
                _dims(f) | {"priority": p},
            )
        )
    columns = [
        "Attended", "Median hours to attend", "90th percentile hours to attend",
        "Fixed", "Median hours to fix", "90th percentile hours to fix", "Clock",
    ]  # fmt: skip
    return Table("times", "Time to attend and to fix, by priority", ["Priority"], columns, rows)


_LEVEL_WORDS = {
    "contractor": (["Contractor"], "by contractor and priority"),
    "region": (["Region"], "by region and priority"),
    "contractor_region": (["Contractor", "Region"], "by contractor, region and priority"),
}


def detail_table(report: Report, level: str) -> Table:
    """Service levels, times and credits for each contractor, region or both, by priority."""
    link = Links(report)
    heads, words = _LEVEL_WORDS[level]
    groups = {
        "contractor": report.by_contractor,
        "region": report.by_region,
        "contractor_region": report.by_contractor_region,
    }[level]
    rows = []
    for f in groups:
        names = (
            [f.contractor, f.region]
            if level == "contractor_region"
            else ([f.contractor] if level == "contractor" else [f.region])
        )
        for p in PRIORITIES:
            pf = f.priorities[p]
            if not (pf.attend.done or pf.make_safe.done or pf.fix.done):
                continue
            cells = []
            for step, measure in (
                ("attend", "attended"),
                ("make_safe", "made_safe"),
                ("fix", "fixed"),
            ):
                s: Step = getattr(pf, step)
                cells += [
                    Cell(s.done, href=link(measure, f, priority=p)),
                    _percent(s, link(measure, f, priority=p)),
                ]
            cells += [
                Cell(pf.attend_times.median_hours, "hours", link("attended", f, priority=p)),
                Cell(pf.attend_times.p90_hours, "hours", link("attended", f, priority=p)),
                Cell(pf.fix_times.median_hours, "hours", link("fixed", f, priority=p)),
                Cell(pf.fix_times.p90_hours, "hours", link("fixed", f, priority=p)),
                Cell(pf.credit_points, "points", link("breached", f, priority=p)),
                Cell(pf.credit_pounds, "pounds", link("breached", f, priority=p)),
            ]
            rows.append(Row([*names, p], cells, _dims(f) | {"priority": p}))
    columns = [
        "Attended", "Attended within SLA", "Made safe", "Made safe within SLA",
        "Fixed", "Fixed within SLA",
        "Median hours to attend", "90th percentile hours to attend",
        "Median hours to fix", "90th percentile hours to fix",
        "Credit points", "Credits £",
    ]  # fmt: skip
    return Table(
        f"detail_{level}",
        f"Service levels, times and credits {words}",
        [*heads, "Priority"],
        columns,
        rows,
        caption="Hours are in each fault's own clock: calendar hours for P1 and P2, working "
        "hours for P3 and P4 unless a contract says otherwise.",
    )


def escalations_table(report: Report) -> Table:
    link = Links(report)
    groups = [report.total, *report.by_contractor]
    rows = [
        Row(
            ["All" if f.level == "total" else f.contractor],
            [Cell(f.escalations[n], href=link(f"escalated_{n}", f)) for n in ESCALATION_LEVELS],
            _dims(f),
        )
        for f in groups
    ]
    return Table(
        "escalations",
        "Escalations raised in the period, by level",
        ["Contractor"],
        [f"Level {n}" for n in ESCALATION_LEVELS],
        rows,
    )


def all_tables(report: Report) -> list[Table]:
    """Every table, in the order the page, the PDF and the XLSX show them."""
    return [
        headline_table(report),
        group_table(report, "total"),
        service_level_table(report),
        times_table(report),
        group_table(report, "contractor"),
        group_table(report, "region"),
        group_table(report, "contractor_region"),
        escalations_table(report),
        detail_table(report, "contractor"),
        detail_table(report, "region"),
        detail_table(report, "contractor_region"),
    ]
