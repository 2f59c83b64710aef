"""Demo data: a realistic, deterministic estate and fault history to try the service with.

`seed_demo()` builds (or brings up to date) the demo estate -- the 12 probation regions of
England and Wales, ~60 premises of which 15 are approved premises, 4 contractors and their
contracts, and people of every role sharing one demo password -- then generates faults over
the last few months, each with the timeline, breaches and escalations the workflow and the
sweep would have recorded. The same seed and the same `now` give the same data.

Due times come from `workflow.set_due_times` / `recompute_due_times` on unsaved faults;
breaches, at-risk warnings and ladder levels from the pure functions the sweep uses
(`escalation.breaches_due`, `levels_due`, `next_check_at`, over each fault's resolved
ladder): the demo cannot disagree with the live rules. Routing uses an in-memory copy of
`routing.covering_contract`, built once.

Faults are generated and written per batch (memory stays flat): `bulk_create` in general,
`COPY` with ids reserved from the sequence on PostgreSQL.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from facilities import escalation, sla, workflow
from facilities.models import (
    Category,
    Contract,
    Contractor,
    Escalation,
    EscalationStep,
    EventKind,
    Fault,
    FaultEvent,
    FaultStatus,
    Premises,
    PremisesKind,
    Region,
    Role,
    ServiceLevel,
    User,
)
from facilities.models.notifications import all_steps

#: One password for every demo login: long enough, not common, not like any username.
DEMO_PASSWORD = "Demo-repairs-2026"
DEFAULT_SEED = 2026
DEFAULT_FAULTS = 3000
DEFAULT_MONTHS = 6
BATCH_SIZE = 5000

# =============================================================================================
# The demo estate (fictional people and companies; real regions and towns)
# =============================================================================================


def _table(text: str) -> list[list[str]]:
    """Rows of a ' | '-separated table, one per non-blank line."""
    return [[cell.strip() for cell in line.split("|")] for line in text.strip().splitlines()]


# Region code | name | regional contract manager | their name
REGIONS = [
    (code, name, username, tuple(person.split()))
    for code, name, username, person in _table("""
        north-east         | North East               | manager.northeast    | Helen Robson
        north-west         | North West               | manager.northwest    | Gareth Moss
        yorkshire          | Yorkshire and the Humber | manager.yorkshire    | Amina Hussain
        greater-manchester | Greater Manchester       | manager.manchester   | Liam Doherty
        east-midlands      | East Midlands            | manager.eastmidlands | Ravi Patel
        west-midlands      | West Midlands            | manager.westmidlands | Claire Bennett
        east-of-england    | East of England          | manager.east         | Tom Ashworth
        london             | London                   | manager.london       | Funmi Adeyemi
        kss                | Kent, Surrey and Sussex  | manager.kss          | Sarah Holt
        south-west         | South West               | manager.southwest    | Jack Penrose
        south-central      | South Central            | manager.southcentral | Emma Fairbairn
        wales              | Wales                    | manager.wales        | Owain Pritchard
    """)
]
WELSH_REGIONS = {"wales"}

AP = PremisesKind.APPROVED_PREMISES.value
OFFICE = PremisesKind.OFFICE.value

# Premises by region: code | name | address | postcode | beds (approved premises only).
# Offices are "<name> probation office"; approved premises "<name> approved premises".
PREMISES_TABLE = """
[north-east]
newcastle         | Newcastle          | 12 Pilgrim Street, Newcastle upon Tyne | NE1 6QF  |
sunderland        | Sunderland         | 3 John Street, Sunderland              | SR1 1JH  |
middlesbrough     | Middlesbrough      | 40 Albert Road, Middlesbrough          | TS1 1QD  |
durham            | Durham             | 7 Old Elvet, Durham                    | DH1 3HL  |
ap-tyne-view      | Tyne View House    | 18 Saltwell Road, Gateshead            | NE8 4XJ  | 22
[north-west]
liverpool         | Liverpool          | 60 Dale Street, Liverpool              | L2 5SD   |
preston           | Preston            | 25 Lancaster Road, Preston             | PR1 2RH  |
blackpool         | Blackpool          | 14 Talbot Road, Blackpool              | FY1 1LF  |
carlisle          | Carlisle           | 9 Lowther Street, Carlisle             | CA3 8DP  |
ap-mersey-bank    | Mersey Bank        | 101 Prescot Road, Liverpool            | L7 0LB   | 26
[yorkshire]
leeds             | Leeds              | 2 Park Square East, Leeds              | LS1 2NE  |
bradford          | Bradford           | 30 Manor Row, Bradford                 | BD1 4QE  |
sheffield         | Sheffield          | 45 Division Street, Sheffield          | S1 4GE   |
hull              | Hull               | 16 George Street, Hull                 | HU1 3BA  |
ap-airedale       | Airedale House     | 88 Kirkstall Road, Leeds               | LS3 1HS  | 24
ap-don-valley     | Don Valley House   | 5 Attercliffe Road, Sheffield          | S4 7WZ   | 20
[greater-manchester]
manchester        | Manchester city    | 1 Quay Street, Manchester              | M3 3JE   |
salford           | Salford            | 50 Chapel Street, Salford              | M3 5DW   |
bolton            | Bolton             | 22 Mawdsley Street, Bolton             | BL1 1LF  |
stockport         | Stockport          | 11 Wellington Road South, Stockport    | SK1 3TA  |
ap-irwell         | Irwell House       | 140 Bury New Road, Manchester          | M8 8QJ   | 28
[east-midlands]
nottingham        | Nottingham         | 20 Castle Boulevard, Nottingham        | NG7 1FT  |
derby             | Derby              | 6 Siddals Road, Derby                  | DE1 2PB  |
leicester         | Leicester          | 38 Friar Lane, Leicester               | LE1 5RA  |
lincoln           | Lincoln            | 15 Beaumont Fee, Lincoln               | LN1 1UP  |
ap-trentside      | Trentside House    | 72 Radford Road, Nottingham            | NG7 5GS  | 21
[west-midlands]
birmingham        | Birmingham central | 100 Broad Street, Birmingham           | B15 1AU  |
coventry          | Coventry           | 27 Warwick Row, Coventry               | CV1 1EY  |
wolverhampton     | Wolverhampton      | 8 Lichfield Street, Wolverhampton      | WV1 1DG  |
stoke             | Stoke-on-Trent     | 33 Bethesda Street, Stoke-on-Trent     | ST1 3DP  |
ap-calthorpe      | Calthorpe House    | 54 Hagley Road, Birmingham             | B16 8PE  | 30
ap-foleshill      | Foleshill House    | 210 Foleshill Road, Coventry           | CV6 5AH  | 23
[east-of-england]
norwich           | Norwich            | 19 Prince of Wales Road, Norwich       | NR1 1BD  |
ipswich           | Ipswich            | 36 Princes Street, Ipswich             | IP1 1RJ  |
cambridge         | Cambridge          | 4 Castle Street, Cambridge             | CB3 0AQ  |
chelmsford        | Chelmsford         | 12 Victoria Road South, Chelmsford     | CM1 1LN  |
ap-wensum         | Wensum House       | 61 Dereham Road, Norwich               | NR2 4HY  | 20
[london]
stratford         | Stratford          | 9 Great Eastern Road, London           | E15 1BB  |
camden            | Camden             | 115 Camden High Street, London         | NW1 7JR  |
croydon           | Croydon            | 70 Wellesley Road, Croydon             | CR0 2AR  |
lewisham          | Lewisham           | 21 Rushey Green, London                | SE6 4AS  |
ealing            | Ealing             | 47 Uxbridge Road, London               | W5 5SA   |
ap-highbury-grove | Highbury Grove     | 320 Holloway Road, London              | N7 6NJ   | 25
ap-brixton-hill   | Brixton Hill       | 150 Brixton Hill, London               | SW2 1RS  | 27
[kss]
maidstone         | Maidstone          | 58 College Road, Maidstone             | ME15 6SL |
canterbury        | Canterbury         | 23 St George's Place, Canterbury       | CT1 1UT  |
guildford         | Guildford          | 10 Bridge Street, Guildford            | GU1 4RY  |
brighton          | Brighton           | 35 Edward Street, Brighton             | BN2 0JS  |
ap-medway         | Medway House       | 95 New Road, Chatham                   | ME4 4QJ  | 22
[south-west]
bristol           | Bristol            | 5 Marlborough Street, Bristol          | BS1 3NP  |
plymouth          | Plymouth           | 44 North Hill, Plymouth                | PL4 8EZ  |
exeter            | Exeter             | 3 Barnfield Road, Exeter               | EX1 1RD  |
ap-avonside       | Avonside House     | 130 Stapleton Road, Bristol            | BS5 0PR  | 24
[south-central]
oxford            | Oxford             | 28 St Aldates, Oxford                  | OX1 1BN  |
reading           | Reading            | 17 Forbury Road, Reading               | RG1 1SB  |
southampton       | Southampton        | 61 London Road, Southampton            | SO15 2AD |
ap-itchen         | Itchen House       | 76 Portswood Road, Southampton         | SO17 2FW | 20
[wales]
cardiff           | Cardiff            | 33 Westgate Street, Cardiff            | CF10 1DD |
newport           | Newport            | 8 Clarence Place, Newport              | NP19 7AA |
swansea           | Swansea            | 12 Kingsway, Swansea                   | SA1 5JQ  |
wrexham           | Wrexham            | 19 Grosvenor Road, Wrexham             | LL11 1BS |
ap-ty-taf         | Tŷ Taf             | 41 Cathedral Road, Cardiff             | CF11 9HE | 25
"""


def _premises(text: str) -> list[tuple[str, str, str, str, str, int | None]]:
    """(code, name, region code, address, postcode, beds) from the table above."""
    rows, region = [], ""
    for line in text.strip().splitlines():
        if line.startswith("["):
            region = line.strip("[]")
            continue
        code, name, address, postcode, beds = (cell.strip() for cell in line.split("|"))
        kind = "approved premises" if beds else "probation office"
        rows.append((code, f"{name} {kind}", region, address, postcode, int(beds or 0) or None))
    return rows


PREMISES = _premises(PREMISES_TABLE)

# Office manager | their name | the premises they manage (1-3, some with an approved premises)
OFFICE_MANAGERS = [
    (username, tuple(person.split()), codes.split())
    for username, person, codes in _table("""
        office.newcastle    | Olivia Charlton    | newcastle sunderland ap-tyne-view
        office.teesside     | Mark Hebburn       | middlesbrough durham
        office.liverpool    | Bernadette Quinn   | liverpool ap-mersey-bank
        office.lancashire   | Stuart Whittle     | preston blackpool carlisle
        office.leeds        | Nadia Akhtar       | leeds bradford ap-airedale
        office.sheffield    | Paul Hinchliffe    | sheffield hull ap-don-valley
        office.manchester   | Grace Okoro        | manchester salford ap-irwell
        office.bolton       | Dean Haworth       | bolton stockport
        office.nottingham   | Jas Sandhu         | nottingham derby ap-trentside
        office.leicester    | Karen Mistry       | leicester lincoln
        office.birmingham   | Imran Chaudhry     | birmingham ap-calthorpe
        office.coventry     | Lucy Brennan       | coventry ap-foleshill
        office.blackcountry | Wayne Cartwright   | wolverhampton stoke
        office.norwich      | Fiona Bacon        | norwich ipswich ap-wensum
        office.cambridge    | Hugh Ellery        | cambridge chelmsford
        office.stratford    | Kemi Balogun       | stratford camden
        office.croydon      | Daniel Osei        | croydon lewisham ealing
        office.highbury     | Rosa Fernandes     | ap-highbury-grove
        office.brixton      | Marcus Campbell    | ap-brixton-hill
        office.maidstone    | Janet Pike         | maidstone canterbury ap-medway
        office.guildford    | Oliver Stanhope    | guildford brighton
        office.bristol      | Megan Tovey        | bristol ap-avonside
        office.plymouth     | Tamsin Trelawny    | plymouth exeter
        office.oxford       | Rupert Lane        | oxford reading
        office.southampton  | Chloe Marsh        | southampton ap-itchen
        office.cardiff      | Siân Llewellyn     | cardiff newport ap-ty-taf
        office.swansea      | Dafydd Morgan      | swansea
        office.wrexham      | Carys Hughes       | wrexham
    """)
]


@dataclass(frozen=True)
class DemoContractor:
    key: str  # the helpdesk login is helpdesk.<key>
    name: str
    helpdesk_email: str
    account_manager: str
    # Chances that attendance and the fix are on time: the demo's contractors differ.
    attend_on_time: float
    fix_on_time: float

    @property
    def domain(self) -> str:
        return self.helpdesk_email.split("@")[1]


CONTRACTORS = [
    DemoContractor(key, name, f"helpdesk@{domain}", manager, float(attend), float(fix))
    for key, name, domain, manager, attend, fix in _table("""
    acme       | Acme Facilities Services Ltd     | acme-fm.example    | Priya Shah   | .91 | .86
    brightwell | Brightwell Property Services Ltd | brightwell.example | Tom Hughes   | .79 | .68
    capitol    | Capitol Estates Management Ltd   | capitol.example    | Grace Okafor | .87 | .77
    dragon     | Dragon Building Maintenance Cyf  | dragon-bm.example  | Rhys Evans   | .93 | .88
    """)
]

SECURITY = ("personal-alarms", "intruder-fire-alarms", "locks-doors-access", "cctv")
ALL_BUT_LIFTS = (
    *SECURITY,
    "heating-hot-water",
    "ap-beds",
    "plumbing-water",
    "electrical-lighting",
    "pest-control",
    "building-fabric-roof",
    "other",
)


@dataclass(frozen=True)
class DemoContract:
    reference: str
    contractor: str
    name: str
    valid_from: date
    valid_to: date | None = None
    regions: tuple[str, ...] = ()
    premises: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # empty: every category
    pounds_per_point: str = "0.00"
    # priority, attend, make safe, fix (minutes), clock
    service_levels: tuple[tuple[str, int, int | None, int, str], ...] = ()


AP_CODES = tuple(code for code, *_, beds in PREMISES if beds)
NORTH = ("north-east", "north-west", "yorkshire", "greater-manchester")
SOUTH = ("kss", "south-west", "south-central")

# London's lift contract has lapsed and is being re-let: lift faults there are unrouted (the
# one gap in cover), and the London contract manager has most attended as spot orders.
CONTRACTS = [
    DemoContract("MOJ-FM-N-2021", "acme", "Hard FM – North", date(2021, 4, 1), regions=NORTH),
    DemoContract(
        "MOJ-FM-M-2021",
        "brightwell",
        "Hard FM – Midlands and East of England",
        date(2021, 4, 1),
        regions=("east-midlands", "west-midlands", "east-of-england"),
        pounds_per_point="20.00",
    ),
    DemoContract(
        "MOJ-FM-S-2022",
        "capitol",
        "Hard FM – London and the South (excluding lifts)",
        date(2022, 4, 1),
        regions=("london", *SOUTH),
        categories=ALL_BUT_LIFTS,
    ),
    DemoContract(
        "MOJ-LIFT-S-2022",
        "brightwell",
        "Lift maintenance – South (excluding London)",
        date(2022, 4, 1),
        regions=SOUTH,
        categories=("lifts",),
    ),
    DemoContract(
        "MOJ-LIFT-LDN-2019",
        "capitol",
        "Lift maintenance – London (expired; being re-let)",
        date(2019, 4, 1),
        valid_to=date(2025, 3, 31),
        regions=("london",),
        categories=("lifts",),
    ),
    DemoContract(
        "MOJ-FM-W-2023",
        "dragon",
        "Cynnal a chadw – Hard FM Wales",
        date(2023, 4, 1),
        regions=("wales",),
        pounds_per_point="40.00",
        service_levels=(
            ("P1", 60, 180, 720, "calendar"),
            ("P2", 180, None, 2880, "calendar"),
            ("P3", 1200, None, 4800, "working"),
        ),
    ),
    DemoContract(
        "MOJ-SEC-AP-2024",
        "capitol",
        "Security systems at approved premises",
        date(2024, 1, 1),
        premises=AP_CODES,
        categories=SECURITY,
    ),
    DemoContract(
        "MOJ-FM-BHM-2024",
        "acme",
        "Birmingham central office – hard FM (new building pilot)",
        date(2024, 10, 1),
        premises=("birmingham",),
    ),
]


# =============================================================================================
# Demo logins
# =============================================================================================


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


# =============================================================================================
# Building the estate (idempotent: natural keys, update in place)
# =============================================================================================


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
    steps: list[escalation.Step]  # every configured escalation step


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

    def person(username, names, role, title, **extra) -> User:
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
                "password": password,
            },
        )[0]
        user.regions.set(extra.pop("regions", []))
        user.premises.set(extra.pop("premises", []))
        return user

    person(
        "admin",
        ("Ada", "Administrator"),
        Role.ADMINISTRATOR,
        "Service administrator",
        is_staff=True,
        is_superuser=True,
    )
    person("national", ("Nadia", "Whitmore"), Role.CONTRACT_MANAGER, "Head of FM")
    regional = {
        regions[code].pk: person(
            username,
            names,
            Role.CONTRACT_MANAGER,
            "Regional contract manager",
            regions=[regions[code]],
        ).pk
        for code, _name, username, names in REGIONS
    }
    managers_of: dict[int, list[int]] = {p.pk: [] for p in premises.values()}
    for username, names, codes in OFFICE_MANAGERS:
        user = person(
            username,
            names,
            Role.OFFICE_MANAGER,
            "Office manager",
            premises=[premises[c] for c in codes],
        )
        for code in codes:
            managers_of[premises[code].pk].append(user.pk)
    profiles = {}
    for c in CONTRACTORS:
        contractor = contractors[c.key]
        user = person(
            f"helpdesk.{c.key}",
            (c.name.split()[0], "Helpdesk"),
            Role.CONTRACTOR,
            "Helpdesk",
            contractor=contractor,
        )
        profiles[contractor.pk] = ContractorProfile(user.pk, c.attend_on_time, c.fix_on_time)

    # Level 4 reaches the region's head of estates (DESIGN.md), as the default ladder's
    # migration suggests: a region step with the same timing and their address added.
    for code, region in regions.items():
        EscalationStep.objects.update_or_create(
            contract=None,
            region=region,
            level=4,
            defaults={
                "starts_after": escalation.StartsAfter.FIX_DUE.value,
                "plus_fix_windows": "1.00",
                "email_national_contract_managers": True,
                "extra_emails": f"head-of-estates.{code}@justice.example",
            },
        )

    return Estate(
        premises=[premises[code] for code, *_ in PREMISES],
        categories=categories,
        managers_of=managers_of,
        regional_manager_of=regional,
        profiles=profiles,
        routing=ContractMap.load(),
        steps=all_steps(),
    )


# =============================================================================================
# Routing in memory: the same answer as routing.covering_contract, without a query per fault
# =============================================================================================


class ContractMap:
    """Every contract with what it names, to route faults without a query each."""

    def __init__(self, contracts: list[Contract], names: dict[int, tuple[set, set, set]]):
        self._contracts = contracts
        self._names = names  # contract pk -> (premises ids, region ids, category ids)
        self._candidates: dict[tuple[int, int], list[tuple[Contract, bool]]] = {}

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

    def covering(self, premises: Premises, category: Category, on: date) -> Contract | None:
        key = (premises.pk, category.pk)
        candidates = self._candidates.get(key)
        if candidates is None:
            candidates = []
            for contract in self._contracts:
                premises_ids, region_ids, category_ids = self._names[contract.pk]
                names_premises = premises.pk in premises_ids
                if not (names_premises or premises.region_id in region_ids):
                    continue
                if category_ids and category.pk not in category_ids:
                    continue
                candidates.append((contract, names_premises))
            # The order covering_contract uses: premises first, latest start, then pk.
            candidates.sort(key=lambda c: (not c[1], -c[0].valid_from.toordinal(), c[0].pk))
            self._candidates[key] = candidates
        for contract, _names_premises in candidates:
            if contract.valid_from <= on and (contract.valid_to is None or contract.valid_to >= on):
                return contract
        return None


# =============================================================================================
# What faults look like
# =============================================================================================

OFFICE_ROOMS = [
    *("Reception", "Main entrance", "Stairwell", "Staff kitchen", "Ground-floor toilets"),
    *("Interview room 1", "Interview room 2", "Interview room 3", "Interview room 4"),
    *("First-floor open-plan office", "Second-floor open-plan office", "Group work room"),
]
AP_ROOMS = [
    *("Room 3", "Room 7", "Room 12", "Room 15", "Room 21", "First-floor corridor"),
    *("Night office", "Staff office", "Main entrance", "Laundry"),
    *("Residents' kitchen", "Residents' lounge"),
]

# Category | weight at offices | at approved premises | its own locations (else rooms)
CATEGORY_MIX = {
    slug: (float(office), float(ap), locations.split("; ") if locations else None)
    for slug, office, ap, locations in _table("""
    personal-alarms      | 6  | 5  |
    intruder-fire-alarms | 5  | 6  |
    locks-doors-access   | 9  | 11 |
    cctv                 | 4  | 6  |
    heating-hot-water    | 12 | 12 | Plant room; Whole building; First floor; Staff kitchen
    ap-beds              | 0  | 14 | Room 2; Room 5; Room 9; Room 11; Room 14; Room 18; Room 20
    plumbing-water       | 12 | 14 |
    electrical-lighting  | 14 | 10 |
    pest-control         | 5  | 5  | Staff kitchen; Bin store; Main entrance; Loft
    building-fabric-roof | 12 | 9  |
    lifts                | 5  | 3  | Passenger lift; Platform lift
    other                | 8  | 6  |
    """)
}


def _by_category(text: str) -> dict[str, list[str]]:
    lines: dict[str, list[str]] = {}
    for slug, line in _table(text):
        lines.setdefault(slug, []).append(line)
    return lines


DESCRIPTIONS = _by_category("""
    personal-alarms      | Personal alarm receiver not sounding at reception when tested.
    personal-alarms      | Two personal attack alarms will not pair with the receiver.
    personal-alarms      | Fixed panic button in the interview room does not trigger.
    personal-alarms      | Alarm panel shows a fault light; staff told not to rely on alarms.
    intruder-fire-alarms | Fire alarm panel showing a zone fault.
    intruder-fire-alarms | Smoke detector chirping and reporting a fault.
    intruder-fire-alarms | Intruder alarm will not set at close of business.
    intruder-fire-alarms | Fire door magnetic hold-open releasing at random.
    locks-doors-access   | Main door maglock not engaging; door can be pushed open.
    locks-doors-access   | Fob reader on the staff door not reading any fobs.
    locks-doors-access   | Interview room door lock jammed; room out of use.
    locks-doors-access   | Key safe broken; keys secured in the manager's office.
    locks-doors-access   | Door closer broken; fire door will not close.
    cctv                 | CCTV camera at the entrance showing a black screen.
    cctv                 | CCTV recorder not recording since the power cut.
    cctv                 | Camera covering the car park knocked out of position.
    heating-hot-water    | No heating in the building; boiler showing a fault code.
    heating-hot-water    | Radiators cold on the first floor.
    heating-hot-water    | No hot water to the kitchen and toilets.
    heating-hot-water    | Boiler keeps losing pressure and cutting out.
    heating-hot-water    | Thermostat not responding; heating stuck on full.
    ap-beds              | Window restrictor broken; room cannot be used.
    ap-beds              | Water coming through the ceiling of the bedroom.
    ap-beds              | Bedroom door lock broken; room cannot be allocated.
    ap-beds              | Damp and mould in the bedroom; room taken out of use.
    ap-beds              | Electrical sockets sparking in the bedroom.
    plumbing-water       | Toilet blocked and overflowing.
    plumbing-water       | Leak under the sink in the kitchen.
    plumbing-water       | Water coming through the ceiling from the floor above.
    plumbing-water       | Drain outside the back door blocked and smelling.
    plumbing-water       | Shower drain blocked.
    electrical-lighting  | Lights out along the corridor.
    electrical-lighting  | Several sockets dead in the office.
    electrical-lighting  | Emergency lighting failed its monthly test.
    electrical-lighting  | Fuse keeps tripping when the kettle is used.
    pest-control         | Signs of mice in the kitchen.
    pest-control         | Rats seen by the bin store.
    pest-control         | Pigeons nesting above the entrance.
    pest-control         | Wasps' nest by the staff entrance.
    building-fabric-roof | Roof leaking into the stairwell when it rains.
    building-fabric-roof | Cracked window pane in the interview room.
    building-fabric-roof | Ceiling tiles stained and sagging.
    building-fabric-roof | Trip hazard: lifted carpet at the top of the stairs.
    building-fabric-roof | Gutter overflowing onto the entrance.
    lifts                | Passenger lift out of service.
    lifts                | Lift doors not closing properly.
    lifts                | Platform lift stuck between floors; no one inside.
    other                | Blind broken in the interview room.
    other                | Kitchen extractor fan not working.
    other                | Notice board fallen off the wall.
    other                | Car park barrier stuck open.
