"""A step's outcome: holds counted wherever they end, breaches kept as facts.

The worked examples are the ones a reviewer found by recounting a month by hand; each due
time is recomputed here from the facts with `sla` (the clock), not read back from the fault.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from facilities import deadlines, sla
from facilities.deadlines import Interval, State
from facilities.faults import workflow
from facilities.faults.workflow import WorkflowError
from facilities.models import Breach, EventKind, FaultHold, HoldStatus
from tests.factories import category

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 09:00 London (GMT, so UTC too).
MON_2_MAR_0900 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def log(office_manager, premises, contract):
    contract.pounds_per_point = Decimal("25.00")
    contract.save()

    def _log(slug: str, when: datetime, **kwargs):
        return workflow.fault_log(
            premises=premises,
            category=category(slug),
            location="Room 4",
            description="Broken",
            reported_by=office_manager,
            now=when,
            **kwargs,
        )

    return _log


# --- Found 1: a fix recorded while on hold ------------------------------------------------------


def test_a_fix_recorded_on_hold_counts_the_hold_and_is_on_time(
    log, contractor_user, office_manager
):
    fault = log("pest-control", MON_2_MAR_0900)  # P3, working clock, England
    assert fault.clock == "working"
    fault = workflow.fault_attend(fault=fault, actor=contractor_user, now=at(2, 10))
    fault = workflow.fault_hold(
        fault=fault, actor=office_manager, reason="Awaiting access", now=at(3, 9)
    )
    fault = workflow.fault_fix(fault=fault, actor=contractor_user, note="Done", now=at(20, 12))

    on_hold = sla.elapsed_minutes(at(3, 9), at(20, 12), "working", "england")
    assert on_hold == 7980
    due = sla.due_at(MON_2_MAR_0900, 6000 + on_hold, "working", "england")
    assert due == datetime(2026, 4, 2, 12, 0, tzinfo=sla.LONDON)  # Thu 2 Apr 12:00 London
    assert fault.fix_due_at == due
    assert not fault.breaches.exists()
    assert fault.fix_paused_minutes == on_hold
    hold = fault.holds.get()
    assert (hold.started_at, hold.ended_at) == (at(3, 9), at(20, 12))


def test_an_attendance_implied_by_a_fix_on_hold_counts_the_hold_too(
    log, contractor_user, office_manager
):
    fault = log("pest-control", MON_2_MAR_0900)
    fault = workflow.fault_hold(fault=fault, actor=office_manager, reason="No keys", now=at(2, 10))
    fault = workflow.fault_fix(fault=fault, actor=contractor_user, note="Done", now=at(13, 10))
    on_hold = sla.elapsed_minutes(at(2, 10), at(13, 10), "working", "england")
    assert fault.attend_due_at == sla.due_at(MON_2_MAR_0900, 1200 + on_hold, "working", "england")
    assert fault.outcomes(at(13, 11))["attend"].state is State.ON_TIME
    assert fault.attend_taken_minutes == 60


# --- Found 2: the ratchet when a P1 is made safe by its fix --------------------------------------


def test_p1_made_safe_by_its_fix_measures_time_less_hold(log, contractor_user, office_manager):
    fault = log("cctv", at(4, 10))  # P1, calendar, make safe within 6 h
    assert (fault.priority, fault.make_safe_target_minutes) == ("P1", 360)
    fault = workflow.fault_hold(
        fault=fault, actor=office_manager, reason="Locked", now=at(4, 10, 10)
    )
    fault = workflow.fault_resume(fault=fault, actor=office_manager, now=at(4, 14, 10))
    fault = workflow.fault_attend(fault=fault, actor=contractor_user, now=at(4, 14, 20))
    fault = workflow.fault_fix(fault=fault, actor=contractor_user, note="Done", now=at(4, 23))

    make_safe = fault.breaches.get(step="make_safe")
    assert make_safe.taken_minutes == 780 - 240 == 540
    assert (make_safe.multiplier, make_safe.points) == (1, 8)  # 540 ≤ 2 × 360
    assert make_safe.pounds == Decimal("200.00")


# --- Found 3: a priority change keeps breaches already recorded ---------------------------------


def test_priority_change_applies_new_targets_only_to_steps_not_done(
    log, contractor_user, regional_manager
):
    fault = log("lifts", at(3, 10))  # P2: attend within 4 h
    fault = workflow.fault_attend(fault=fault, actor=contractor_user, now=at(3, 16))  # late
    attend_due = fault.attend_due_at
    assert fault.breaches.get(step="attend").points == 4

    fault = workflow.fault_change_priority(
        fault=fault, actor=regional_manager, priority="P4", reason="Not urgent", now=at(3, 17)
    )
    assert fault.attend_due_at == attend_due  # the done step keeps its judgement
    assert fault.attend_target_minutes == 240
    assert fault.fix_target_minutes == sla.DEFAULT_TARGETS[sla.Priority.P4].fix_minutes
    assert fault.fix_due_at == sla.due_at(at(3, 10), 30 * 600, "working", "england")
    assert fault.breaches.get(step="attend").points == 4
    event = fault.events.get(kind=EventKind.PRIORITY_CHANGED)
    assert event.details["due_before"]["attend"] == event.details["due_after"]["attend"]
    assert event.details["due_before"]["fix"] != event.details["due_after"]["fix"]
    assert event.note == "Not urgent"


def test_reopen_keeps_the_breach_of_the_first_late_fix(log, contractor_user, office_manager):
    fault = log("lifts", at(3, 10))  # P2: fix within 72 h
    fault = workflow.fault_fix(fault=fault, actor=contractor_user, note="Done", now=at(7, 10))
    first = fault.breaches.get(step="fix")
    fault = workflow.fault_reopen(
        fault=fault, actor=office_manager, reason="Still broken", now=at(8, 9)
    )
    fault = workflow.fault_fix(fault=fault, actor=contractor_user, note="Done", now=at(9, 9))
    assert list(fault.breaches.filter(step="fix")) == [first]
    assert fault.breaches.get(step="fix").done_at == at(7, 10)
    assert fault.fix_due_at == at(6, 10)


# --- Contractor hold requests ------------------------------------------------------------------


def test_an_approved_request_stops_the_clock_from_the_request(log, contractor_user, office_manager):
    fault = log("lifts", at(3, 10))
    fault = workflow.fault_request_hold(
        fault=fault, actor=contractor_user, note="Nobody answered the door", now=at(3, 12)
    )
    assert fault.on_hold_since is None  # a request stops nothing yet
    workflow.fault_decide_hold(fault=fault, actor=office_manager, approve=True, now=at(3, 15))
    fault.refresh_from_db()
    assert fault.on_hold_since == at(3, 12)
    fault = workflow.fault_resume(fault=fault, actor=office_manager, now=at(4, 12))
    assert fault.fix_due_at == at(3, 10) + timedelta(hours=72 + 24)
    hold = fault.holds.get()
    assert (hold.status, hold.started_at, hold.ended_at) == (
        HoldStatus.APPROVED,
        at(3, 12),
        at(4, 12),
    )
    assert hold.by_contractor
    assert hold.decided_by == office_manager
    kinds = set(fault.events.values_list("kind", flat=True))
    assert {EventKind.HOLD_REQUESTED, EventKind.HOLD_APPROVED, EventKind.RESUMED} <= kinds


def test_a_refused_request_is_recorded_and_stops_nothing(log, contractor_user, office_manager):
    fault = log("lifts", at(3, 10))
    fault = workflow.fault_request_hold(
        fault=fault, actor=contractor_user, note="Locked", now=at(3, 12)
    )
    with pytest.raises(WorkflowError, match="why the hold request is refused"):
        workflow.fault_decide_hold(fault=fault, actor=office_manager, approve=False, now=at(3, 13))
    workflow.fault_decide_hold(
        fault=fault, actor=office_manager, approve=False, note="We were open", now=at(3, 13)
    )
    fault.refresh_from_db()
    assert fault.on_hold_since is None
    assert fault.fix_due_at == at(6, 10)
    assert FaultHold.objects.get(fault=fault).status == HoldStatus.REFUSED


def test_approving_a_request_after_a_late_attendance_waives_that_breach(
    log, contractor_user, office_manager
):
    fault = log("lifts", at(3, 10))  # attend by 14:00
    fault = workflow.fault_request_hold(
        fault=fault, actor=contractor_user, note="Locked", now=at(3, 12)
    )
    fault = workflow.fault_attend(fault=fault, actor=contractor_user, now=at(3, 15))
    assert fault.breaches.get(step="attend").waived_at is None
    workflow.fault_decide_hold(fault=fault, actor=office_manager, approve=True, now=at(3, 16))
    fault.refresh_from_db()
    assert fault.attend_due_at == at(3, 17)  # 4 h plus the 3 h on hold before attending
    breach = Breach.objects.get(fault=fault, step="attend")
    assert breach.waived_at == at(3, 16)


def test_only_the_contractor_requests_and_only_the_premises_side_decides(
    log, contractor_user, office_manager
):
    fault = log("lifts", at(3, 10))
    with pytest.raises(WorkflowError, match="Only the contractor"):
        workflow.fault_request_hold(fault=fault, actor=office_manager, note="x", now=at(3, 11))
    fault = workflow.fault_request_hold(fault=fault, actor=contractor_user, note="x", now=at(3, 11))
    with pytest.raises(WorkflowError, match="Only an office manager or contract manager"):
        workflow.fault_decide_hold(fault=fault, actor=contractor_user, approve=True, now=at(3, 12))
    with pytest.raises(WorkflowError, match="already has a hold request"):
        workflow.fault_hold(fault=fault, actor=office_manager, reason="x", now=at(3, 12))


# --- The pure rule -----------------------------------------------------------------------------


def test_holds_count_only_before_the_step_and_open_holds_only_once_it_is_done():
    holds = [Interval(at(3, 12), at(3, 14)), Interval(at(3, 20), None)]
    assert deadlines.paused(holds, at(3, 13), "calendar", "england") == timedelta(hours=1)
    assert deadlines.paused(holds, None, "calendar", "england") == timedelta(hours=2)
    assert deadlines.paused(holds, at(3, 22), "calendar", "england") == timedelta(hours=4)


@pytest.mark.parametrize(
    ("taken", "factor"), [(100, 1), (200, 1), (201, 2), (300, 2), (301, 3), (10_000, 3)]
)
def test_points_double_past_twice_and_treble_past_three_times(taken, factor):
    assert deadlines.points("P3", taken, 100) == 2 * factor


def test_an_approved_request_after_a_late_attendance_that_stays_late_updates_its_breach(
    log, contractor_user, office_manager
):
    fault = log("lifts", at(3, 10))  # P2: attend within 4 h, by 14:00
    fault = workflow.fault_request_hold(
        fault=fault, actor=contractor_user, note="Locked", now=at(3, 16)
    )
    fault = workflow.fault_attend(fault=fault, actor=contractor_user, now=at(3, 20))
    before = fault.breaches.get(step="attend")
    assert (before.taken_minutes, before.multiplier, before.points) == (600, 2, 8)
    workflow.fault_decide_hold(fault=fault, actor=office_manager, approve=True, now=at(3, 21))
    fault.refresh_from_db()
    breach = Breach.objects.get(fault=fault, step="attend")
    # Recomputed from the facts: 4 h on hold (16:00-20:00) before attending, 10 h elapsed.
    held = sla.elapsed_minutes(at(3, 16), at(3, 20), "calendar", "england")
    assert held == 240
    assert breach.waived_at is None
    assert breach.due_at == fault.attend_due_at == at(3, 18)
    assert (breach.paused_minutes, breach.taken_minutes) == (held, 600 - held)
    assert (breach.multiplier, breach.points) == (1, 4)
