"""Routing: the covering contract by premises, region, category and date; else unrouted."""

from datetime import date

import pytest

from facilities.routing import covering_contract
from tests.factories import ContractFactory, ContractorFactory, category

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 1)


def test_region_wide_contract_covers_every_premises_in_the_region(contract, premises, hostel):
    assert covering_contract(premises, category("cctv"), DAY) == contract
    assert covering_contract(hostel, category("lifts"), DAY) == contract


def test_no_contract_for_another_region(contract, other_premises):
    assert covering_contract(other_premises, category("cctv"), DAY) is None


def test_premises_specific_contract_beats_the_region_wide_one(contract, premises, hostel):
    specialist = ContractFactory(contractor=ContractorFactory(), premises=[premises])
    assert covering_contract(premises, category("cctv"), DAY) == specialist
    assert covering_contract(hostel, category("cctv"), DAY) == contract


def test_contract_limited_to_categories(region, premises):
    alarms = ContractFactory(regions=[region], categories=[category("personal-alarms")])
    assert covering_contract(premises, category("personal-alarms"), DAY) == alarms
    assert covering_contract(premises, category("plumbing-water"), DAY) is None


def test_only_contracts_in_force_on_the_date(region, premises):
    old = ContractFactory(
        regions=[region], valid_from=date(2020, 1, 1), valid_to=date(2025, 12, 31)
    )
    new = ContractFactory(regions=[region], valid_from=date(2026, 1, 1))
    assert covering_contract(premises, category("other"), date(2025, 12, 31)) == old
    assert covering_contract(premises, category("other"), date(2026, 1, 1)) == new
    assert covering_contract(premises, category("other"), date(2019, 12, 31)) is None


def test_category_specific_and_catch_all_contracts_together(region, premises):
    catch_all = ContractFactory(regions=[region], valid_from=date(2021, 1, 1))
    lifts = ContractFactory(
        regions=[region], categories=[category("lifts")], valid_from=date(2022, 1, 1)
    )
    assert covering_contract(premises, category("lifts"), DAY) == lifts
    assert covering_contract(premises, category("cctv"), DAY) == catch_all