""")

FIX_NOTES = _by_category("""
    personal-alarms      | Receiver replaced and alarms re-paired.
    personal-alarms      | Batteries and aerial replaced; tested with reception.
    intruder-fire-alarms | Faulty detector replaced and panel reset.
    intruder-fire-alarms | Zone wiring repaired and tested.
    locks-doors-access   | Maglock replaced and tested.
    locks-doors-access   | New lock fitted; keys handed to the office manager.
    cctv                 | Camera replaced and recording checked.
    cctv                 | Recorder hard drive replaced.
    heating-hot-water    | Boiler PCB replaced; heating back on.
    heating-hot-water    | System bled and repressurised.
    ap-beds              | Repair completed; room back in use.
    ap-beds              | Ceiling repaired and redecorated.
    plumbing-water       | Pipe repaired; no further leak.
    plumbing-water       | Drain jetted and cleared.
    electrical-lighting  | Faulty fitting replaced.
    electrical-lighting  | Circuit repaired and tested.
    pest-control         | Treatment completed; entry points proofed.
    pest-control         | Nest removed.
    building-fabric-roof | Roof repaired.
    building-fabric-roof | Glazing replaced.
    lifts                | Door operator repaired; lift back in service.
    lifts                | Controller reset and tested.
    other                | Repaired.
    other                | Replaced like for like.
