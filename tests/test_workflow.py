"""The fault life cycle: every legal step, every illegal one refused with a clear message."""

from datetime import UTC, datetime, timedelta

import pytest

from facilities import sla
from facilities.faults import workflow
from facilities.faults.workflow import Action, WorkflowError
from facilities.models import EventKind, Fault, FaultStatus
from tests.factories import ServiceLevelFactory, category

pytestmark = pytest.mark.django_db

# Tuesday 3 March 2026, 10:00 UTC (= 10:00 London, GMT): a plain working day.
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TUESDAY_10 = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


@pytest.fixture
def log(office_manager, premises, contract):
    def _log(slug="plumbing-water", at=TUESDAY_10, where=premises, **kwargs):
        return workflow.fault_log(
            premises=where,
            category=category(slug),
            location="Ground floor toilets",
            description="Cistern overflowing",
            reported_by=kwargs.pop("reported_by", office_manager),
            now=at,
            **kwargs,
        )

    return _log


def kinds(fault: Fault) -> list[str]:
    return list(fault.events.order_by("at", "id").values_list("kind", flat=True))


# --- Logging ------------------------------------------------------------------------------


def test_logging_routes_to_the_covering_contract_and_sets_due_times(log, contract):
    fault = log()
    assert fault.contractor == contract.contractor
    assert fault.contract == contract
    assert fault.status == FaultStatus.REPORTED
    assert fault.priority == "P2"
    assert fault.attend_due_at == TUESDAY_10 + timedelta(hours=4)
    assert fault.fix_due_at == TUESDAY_10 + timedelta(days=3)
    assert fault.reference == f"FLT-{fault.pk:06d}"
    assert kinds(fault) == [EventKind.LOGGED, EventKind.ROUTED]
    assert fault.next_check_at == fault.attend_due_at


def test_contract_service_levels_override_the_defaults(log, contract):
    ServiceLevelFactory(
        contract=contract, priority="P2", attend_minutes=60, fix_minutes=600, clock="working"
    )
    fault = log()
    assert fault.clock == "working"
    assert fault.attend_due_at == TUESDAY_10 + timedelta(hours=1)
    # 600 working minutes from Tuesday 10:00 is Wednesday 10:00.
    assert fault.fix_due_at == TUESDAY_10 + timedelta(days=1)


def test_working_clock_counts_from_next_working_morning(log):
    friday_evening = datetime(2026, 3, 6, 19, 0, tzinfo=UTC)
    fault = log(slug="electrical-lighting", at=friday_evening)  # P3: 2 working days to attend
    assert fault.clock == "working"
    assert fault.attend_due_at == datetime(2026, 3, 10, 18, 0, tzinfo=UTC)


def test_unrouted_fault_is_saved_and_flagged(office_manager, other_premises, other_office_manager):
    fault = workflow.fault_log(
        premises=other_premises,
        category=category("lifts"),
        location="Lift",
        description="Stuck between floors",
        reported_by=other_office_manager,
        now=TUESDAY_10,
    )
    assert fault.pk
    assert fault.is_unrouted
    assert fault.fix_due_at == TUESDAY_10 + timedelta(days=3)
    assert kinds(fault) == [EventKind.LOGGED, EventKind.UNROUTED]


def test_safety_critical_category_is_logged_at_p1(log):
    fault = log(slug="personal-alarms")
    assert fault.priority == "P1"
    assert fault.make_safe_due_at == TUESDAY_10 + timedelta(hours=6)


def test_office_manager_cannot_lower_a_safety_critical_priority(log):
    with pytest.raises(WorkflowError, match="only a contract manager") as error:
        log(slug="cctv", priority="P3")
    assert error.value.field == "priority"
    assert not Fault.objects.exists()


def test_contract_manager_may_lower_safety_critical_priority_with_a_reason(log, regional_manager):
    with pytest.raises(WorkflowError, match="why a safety-critical fault is not P1"):
        log(slug="cctv", priority="P3", reported_by=regional_manager)
    fault = log(
        slug="cctv", priority="P3", priority_reason="Spare camera", reported_by=regional_manager
    )
    assert fault.priority == "P3"
    assert EventKind.PRIORITY_CHANGED in kinds(fault)


@pytest.mark.parametrize(
    ("field", "kwargs", "message"),
    [
        ("location", {"location": " "}, "where in the building"),
        ("description", {"description": ""}, "a description"),
    ],
)
def test_logging_without_required_text_is_refused(
    office_manager, premises, contract, field, kwargs, message
):
    values = {"location": "Kitchen", "description": "Tap dripping", **kwargs}
    with pytest.raises(WorkflowError, match=message) as error:
        workflow.fault_log(
            premises=premises,
            category=category("plumbing-water"),
            reported_by=office_manager,
            **values,
        )
    assert error.value.field == field


