"""What each figure means, in words: shown on the definitions page, in the XLSX and the PDF.

Kept beside the code that computes the figures (`drilldown`, `measures`, `credits`) and
written from it, so a contract manager can check any number by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import credits, drilldown


@dataclass(frozen=True)
class Definition:
    name: str
    formula: str
    notes: str = ""


_POINTS = ", ".join(f"{p} {n}" for p, n in credits.POINTS.items())
_REPEAT_DAYS = drilldown.REPEAT_WINDOW.days

GENERAL = [
    Definition(
        "Period",
        "A calendar month (or a run of whole days) in UK time: from 00:00 on the first day to "
        "00:00 after the last, so British Summer Time is respected.",
    ),
    Definition(
        "Period end",
        "Figures 'at period end' are taken at 00:00 after the last day, or at the moment the "
        "report is made if the period is not yet over.",
    ),
    Definition(
        "Contractor and region",
        "A fault counts for the contractor it is assigned to now and the region of its "
        "premises. Faults with no contractor appear under 'Unrouted': none is left out.",
    ),
    Definition(
        "Facts as they stand",
        "Figures come from each fault's recorded times as they are when the report is made. "
        "A reopened fault has no fix until it is fixed again: it counts as open at the end of "
        "the month it was first fixed in, and as fixed in the month of its final fix. An "
        "issued monthly report keeps the figures it was issued with.",
    ),
]

MEASURES = [
    Definition("Faults logged", "Faults reported in the period (including any later cancelled)."),
    Definition(
        "Faults fixed",
        "Faults whose (final) fix was recorded in the period.",
    ),
    Definition(
        "Open at period end",
        "Faults reported before period end that had been neither fixed nor cancelled by then.",
    ),
    Definition(
        "Overdue at period end",
        "Faults open at period end, not on hold then, and past a due time for attendance, "
        "making safe or the fix that had not been done by then.",
    ),
    Definition(
        "Oldest open",
        "The fault open at period end that was reported first; its age in days at period end.",
    ),
    Definition(
        "Attended within service level (%)",
        "Of the faults attended in the period, the percentage attended at or before their "
        "attendance due time. Shown by priority.",
    ),
    Definition(
        "Made safe within service level (%)",
        "Of the faults with a make-safe target (P1 by default) made safe in the period — a fix "
        "also makes a fault safe — the percentage made safe by their make-safe due time.",
    ),
    Definition(
        "Fixed within service level (%)",
        "Of the faults fixed in the period, the percentage fixed at or before their fix due "
        "time. A due time is logging plus the target plus the time on hold (approved holds "
        "only, such as awaiting access) before the step was done, in the fault's own clock. "
        "A priority change sets new targets only for steps not yet done.",
    ),
    Definition(
        "After waivers",
        "The same figure when the breaches waived after a contractor's accepted dispute are "
        "excused: a waived late step counts as within the service level and scores no "
        "points. Both figures are shown side by side; the raw one is what happened.",
    ),
    Definition(
        "Median and 90th percentile time to attend, to fix",
        "Over the faults attended (or fixed) in the period, by priority: the time from logging "
        "to the step in the fault's own clock — calendar hours, or working hours (Monday to "
        "Friday 08:00–18:00 UK time, not counting the bank holidays of the premises' nation) — "
        "less time on hold before the step. Percentiles interpolate between neighbouring "
        "values (as PostgreSQL's percentile_cont): the median of 4 values is the mean of the "
        "middle two.",
    ),
    Definition(
        "First-time fix rate (%)",
        "Of the faults fixed in the period, the percentage never reopened and not repeated "
        f"within {_REPEAT_DAYS} days after the fix. A repeat is a fault logged in those "
        f"{_REPEAT_DAYS} days, and not cancelled, either at the same premises, of the same kind "
        "and in the same place in the building — the 'where in the building' text compared "
        "ignoring capitals (A to Z), extra spaces and punctuation at the end, so 'Kitchen ' and "
        "'kitchen.' are the same place but 'Room 4 radiator' and 'Room 7 radiator' are not — "
        "or one the office manager said, when logging it, was a repeat of this fault, "
        "whatever its kind or place. A fault logged before the fix is not a repeat of it, "
        "even if linked. Repeats logged after the report was made are not yet known to it.",
    ),
    Definition(
        "Escalations by level",
        "Escalations raised in the period, automatic or by hand, at each level of the ladder. "
        "A fault reaches each level at most once.",
    ),
    Definition(
        "Safety-critical open over 24 hours",
        "Safety-critical faults (alarms, locks and security, CCTV) that were still open at "
        "some moment of the period more than 24 hours after they were logged.",
    ),
    Definition(
        "Bed-days lost",
        "At approved premises: beds out of use × days out of use within the period. Beds are "
        "out of use from logging until the fix (or cancellation); a fault spanning two months "
        "is split between them.",
    ),
    Definition(
        "Premises-days without heating",
        "Days on which a premises had a heating fault open, within the period, added up over "
        "premises. Two heating faults open at once at one premises count once. For a "
        "contractor, only its own faults count.",
    ),
    Definition(
        "Service credits (points and £)",
        f"Each step done late in the period — attendance, making safe or the fix — scores "
        f"points by priority ({_POINTS}), doubled when it took more than twice its target and "
        "trebled past three times (time taken in the fault's own clock, less time on hold). "
        "A late step scores in the period it was done; until then the fault shows as overdue. "
        "Each late step is recorded once, as a breach, with its points and the contract's £ "
        "per point at the time, and it stands if the fault is later reopened. "
        "£ = points × that rate; unrouted faults score no £. The downloads list every breach "
        "with its due and done times, time on hold, time taken and multiplier.",
    ),
    Definition(
        "Links to faults",
        "Every number links to the fault list showing exactly the faults behind it, as they "
        "stand now.",
    ),
]


def all_definitions() -> list[Definition]:
    return GENERAL + MEASURES