""")

MAKE_SAFE_NOTES = dict(
    _table("""
    personal-alarms      | Spare personal alarms issued and tested with reception.
    intruder-fire-alarms | Zone isolated and fire marshal patrols arranged.
    locks-doors-access   | Door secured with a temporary padlock and hasp.
    cctv                 | Temporary camera installed at the entrance.
    heating-hot-water    | Temporary electric heaters supplied.
    ap-beds              | Room isolated and made safe.
    plumbing-water       | Water isolated and the area made safe.
""")
)

ATTEND_NOTES = ["Engineer on site; diagnosed the fault.", "Engineer attended and inspected.", ""]
PARTS_NOTES = [
    "Replacement part ordered from the manufacturer.",
    "Awaiting delivery of a specialist part.",
    "Part on back order; supplier gives five working days.",
]
HOLD_REASONS = [
    "Awaiting access: resident in the room.",
    "Awaiting access: building closed for a staff training day.",
    "Awaiting access: room in use for interviews all week.",
    "Awaiting access: landlord's consent needed for roof access.",
]
REOPEN_REASONS = [
    "Failed again the next day.",
    "Same fault again within days of the repair.",
    "Not working when tested by staff.",
    "Only partly repaired; the same problem remains.",
]
CANCEL_REASONS = [
    "Duplicate of an earlier report.",
    "Logged at the wrong premises.",
    "Resolved by staff: reset at the panel.",
    "Not a fault: the equipment was switched off.",
]
CHASES = [
    "Chased the helpdesk by phone; no engineer date yet.",
    "Any update please? Staff are still affected.",
    "Second chase: still waiting for a visit.",
]
REPLIES = [
    "Engineer booked for the next visit.",
    "Apologies for the delay; escalated internally.",
    "Parts expected this week; will confirm a date.",
]
ESCALATION_REASONS = [
    "Staff safety at risk and no date for the repair.",
    "Repeated chases with no response from the helpdesk.",
    "Out of use for too long; staff and residents affected.",
    "Well past the fix target with no plan.",
]
CONFIRM_NOTES = ["", "", "Checked with staff: working.", "Confirmed fixed."]
WINTER_MONTHS = {11, 12, 1, 2, 3}


# =============================================================================================
# One fault's life: the workflow's field changes plus the sweep, replayed in time order
# =============================================================================================

Event = tuple[str, int | None, datetime, str, dict]  # kind, actor, at, note, details
EscalationRow = tuple[int, str, bool, int | None, datetime]  # level, reason, automatic, by, at


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


#: Steps that change nothing the sweep looks at (open stays open, closed stays closed).
_NEUTRAL = frozenset(
    kind.value
    for kind in (
        EventKind.LOGGED,
        EventKind.ROUTED,
        EventKind.UNROUTED,
        EventKind.ACKNOWLEDGED,
        EventKind.AWAITING_PARTS,
        EventKind.CLOSED,
        EventKind.COMMENT,
        EventKind.REASSIGNED,
    )
)


class FaultLife:
    """Plays one fault forward to `now`: each step as the workflow records it and, between
    steps, what `facilities.sweep.check_fault` records when the fault falls due (breaches,
    the at-risk warning, ladder levels), decided by the same pure functions of the
    escalation module. Historic emails are not generated."""

    def __init__(self, fault: Fault, now: datetime, ladder: tuple[escalation.Step, ...]):
        self.fault = fault
        self.now = now
        self.ladder = ladder
        self.nation = fault.premises.nation
        self.safety = fault.category.safety_critical
        self.last = fault.reported_at
        self.events: list[Event] = []
        self.escalations: list[EscalationRow] = []
        self._next: datetime | None = None
        self._stale = True  # whether _next must be worked out again

    # -- bookkeeping ------------------------------------------------------------------------

    def record(self, kind: str, actor: int | None, at: datetime, note: str = "", **details):
        self.events.append((kind, actor, at, note, details))
        if kind not in _NEUTRAL:
            self._stale = True

    def paused_minutes(self) -> float:
        return self.fault.paused.total_seconds() / 60

    def next_check(self) -> datetime | None:
        """When the sweep would next look at the fault (worked out again after a change)."""
        if self._stale:
            self._next = escalation.next_check_at(
                self.fault, self.nation, self.safety, self.paused_minutes(), self.ladder
            )
            self._stale = False
        return self._next

    def advance(self, when: datetime) -> datetime | None:
        """Run the sweep up to `when`; the step then happens there, or None if after now."""
        when = max(when.replace(microsecond=0), self.last)
        if when > self.now:
            return None
        self._sweep(when, inclusive=False)
        self.last = when
        return when

    def finish(self) -> None:
        """Sweep up to now, and leave the fault's next check where the workflow would."""
        self._sweep(self.now, inclusive=True)
        self.fault.next_check_at = self.next_check()

    def _sweep(self, until: datetime, inclusive: bool) -> None:
        for _ in range(20):
            moment = self.next_check()
            if moment is None:
                return
            at = max(moment, self.last)
            if at > until or (at == until and not inclusive):
                return
            self._check(at)
        raise RuntimeError(f"The sweep made no progress by {until}")  # pragma: no cover

    def _check(self, at: datetime) -> None:
        """What sweep.check_fault records for this fault at `at`."""
        f, nation = self.fault, self.nation
        due = escalation.breaches_due(f, nation, self.paused_minutes(), at)
        for step, flagged in (
            ("attend", due.attend),
            ("make_safe", due.make_safe),
            ("fix", due.fix),
        ):
            if flagged:
                when = getattr(f, f"{step}_due_at")
                setattr(f, f"{step}_breached_at", when)
                note = f"The {step.replace('_', ' ')} service level was missed."
                self.record(EventKind.BREACHED.value, None, at, note, step=step, due_at=_iso(when))
        if due.at_risk:
            f.at_risk_at = at
            note = "Three quarters of the fix window have passed."
            self.record(EventKind.AT_RISK.value, None, at, note, fix_due_at=_iso(f.fix_due_at))
        for level, why in escalation.levels_due(f, nation, self.safety, at, self.ladder):
            text = f"{why[:1].upper()}{why[1:]}."
            self.escalations.append((level, text, True, None, at))
            self.record(EventKind.ESCALATED.value, None, at, text, level=level, automatic=True)
            f.escalation_level = level

    # -- the steps, as facilities.workflow makes them ----------------------------------------

    def logged(self, priority_reason: str = "") -> None:
        f = self.fault
        self.record(
            EventKind.LOGGED.value,
            f.reported_by_id,
            f.reported_at,
            priority=f.priority,
            beds_out_of_use=f.beds_out_of_use,
            attend_due_at=_iso(f.attend_due_at),
            fix_due_at=_iso(f.fix_due_at),
            clock=f.clock,
        )
        if f.contract is not None:
            self.record(
                EventKind.ROUTED.value,
                None,
                f.reported_at,
                contractor=f.contract.contractor.name,
                contract=f.contract.reference,
            )
        else:
            self.record(
                EventKind.UNROUTED.value,
                None,
                f.reported_at,
                "No contract covers this premises and category.",
            )

    def change_priority(self, at: datetime, actor: int, priority: str, reason: str) -> None:
        f = self.fault
        old, f.priority = f.priority, priority
        targets = (
            f.contract.targets_for(priority)
            if f.contract is not None
            else sla.DEFAULT_TARGETS[sla.Priority(priority)]
        )
        workflow.set_due_times(f, targets)
        self.record(
            EventKind.PRIORITY_CHANGED.value,
            actor,
            at,
            reason,
            **{"from": old, "to": priority},
            fix_due_at=_iso(f.fix_due_at),
        )

    def reassign(self, at: datetime, actor: int, contractor: Contractor, reason: str) -> None:
        f = self.fault
        previous = f.contractor.name if f.contractor_id else None
        f.contractor = contractor  # no contract covers it, so the fault keeps none
        self.record(
            EventKind.REASSIGNED.value,
            actor,
            at,
            reason,
            **{"from": previous, "to": contractor.name},
        )

    def acknowledge(self, at: datetime, actor: int) -> None:
        self.fault.status, self.fault.acknowledged_at = FaultStatus.ACKNOWLEDGED.value, at
        self.record(EventKind.ACKNOWLEDGED.value, actor, at)

    def attend(self, at: datetime, actor: int, note: str) -> None:
        f = self.fault
        f.acknowledged_at = f.acknowledged_at or at
        f.status, f.attended_at = FaultStatus.ATTENDED.value, at
        self.record(
            EventKind.ATTENDED.value, actor, at, note, on_time=_on_time(f.attend_due_at, at)
        )

    def make_safe(self, at: datetime, actor: int, note: str) -> None:
        f = self.fault
        f.status, f.made_safe_at = FaultStatus.MADE_SAFE.value, at
        on_time = _on_time(f.make_safe_due_at, at)
        self.record(EventKind.MADE_SAFE.value, actor, at, note, on_time=on_time)

    def awaiting_parts(self, at: datetime, actor: int, note: str) -> None:
        self.fault.awaiting_parts_since = self.fault.awaiting_parts_since or at
        self.record(EventKind.AWAITING_PARTS.value, actor, at, note)

    def fix(self, at: datetime, actor: int, note: str) -> None:
        f = self.fault
        f.acknowledged_at = f.acknowledged_at or at
        f.attended_at = f.attended_at or at
        f.status, f.fixed_at, f.awaiting_parts_since = FaultStatus.FIXED.value, at, None
        self.record(EventKind.FIXED.value, actor, at, note, on_time=_on_time(f.fix_due_at, at))

    def confirm(self, at: datetime, actor: int, note: str) -> None:
        self.fault.status, self.fault.closed_at = FaultStatus.CLOSED.value, at
        self.record(EventKind.CLOSED.value, actor, at, note)

    def reopen(self, at: datetime, actor: int, reason: str) -> None:
        f = self.fault
        previous = f.fixed_at
        f.status, f.fixed_at, f.closed_at = FaultStatus.ACKNOWLEDGED.value, None, None
        f.reopened_at, f.reopen_count = at, f.reopen_count + 1
        self.record(EventKind.REOPENED.value, actor, at, reason, previously_fixed_at=_iso(previous))

    def cancel(self, at: datetime, actor: int, reason: str) -> None:
        f = self.fault
        self._release_hold(at)
        f.status, f.cancelled_at, f.cancel_reason = FaultStatus.CANCELLED.value, at, reason
        self.record(EventKind.CANCELLED.value, actor, at, reason)

    def hold(self, at: datetime, actor: int, reason: str) -> None:
        self.fault.on_hold_since, self.fault.hold_reason = at, reason[:250]
        self.record(EventKind.ON_HOLD.value, actor, at, reason)

    def resume(self, at: datetime, actor: int) -> None:
        f = self.fault
        held = self._release_hold(at)
        workflow.recompute_due_times(f)
        self.record(
            EventKind.RESUMED.value,
            actor,
            at,
            "Access arranged.",
            paused_minutes=round(held.total_seconds() / 60),
            total_paused_minutes=round(self.paused_minutes()),
            fix_due_at=_iso(f.fix_due_at),
        )

    def _release_hold(self, at: datetime) -> timedelta:
        f = self.fault
        if f.on_hold_since is None:
            return timedelta(0)
        held = sla.elapsed(f.on_hold_since, at, sla.Clock(f.clock), self.nation)
        f.paused += held
        f.on_hold_since, f.hold_reason = None, ""
        return held

    def comment(self, at: datetime, actor: int, text: str) -> None:
        self.record(EventKind.COMMENT.value, actor, at, text)

    def escalate(self, at: datetime, actor: int, reason: str) -> bool:
        """A manual escalation, if the fault can still go higher."""
        f = self.fault
        if f.status not in escalation.OPEN or f.escalation_level >= escalation.TOP_LEVEL:
            return False
        level = f.escalation_level + 1
        self.escalations.append((level, reason, False, actor, at))
        f.escalation_level = level
        self.record(EventKind.ESCALATED.value, actor, at, reason, level=level, automatic=False)
        return True


