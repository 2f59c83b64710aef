"""Routing: which contract covers a fault at a premises, in a category, on a date.

The rule lives once, in `choose`, over plain facts about each contract (`Terms`): the
contract in force that names the premises (preferred) or its region, and names the category
or lists none; then the most recently started wins, then the lowest id. `covering_contract`
asks the database for the contracts naming the premises or its region and applies it; the
demo data generator applies it to contracts held in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, prefetch_related_objects

from facilities.models import Category, Contract, Premises


@dataclass(frozen=True)
class Terms:
    """What one contract says about one premises and category."""

    pk: int
    valid_from: date
    valid_to: date | None
    names_premises: bool
    names_region: bool
    names_category: bool
    lists_categories: bool

    def covers(self, on: date) -> bool:
        return (
            (self.names_premises or self.names_region)
            and (self.names_category or not self.lists_categories)
            and self.valid_from <= on
            and (self.valid_to is None or self.valid_to >= on)
        )

    @property
    def rank(self) -> tuple[bool, int, int]:
        """Smaller is preferred: naming the premises itself, then the latest start, then pk."""
        return (not self.names_premises, -self.valid_from.toordinal(), self.pk)


def choose[T](candidates: Iterable[tuple[Terms, T]], on: date) -> T | None:
    """The covering contract among these candidates on `on`; None means unrouted."""
    best: tuple[Terms, T] | None = None
    for terms, contract in candidates:
        if terms.covers(on) and (best is None or terms.rank < best[0].rank):
            best = (terms, contract)
    return best[1] if best is not None else None


def covering_contract(premises: Premises, category: Category, on: date) -> Contract | None:
    """The contract covering a fault at this premises, in this category, on this date."""
    through = Contract.premises.through.objects
    names_premises = through.filter(contract_id=OuterRef("pk"), premises_id=premises.pk)
    names_region = Contract.regions.through.objects.filter(
        contract_id=OuterRef("pk"), region_id=premises.region_id
    )
    categories = Contract.categories.through.objects.filter(contract_id=OuterRef("pk"))
    contracts = (
        Contract.objects.annotate(
            names_premises=Exists(names_premises),
            names_region=Exists(names_region),
            names_category=Exists(categories.filter(category_id=category.pk)),
            lists_categories=Exists(categories),
        )
        # Only the contracts that could apply are read; `choose` decides among them.
        .filter(Q(names_premises=True) | Q(names_region=True))
        .select_related("contractor")
    )
    chosen = choose(
        (
            (
                Terms(
                    c.pk,
                    c.valid_from,
                    c.valid_to,
                    c.names_premises,
                    c.names_region,
                    c.names_category,
                    c.lists_categories,
                ),
                c,
            )
            for c in contracts
        ),
        on,
    )
    if chosen is not None:
        prefetch_related_objects([chosen], "service_levels")
    return chosen
