"""The faults behind each report figure: one `Q` per measure, shared by the figure and its link.

Every count in a report is `Count(filter=<slice Q>)` over the faults in scope, and every
figure links to the fault list with `report=<measure>.<period>` (plus `contractor`, `region`
and `priority`, which the list filters already), which the list narrows with the *same* Q.
So a figure and the faults its link shows cannot disagree.

Times: a period is [start, end) in UTC; figures "at period end" are taken at the *cutoff*,
the period's end or now, whichever is earlier (a month not yet over is measured as of now).

A fault's facts are as they stand now. A reopened fault has no fix until it is fixed again
(the workflow clears `fixed_at`), so it counts as open at the end of the month it was first
fixed in and as fixed in the month of its final fix. A report issued earlier keeps what it
said (`facilities.reports.issue`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from facilities import lateness
from facilities.locations import LocationKey
from facilities.models import Breach, Escalation, Fault, FaultStatus, PremisesKind
from facilities.models.escalations import ESCALATION_LEVELS
from facilities.periods import Period

#: The window after a fix in which a repeat of the fault makes the fix not first time.
REPEAT_WINDOW = timedelta(days=30)
#: Safety-critical faults open longer than this are counted.
SAFETY_OPEN_LIMIT = timedelta(hours=24)
#: `contractor=` value for faults no contract covers (as the fault list uses it).
UNROUTED = "unrouted"


@dataclass(frozen=True)
class Window:
    """The instants a slice is measured between."""

    start: datetime
    end: datetime
    cutoff: datetime

    @classmethod
    def of(cls, period: Period, now: datetime) -> Window:
        return cls(period.start, period.end, period.cutoff(now))


# --- The slices ---------------------------------------------------------------------------


def _in(field: str, w: Window) -> Q:
    return Q(**{f"{field}__gte": w.start, f"{field}__lt": w.end})


def _not_before(field: str, instant) -> Q:
    """The moment in `field` has not happened before `instant` (or not at all)."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": instant})


def logged(w: Window) -> Q:
    return _in("reported_at", w)


def fixed(w: Window) -> Q:
    return _in("fixed_at", w)


def fixed_on_time(w: Window) -> Q:
    return fixed(w) & lateness.on_time("fix")


def fixed_late(w: Window) -> Q:
    return fixed(w) & lateness.late("fix")


def attended(w: Window) -> Q:
    return _in("attended_at", w)


def attended_on_time(w: Window) -> Q:
    return attended(w) & lateness.on_time("attend")


def attended_late(w: Window) -> Q:
    return attended(w) & lateness.late("attend")


def made_safe(w: Window) -> Q:
    """Made safe in the period, where a make-safe target applies; a fix also makes safe."""
    return Q(make_safe_due_at__isnull=False) & (
        _in("made_safe_at", w) | (Q(made_safe_at__isnull=True) & _in("fixed_at", w))
    )


def made_safe_on_time(w: Window) -> Q:
    return made_safe(w) & lateness.on_time("make_safe")


def made_safe_late(w: Window) -> Q:
    return made_safe(w) & lateness.late("make_safe")


def _breaches(w: Window, **more) -> Exists:
    return Exists(
        Breach.objects.filter(fault=OuterRef("pk"), done_at__gte=w.start, done_at__lt=w.end, **more)
    )


def breached(w: Window) -> Q:
    """A breach recorded for a step done in the period: what service credits are scored on.

    A breach is kept when the fault is reopened, so a fix first done late in March counts in
    March even if the fault was reopened and fixed again later.
    """
    return Q(_breaches(w))


def waived(w: Window) -> Q:
    """A breach done in the period and waived after an accepted dispute."""
    return Q(_breaches(w, waived_at__isnull=False))


def _waived_step(step: str, w: Window) -> Q:
    return Q(_breaches(w, step=step, waived_at__isnull=False))


def attended_waived(w: Window) -> Q:
    return attended_late(w) & _waived_step("attend", w)


def made_safe_waived(w: Window) -> Q:
    return made_safe_late(w) & _waived_step("make_safe", w)


def fixed_waived(w: Window) -> Q:
    return fixed_late(w) & _waived_step("fix", w)