def _on_time(due: datetime | None, when: datetime) -> bool | None:
    return None if due is None else when <= due


# =============================================================================================
# The generator
# =============================================================================================


@dataclass
class GeneratedFault:
    fault: Fault
    events: list[Event]
    escalations: list[EscalationRow]


@dataclass
class _BedBook:
    """Beds an approved premises has out of use, by the time each fault gives them back."""

    capacity: int
    taken: list[tuple[datetime, int]] = field(default_factory=list)  # (until, beds)

    def free_at(self, when: datetime) -> int:
        self.taken = [(until, beds) for until, beds in self.taken if until > when]
        return self.capacity - sum(beds for _until, beds in self.taken)


_FOREVER = datetime.max.replace(tzinfo=UTC)


def period_start(now: datetime, months: int) -> datetime:
    """Midnight (London) on the same day `months` calendar months before `now`."""
    local = now.astimezone(sla.LONDON).date()
    month_index = local.year * 12 + local.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(local.day, 28)
    return datetime.combine(date(year, month + 1, day), clock_time(0), tzinfo=sla.LONDON)


class Generator:
    """Deterministic fault histories over an estate: one `random.Random(seed)` stream."""

    def __init__(self, estate: Estate, *, seed: int, now: datetime, months: int):
        self.estate = estate
        self.rng = random.Random(seed)
        self.now = now.astimezone(UTC)
        self.start = period_start(now, months)
        self.beds = {
            p.pk: _BedBook(p.bed_capacity) for p in estate.premises if p.is_approved_premises
        }
        categories = [estate.categories[slug] for slug in CATEGORY_MIX]
        self.categories = [c for c in categories if c.is_active]  # as the workflow insists
        self.logged_unrouted = 0
        self._category_weights: dict[tuple[int, bool], list[float]] = {}
        self._ladders: dict[tuple[int | None, int], tuple[escalation.Step, ...]] = {}
        self.fallback_contractor = {  # who attends unrouted faults as spot orders, by region
            p.region_id: self._spot_contractor(p) for p in estate.premises
        }

    def ladder(self, contract: Contract | None, premises: Premises) -> tuple[escalation.Step, ...]:
        """The fault's resolved ladder, as sweep.ladder_for gives it (cached per key)."""
        key = (contract.pk if contract else None, premises.region_id)
        ladder = self._ladders.get(key)
        if ladder is None:
            ladder = escalation.resolve_ladder(
                self.estate.steps, contract_id=key[0], region_id=key[1]
            )
            self._ladders[key] = ladder
        return ladder

    def _spot_contractor(self, premises: Premises) -> Contractor | None:
        other = self.estate.categories["other"]
        contract = self.estate.routing.covering(premises, other, timezone.localdate(self.now))
        return contract.contractor if contract else None

    # -- when and where ---------------------------------------------------------------------

    def days(self) -> list[tuple[date, float]]:
        first = self.start.date()
        last = self.now.astimezone(sla.LONDON).date()
        days = []
        day = first
        while day <= last:
            weight = 1.0 if sla.is_working_day(day, "england") else 0.3
            days.append((day, weight))
            day += timedelta(days=1)
        return days

    def daily_counts(self, total: int) -> list[tuple[date, int]]:
        """Faults per day, proportional to the day's weight (largest remainder: exact total)."""
        days = self.days()
        weights = [w for _d, w in days]
        # The last day is only partly over.
        local_now = self.now.astimezone(sla.LONDON)
        weights[-1] *= (local_now.hour * 60 + local_now.minute) / 1440
        scale = total / sum(weights)
        exact = [w * scale for w in weights]
        counts = [math.floor(x) for x in exact]
        order = sorted(range(len(days)), key=lambda i: (counts[i] - exact[i], i))
        for i in order[: total - sum(counts)]:
            counts[i] += 1
        return [(d, n) for (d, _w), n in zip(days, counts, strict=True)]

    def _premises_weights(self, working_day: bool) -> list[float]:
        weights = []
        for p in self.estate.premises:
            if p.is_approved_premises:
                weights.append(1.6)
            elif not working_day:
                weights.append(0.05)  # offices are closed: the odd alarm or break-in
            else:
                weights.append(1.3 if p.region.code == "london" else 1.0)
        return list(itertools.accumulate(weights))

    def _moment(self, day: date, premises: Premises, working_day: bool) -> datetime:
        rng = self.rng
        if premises.is_approved_premises or not working_day:
            hours = rng.triangular(0, 24, 14)
        else:
            hours = rng.triangular(8, 18, 10.5)
        local = datetime.combine(day, clock_time(0), tzinfo=sla.LONDON) + timedelta(hours=hours)
        moment = local.astimezone(UTC).replace(microsecond=0)
        if moment >= self.now:  # today: only what has been reported so far
            day_start = datetime.combine(day, clock_time(0), tzinfo=sla.LONDON).astimezone(UTC)
            span = (self.now - day_start).total_seconds()
            moment = day_start + timedelta(seconds=int(rng.random() * span))
        return max(moment, self.start.astimezone(UTC))

    # -- the stream -------------------------------------------------------------------------

    def faults(self, total: int) -> Iterator[GeneratedFault]:
        premises = self.estate.premises
        for day, count in self.daily_counts(total):
            if not count:
                continue
            working_day = sla.is_working_day(day, "england")
            cumulative = self._premises_weights(working_day)
            chosen = []
            for _ in range(count):
                where = premises[bisect.bisect(cumulative, self.rng.random() * cumulative[-1])]
                chosen.append((self._moment(day, where, working_day), where))
            chosen.sort(key=lambda c: (c[0], c[1].pk))
            for moment, where in chosen:
                yield self.one(where, moment)

    def _category(self, premises: Premises, winter: bool) -> Category:
        key = (premises.pk, winter)
        cumulative = self._category_weights.get(key)
        if cumulative is None:
            column = 1 if premises.is_approved_premises else 0
            weights = []
            for category in self.categories:
                weight = CATEGORY_MIX[category.slug][column]
                if category.is_heating:
                    weight *= 2.2 if winter else 0.5
                elif category.slug == "lifts" and premises.region.code == "london":
                    weight *= 2.5  # London's offices are tall buildings
                weights.append(weight)
            cumulative = self._category_weights[key] = list(itertools.accumulate(weights))
        return self.rng.choices(self.categories, cum_weights=cumulative)[0]

    def one(self, premises: Premises, reported_at: datetime) -> GeneratedFault:
        rng, estate = self.rng, self.estate
        winter = reported_at.astimezone(sla.LONDON).month in WINTER_MONTHS
        category = self._category(premises, winter)
        locations = CATEGORY_MIX[category.slug][2]
        rooms = AP_ROOMS if premises.is_approved_premises else OFFICE_ROOMS
        reporter = rng.choice(estate.managers_of[premises.pk])

        beds = 0
        if premises.is_approved_premises:
            if category.slug == "ap-beds":
                beds = rng.choices([1, 2, 3, 4, 6], [60, 25, 8, 5, 2])[0]
            elif category.slug in {"plumbing-water", "heating-hot-water"} and rng.random() < 0.15:
                beds = rng.choice([1, 2])
            if beds:
                beds = min(beds, self.beds[premises.pk].free_at(reported_at))

        contract = estate.routing.covering(premises, category, timezone.localdate(reported_at))
        self.logged_unrouted += contract is None
        priority = "P1" if category.safety_critical else category.default_priority
        fault = Fault(
            premises=premises,
            category=category,
            priority=priority,
            location=rng.choice(locations or rooms),
            description=rng.choice(DESCRIPTIONS[category.slug]),
            beds_out_of_use=beds,
            reported_by_id=reporter,
            reported_at=reported_at,
            contract=contract,
            contractor=contract.contractor if contract else None,
            status=FaultStatus.REPORTED.value,
            paused=timedelta(0),
        )
        targets = (
            contract.targets_for(priority)
            if contract
            else sla.DEFAULT_TARGETS[sla.Priority(priority)]
        )
        workflow.set_due_times(fault, targets)
        life = FaultLife(fault, self.now, self.ladder(contract, premises))
        life.logged()
        self._live(life, reporter, winter)
        life.finish()

        if beds:
            end = fault.fixed_at if fault.status in {"fixed", "closed"} else fault.cancelled_at
            self.beds[premises.pk].taken.append((end or _FOREVER, beds))
        return GeneratedFault(fault, life.events, life.escalations)

    # -- a plausible life ------------------------------------------------------------------

    def _at(self, life: FaultLife, start: datetime, minutes: float) -> datetime:
        """`minutes` of the fault's own clock after `start`."""
        return sla.due_at(start, max(minutes, 0), life.fault.clock, life.nation)

    def _live(self, life: FaultLife, reporter: int, winter: bool) -> None:
        rng, f = self.rng, life.fault
        t0 = f.reported_at
        regional = self.estate.regional_manager_of[f.premises.region_id]

        # No heating in winter: the regional contract manager raises it to P1.
        if winter and f.category.is_heating and f.priority == "P2" and rng.random() < 0.35:
            at = life.advance(t0 + timedelta(minutes=rng.randint(10, 90)))
            if at is None:
                return
            life.change_priority(at, regional, "P1", "No heating in winter: staff and residents.")

        if f.contractor_id is None:  # unrouted: a spot order, or still waiting for one
            spot = self.fallback_contractor.get(f.premises.region_id)
            chance = rng.random()
            if spot is None or chance < 0.15:  # forgotten: nobody has picked it up
                self._maybe_manual_escalation(life, reporter, t0, chance=0.5)
                return
            # Most are placed as spot orders within two days; some wait weeks.
            wait = rng.randint(30, 2880) if chance < 0.7 else rng.randint(2880, 30 * 1440)
            at = life.advance(t0 + timedelta(minutes=wait))
            if at is None:
                self._maybe_manual_escalation(life, reporter, t0, chance=0.5)
                return
            life.reassign(at, regional, spot, "Spot order while the contract is being re-let.")

        profile = self.estate.profiles[f.contractor_id]
        helpdesk = profile.helpdesk_id
        attend_target = f.attend_target_minutes

        at = life.advance(self._at(life, t0, attend_target * rng.uniform(0.02, 0.25)))
        if at is None:
            return
        life.acknowledge(at, helpdesk)

        if rng.random() < 0.03:
            at = life.advance(self._at(life, at, attend_target * rng.uniform(0.05, 0.5)))
            if at is not None:
                life.cancel(at, reporter, rng.choice(CANCEL_REASONS))
            return

        if rng.random() < 0.05:  # no access for a while: the clock stops
            hold_at = life.advance(self._at(life, at, attend_target * rng.uniform(0.05, 0.6)))
            if hold_at is None:
                return
            life.hold(hold_at, reporter, rng.choice(HOLD_REASONS))
            held = attend_target * rng.uniform(0.5, 4)
            at = life.advance(self._at(life, hold_at, held))
            if at is None:
                return
            life.resume(at, reporter)

        stuck = rng.random() < 0.03
        if rng.random() < profile.attend_on_time:
            share = rng.uniform(0.15, 0.97)
        else:
            share = rng.uniform(2.5, 6.0) if stuck else 1.02 + rng.expovariate(1 / 0.35)
        attend_at = self._at(life, t0, attend_target * share + life.paused_minutes())
        at = life.advance(max(attend_at, life.last + timedelta(minutes=5)))
        if at is None:
            self._maybe_manual_escalation(life, reporter, life.last, chance=0.4)
            return
        life.attend(at, helpdesk, rng.choice(ATTEND_NOTES))

        # The fix: at the first visit, on time, or late (a few very late).
        fix_target = f.fix_target_minutes
        if rng.random() < 0.3:
            fix_at = at + timedelta(minutes=rng.randint(15, 150))
        elif rng.random() < profile.fix_on_time:
            fix_at = self._at(life, t0, fix_target * rng.uniform(0.2, 0.97) + life.paused_minutes())
        else:
            late = rng.uniform(2.2, 6.0) if stuck else 1.02 + rng.expovariate(1 / 0.3)
            fix_at = self._at(life, t0, fix_target * late + life.paused_minutes())
        fix_at = max(fix_at, at + timedelta(minutes=15))

        # Between the visit and the fix, in time order.
        steps: list[tuple[datetime, Callable[[datetime], object]]] = []
        safe_note = MAKE_SAFE_NOTES.get(f.category.slug)
        if (
            safe_note
            and (f.make_safe_due_at is not None or rng.random() < 0.3)
            and fix_at - at > timedelta(hours=2)
            and rng.random() < 0.85
        ):
            safe_at = at + timedelta(minutes=rng.randint(10, 150))
            steps.append((safe_at, lambda t: life.make_safe(t, helpdesk, safe_note)))
        if fix_at - at > timedelta(days=1) and rng.random() < 0.35:
            parts_at = at + (fix_at - at) * rng.uniform(0.05, 0.3)
            note = rng.choice(PARTS_NOTES)
            steps.append((parts_at, lambda t: life.awaiting_parts(t, helpdesk, note)))
        if fix_at > f.fix_due_at:
            chase_at = f.fix_due_at + (fix_at - f.fix_due_at) * rng.uniform(0.1, 0.6)
            if rng.random() < 0.5:
                chase, reply = rng.choice(CHASES), rng.choice(REPLIES)
                steps.append((chase_at, lambda t: life.comment(t, reporter, chase)))
                reply_at = chase_at + timedelta(minutes=rng.randint(20, 600))
                steps.append((reply_at, lambda t: life.comment(t, helpdesk, reply)))
            if rng.random() < 0.35:
                why = rng.choice(ESCALATION_REASONS)
                escalate_at = chase_at + timedelta(minutes=rng.randint(5, 240))
                steps.append((escalate_at, lambda t: life.escalate(t, reporter, why)))
        for when, step in sorted(steps, key=lambda s: s[0]):
            if when >= fix_at:
                continue
            at = life.advance(when)
            if at is None:
                return
            step(at)

        fix_notes = FIX_NOTES[f.category.slug]
        at = life.advance(fix_at)
        if at is None:
            return
        life.fix(at, helpdesk, rng.choice(fix_notes))

        # The office manager confirms, or finds it is not fixed and reopens (once or twice).
        for round_ in range(3):
            confirm_at = sla.due_at(at, rng.uniform(20, 2400), "working", life.nation)
            reopen = rng.random() < (0.06 if round_ == 0 else 0.12 if round_ == 1 else 0)
            if reopen:
                reopen_at = sla.due_at(at, rng.uniform(60, 3000), "working", life.nation)
                if reopen_at > confirm_at:
                    confirmed = life.advance(confirm_at)
                    if confirmed is None:
                        return
                    life.confirm(confirmed, reporter, rng.choice(CONFIRM_NOTES))
                at = life.advance(reopen_at)
                if at is None:
                    return
                life.reopen(at, reporter, rng.choice(REOPEN_REASONS))
                revisit = self._at(life, at, fix_target * rng.uniform(0.05, 0.6))
                at = life.advance(max(revisit, at + timedelta(minutes=30)))
                if at is None:
                    return
                life.fix(at, helpdesk, rng.choice(fix_notes))
                continue
            confirmed = life.advance(confirm_at)
            if confirmed is not None:
                life.confirm(confirmed, reporter, rng.choice(CONFIRM_NOTES))
            return

    def _maybe_manual_escalation(
        self, life: FaultLife, reporter: int, after: datetime, chance: float
    ) -> None:
        """An office manager escalating a fault nobody has come to, by hand."""
        if self.rng.random() >= chance:
            return
        when = self._at(life, max(after, life.fault.attend_due_at), self.rng.uniform(60, 1200))
        at = life.advance(when)
        if at is not None:
            life.escalate(at, reporter, self.rng.choice(ESCALATION_REASONS))