def test_beds_out_of_use_only_at_approved_premises(log):
    with pytest.raises(WorkflowError, match="only be out of use at an approved premises"):
        log(beds_out_of_use=2)


def test_beds_out_of_use_cannot_exceed_beds_still_in_use(log, hostel):
    log(slug="ap-beds", where=hostel, beds_out_of_use=15)
    with pytest.raises(WorkflowError, match="must be 5 or fewer") as error:
        log(slug="ap-beds", where=hostel, beds_out_of_use=6)
    assert error.value.field == "beds_out_of_use"
    assert log(slug="ap-beds", where=hostel, beds_out_of_use=5).beds_out_of_use == 5


def test_outsider_cannot_log_at_premises_they_do_not_manage(
    premises, other_office_manager, contract
):
    with pytest.raises(WorkflowError, match="cannot log faults at this premises"):
        workflow.fault_log(
            premises=premises,
            category=category("other"),
            location="Hall",
            description="Broken chair",
            reported_by=other_office_manager,
        )


def test_contractor_cannot_log_faults(premises, contractor_user, contract):
    with pytest.raises(WorkflowError):
        workflow.fault_log(
            premises=premises,
            category=category("other"),
            location="Hall",
            description="x",
            reported_by=contractor_user,
        )


# --- The contractor's steps ---------------------------------------------------------------------


def test_full_life_cycle_writes_one_event_per_step(log, contractor_user, office_manager):
    fault = log()
    fault = workflow.fault_acknowledge(
        fault=fault, actor=contractor_user, now=TUESDAY_10 + timedelta(minutes=5)
    )
    fault = workflow.fault_attend(
        fault=fault, actor=contractor_user, now=TUESDAY_10 + timedelta(hours=2)
    )
    fault = workflow.fault_make_safe(
        fault=fault, actor=contractor_user, note="Water off", now=TUESDAY_10 + timedelta(hours=3)
    )
    fault = workflow.fault_fix(
        fault=fault, actor=contractor_user, note="New valve", now=TUESDAY_10 + timedelta(days=1)
    )
    assert fault.status == FaultStatus.FIXED
    assert fault.next_check_at is None
    fault = workflow.fault_confirm(
        fault=fault, actor=office_manager, now=TUESDAY_10 + timedelta(days=2)
    )
    assert fault.status == FaultStatus.CLOSED
    assert kinds(fault) == [
        EventKind.LOGGED,
        EventKind.ROUTED,
        EventKind.ACKNOWLEDGED,
        EventKind.ATTENDED,
        EventKind.MADE_SAFE,
        EventKind.FIXED,
        EventKind.CLOSED,
    ]
    attended = fault.events.get(kind=EventKind.ATTENDED)
    assert attended.actor == contractor_user
    assert attended.details["on_time"] is True


def test_fixing_straight_away_records_attendance_too(log, contractor_user):
    fault = workflow.fault_fix(
        fault=log(), actor=contractor_user, note="Reset trip", now=TUESDAY_10 + timedelta(hours=1)
    )
    assert fault.attended_at == fault.fixed_at == TUESDAY_10 + timedelta(hours=1)


def test_fix_needs_a_note(log, contractor_user):
    with pytest.raises(WorkflowError, match="what was done to fix it") as error:
        workflow.fault_fix(fault=log(), actor=contractor_user, note="  ")
    assert error.value.field == "note"


@pytest.mark.parametrize(
    ("step", "kwargs"),
    [
        (workflow.fault_acknowledge, {}),
        (workflow.fault_attend, {}),
        (workflow.fault_make_safe, {"note": "x"}),
        (workflow.fault_fix, {"note": "x"}),
        (workflow.fault_awaiting_parts, {"note": "x"}),
    ],
)
def test_only_the_contractor_records_their_work(log, office_manager, step, kwargs):
    fault = log()
    with pytest.raises(WorkflowError, match="Only the contractor"):
        step(fault=fault, actor=office_manager, **kwargs)
    assert kinds(fault) == [EventKind.LOGGED, EventKind.ROUTED]


def test_other_contractor_cannot_touch_the_fault(log, other_contractor_user):
    with pytest.raises(WorkflowError, match="do not have access"):
        workflow.fault_acknowledge(fault=log(), actor=other_contractor_user)