def open_at_end(w: Window) -> Q:
    """Logged before the cutoff, and neither fixed nor cancelled by then."""
    return (
        Q(reported_at__lt=w.cutoff)
        & _not_before("fixed_at", w.cutoff)
        & _not_before("cancelled_at", w.cutoff)
    )


def overdue_at_end(w: Window) -> Q:
    """Open at the cutoff, not on hold then, and past a due time for a step not yet done.

    With the cutoff at now this is exactly `FaultQuerySet.overdue(now)`.
    """
    return open_at_end(w) & lateness.overdue_as_of(w.cutoff)


def alive(w: Window) -> Q:
    """Open at some moment of the period: logged before its cutoff, not closed before it."""
    return (
        Q(reported_at__lt=w.cutoff)
        & (Q(fixed_at__isnull=True) | Q(fixed_at__gt=w.start))
        & (Q(cancelled_at__isnull=True) | Q(cancelled_at__gt=w.start))
    )


def relevant(w: Window) -> Q:
    """Every fault any slice of the period can count (logged before its end, not closed before
    its start): a superset that lets the database skip the rest of the table."""
    return (
        Q(reported_at__lt=w.end)
        & _not_before("fixed_at", w.start)
        & _not_before("cancelled_at", w.start)
    )


def repeated(w: Window) -> Q:
    """Repeated within 30 days after the fix (inclusive): a later fault, not cancelled, either
    at the same premises, of the same category and in the same place in the building (the
    same `facilities.locations` key), or linked by the office manager as a repeat of this
    one (`repeat_of`, whatever its category or place). A fault logged before the fix is never
    a repeat of it, linked or not: it reported the same problem while it was still open.
    `repeats.first_time_fixed` counts the same rule in one pass."""
    after_fix = Q(
        reported_at__gt=OuterRef("fixed_at"),
        reported_at__lte=OuterRef("fixed_at") + REPEAT_WINDOW,
        # Implied by the fix being in the period; lets the planner bound the search.
        reported_at__gte=w.start,
        reported_at__lt=w.end + REPEAT_WINDOW,
    )
    later = Fault.objects.filter(after_fix).exclude(status=FaultStatus.CANCELLED)
    same_place = later.alias(place=LocationKey("location")).filter(
        premises_id=OuterRef("premises_id"),
        category_id=OuterRef("category_id"),
        place=LocationKey(OuterRef("location")),
    )
    linked = later.filter(repeat_of_id=OuterRef("pk"))
    return Q(Exists(same_place)) | Q(Exists(linked))


def first_time_fixed(w: Window) -> Q:
    """Fixed in the period, never reopened, and not repeated within 30 days."""
    return fixed(w) & Q(reopen_count=0) & ~repeated(w)


def not_first_time_fixed(w: Window) -> Q:
    return fixed(w) & (Q(reopen_count__gt=0) | repeated(w))


def escalated(level: int) -> Callable[[Window], Q]:
    def slice_(w: Window) -> Q:
        return Q(
            Exists(
                Escalation.objects.filter(
                    fault_id=OuterRef("pk"),
                    level=level,
                    raised_at__gte=w.start,
                    raised_at__lt=w.end,
                )
            )
        )

    return slice_


def safety_open_24h(w: Window) -> Q:
    """Safety-critical, and still open at some moment of the period more than 24 h after it
    was logged."""
    past_limit = F("reported_at") + SAFETY_OPEN_LIMIT
    return (
        Q(category__safety_critical=True)
        & Q(reported_at__lt=w.cutoff - SAFETY_OPEN_LIMIT)
        & (Q(fixed_at__isnull=True) | (Q(fixed_at__gt=w.start) & Q(fixed_at__gt=past_limit)))
        & (
            Q(cancelled_at__isnull=True)
            | (Q(cancelled_at__gt=w.start) & Q(cancelled_at__gt=past_limit))
        )
    )


def beds_out_of_use(w: Window) -> Q:
    """Beds out of use at an approved premises at some moment of the period."""
    return Q(premises__kind=PremisesKind.APPROVED_PREMISES, beds_out_of_use__gt=0) & alive(w)


def without_heating(w: Window) -> Q:
    """A heating fault open at some moment of the period."""
    return Q(category__is_heating=True) & alive(w)