# =============================================================================================
# Writing batches
# =============================================================================================


class Writer:
    """Saves a batch of generated faults with their events and escalations."""

    def write(self, batch: list[GeneratedFault]) -> tuple[int, int]:
        raise NotImplementedError

    @staticmethod
    def for_connection() -> Writer:
        if connection.vendor == "postgresql":
            return CopyWriter()
        return BulkCreateWriter()


class BulkCreateWriter(Writer):
    """Portable: bulk_create returns the new primary keys (PostgreSQL, SQLite 3.35+)."""

    def write(self, batch: list[GeneratedFault]) -> tuple[int, int]:
        faults = Fault.objects.bulk_create([g.fault for g in batch], batch_size=1000)
        events = [
            FaultEvent(fault_id=fault.pk, kind=kind, actor_id=actor, at=at, note=note, details=d)
            for fault, g in zip(faults, batch, strict=True)
            for kind, actor, at, note, d in g.events
        ]
        FaultEvent.objects.bulk_create(events, batch_size=2000)
        escalations = [
            Escalation(
                fault_id=fault.pk,
                level=level,
                reason=reason,
                automatic=automatic,
                raised_by_id=by,
                raised_at=at,
            )
            for fault, g in zip(faults, batch, strict=True)
            for level, reason, automatic, by, at in g.escalations
        ]
        Escalation.objects.bulk_create(escalations, batch_size=2000)
        return len(events), len(escalations)


