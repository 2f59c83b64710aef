"""Deterministic fault histories over the demo estate: where and when faults are logged, what
they are, and their lives (`script.live`) played through the real rules (`player.Player`).

One `random.Random(seed)` stream says where and when faults are logged; each premises has a
stream of its own for what its faults are and how their lives go, taken in the order they
are logged. So the same seed and the same `now` give the same data, and the premises can be
shared out between workers (`part` of `parts`) without changing any fault.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

from django.db.models.base import ModelState
from django.utils import timezone

from facilities import ladder, sla
from facilities.models import (
    Breach,
    BreachDispute,
    Category,
    Contract,
    Contractor,
    Escalation,
    Fault,
    FaultHold,
    Premises,
)

from . import script
from .data import AP_ROOMS, CATEGORY_MIX, OFFICE_ROOMS
from .estate import Estate
from .player import DemoLife, Player, Record
from .shortcuts import Nobody
from .words import DESCRIPTIONS, WINTER_MONTHS


@dataclass
class GeneratedFault:
    """One fault and every row its history writes (all unsaved, without ids)."""

    fault: Fault
    events: list  # Records, and the sweep's FaultEvents
    holds: list[FaultHold]
    breaches: list[Breach]
    escalations: list[Escalation]
    disputes: list[BreachDispute]
    links: list[tuple[Record, Breach, BreachDispute]]


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


class _FaultMaker:
    """Unsaved faults, a million times over: a new fault's columns (its defaults, then the
    values given) set as `Model.__init__` would set them, without its per-field work."""

    def __init__(self) -> None:
        self.defaults = {k: v for k, v in Fault().__dict__.items() if k != "_state"}

    def __call__(
        self, premises: Premises, category: Category, contract: Contract | None, **values
    ) -> Fault:
        fault = Fault.__new__(Fault)
        columns = fault.__dict__
        columns.update(self.defaults)
        columns.update(values)
        columns["premises_id"], columns["category_id"] = premises.id, category.id
        if contract is not None:
            columns["contract_id"], columns["contractor_id"] = contract.id, contract.contractor_id
        fault._state = ModelState()
        fault._state.fields_cache = {
            "premises": premises,
            "category": category,
            "contract": contract,
            "contractor": contract.contractor if contract else None,
        }
        return fault


def share_out(premises: list[Premises], parts: int) -> list[set[int]]:
    """The premises' ids in `parts` shares of about equal work (busiest premises first)."""
    shares: list[set[int]] = [set() for _ in range(parts)]
    load = [0.0] * parts
    for p in sorted(premises, key=lambda p: (-_weight(p, working_day=True), p.code)):
        part = min(range(parts), key=lambda i: (load[i], i))
        shares[part].add(p.pk)
        load[part] += _weight(p, working_day=True)
    return shares


def _weight(premises: Premises, *, working_day: bool) -> float:
    """How likely a fault is to be logged at this premises, relative to the others."""
    if premises.is_approved_premises:
        return 1.6
    if not working_day:
        return 0.05  # offices are closed: the odd alarm or break-in
    return 1.3 if premises.region.code == "london" else 1.0


