"""The escalation ladder: pure functions over a fault's facts, the steps and a `now`."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from facilities import ladder
from facilities.ladder import DEFAULT_LADDER, Audience, StartsAfter, Step

LOGGED = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # Tuesday
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Facts:
    """A P2 fault on the calendar clock: attend within 4 h, fix within 72 h."""

    reported_at: datetime = LOGGED
    clock: str = "calendar"
    attend_due_at: datetime | None = LOGGED + 4 * HOUR
    make_safe_due_at: datetime | None = None
    fix_due_at: datetime | None = LOGGED + 72 * HOUR
    fix_target_minutes: int = 72 * 60
    attended_at: datetime | None = None
    made_safe_at: datetime | None = None
    fixed_at: datetime | None = None
    on_hold_since: datetime | None = None
    escalation_level: int = 0
    attend_breached_at: datetime | None = None
    make_safe_breached_at: datetime | None = None
    fix_breached_at: datetime | None = None
    at_risk_at: datetime | None = None
    status: str = "acknowledged"


FAULT = Facts()


def due(fault=FAULT, at=LOGGED, safety=False, steps=DEFAULT_LADDER) -> list[int]:
    return [level for level, _ in ladder.levels_due(fault, "england", safety, at, steps)]


def test_nothing_is_due_before_the_attend_time():
    assert due(at=LOGGED + 4 * HOUR - timedelta(seconds=1)) == []


def test_attend_overdue_is_level_one():
    assert due(at=LOGGED + 4 * HOUR) == [1]


def test_fix_overdue_is_level_two_then_half_and_full_window_more():
    fix_due = LOGGED + 72 * HOUR
    assert due(at=fix_due) == [1, 2]
    assert due(at=fix_due + 36 * HOUR - timedelta(minutes=1)) == [1, 2]
    assert due(at=fix_due + 36 * HOUR) == [1, 2, 3]
    assert due(at=fix_due + 72 * HOUR) == [1, 2, 3, 4]


def test_levels_already_raised_are_not_due_again():
    assert due(replace(FAULT, escalation_level=2), at=LOGGED + 200 * HOUR) == [3, 4]
    assert due(replace(FAULT, escalation_level=4), at=LOGGED + 900 * HOUR) == []


def test_safety_critical_starts_one_level_higher():
    assert due(at=LOGGED + 4 * HOUR, safety=True) == [2]
    assert due(at=LOGGED + 72 * HOUR, safety=True) == [2, 3]
    # Both later rungs land on the top level, which is raised once.
    assert due(at=LOGGED + 72 * HOUR + 36 * HOUR, safety=True) == [2, 3, 4]


def test_attended_fault_skips_the_attend_rung():
    attended = replace(FAULT, attended_at=LOGGED + HOUR)
    assert due(attended, at=LOGGED + 72 * HOUR) == [2]


@pytest.mark.parametrize(
    "change",
    [
        {"status": "fixed", "fixed_at": LOGGED + HOUR},
        {"status": "closed"},
        {"status": "cancelled"},
        {"on_hold_since": LOGGED + HOUR},
    ],
)
def test_nothing_is_due_for_a_fault_whose_clock_has_stopped(change):
    stopped = replace(FAULT, **change)
    assert due(stopped, at=LOGGED + 900 * HOUR) == []
    assert ladder.next_check_at(stopped, "england", False, 0) is None


def test_working_clock_counts_the_extra_windows_in_working_time():
    # P3: fix within 10 working days; due Tuesday 17 March 10:00, half a window is 5 working days.
    p3 = replace(
        FAULT,
        clock="working",
        fix_target_minutes=6000,
        attend_due_at=None,
        fix_due_at=datetime(2026, 3, 17, 10, 0, tzinfo=UTC),
    )
    level_3 = datetime(2026, 3, 24, 10, 0, tzinfo=UTC)
    assert due(p3, at=level_3 - timedelta(minutes=1)) == [2]
    assert due(p3, at=level_3) == [2, 3]


def test_next_check_is_the_earliest_thing_that_can_fall_due():
    assert ladder.next_check_at(FAULT, "england", False, 0) == LOGGED + 4 * HOUR
    breached = replace(FAULT, attend_breached_at=LOGGED + 4 * HOUR, escalation_level=1)
    # The at-risk warning at 75% of the fix window (54 h) comes before the fix is due.
    assert ladder.next_check_at(breached, "england", False, 0) == LOGGED + 54 * HOUR
    warned = replace(breached, at_risk_at=LOGGED + 54 * HOUR)
    assert ladder.next_check_at(warned, "england", False, 0) == LOGGED + 72 * HOUR


def test_breaches_due_each_once_and_at_risk_only_before_the_fix_is_late():
    at = LOGGED + 60 * HOUR
    found = ladder.breaches_due(FAULT, "england", 0, at)
    assert (found.attend, found.fix, found.at_risk) == (True, False, True)
    recorded = replace(FAULT, attend_breached_at=LOGGED + 4 * HOUR, at_risk_at=at)
    assert not ladder.breaches_due(recorded, "england", 0, at)
    late = ladder.breaches_due(FAULT, "england", 0, LOGGED + 80 * HOUR)
    assert (late.attend, late.fix, late.at_risk) == (True, True, False)


def test_make_safe_breach_only_while_not_made_safe_or_fixed():
    p1 = replace(FAULT, make_safe_due_at=LOGGED + 6 * HOUR)
    assert ladder.breaches_due(p1, "england", 0, LOGGED + 7 * HOUR).make_safe
    made_safe = replace(p1, made_safe_at=LOGGED + 5 * HOUR)
    assert not ladder.breaches_due(made_safe, "england", 0, LOGGED + 7 * HOUR).make_safe


# --- Configurable steps -------------------------------------------------------------------


def step(level, starts=StartsAfter.FIX_DUE, plus="0", audiences=(), **scope) -> Step:
    return Step(level, starts, Decimal(plus), frozenset(audiences), **scope)


def test_most_specific_step_wins_per_level():
    default_2 = step(2, audiences=[Audience.ACCOUNT_MANAGER])
    region_2 = step(2, audiences=[Audience.OFFICE_MANAGERS], region_id=7)
    contract_2 = step(2, audiences=[Audience.NATIONAL_CONTRACT_MANAGERS], contract_id=3)
    other_region_3 = step(3, plus="2", region_id=8)
    steps = [default_2, region_2, contract_2, other_region_3]

    for_contract = ladder.resolve_ladder(steps, contract_id=3, region_id=7)
    assert for_contract[1] == contract_2
    for_region = ladder.resolve_ladder(steps, contract_id=4, region_id=7)
    assert for_region[1] == region_2
    elsewhere = ladder.resolve_ladder(steps, contract_id=None, region_id=9)
    assert elsewhere[1] == default_2
    # Levels nobody configured keep the built-in default; other regions' steps never apply.
    assert elsewhere[2] == DEFAULT_LADDER[2]
    assert [s.level for s in elsewhere] == [1, 2, 3, 4]


def test_a_configured_step_changes_when_a_level_falls_due():
    slower_3 = step(3, plus="1")  # a full window after the fix was due, not half
    steps = ladder.resolve_ladder([slower_3], contract_id=None, region_id=None)
    fix_due = LOGGED + 72 * HOUR
    assert due(at=fix_due + 36 * HOUR, steps=steps) == [1, 2]
    assert due(at=fix_due + 72 * HOUR, steps=steps) == [1, 2, 3, 4]


def test_a_step_can_count_from_the_attend_time():
    early_2 = step(2, starts=StartsAfter.ATTEND_DUE, plus="0.5")
    steps = ladder.resolve_ladder([early_2], contract_id=None, region_id=None)
    # Attend due at +4 h; level 2 half a fix window (36 h) later.
    assert due(at=LOGGED + 40 * HOUR, steps=steps) == [1, 2]


def test_step_says_why_in_plain_words():
    assert DEFAULT_LADDER[0].why == "attendance is overdue"
    assert DEFAULT_LADDER[2].why == "the fix is overdue by a further half of the fix window"
    assert step(3, plus="1.5").why == "the fix is overdue by a further 1.5 fix windows"


def test_recipients_of_a_level_include_those_of_levels_skipped_on_the_way():
    # A safety-critical fault's first raise is level 2: level 1's people are told with it.
    first = ladder.recipients_for(DEFAULT_LADDER, level=2, previous_level=0)
    assert first.audiences == {
        Audience.CONTRACTOR_HELPDESK,
        Audience.OFFICE_MANAGERS,
        Audience.ACCOUNT_MANAGER,
        Audience.REGIONAL_CONTRACT_MANAGERS,
    }
    assert first.already_alerted == frozenset()
    third = ladder.recipients_for(DEFAULT_LADDER, level=3, previous_level=2)
    assert third.audiences == {Audience.NATIONAL_CONTRACT_MANAGERS}
    assert Audience.CONTRACTOR_HELPDESK in third.already_alerted


def test_extra_addresses_are_kept_in_order_once():
    head = step(4, plus="1", extra_emails=("head@estates.example",))
    got = ladder.recipients_for([*DEFAULT_LADDER[:3], head], level=4, previous_level=3)
    assert got.extra_emails == ("head@estates.example",)