class CopyWriter(Writer):
    """PostgreSQL: ids reserved from the sequence, then COPY for faults, events, escalations."""

    #: Field types whose Python values psycopg adapts as they are (the rest are prepared).
    PLAIN = frozenset(
        {
            *("AutoField", "BigAutoField", "BooleanField", "CharField", "DateTimeField"),
            *("DurationField", "ForeignKey", "IntegerField", "PositiveIntegerField"),
            *("PositiveSmallIntegerField", "SlugField", "TextField"),
        }
    )

    def __init__(self) -> None:
        self.fields = list(Fault._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.prepare = [
            (i, f.get_db_prep_save)
            for i, f in enumerate(self.fields)
            if f.get_internal_type() not in self.PLAIN
        ]
        quote = connection.ops.quote_name
        self.fault_sql = "COPY {} ({}) FROM STDIN".format(
            quote(Fault._meta.db_table), ", ".join(quote(f.column) for f in self.fields)
        )
        self.event_sql = (
            f"COPY {quote(FaultEvent._meta.db_table)} "
            "(fault_id, kind, actor_id, at, note, details) FROM STDIN"
        )
        self.escalation_sql = (
            f"COPY {quote(Escalation._meta.db_table)} "
            "(fault_id, level, reason, automatic, raised_by_id, raised_at) FROM STDIN"
        )
        self.sequence_sql = (
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)"
        )

    def write(self, batch: list[GeneratedFault]) -> tuple[int, int]:
        now = timezone.now()
        events = escalations = 0
        with connection.cursor() as cursor:
            cursor.execute(self.sequence_sql, [Fault._meta.db_table, len(batch)])
            ids = [row[0] for row in cursor.fetchall()]
            with cursor.copy(self.fault_sql) as copy:
                for pk, g in zip(ids, batch, strict=True):
                    g.fault.pk, g.fault.updated_at = pk, now
                    row = [getattr(g.fault, name) for name in self.attnames]
                    for i, prepare in self.prepare:
                        row[i] = prepare(row[i], connection)
                    copy.write_row(row)
            dumps = json.JSONEncoder(ensure_ascii=False).encode
            with cursor.copy(self.event_sql) as copy:
                for pk, g in zip(ids, batch, strict=True):
                    for kind, actor, at, note, details in g.events:
                        copy.write_row((pk, kind, actor, at, note, dumps(details)))
                    events += len(g.events)
            with cursor.copy(self.escalation_sql) as copy:
                for pk, g in zip(ids, batch, strict=True):
                    for row in g.escalations:
                        copy.write_row((pk, *row))
                    escalations += len(g.escalations)
        for g in batch:
            g.fault._state.adding = False
        return events, escalations


