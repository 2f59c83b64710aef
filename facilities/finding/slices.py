"""The named slices of open faults that the fault list filters by and the home page counts."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q

from facilities import access, lateness
from facilities.models import Premises
from facilities.models.faults import (
    OPEN_STATUS_VALUES,
    FaultQuerySet,
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


def with_premises_named(
    faults: FaultQuerySet, user, region_premises_ids: list[int] | None = None
) -> FaultQuerySet:
    """The same faults, with a regional contract manager's premises named as well.

    Their scope is "at premises in my regions" (a join). Naming the premises is redundant
    (never wider than the scope) but lets PostgreSQL read just those premises' open faults
    from the per-premises indexes instead of every open fault. Other scopes are left alone
    (an office manager's already names premises; a national one has no regions).
    """
    if not access.is_regional_manager(user):
        return faults
    if region_premises_ids is None:
        region_premises_ids = list(
            Premises.objects.filter(region__contract_managers=user).values_list("pk", flat=True)
        )
    return faults.filter(premises_id__in=region_premises_ids) if region_premises_ids else faults