def test_cannot_acknowledge_twice(log, contractor_user):
    fault = workflow.fault_acknowledge(fault=log(), actor=contractor_user)
    with pytest.raises(WorkflowError, match="is acknowledged, so it cannot be acknowledged"):
        workflow.fault_acknowledge(fault=fault, actor=contractor_user)


def test_cannot_attend_a_fixed_fault(log, contractor_user):
    fault = workflow.fault_fix(fault=log(), actor=contractor_user, note="done")
    with pytest.raises(WorkflowError, match="cannot be marked as attended"):
        workflow.fault_attend(fault=fault, actor=contractor_user)


def test_awaiting_parts_does_not_stop_the_clock(log, contractor_user):
    fault = log()
    due = fault.fix_due_at
    fault = workflow.fault_awaiting_parts(
        fault=fault, actor=contractor_user, note="Valve on order", now=TUESDAY_10
    )
    assert fault.awaiting_parts_since == TUESDAY_10
    assert fault.fix_due_at == due
    assert fault.is_overdue(due + timedelta(minutes=1))


# --- The premises side --------------------------------------------------------------------------


def test_confirm_only_when_fixed(log, office_manager):
    with pytest.raises(WorkflowError, match="cannot be confirmed as fixed"):
        workflow.fault_confirm(fault=log(), actor=office_manager)


def test_contractor_cannot_confirm_their_own_fix(log, contractor_user):
    fault = workflow.fault_fix(fault=log(), actor=contractor_user, note="done")
    with pytest.raises(WorkflowError, match="Only an office manager or contract manager"):
        workflow.fault_confirm(fault=fault, actor=contractor_user)


def test_reopen_keeps_original_due_times_and_counts(log, contractor_user, office_manager):
    fault = log()
    due = fault.fix_due_at
    fault = workflow.fault_fix(
        fault=fault, actor=contractor_user, note="Tightened", now=TUESDAY_10 + timedelta(hours=5)
    )
    with pytest.raises(WorkflowError, match="why the repair is not done"):
        workflow.fault_reopen(fault=fault, actor=office_manager, reason="")
    fault = workflow.fault_reopen(
        fault=fault,
        actor=office_manager,
        reason="Still leaking",
        now=TUESDAY_10 + timedelta(days=4),
    )
    assert fault.status == FaultStatus.ACKNOWLEDGED
    assert fault.fixed_at is None
    assert fault.fix_due_at == due
    assert fault.reopen_count == 1
    assert fault.fix_overdue(TUESDAY_10 + timedelta(days=4))
    assert fault.next_check_at is not None
    reopened = fault.events.get(kind=EventKind.REOPENED)
    assert reopened.note == "Still leaking"
    assert reopened.details["previously_fixed_at"].startswith("2026-03-03T15:00")


def test_reopen_a_closed_fault(log, contractor_user, office_manager):
    fault = workflow.fault_fix(fault=log(), actor=contractor_user, note="done")
    fault = workflow.fault_confirm(fault=fault, actor=office_manager)
    fault = workflow.fault_reopen(fault=fault, actor=office_manager, reason="Broke again")
    assert fault.status == FaultStatus.ACKNOWLEDGED
    assert fault.closed_at is None


def test_cancel_needs_a_reason_and_ends_the_clock(log, office_manager):
    fault = log()
    with pytest.raises(WorkflowError, match="why the fault is cancelled"):
        workflow.fault_cancel(fault=fault, actor=office_manager, reason="")
    fault = workflow.fault_cancel(fault=fault, actor=office_manager, reason="Logged twice")
    assert fault.status == FaultStatus.CANCELLED
    assert fault.next_check_at is None
    assert not fault.is_overdue(TUESDAY_10 + timedelta(days=30))
    with pytest.raises(WorkflowError, match="cannot be cancelled"):
        workflow.fault_cancel(fault=fault, actor=office_manager, reason="again")


def test_hold_for_access_stops_the_clock_and_resume_extends_due_times(log, office_manager):
    fault = log()  # calendar clock, fix due Friday 10:00
    due = fault.fix_due_at
    fault = workflow.fault_hold(
        fault=fault,
        actor=office_manager,
        reason="Awaiting access",
        now=TUESDAY_10 + timedelta(hours=1),
    )
    assert fault.is_on_hold
    assert fault.next_check_at is None
    assert not fault.is_overdue(due + timedelta(days=5))
    with pytest.raises(WorkflowError, match="already on hold"):
        workflow.fault_hold(fault=fault, actor=office_manager, reason="again")
    fault = workflow.fault_resume(
        fault=fault, actor=office_manager, now=TUESDAY_10 + timedelta(hours=7)
    )
    assert fault.paused == timedelta(hours=6)
    assert fault.fix_due_at == due + timedelta(hours=6)
    resumed = fault.events.get(kind=EventKind.RESUMED)
    assert resumed.details["paused_minutes"] == 360
    with pytest.raises(WorkflowError, match="is not on hold"):
        workflow.fault_resume(fault=fault, actor=office_manager)


