"""Who is told about a fault: the people of each audience on the escalation ladder.

Read once for a batch of faults (`People.for_faults`), so a sweep of thousands of faults asks
the database a handful of times, not once per fault.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from facilities.ladder import Audience
from facilities.models import (
    Fault,
    Role,
    User,
)

logger = logging.getLogger(__name__)


# --- People ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    email: str
    digest: bool = False


class People:
    """The people the emails about a batch of faults go to, read with three queries.

    Office managers per premises, contract managers per region and national contract managers
    (those marked national, never merely those without a region), with their digest choice.
    Contractor addresses come from the fault's `contractor` (select it with the fault).
    """

    def __init__(
        self,
        office_managers: dict[int, list[Person]],
        regional: dict[int, list[Person]],
        national: list[Person],
    ) -> None:
        self.office_managers = office_managers
        self.regional = regional
        self.national = national

    @classmethod
    def for_faults(cls, faults: Sequence[Fault]) -> People:
        premises_ids = {f.premises_id for f in faults}
        region_ids = {f.premises.region_id for f in faults}
        active = {"user__is_active": True}
        office_managers: dict[int, list[Person]] = defaultdict(list)
        rows = (
            User.premises.through.objects.filter(
                premises_id__in=premises_ids, user__role=Role.OFFICE_MANAGER, **active
            )
            .exclude(user__email="")
            .order_by("user_id")
            .values_list("premises_id", "user__email", "user__wants_daily_digest")
        )
        for premises_id, email, digest in rows:
            office_managers[premises_id].append(Person(email.lower(), digest))
        regional: dict[int, list[Person]] = defaultdict(list)
        rows = (
            User.regions.through.objects.filter(
                region_id__in=region_ids, user__role=Role.CONTRACT_MANAGER, **active
            )
            .exclude(user__email="")
            .order_by("user_id")
            .values_list("region_id", "user__email", "user__wants_daily_digest")
        )
        for region_id, email, digest in rows:
            regional[region_id].append(Person(email.lower(), digest))
        national = [
            Person(email.lower(), digest)
            for email, digest in User.objects.filter(
                role=Role.CONTRACT_MANAGER, is_active=True, is_national=True
            )
            .exclude(email="")
            .order_by("pk")
            .values_list("email", "wants_daily_digest")
        ]
        return cls(office_managers, regional, national)

    def resolve(
        self, fault: Fault, audiences: Iterable[Audience], extra: Iterable[str] = ()
    ) -> list[Person]:
        """Addresses for these audiences at this fault, each once (digest if any copy wants it)."""
        found: list[Person] = []
        for audience in sorted(audiences):
            found += self._audience(fault, audience)
        found += [Person(e.lower()) for e in extra]
        merged: dict[str, bool] = {}
        for person in found:
            merged[person.email] = merged.get(person.email, False) or person.digest
        return [Person(email, digest) for email, digest in merged.items()]

    def _audience(self, fault: Fault, audience: Audience) -> list[Person]:
        contractor = fault.contractor if fault.contractor_id else None
        if audience == Audience.CONTRACTOR_HELPDESK:
            return [Person(contractor.helpdesk_email)] if contractor else []
        if audience == Audience.ACCOUNT_MANAGER:
            email = contractor.account_manager_email if contractor else ""
            return [Person(email)] if email else []
        if audience == Audience.OFFICE_MANAGERS:
            return self.office_managers.get(fault.premises_id, [])
        if audience == Audience.REGIONAL_CONTRACT_MANAGERS:
            return self.regional.get(fault.premises.region_id, [])
        return self.national


def describe(fault: Fault, audiences: Iterable[Audience], extra: Iterable[str] = ()) -> list[str]:
    """Who an audience is at this fault, in words, for "already alerted" lists."""
    contractor = fault.contractor.name if fault.contractor_id else "the contractor"
    words = {
        Audience.CONTRACTOR_HELPDESK: f"{contractor} helpdesk",
        Audience.ACCOUNT_MANAGER: f"{contractor} account manager",
        Audience.OFFICE_MANAGERS: f"office managers at {fault.premises.name}",
        Audience.REGIONAL_CONTRACT_MANAGERS: "MoJ contract managers for the region",
        Audience.NATIONAL_CONTRACT_MANAGERS: "national MoJ contract managers",
    }
    return [words[a] for a in Audience if a in set(audiences)] + list(extra)