@dataclass(frozen=True)
class Measure:
    slug: str
    label: str  # completes "Faults …" in the fault list's heading
    q: Callable[[Window], Q]


MEASURES: dict[str, Measure] = {
    m.slug: m
    for m in [
        Measure("logged", "logged", logged),
        Measure("fixed", "fixed", fixed),
        Measure("fixed_on_time", "fixed within the service level", fixed_on_time),
        Measure("fixed_late", "fixed late", fixed_late),
        Measure("attended", "attended", attended),
        Measure("attended_on_time", "attended within the service level", attended_on_time),
        Measure("attended_late", "attended late", attended_late),
        Measure("made_safe", "made safe (where a make-safe target applies)", made_safe),
        Measure("made_safe_on_time", "made safe within the service level", made_safe_on_time),
        Measure("made_safe_late", "made safe late", made_safe_late),
        Measure("breached", "with a step done late (service credits)", breached),
        Measure("waived", "with a late step waived after an accepted dispute", waived),
        Measure("open_at_end", "open at the end of the period", open_at_end),
        Measure("overdue_at_end", "overdue at the end of the period", overdue_at_end),
        Measure("first_time_fixed", "fixed first time", first_time_fixed),
        Measure("not_first_time_fixed", "fixed, then reopened or repeated", not_first_time_fixed),
        *(
            Measure(f"escalated_{n}", f"escalated to level {n}", escalated(n))
            for n in ESCALATION_LEVELS
        ),
        Measure("safety_open_24h", "safety-critical, open longer than 24 hours", safety_open_24h),
        Measure("beds_out_of_use", "with beds out of use", beds_out_of_use),
        Measure("without_heating", "leaving premises without heating", without_heating),
    ]
}


# --- The `report` filter of the fault list -------------------------------------------------------


@dataclass(frozen=True)
class Slice:
    """One measure over one period: the value of the fault list's `report` parameter."""

    measure: Measure
    period: Period

    @classmethod
    def parse(cls, value: str) -> Slice:
        """`fixed_late.2026-03` or `fixed_late.2026-01-01_2026-03-31`; ValueError otherwise."""
        slug, _, period = (value or "").partition(".")
        if slug not in MEASURES:
            raise ValueError(f"Unknown report figure {slug!r}")
        return cls(MEASURES[slug], Period.from_slug(period))

    @property
    def value(self) -> str:
        return f"{self.measure.slug}.{self.period.slug}"

    @property
    def description(self) -> str:
        """For example "Faults fixed late in March 2026"."""
        when = "in" if self.period.is_month else "from"
        return f"Faults {self.measure.label} {when} {self.period.label}"

    def q(self, now: datetime) -> Q:
        return self.measure.q(Window.of(self.period, now))


def validate_report(value: str) -> None:
    try:
        Slice.parse(value)
    except ValueError:
        raise ValidationError("Choose a figure from a report") from None


class ReportFilter(django_filters.CharFilter):
    """The fault list's `report` filter: the faults behind one report figure.

    Measured as of the filterset's `now` (the fault list passes one), like the report.
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", "Report figure")
        kwargs.setdefault("validators", [validate_report])
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(**kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        now = getattr(self.parent, "now", None) or timezone.now()
        return qs.filter(Slice.parse(value).q(now))


def narrow(faults, value: str, now: datetime):
    """The faults behind `report=<value>` (what `ReportFilter` does, without a filterset)."""
    return faults.filter(Slice.parse(value).q(now))


# --- Links ----------------------------------------------------------------------------------------


def fault_list_path() -> str:
    try:
        return reverse("fault_list")
    except NoReverseMatch:
        return "/faults/"


def link(
    measure: str,
    period: Period,
    *,
    contractor: int | str | None = None,
    region: int | None = None,
    priority: str | None = None,
) -> str:
    """The fault list showing exactly the faults behind one figure (every status)."""
    query: list[tuple[str, str]] = [("report", Slice(MEASURES[measure], period).value)]
    if contractor is not None:
        query.append(("contractor", str(contractor)))
    if region is not None:
        query.append(("region", str(region)))
    if priority is not None:
        query.append(("priority", priority))
    query += [("status", "all"), ("sort", "oldest")]
    return f"{fault_list_path()}?{urlencode(query)}"
