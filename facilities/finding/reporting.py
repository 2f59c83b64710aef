"""Which faults a person's contractor performance report counts, and the report itself.

The report pages, their downloads and the API's figures (`GET /api/v1/reports/<period>/`)
all come here: the person's scope (`facilities.access`, the one rule), narrowed to the region
and contractor chosen from the lists they are offered, then `reports.measures.build`. So a
figure means the same faults on the page, in a download and through the API, computed once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from facilities import access
from facilities.access import faults_visible_to, premises_visible_to
from facilities.models import Fault, Region, User
from facilities.periods import Period
from facilities.reports import measures
from facilities.reports.drilldown import UNROUTED

from .dashboard import describe_scope


class Unavailable(LookupError):
    """No such report for this person: a period not yet started, or a region or contractor
    not among those offered to them (as if it did not exist)."""


def regions_offered(user: User) -> list[Region]:
    """The regions of the premises the user may see."""
    ids = premises_visible_to(user).values("region_id")
    return list(Region.objects.filter(pk__in=ids).order_by("name"))


def contractors_offered(user: User) -> list[tuple[str, str]]:
    """Contractors whose contracts cover premises the user may see (as the fault list offers),
    and unrouted faults; a contractor is offered only its own company."""
    named = access.contractors_offered(user)
    if access.is_contractor(user):
        return [(str(c.pk), c.name) for c in named]
    return [*((str(c.pk), c.name) for c in named), (UNROUTED, "Unrouted (no contractor)")]


@dataclass(frozen=True)
class Selection:
    """The faults a report counts, and what was chosen: in words ("Region": "Wales") for its
    heading and as fault-list filters for its links."""

    faults: QuerySet[Fault]
    words: dict[str, str]
    filters: dict[str, int | str]


def selection(user: User, *, region: str = "", contractor: str = "") -> Selection:
    """The user's faults, narrowed to a region and a contractor from their lists ("" for
    all); Unavailable for a value not on their lists."""
    faults = faults_visible_to(user)
    words: dict[str, str] = {}
    filters: dict[str, int | str] = {}
    if region:
        names = {str(r.pk): r.name for r in regions_offered(user)}
        if region not in names:
            raise Unavailable("Choose a region from the list.")
        faults = faults.filter(premises__region_id=int(region))
        words["Region"] = names[region]
        filters["region"] = int(region)
    if contractor:
        names = dict(contractors_offered(user))
        if contractor not in names:
            raise Unavailable("Choose a contractor from the list.")
        faults = faults.filter(
            Q(contractor__isnull=True)
            if contractor == UNROUTED
            else Q(contractor_id=int(contractor))
        )
        words["Contractor"] = names[contractor]
        filters["contractor"] = contractor
    return Selection(faults, words, filters)


def report(
    user: User, period: Period, chosen: Selection, *, now: datetime, with_breach_lines: bool = True
) -> measures.Report:
    """The report on the chosen faults for `period`, as of `now`; Unavailable for a period
    that has not started. The page leaves out the per-breach lines (`measures.build`)."""
    if period.start > now:
        raise Unavailable("This period has not started yet.")
    return measures.build(
        chosen.faults,
        period,
        now=now,
        scope=describe_scope(user),
        selection=chosen.words,
        filters=chosen.filters,
        with_breach_lines=with_breach_lines,
    )