class Generator:
    """Deterministic fault histories over an estate (or over one share of its premises)."""

    def __init__(
        self,
        estate: Estate,
        *,
        seed: int,
        now: datetime,
        months: int,
        part: int = 0,
        parts: int = 1,
    ):
        self.estate = estate
        self.rng = random.Random(seed)  # where and when
        self.rngs = {p.pk: random.Random(f"{seed}:{p.code}") for p in estate.premises}
        self.mine = share_out(estate.premises, parts)[part]
        self.tz = timezone.get_default_timezone()  # the workflow routes by the local date
        self.now = now.astimezone(UTC)
        self.start = period_start(now, months)
        self.beds = {
            p.pk: _BedBook(p.bed_capacity) for p in estate.premises if p.is_approved_premises
        }
        categories = [estate.categories[slug] for slug in CATEGORY_MIX]
        self.categories = [c for c in categories if c.is_active]  # as the workflow insists
        self.logged_unrouted = 0
        self._make = _FaultMaker()
        self.nobody = Nobody()  # history sends no email
        self._targets: dict[tuple[int | None, str], sla.Targets] = {}
        self._category_weights: dict[tuple[int, bool], list[float]] = {}
        self._ladders: dict[tuple[int | None, int], tuple[ladder.Step, ...]] = {}
        self.fallback_contractor = {  # who attends unrouted faults as spot orders, by region
            p.region_id: self._spot_contractor(p) for p in estate.premises
        }

    def steps_for(self, contract: Contract | None, premises: Premises) -> tuple[ladder.Step, ...]:
        """The fault's resolved ladder, as `escalation.raising.ladder_for` gives it (cached)."""
        key = (contract.id if contract else None, premises.region_id)
        steps = self._ladders.get(key)
        if steps is None:
            steps = ladder.resolve_ladder(self.estate.steps, contract_id=key[0], region_id=key[1])
            self._ladders[key] = steps
        return steps

    def _spot_contractor(self, premises: Premises) -> Contractor | None:
        other = self.estate.categories["other"]
        contract = self.estate.routing.covering(premises, other, timezone.localdate(self.now))
        return contract.contractor if contract else None

    # --- When and where -----------------------------------------------------------------------

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
        weights = [_weight(p, working_day=working_day) for p in self.estate.premises]
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

    # --- The stream ---------------------------------------------------------------------------

    def faults(self, total: int) -> Iterator[GeneratedFault]:
        """The histories of this share's faults, of `total` over the estate, in time order."""
        premises, mine = self.estate.premises, self.mine
        for day, count in self.daily_counts(total):
            if not count:
                continue
            working_day = sla.is_working_day(day, "england")
            cumulative = self._premises_weights(working_day)
            chosen = []
            for _ in range(count):
                where = premises[bisect.bisect(cumulative, self.rng.random() * cumulative[-1])]
                chosen.append((self._moment(day, where, working_day), where))
            chosen.sort(key=lambda c: (c[0], c[1].id))
            for moment, where in chosen:
                if where.id in mine:
                    yield self.one(where, moment)

    def _category(self, rng: random.Random, premises: Premises, winter: bool) -> Category:
        key = (premises.id, winter)
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
        return rng.choices(self.categories, cum_weights=cumulative)[0]

    def targets(self, contract: Contract | None, priority: str) -> sla.Targets:
        """The service level for a priority: the contract's, else the national default."""
        key = (contract.id if contract else None, priority)
        targets = self._targets.get(key)
        if targets is None:
            if contract is not None:
                targets = contract.targets_for(priority)
            else:
                targets = sla.DEFAULT_TARGETS[sla.Priority(priority)]
            self._targets[key] = targets
        return targets

    def one(self, premises: Premises, reported_at: datetime) -> GeneratedFault:
        rng, estate = self.rngs[premises.id], self.estate
        winter = reported_at.astimezone(sla.LONDON).month in WINTER_MONTHS
        category = self._category(rng, premises, winter)
        locations = CATEGORY_MIX[category.slug][2]
        rooms = AP_ROOMS if premises.is_approved_premises else OFFICE_ROOMS
        reporter = rng.choice(estate.managers_of[premises.id])

        beds = 0
        if premises.is_approved_premises:
            if category.slug == "ap-beds":
                beds = rng.choices([1, 2, 3, 4, 6], [60, 25, 8, 5, 2])[0]
            elif category.slug in {"plumbing-water", "heating-hot-water"} and rng.random() < 0.15:
                beds = rng.choice([1, 2])
            if beds:
                beds = min(beds, self.beds[premises.id].free_at(reported_at))

        contract = estate.routing.covering(
            premises, category, reported_at.astimezone(self.tz).date()
        )
        self.logged_unrouted += contract is None
        priority = "P1" if category.safety_critical else category.default_priority
        fault = self._make(
            premises,
            category,
            contract,
            priority=priority,
            location=rng.choice(locations or rooms),
            description=rng.choice(DESCRIPTIONS[category.slug]),
            beds_out_of_use=beds,
            reported_by_id=reporter,
            reported_at=reported_at,
        )
        life = DemoLife(
            fault=fault,
            nation=premises.nation,
            pounds_per_point=contract.pounds_per_point if contract else 0,
        )
        player = Player(
            life,
            rng,
            now=self.now,
            steps=self.steps_for(contract, premises),
            people=self.nobody,
            users=estate.users,
        )
        player.log(self.targets(contract, priority), reporter, contract)
        script.live(self, player, reporter, winter)
        player.finish()
        script.disputes(self, player)

        if beds:
            end = fault.fixed_at if fault.status in {"fixed", "closed"} else fault.cancelled_at
            self.beds[premises.id].taken.append((end or _FOREVER, beds))
        events = life.events
        if player.disputes:  # raised after the life was played: back into time order
            events.sort(key=lambda e: e.at)
        return GeneratedFault(
            fault,
            events,
            life.holds,
            list(life.breaches.values()),
            player.escalations,
            player.disputes,
            player.links,
        )
