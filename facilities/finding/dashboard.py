"""The home page's figures for one person: selectors returning plain data.

Every figure is scoped by `facilities.access.faults_visible_to` (the one scoping
rule) and uses the named slices of `facilities.finding.slices` (`overdue`,
`safety_critical`, `beds_out_of_use`, `open_over_24h`, `without_heating`: the
same conditions as `FaultQuerySet`'s), so the home page agrees with every list,
report and sweep about what "overdue" or "beds out of use" means, and each number
links to the fault list filtered to exactly the faults it counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Sum

from facilities import access, deadlines
from facilities.finding import slices
from facilities.lateness import first_unmet_deadline
from facilities.models import Fault, Role, User
from facilities.timewords import describe_lateness


@dataclass(frozen=True)
class HeadlineCounts:
    open_faults: int
    overdue: int
    safety_critical_open: int
    beds_out_of_use: int


@dataclass(frozen=True)
class HomeFigures:
    """Everything the home page counts: the headline counts and the two "state of the
    estate" figures regional leadership asked for."""

    counts: HeadlineCounts
    safety_critical_over_24h: int
    premises_without_heating: int


def home_figures(user: User, now: datetime, scope: slices.Scope | None = None) -> HomeFigures:
    """The home page's numbers for what this user may see, in one query and one pass.

    Each figure is a filtered count (or sum) over the user's open faults, the filter being
    one of the named slices the fault list filters with (`facilities.finding.slices`), so
    each number links to exactly the faults it counts and nothing loops in Python. `scope`
    is the user's (`slices.Scope.of(user)`), when the page has read it already.
    """
    open_faults = (scope or slices.Scope.of(user)).faults().open()
    totals = open_faults.aggregate(
        open_faults=Count("pk"),
        overdue=Count("pk", filter=slices.overdue(now)),
        safety_critical_open=Count("pk", filter=slices.safety_critical()),
        beds_out_of_use=Sum("beds_out_of_use", filter=slices.beds_out_of_use(), default=0),
        safety_critical_over_24h=Count("pk", filter=slices.open_over_24h(now)),
        premises_without_heating=Count(
            "premises_id", distinct=True, filter=slices.without_heating()
        ),
    )
    return HomeFigures(
        counts=HeadlineCounts(
            open_faults=totals["open_faults"],
            overdue=totals["overdue"],
            safety_critical_open=totals["safety_critical_open"],
            beds_out_of_use=totals["beds_out_of_use"],
        ),
        safety_critical_over_24h=totals["safety_critical_over_24h"],
        premises_without_heating=totals["premises_without_heating"],
    )


def headline_counts(user: User, now: datetime) -> HeadlineCounts:
    """The four headline numbers for what this user may see, in one query."""
    return home_figures(user, now).counts


@dataclass(frozen=True)
class Headline:
    """One number on the home page and the fault list query that shows exactly its faults."""

    id: str
    number: int
    label: str
    list_query: str  # for /faults/?<list_query>
    alert: bool = False


def _plural(number: int, one: str, many: str) -> str:
    return one if number == 1 else many


def headlines(figures: HomeFigures) -> list[Headline]:
    """The home page's numbers in order, each with its link to the fault list.

    Every slice is of open faults, the list's default; the links still say `status=open` so
    they mean the same whatever the list's default becomes.
    """
    counts = figures.counts

    def query(**only: str) -> str:
        return urlencode({"status": "open", **only})

    return [
        Headline(
            "open-faults",
            counts.open_faults,
            f"open {_plural(counts.open_faults, 'fault', 'faults')}",
            query(),
        ),
        Headline(
            "overdue-faults", counts.overdue, "overdue", query(overdue="1"), counts.overdue > 0
        ),
        Headline(
            "safety-critical-faults",
            counts.safety_critical_open,
            "safety-critical open",
            query(safety_critical="1"),
            counts.safety_critical_open > 0,
        ),
        Headline(
            "safety-critical-over-24h",
            figures.safety_critical_over_24h,
            "safety-critical open longer than 24 hours",
            query(open_over_24h="1"),
            figures.safety_critical_over_24h > 0,
        ),
        Headline(
            "beds-out-of-use",
            counts.beds_out_of_use,
            f"{_plural(counts.beds_out_of_use, 'bed', 'beds')} out of use now",
            query(beds="1"),
        ),
        Headline(
            "premises-without-heating",
            figures.premises_without_heating,
            "premises without heating now",
            query(without_heating="1"),
            figures.premises_without_heating > 0,
        ),
    ]


@dataclass(frozen=True)
class LateFault:
    """An overdue fault, the step whose deadline it missed first, and by how much."""

    fault: Fault
    step: str
    due: datetime
    lateness: timedelta

    @property
    def summary(self) -> str:
        """For example "Fix overdue by 3 days 4 hours"."""
        return f"{self.step} overdue by {describe_lateness(self.lateness)}"


def most_overdue(
    user: User, now: datetime, limit: int = 10, scope: slices.Scope | None = None
) -> list[LateFault]:
    """The user's open overdue faults, the longest overdue first.

    Overdue and "how long" both come from the earliest unmet deadline (`facilities.lateness`:
    past it exactly when `FaultQuerySet.overdue` says so), which is indexed for open faults
    not on hold, so this reads `limit` index entries, not every open fault.
    """
    faults = (
        (scope or slices.Scope.of(user))
        .faults()
        .open()
        .filter(on_hold_since__isnull=True)
        .annotate(late_since=first_unmet_deadline())
        .filter(late_since__lt=now)
        .select_related("premises", "category")
        .order_by("late_since", "pk")[:limit]
    )
    return [late for fault in faults if (late := late_fault(fault, now))]


_STEP_WORDS = {"attend": "Attendance", "make_safe": "Make safe", "fix": "Fix"}


def late_fault(fault: Fault, now: datetime) -> LateFault | None:
    """Which deadline an open fault missed first and by how much (None if none is missed)."""
    missed = deadlines.overdue_steps(fault, now)
    if not missed:
        return None
    step, due = missed[0]
    return LateFault(fault=fault, step=_STEP_WORDS[step], due=due, lateness=now - due)


def _and_join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def describe_scope(user: User, premises: list | None = None) -> str:
    """What this person's role lets them see, in a sentence for the home page. `premises`
    are an office manager's, when the page has read them already."""
    role = access.role_of(user)
    if role == Role.ADMINISTRATOR:
        return "Administrator: you can see faults at every premises."
    if role == Role.CONTRACT_MANAGER:
        if access.is_national_manager(user):
            return "National contract manager: you can see faults at every premises."
        regions = [region.name for region in user.regions.order_by("name")]
        if not regions:
            return "You have no regions yet, so you cannot see any faults. Ask an administrator."
        return f"Regional contract manager: {_and_join(regions)}."
    if role == Role.OFFICE_MANAGER:
        managed = premises if premises is not None else user.premises.order_by("name")
        names = [each.name for each in managed]
        if not names:
            return "You do not manage any premises yet. Ask an administrator to add yours."
        count = "1 premises" if len(names) == 1 else f"{len(names)} premises"
        return f"You manage {count}: {_and_join(names)}."
    if role == Role.CONTRACTOR and user.contractor_id:
        return f"You work for {user.contractor.name}: you can see the jobs sent to them."
    return "You cannot see any faults yet. Ask an administrator to set up your account."
