"""The database twin of the lateness rule gives the Python rule's answers, fault for fault.

Hypothesis writes random life stories — holds set by the premises, contractor requests
approved or refused, reopenings, priority changes (across clocks), steps done at night, at
weekends, on bank holidays and across the clock changes — and drives each through the real
workflow. Then, at a random `now`, every step of every fault is classified twice: by
`deadlines.outcomes` in Python and by the `lateness` expressions in the database. They must
agree, and the due times stored for steps still to do must be what the rule computes afresh
from the hold intervals.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import BooleanField, Case, Value, When
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilities import deadlines, lateness
from facilities.deadlines import State
from facilities.faults import workflow
from facilities.faults.workflow import WorkflowError
from facilities.models import EventKind, Fault, FaultEvent
from facilities.models.holds import intervals
from tests.factories import category

pytestmark = pytest.mark.django_db

SLUGS = ["cctv", "lifts", "pest-control", "other", "plumbing-water", "heating-hot-water"]
MOVES = [
    "acknowledge", "attend", "make_safe", "fix", "hold", "resume", "request_hold",
    "approve", "refuse", "reopen", "confirm", "priority", "cancel", "parts",
]  # fmt: skip
#: From late 2025 to late 2026: two clock changes each way, Christmas and Easter bank holidays.
FIRST = datetime(2025, 10, 20, tzinfo=UTC)

story = st.tuples(
    st.sampled_from(SLUGS),
    st.integers(0, 400 * 24 * 60),  # logged at: minutes after FIRST
    st.lists(
        st.tuples(st.sampled_from(MOVES), st.integers(1, 6 * 24 * 60), st.sampled_from("1234")),
        max_size=9,
    ),
)


def _move(fault, move, now, people, priority):
    office, contractor, manager = people
    match move:
        case "acknowledge":
            return workflow.fault_acknowledge(fault=fault, actor=contractor, now=now)
        case "attend":
            return workflow.fault_attend(fault=fault, actor=contractor, now=now)
        case "make_safe":
            return workflow.fault_make_safe(fault=fault, actor=contractor, note="Safe", now=now)
        case "fix":
            return workflow.fault_fix(fault=fault, actor=contractor, note="Fixed", now=now)
        case "parts":
            return workflow.fault_awaiting_parts(
                fault=fault, actor=contractor, note="Pump", now=now
            )
        case "hold":
            return workflow.fault_hold(fault=fault, actor=office, reason="No access", now=now)
        case "resume":
            return workflow.fault_resume(fault=fault, actor=office, now=now)
        case "request_hold":
            return workflow.fault_request_hold(
                fault=fault, actor=contractor, note="Locked", now=now
            )
        case "approve" | "refuse":
            workflow.fault_decide_hold(
                fault=fault, actor=office, approve=move == "approve", note="Checked", now=now
            )
            return Fault.objects.get(pk=fault.pk)
        case "reopen":
            return workflow.fault_reopen(fault=fault, actor=office, reason="Leaks", now=now)
        case "confirm":
            return workflow.fault_confirm(fault=fault, actor=office, now=now)
        case "priority":
            return workflow.fault_change_priority(
                fault=fault, actor=manager, priority=f"P{priority}", reason="Review", now=now
            )
        case "cancel":
            return workflow.fault_cancel(fault=fault, actor=office, reason="Duplicate", now=now)


def _db_states(ids, now):
    """Each step's state as the database twin classifies it."""
    flags = {}
    for step in deadlines.STEPS:
        flags[f"{step}_late"] = lateness.late(step)
        flags[f"{step}_on_time"] = lateness.on_time(step)
        flags[f"{step}_overdue"] = lateness.overdue(now) & lateness.unmet_by(step, now)
    annotations = {
        name: Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())
        for name, q in flags.items()
    }
    rows = Fault.objects.filter(pk__in=ids).annotate(
        **annotations, first_unmet=lateness.first_unmet_deadline()
    )
    return {row.pk: row for row in rows}


# As many examples as the profile gives (tests/conftest.py: 25 in `make test` and CI, each
# 6-14 faults, so some 250 random lives a run, new ones every run; 250 examples with
# --hypothesis-profile=thorough). The fixtures are made once for all the examples: each
# example's faults are its own (`ids`), whatever earlier examples left in the database.
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stories=st.lists(story, min_size=6, max_size=14), look=st.integers(0, 20 * 24 * 60))
def test_python_rule_and_database_twin_agree(
    stories, look, premises, contract, office_manager, contractor_user, national_manager
):
    people = (office_manager, contractor_user, national_manager)
    ids, latest, clock_changed = [], FIRST, {}
    for slug, offset, moves in stories:
        now = FIRST + timedelta(minutes=offset)
        fault = workflow.fault_log(
            premises=premises,
            category=category(slug),
            location="Room 1",
            description="Broken",
            reported_by=office_manager,
            now=now,
        )
        clocks = {fault.clock}
        for move, gap, priority in moves:
            now += timedelta(minutes=gap)
            try:
                fault = _move(fault, move, now, people, priority)
            except WorkflowError:
                continue
            clocks.add(fault.clock)
        ids.append(fault.pk)
        clock_changed[fault.pk] = len(clocks) > 1
        latest = max(latest, now)

    now = latest + timedelta(minutes=look)
    in_db = _db_states(ids, now)
    for fault in Fault.objects.filter(pk__in=ids).select_related("premises"):
        holds = list(fault.holds.all())
        python = deadlines.outcomes(fault, fault.premises.nation, intervals(holds), now)
        fresh = deadlines.outcomes(
            fault, fault.premises.nation, intervals(holds), now, stored=False
        )
        row = in_db[fault.pk]
        unmet = []
        for step, outcome in python.items():
            assert getattr(row, f"{step}_late") == (outcome.state is State.LATE), (step, fault)
            assert getattr(row, f"{step}_on_time") == (outcome.state is State.ON_TIME), step
            overdue = outcome.state is State.OVERDUE and fault.is_open
            assert getattr(row, f"{step}_overdue") == overdue, (step, fault.status)
            stored_due = getattr(fault, f"{step}_due_at")
            if outcome.state is not State.NO_TARGET and not outcome.state.done:
                unmet.append(stored_due)
                if not fault.is_on_hold:
                    assert stored_due == fresh[step].due_at, (step, "pending due time")
            elif outcome.state.done and not clock_changed[fault.pk]:
                assert stored_due == fresh[step].due_at, (step, "judged due time")
        first = min(unmet, default=lateness.NEVER)
        assert row.first_unmet == first


def test_every_late_step_has_one_breach_and_every_breach_a_late_step(
    premises, contract, office_manager, contractor_user
):
    """A sanity companion: breaches are exactly the late steps, recorded once."""
    start = datetime(2026, 3, 27, 16, tzinfo=UTC)  # a Friday before the clocks go forward
    fault = workflow.fault_log(
        premises=premises,
        category=category("pest-control"),
        location="Kitchen",
        description="Mice",
        reported_by=office_manager,
        now=start,
    )
    fault = workflow.fault_fix(
        fault=fault, actor=contractor_user, note="Traps", now=start + timedelta(days=40)
    )
    outcomes = fault.outcomes(start + timedelta(days=41))
    late = {s for s, o in outcomes.items() if o.state is State.LATE}
    assert late == set(fault.breaches.values_list("step", flat=True)) == {"attend", "fix"}
    assert FaultEvent.objects.filter(fault=fault, kind=EventKind.FIXED).get().details == {
        "on_time": False
    }