def test_hold_on_a_working_clock_pauses_only_working_time(log, office_manager):
    fault = log(slug="electrical-lighting", at=datetime(2026, 3, 6, 16, 0, tzinfo=UTC))  # Friday
    due = fault.fix_due_at
    fault = workflow.fault_hold(
        fault=fault,
        actor=office_manager,
        reason="No access",
        now=datetime(2026, 3, 6, 17, 0, tzinfo=UTC),
    )
    fault = workflow.fault_resume(
        fault=fault, actor=office_manager, now=datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    )
    assert fault.paused == timedelta(hours=2)  # Friday 17–18 and Monday 08–09
    assert fault.fix_due_at == sla.due_at(fault.reported_at, 6000 + 120, "working", "england")
    assert fault.fix_due_at > due


def test_contractor_cannot_put_a_fault_on_hold(log, contractor_user):
    with pytest.raises(WorkflowError, match="Only an office manager or contract manager"):
        workflow.fault_hold(fault=log(), actor=contractor_user, reason="Awaiting parts")


# --- Contract manager ---


def test_change_priority_recomputes_due_times_and_records_reason(log, regional_manager):
    fault = log()
    fault = workflow.fault_change_priority(
        fault=fault,
        actor=regional_manager,
        priority="P1",
        reason="Only toilet in building",
        now=MONDAY_10,
    )
    assert fault.priority == "P1"
    assert fault.fix_due_at == TUESDAY_10 + timedelta(hours=24)
    event = fault.events.get(kind=EventKind.PRIORITY_CHANGED)
    assert event.details["from"] == "P2"
    assert event.details["to"] == "P1"
    assert event.note == "Only toilet in building"


def test_change_priority_refuses_same_priority_and_office_managers(
    log, regional_manager, office_manager
):
    fault = log()
    with pytest.raises(WorkflowError, match="already P2"):
        workflow.fault_change_priority(
            fault=fault, actor=regional_manager, priority="P2", reason="x"
        )
    with pytest.raises(WorkflowError, match="Only a contract manager"):
        workflow.fault_change_priority(fault=fault, actor=office_manager, priority="P1", reason="x")
    with pytest.raises(WorkflowError, match="from P1 to P4"):
        workflow.fault_change_priority(
            fault=fault, actor=regional_manager, priority="P9", reason="x"
        )


def test_reassign_keeps_due_times(log, national_manager, other_contractor):
    fault = log()
    due = fault.fix_due_at
    fault = workflow.fault_reassign(
        fault=fault, actor=national_manager, contractor=other_contractor, reason="Specialist needed"
    )
    assert fault.contractor == other_contractor
    assert fault.contract is None
    assert fault.fix_due_at == due
    assert fault.events.get(kind=EventKind.REASSIGNED).details["to"] == other_contractor.name


def test_regional_manager_cannot_act_outside_their_region(
    other_premises, other_office_manager, other_contract, regional_manager
):
    fault = workflow.fault_log(
        premises=other_premises,
        category=category("other"),
        location="Yard",
        description="Gate",
        reported_by=other_office_manager,
    )
    with pytest.raises(WorkflowError, match="do not have access"):
        workflow.fault_change_priority(
            fault=fault, actor=regional_manager, priority="P1", reason="x"
        )


# --- Escalating by hand, comments, allowed actions ----------------------------------------------


def test_manual_escalation_goes_to_the_next_level(log, office_manager):
    fault = log()
    first = workflow.fault_escalate(
        fault=fault, actor=office_manager, reason="No contact for 2 days"
    )
    second = workflow.fault_escalate(fault=fault, actor=office_manager, reason="Still nothing")
    assert (first.level, second.level) == (1, 2)
    assert not first.automatic
    fault.refresh_from_db()
    assert fault.escalation_level == 2


def test_comment_by_anyone_in_scope(log, contractor_user):
    event = workflow.fault_comment(
        fault=log(), actor=contractor_user, text="Engineer booked for 2pm"
    )
    assert event.kind == EventKind.COMMENT


