"""The home page's figures for one person: selectors returning plain data.

Every figure is scoped by `facilities.scope.faults_visible_to` (the one scoping
rule) and uses the named slices of `FaultQuerySet` (`open`, `overdue`,
`safety_critical`, `with_beds_out_of_use`), so the home page agrees with every
list, report and sweep about what "overdue" or "beds out of use" means.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Case, Count, DateTimeField, F, Q, Sum, Value, When
from django.db.models.functions import Least

from facilities.models import Fault, Role, User
from facilities.scope import faults_visible_to
from facilities.timewords import describe_lateness

#: Later than any due time, so "not missed" sorts after every missed one.
_NEVER = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class HeadlineCounts:
    open_faults: int
    overdue: int
    safety_critical_open: int
    beds_out_of_use: int


def headline_counts(user: User, now: datetime) -> HeadlineCounts:
    """The four headline numbers for what this user may see, in one query.

    Each figure is a filtered count (or sum) over the user's open faults, the
    filter being "in this named slice" (a non-correlated sub-select over open
    faults), so the definitions stay in FaultQuerySet and nothing loops in Python.
    """
    open_faults = faults_visible_to(user).open()

    def within(slice_):
        return Q(pk__in=slice_.values("pk"))

    totals = open_faults.aggregate(
        open_faults=Count("pk"),
        overdue=Count("pk", filter=within(open_faults.overdue(now))),
        safety_critical_open=Count("pk", filter=within(open_faults.safety_critical())),
        beds_out_of_use=Sum(
            "beds_out_of_use", filter=within(open_faults.with_beds_out_of_use()), default=0
        ),
    )
    return HeadlineCounts(**totals)


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


def _missed(done_is_null: Q, due_field: str) -> Case:
    return Case(When(done_is_null, then=F(due_field)), default=Value(_NEVER))


def most_overdue(user: User, now: datetime, limit: int = 10) -> list[LateFault]:
    """The user's open overdue faults, the longest overdue first."""
    faults = (
        faults_visible_to(user)
        .overdue(now)
        .select_related("premises", "category")
        .annotate(
            late_since=Least(
                _missed(Q(attended_at__isnull=True, attend_due_at__lt=now), "attend_due_at"),
                _missed(
                    Q(made_safe_at__isnull=True, fixed_at__isnull=True, make_safe_due_at__lt=now),
                    "make_safe_due_at",
                ),
                _missed(Q(fixed_at__isnull=True, fix_due_at__lt=now), "fix_due_at"),
                output_field=DateTimeField(),
            )
        )
        .order_by("late_since", "pk")[:limit]
    )
    return [_late_fault(fault, now) for fault in faults]


def _late_fault(fault: Fault, now: datetime) -> LateFault:
    """Which deadline the fault missed first: the same tests as `overdue_q`."""
    missed = [
        (due, step)
        for due, step, not_done in (
            (fault.attend_due_at, "Attendance", fault.attended_at is None),
            (
                fault.make_safe_due_at,
                "Make safe",
                fault.made_safe_at is None and fault.fixed_at is None,
            ),
            (fault.fix_due_at, "Fix", fault.fixed_at is None),
        )
        if not_done and due is not None and due < now
    ]
    due, step = min(missed, key=lambda item: item[0])
    return LateFault(fault=fault, step=step, due=due, lateness=now - due)


def _and_join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def describe_scope(user: User) -> str:
    """What this person's role lets them see, in a sentence for the home page."""
    if user.is_superuser or user.role == Role.ADMINISTRATOR:
        return "Administrator: you can see faults at every premises."
    if user.role == Role.CONTRACT_MANAGER:
        regions = [region.name for region in user.regions.order_by("name")]
        if not regions:
            return "National contract manager: you can see faults at every premises."
        return f"Regional contract manager: {_and_join(regions)}."
    if user.role == Role.OFFICE_MANAGER:
        names = [premises.name for premises in user.premises.order_by("name")]
        if not names:
            return "You do not manage any premises yet. Ask an administrator to add yours."
        count = "1 premises" if len(names) == 1 else f"{len(names)} premises"
        return f"You manage {count}: {_and_join(names)}."
    if user.role == Role.CONTRACTOR and user.contractor_id:
        return f"You work for {user.contractor.name}: you can see the jobs sent to them."
    return "You cannot see any faults yet. Ask an administrator to set up your account."
