"""Routing: which contract covers a fault at a premises, in a category, on a date."""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, OuterRef, Q

from facilities.models import Category, Contract, Premises


def covering_contract(premises: Premises, category: Category, on: date) -> Contract | None:
    """The contract in force that names the premises (preferred) or its region, and the category.

    A contract naming the premises itself beats a region-wide one; then the most
    recently started wins. None means the fault is unrouted.
    """
    names_premises = Contract.premises.through.objects.filter(
        contract_id=OuterRef("pk"), premises_id=premises.pk
    )
    names_category = Contract.categories.through.objects.filter(
        contract_id=OuterRef("pk"), category_id=category.pk
    )
    any_category = Contract.categories.through.objects.filter(contract_id=OuterRef("pk"))
    names_region = Contract.regions.through.objects.filter(
        contract_id=OuterRef("pk"), region_id=premises.region_id
    )
    return (
        Contract.objects.filter(valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .annotate(names_premises=Exists(names_premises))
        .filter(Q(names_premises=True) | Exists(names_region))
        .filter(Exists(names_category) | ~Exists(any_category))
        .select_related("contractor")
        .prefetch_related("service_levels")
        .order_by("-names_premises", "-valid_from", "pk")
        .first()
    )