# =============================================================================================
# Seeding
# =============================================================================================


@dataclass
class SeedSummary:
    faults: int = 0
    events: int = 0
    escalations: int = 0
    seconds: float = 0.0
    by_status: dict[str, int] = field(default_factory=dict)
    logged_unrouted: int = 0
    unrouted_now: int = 0
    overdue_now: int = 0
    beds_out_of_use_now: int = 0
    on_hold_now: int = 0
    reopened: int = 0

    @property
    def faults_per_second(self) -> float:
        return self.faults / self.seconds if self.seconds else 0.0

    def lines(self) -> list[str]:
        statuses = ", ".join(f"{k} {v:,}" for k, v in self.by_status.items())
        return [
            f"Faults: {self.faults:,} ({statuses})",
            f"Timeline events: {self.events:,}; escalations: {self.escalations:,}",
            f"Logged unrouted: {self.logged_unrouted:,} ({self.unrouted_now:,} still without a "
            f"contractor); reopened: {self.reopened:,}",
            f"Overdue now: {self.overdue_now:,}; on hold now: {self.on_hold_now:,}; "
            f"beds out of use now: {self.beds_out_of_use_now:,}",
            f"Took {self.seconds:,.1f} s ({self.faults_per_second:,.0f} faults/s)",
        ]


