"""The demo estate in the database: regions, premises, contractors, contracts and people.

`ensure_estate` creates or updates it by natural keys (so it can run again) and returns what
the history generator needs, loaded once. `demo_logins` lists the people without a database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import transaction

from facilities import ladder, routing
from facilities.models import (
    Category,
    Contract,
    Contractor,
    EscalationStep,
    Premises,
    Region,
    Role,
    ServiceLevel,
    User,
)
from facilities.models.notifications import all_steps

from .data import (
    AP,
    CATEGORY_MIX,
    CONTRACTORS,
    CONTRACTS,
    DEMO_PASSWORD,
    OFFICE,
    OFFICE_MANAGERS,
    PREMISES,
    REGIONS,
    WELSH_REGIONS,
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    scope: str
    password: str = DEMO_PASSWORD


def demo_logins() -> list[DemoLogin]:
    """Every demo login, from the estate definition (so no database is needed to list them)."""
    short = {code: _short_name(name) for code, name, *_ in PREMISES}
    logins = [
        DemoLogin("admin", "Administrator (superuser)", "Everything, plus the admin site"),
        DemoLogin("national", "National contract manager", "All regions"),
    ]
    logins += [
        DemoLogin(username, "Regional contract manager", name)
        for _code, name, username, _person in REGIONS
    ]
    logins += [
        DemoLogin(username, "Office manager", ", ".join(short[c] for c in codes))
        for username, _person, codes in OFFICE_MANAGERS
    ]
    logins += [DemoLogin(f"helpdesk.{c.key}", "Contractor helpdesk", c.name) for c in CONTRACTORS]
    return logins


def _short_name(name: str) -> str:
    return name.replace(" probation office", "").replace(" approved premises", " (AP)")


def format_logins(logins: Iterable[DemoLogin] | None = None) -> str:
    """The demo logins as a plain-text table."""
    rows = [("Username", "Role", "Scope", "Password")]
    rows += [(x.username, x.role, x.scope, x.password) for x in logins or demo_logins()]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


@dataclass(frozen=True)
class ContractorProfile:
    helpdesk_id: int
    attend_on_time: float
    fix_on_time: float


@dataclass
class Estate:
    """The reference data the generator needs, loaded once, in definition order."""

    premises: list[Premises]
    categories: dict[str, Category]
    managers_of: dict[int, list[int]]  # premises pk -> office manager user ids
    regional_manager_of: dict[int, int]  # region pk -> user id
    profiles: dict[int, ContractorProfile]  # contractor pk -> profile
    routing: ContractMap
    steps: list[ladder.Step]  # every configured escalation step
    users: dict[int, User]  # every demo person, by id (the rules ask who takes a step)


@transaction.atomic
def ensure_estate() -> Estate:
    """Create or update the demo regions, premises, contractors, contracts and people."""
    regions = {
        code: Region.objects.update_or_create(code=code, defaults={"name": name})[0]
        for code, name, _username, _person in REGIONS
    }
    premises = {}
    for code, name, region_code, address, postcode, beds in PREMISES:
        premises[code] = Premises.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": AP if beds else OFFICE,
                "region": regions[region_code],
                "nation": "wales" if region_code in WELSH_REGIONS else "england",
                "address": address,
                "postcode": postcode,
                "bed_capacity": beds,
            },
        )[0]
    contractors = {
        c.key: Contractor.objects.update_or_create(
            name=c.name,
            defaults={
                "helpdesk_email": c.helpdesk_email,
                "helpdesk_phone": f"0300 555 {CONTRACTORS.index(c) + 1:04d}",
                "account_manager_name": c.account_manager,
                "account_manager_email": c.account_manager.lower().replace(" ", ".")
                + "@"
                + c.domain,
            },
        )[0]
        for c in CONTRACTORS
    }
    categories = {c.slug: c for c in Category.objects.all()}
    missing = ({s for d in CONTRACTS for s in d.categories} | set(CATEGORY_MIX)) - set(categories)
    if missing:
        raise LookupError(f"Categories missing (migration 0002 not applied?): {sorted(missing)}")
    for d in CONTRACTS:
        contract = Contract.objects.update_or_create(
            reference=d.reference,
            defaults={
                "contractor": contractors[d.contractor],
                "name": d.name,
                "valid_from": d.valid_from,
                "valid_to": d.valid_to,
                "pounds_per_point": d.pounds_per_point,
            },
        )[0]
        contract.regions.set([regions[c] for c in d.regions])
        contract.premises.set([premises[c] for c in d.premises])
        contract.categories.set([categories[s] for s in d.categories])
        contract.service_levels.exclude(priority__in=[s[0] for s in d.service_levels]).delete()
        for priority, attend, make_safe, fix, clock in d.service_levels:
            ServiceLevel.objects.update_or_create(
                contract=contract,
                priority=priority,
                defaults={
                    "attend_minutes": attend,
                    "make_safe_minutes": make_safe,
                    "fix_minutes": fix,
                    "clock": clock,
                },
            )

    password = make_password(DEMO_PASSWORD)  # hashed once: the slow part of making users

    def person(username, names, role, title, **extra) -> None:
        first, last = names
        user = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@justice.example",
                "role": role,
                "job_title": title,
                "is_active": True,
                "is_staff": extra.pop("is_staff", False),
                "is_superuser": extra.pop("is_superuser", False),
                "contractor": extra.pop("contractor", None),
                "is_national": extra.pop("is_national", False),
                "password": password,
            },
        )[0]
        user.regions.set(extra.pop("regions", []))
        user.premises.set(extra.pop("premises", []))

    person(
        "admin",
        ("Ada", "Administrator"),
        Role.ADMINISTRATOR,
        "Service administrator",
        is_staff=True,
        is_superuser=True,
    )
    person("national", ("Nadia", "Whitmore"), Role.CONTRACT_MANAGER, "Head of FM", is_national=True)
    for code, _name, username, names in REGIONS:
        title = "Regional contract manager"
        person(username, names, Role.CONTRACT_MANAGER, title, regions=[regions[code]])
    for username, names, codes in OFFICE_MANAGERS:
        managed = [premises[c] for c in codes]
        person(username, names, Role.OFFICE_MANAGER, "Office manager", premises=managed)
    for c in CONTRACTORS:
        names = (c.name.split()[0], "Helpdesk")
        contractor = contractors[c.key]
        person(f"helpdesk.{c.key}", names, Role.CONTRACTOR, "Helpdesk", contractor=contractor)

    # Level 4 reaches the region's head of estates (DESIGN.md), as the default ladder's
    # migration suggests: a region step with the same timing and their address added.
    for code, region in regions.items():
        EscalationStep.objects.update_or_create(
            contract=None,
            region=region,
            level=4,
            defaults={
                "starts_after": ladder.StartsAfter.FIX_DUE.value,
                "plus_fix_windows": "1.00",
                "email_national_contract_managers": True,
                "extra_emails": f"head-of-estates.{code}@justice.example",
            },
        )

    return load_estate()


def load_estate() -> Estate:
    """The demo estate as the generator needs it, read by natural keys."""
    by_code = Premises.objects.select_related("region").in_bulk(
        [code for code, *_ in PREMISES], field_name="code"
    )
    premises = [by_code[code] for code, *_ in PREMISES]
    users = User.objects.in_bulk()
    user_id = {u.username: u.pk for u in users.values()}
    managers_of: dict[int, list[int]] = {p.pk: [] for p in premises}
    for username, _names, codes in OFFICE_MANAGERS:
        for code in codes:
            managers_of[by_code[code].pk].append(user_id[username])
    regions = Region.objects.in_bulk(field_name="code")
    contractors = Contractor.objects.in_bulk(field_name="name")
    return Estate(
        premises=premises,
        categories={c.slug: c for c in Category.objects.all()},
        managers_of=managers_of,
        regional_manager_of={
            regions[code].pk: user_id[username] for code, _name, username, _person in REGIONS
        },
        profiles={
            contractors[c.name].pk: ContractorProfile(
                user_id[f"helpdesk.{c.key}"], c.attend_on_time, c.fix_on_time
            )
            for c in CONTRACTORS
        },
        routing=ContractMap.load(),
        steps=all_steps(),
        users=users,
    )


class ContractMap:
    """Every contract with what it names, to route faults by `routing.choose` without a query."""

    def __init__(self, contracts: list[Contract], names: dict[int, tuple[set, set, set]]):
        self._contracts = contracts
        self._names = names  # contract pk -> (premises ids, region ids, category ids)
        self._terms: dict[tuple[int, int], list[tuple[routing.Terms, Contract]]] = {}
        self._chosen: dict[tuple[int, int, date], Contract | None] = {}

    @classmethod
    def load(cls) -> ContractMap:
        contracts = list(
            Contract.objects.select_related("contractor").prefetch_related("service_levels")
        )
        names: dict[int, tuple[set, set, set]] = {c.pk: (set(), set(), set()) for c in contracts}
        through = Contract.premises.through.objects.values_list("contract_id", "premises_id")
        for contract_id, premises_id in through:
            names[contract_id][0].add(premises_id)
        through = Contract.regions.through.objects.values_list("contract_id", "region_id")
        for contract_id, region_id in through:
            names[contract_id][1].add(region_id)
        through = Contract.categories.through.objects.values_list("contract_id", "category_id")
        for contract_id, category_id in through:
            names[contract_id][2].add(category_id)
        return cls(contracts, names)

    def _candidates(self, premises: Premises, category: Category):
        key = (premises.id, category.id)
        terms = self._terms.get(key)
        if terms is None:
            terms = self._terms[key] = []
            for contract in self._contracts:
                premises_ids, region_ids, category_ids = self._names[contract.pk]
                facts = routing.Terms(
                    pk=contract.pk,
                    valid_from=contract.valid_from,
                    valid_to=contract.valid_to,
                    names_premises=premises.pk in premises_ids,
                    names_region=premises.region_id in region_ids,
                    names_category=category.pk in category_ids,
                    lists_categories=bool(category_ids),
                )
                terms.append((facts, contract))
        return terms

    def covering(self, premises: Premises, category: Category, on: date) -> Contract | None:
        """What `routing.covering_contract` answers, from memory (cached per day)."""
        key = (premises.id, category.id, on)
        if key not in self._chosen:
            self._chosen[key] = routing.choose(self._candidates(premises, category), on)
        return self._chosen[key]
