"""Fixtures for the web tests: a fixed clock and a handful of faults in and out of scope."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from facilities.faults.workflow import fault_cancel, fault_log
from facilities.models import Fault
from tests.factories import category

LONDON = ZoneInfo("Europe/London")
#: Tuesday 4 March 2025, 10:00 in London (GMT): a working day, no bank holiday.
T0 = datetime(2025, 3, 4, 10, 0, tzinfo=LONDON)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


@dataclass
class Estate:
    heating: Fault  # office, P2
    beds: Fault  # hostel, P2, 3 beds out of use
    alarm: Fault  # hostel, P1, safety-critical
    cancelled: Fault  # office, no longer open
    outsider_heating: Fault  # other region, P2
    outsider_alarm: Fault  # other region, P1, safety-critical


@pytest.fixture
def estate(
    clock, premises, hostel, other_premises, contract, other_contract, office_manager,
    other_office_manager,
):  # fmt: skip
    def log(where, slug, who, **extra):
        return fault_log(
            premises=where,
            category=category(slug),
            location="Ground floor",
            description=f"{slug} fault",
            reported_by=who,
            now=T0,
            **extra,
        )

    cancelled = log(premises, "plumbing-water", office_manager)
    fault_cancel(fault=cancelled, actor=office_manager, reason="Logged twice", now=T0)
    return Estate(
        heating=log(premises, "heating-hot-water", office_manager),
        beds=log(hostel, "ap-beds", office_manager, beds_out_of_use=3),
        alarm=log(hostel, "personal-alarms", office_manager),
        cancelled=cancelled,
        outsider_heating=log(other_premises, "heating-hot-water", other_office_manager),
        outsider_alarm=log(other_premises, "personal-alarms", other_office_manager),
    )