def summarise(now: datetime, summary: SeedSummary | None = None) -> SeedSummary:
    summary = summary or SeedSummary()
    counts = dict(Fault.objects.values_list("status").annotate(n=Count("id")).order_by())
    summary.by_status = {s.value: counts.get(s.value, 0) for s in FaultStatus}
    faults = Fault.objects.all()
    summary.unrouted_now = faults.unrouted().count()
    summary.overdue_now = faults.overdue(now).count()
    summary.on_hold_now = faults.open().filter(on_hold_since__isnull=False).count()
    summary.reopened = faults.filter(reopen_count__gt=0).count()
    beds = faults.with_beds_out_of_use().aggregate(n=Sum("beds_out_of_use"))["n"]
    summary.beds_out_of_use_now = beds or 0
    return summary


class _Saver:
    """Writes batches, each in its own transaction, and counts what was written.

    With `background`, batches are written by a thread with its own connection while the
    next batch is generated: on PostgreSQL the server then works on one core while Python
    generates on the other. Only outside any transaction (the thread cannot see uncommitted
    rows), so tests, which run inside one, write in the foreground.
    """

    def __init__(self, writer: Writer, summary: SeedSummary, progress, background: bool):
        self.writer, self.summary, self.progress = writer, summary, progress
        self.error: BaseException | None = None
        self.queue: queue.Queue[list[GeneratedFault] | None] = queue.Queue(maxsize=2)
        self.thread = None
        if background:
            self.thread = threading.Thread(target=self._run, name="seed-demo-writer")
            self.thread.start()

    def _save(self, batch: list[GeneratedFault]) -> None:
        with transaction.atomic():
            events, escalations = self.writer.write(batch)
        self.summary.faults += len(batch)
        self.summary.events += events
        self.summary.escalations += escalations
        if self.progress:
            self.progress(len(batch))

    def _run(self) -> None:
        try:
            while (batch := self.queue.get()) is not None:
                if self.error is None:
                    try:
                        self._save(batch)
                    except BaseException as error:  # handed to the main thread
                        self.error = error
        finally:
            connection.close()

    def put(self, batch: list[GeneratedFault]) -> None:
        if self.thread is None:
            self._save(batch)
            return
        if self.error is not None:
            self.close()
        self.queue.put(batch)

    def close(self) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.thread = None
        if self.error is not None:
            raise self.error


def seed_demo(
    *,
    seed: int = DEFAULT_SEED,
    faults: int = DEFAULT_FAULTS,
    months: int = DEFAULT_MONTHS,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], object] | None = None,
    writer: Writer | None = None,
) -> SeedSummary:
    """Build the demo estate and `faults` faults over the `months` before `now`."""
    now = (now or timezone.now()).astimezone(UTC).replace(microsecond=0)
    started = time.perf_counter()
    estate = ensure_estate()
    generator = Generator(estate, seed=seed, now=now, months=months)
    writer = writer or Writer.for_connection()
    summary = SeedSummary()
    background = isinstance(writer, CopyWriter) and not connection.in_atomic_block
    saver = _Saver(writer, summary, progress, background)
    stream = generator.faults(faults)
    try:
        while batch := list(itertools.islice(stream, batch_size)):
            saver.put(batch)
    finally:
        saver.close()
    summary.seconds = time.perf_counter() - started
    summary.logged_unrouted = generator.logged_unrouted
    return summarise(now, summary)
