"""The named slices of open faults that the fault list filters by and the home page counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from facilities import access, lateness
from facilities.models import Fault, Role
from facilities.models.faults import (
    OPEN_STATUS_VALUES,
)

#: `status` values beyond the single statuses.
## Conditions on *open* faults: the list applies `is_open()` once beside them (see
# `FaultFilter.only_status`) and the dashboard counts them over the user's open faults in one
# pass (`Count(..., filter=...)`). Together with `is_open()` each means what FaultQuerySet's
# slice of the same name means (built from `facilities.lateness`). Applying `is_open()` twice
# would make PostgreSQL square its estimate of open faults and choose slow plans.


#: Safety-critical faults open longer than this are counted on the home page.
LONG_OPEN = timedelta(hours=24)


def is_open() -> Q:
    return Q(status__in=OPEN_STATUS_VALUES)


def overdue(now: datetime) -> Q:
    """Not on hold and past a due time for a step not yet done (FaultQuerySet.overdue)."""
    return Q(on_hold_since__isnull=True) & lateness.overdue_steps(now)


def safety_critical() -> Q:
    return Q(category__safety_critical=True)


def beds_out_of_use() -> Q:
    """Beds stay out of use until the fault is fixed (FaultQuerySet.with_beds_out_of_use)."""
    return Q(beds_out_of_use__gt=0)


def open_over_24h(now: datetime) -> Q:
    """Safety-critical and reported more than 24 hours ago (and still open)."""
    return safety_critical() & Q(reported_at__lt=now - LONG_OPEN)


def without_heating() -> Q:
    """A heating fault: while open, its premises is without (full) heating."""
    return Q(category__is_heating=True)


#: "Show only" filters that only ever match open faults.
OPEN_ONLY = ("overdue", "open_over_24h", "beds", "without_heating")


# --- A person's scope, read once for a page ------------------------------------------------


def scope_is_the_premises_seen(user) -> bool:
    """Whether the user's fault scope is exactly the premises they may see: an office
    manager's premises, or a contract manager's regions' (`access.fault_scope` names the
    one and joins the other; `access.premises_visible_to` reads the same premises)."""
    role = access.role_of(user) if user.is_authenticated else None
    return role in (Role.OFFICE_MANAGER, Role.CONTRACT_MANAGER) and not access.sees_everything(user)


@dataclass(frozen=True)
class Scope:
    """The faults a person may see, as one condition on the fault's own columns (the
    premises named, the contractor, or everything), read with at most one query.

    `access.fault_scope` is the rule; this is the same set of faults, named so that a page
    asking several questions of it reads the person's regions or premises once, and so that
    PostgreSQL reads just those premises' rows from the per-premises indexes.
    """

    lookup: str | None  # e.g. "premises_id__in"; None: every fault
    value: object = None

    @classmethod
    def of(cls, user, premises_ids: list[int] | None = None) -> Scope:
        """`premises_ids`, if given, are `premises_visible_to(user)` already read."""
        if scope_is_the_premises_seen(user):
            if premises_ids is None:
                premises_ids = list(access.premises_visible_to(user).values_list("pk", flat=True))
            return cls("premises_id__in", premises_ids)
        rule = access.fault_scope(user)  # no query for these roles
        if rule is None:
            return cls(None)
        if len(rule.children) == 1 and isinstance(rule.children[0], tuple) and not rule.negated:
            return cls(*rule.children[0])  # contractor_id=…, or pk__in=[] (nothing)
        return cls("pk__in", Fault.objects.filter(rule).values("pk"))  # any other rule

    def q(self, path: str = "") -> Q:
        """The condition on faults, or on the fault `path` leads to (e.g. "breach__fault__")."""
        return Q() if self.lookup is None else Q(**{f"{path}{self.lookup}": self.value})

    def faults(self):
        return Fault.objects.filter(self.q())