def test_allowed_actions_per_role(log, office_manager, contractor_user, regional_manager):
    fault = log()
    assert set(workflow.allowed_actions(fault, contractor_user)) == {
        Action.ACKNOWLEDGE,
        Action.ATTEND,
        Action.MAKE_SAFE,
        Action.FIX,
        Action.AWAITING_PARTS,
        Action.REQUEST_HOLD,
        Action.COMMENT,
        Action.CONTRACTOR_REFERENCE,
    }
    assert set(workflow.allowed_actions(fault, office_manager)) == {
        Action.CANCEL,
        Action.HOLD,
        Action.ESCALATE,
        Action.COMMENT,
    }
    assert Action.CHANGE_PRIORITY in workflow.allowed_actions(fault, regional_manager)


def test_timeline_events_cannot_be_changed(log):
    event = log().events.first()
    event.note = "rewritten"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        event.delete()


def test_attending_again_after_a_reopen_keeps_the_first_attendance(
    log, contractor_user, office_manager
):
    fault = log()
    first = TUESDAY_10 + timedelta(hours=1)
    fault = workflow.fault_attend(fault=fault, actor=contractor_user, now=first)
    fault = workflow.fault_fix(fault=fault, actor=contractor_user, note="done", now=first)
    fault = workflow.fault_reopen(fault=fault, actor=office_manager, reason="Leaking again")
    fault = workflow.fault_attend(fault=fault, actor=contractor_user, now=first + timedelta(days=2))
    assert fault.attended_at == first
    assert fault.status == FaultStatus.ATTENDED


def test_reopening_a_p1_fix_does_not_breach_make_safe(log, contractor_user, office_manager):
    fault = log(slug="personal-alarms")
    fixed = TUESDAY_10 + timedelta(hours=1)
    fault = workflow.fault_fix(fault=fault, actor=contractor_user, note="New alarm", now=fixed)
    fault = workflow.fault_reopen(fault=fault, actor=office_manager, reason="Alarm silent")
    assert fault.made_safe_at == fixed
    assert not fault.make_safe_overdue(TUESDAY_10 + timedelta(days=1))


def test_routing_uses_the_london_date(office_manager, premises, region):
    """00:30 BST on 1 June is still 31 May in UTC: the contract starting 1 June applies."""
    from datetime import date

    from tests.factories import ContractFactory

    june = ContractFactory(regions=[region], valid_from=date(2026, 6, 1))
    fault = workflow.fault_log(
        premises=premises,
        category=category("other"),
        location="Hall",
        description="Door closer",
        reported_by=office_manager,
        now=datetime(2026, 5, 31, 23, 30, tzinfo=UTC),
    )
    assert fault.contract == june


def test_resume_does_not_move_the_due_time_of_a_step_already_done(
    log, contractor_user, office_manager
):
    fault = log()
    late = fault.attend_due_at + timedelta(hours=1)
    fault = workflow.fault_attend(fault=fault, actor=contractor_user, now=late)
    attend_due = fault.attend_due_at
    fault = workflow.fault_hold(fault=fault, actor=office_manager, reason="No access", now=late)
    fault = workflow.fault_resume(fault=fault, actor=office_manager, now=late + timedelta(hours=5))
    assert fault.attend_due_at == attend_due
    assert fault.outcomes(late)["attend"].late
    assert fault.fix_due_at == TUESDAY_10 + timedelta(days=3, hours=5)


def test_fixing_a_fault_on_hold_ends_the_hold(log, contractor_user, office_manager):
    fault = workflow.fault_hold(
        fault=log(), actor=office_manager, reason="No access", now=TUESDAY_10
    )
    fault = workflow.fault_fix(
        fault=fault, actor=contractor_user, note="Got in", now=TUESDAY_10 + timedelta(hours=2)
    )
    assert not fault.is_on_hold
    assert fault.paused == timedelta(hours=2)


def test_a_late_fix_is_recorded_as_a_breach_even_before_the_sweep_saw_it(log, contractor_user):
    fault = log()
    late = fault.fix_due_at + timedelta(hours=3)
    fault = workflow.fault_fix(fault=fault, actor=contractor_user, note="Done", now=late)
    assert fault.fix_breached_at == fault.fix_due_at
    assert fault.attend_breached_at == fault.attend_due_at


def test_an_on_time_fix_records_no_breach(log, contractor_user):
    fault = log()
    fault = workflow.fault_fix(
        fault=fault, actor=contractor_user, note="Done", now=TUESDAY_10 + timedelta(hours=1)
    )
    assert fault.fix_breached_at is None
    assert fault.attend_breached_at is None
