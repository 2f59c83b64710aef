"""The shortcuts that keep the sweep near its SQL floor (issue 13 item 3) change nothing it
writes: rows built without `Model.__init__` are the rows `__init__` builds, faults read as
plain rows are swept as model instances are, and the queries depend on the faults due, never
on how many other faults are open."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from facilities.escalation import sweep
from facilities.escalation.raising import new_escalation, new_event
from facilities.faults import workflow
from facilities.models import Escalation, EventKind, FaultEvent
from tests.factories import category

pytestmark = pytest.mark.django_db

LOGGED = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # Tuesday; P2: attend 4 h, fix 72 h
HOUR = timedelta(hours=1)


@pytest.fixture
def log(office_manager, premises, contract):
    def _log(at=LOGGED):
        return workflow.fault_log(
            premises=premises,
            category=category("plumbing-water"),
            location="Ground floor",
            description="Cistern overflowing",
            reported_by=office_manager,
            now=at,
        )

    return _log


def columns(row) -> dict:
    return {name: value for name, value in row.__dict__.items() if name != "_state"}


@pytest.mark.parametrize("by", [None, "office_manager"])
def test_rows_built_for_the_sweep_are_the_rows_init_builds(request, by):
    actor = request.getfixturevalue(by) if by else None
    values = {"fault_id": 7, "kind": EventKind.ESCALATED, "at": LOGGED, "note": "Late."}
    built, made = new_event({"actor": actor}, **values), FaultEvent(actor=actor, **values)
    assert columns(built) == columns(made)
    assert built.actor == made.actor
    assert built.details == {}
    assert built.details is not new_event(**values).details
    values = {"fault_id": 7, "level": 2, "reason": "Late.", "raised_at": LOGGED}
    built, made = (
        new_escalation({"raised_by": actor}, **values),
        Escalation(raised_by=actor, **values),
    )
    assert columns(built) == columns(made)
    assert built._state.adding
    assert built.raised_by == actor


def test_queries_do_not_depend_on_the_open_faults_not_due(log):
    def queries_for(due: int, not_due: int, logged: datetime) -> int:
        for _ in range(due):
            log(at=logged)
        for _ in range(not_due):
            log(at=logged + 3 * HOUR)  # attendance due an hour after the sweep
        with CaptureQueriesContext(connection) as captured:
            result = sweep.sweep(now=logged + 4 * HOUR)
        assert result.checked == due
        return len(captured.captured_queries)

    assert queries_for(3, 0, LOGGED) == queries_for(3, 30, LOGGED + 24 * HOUR)


def test_a_swept_fault_reads_any_other_field_when_asked(log):
    """Faults are read with just what checking them needs; anything else still reads."""
    fault = log()
    (read,) = sweep._due_batch(LOGGED + 5 * HOUR, 10)
    assert read.pk == fault.pk
    assert not read._state.adding
    assert read.description == "Cistern overflowing"  # not among CHECKED_FIELDS
    assert read.premises.pk == fault.premises_id
    assert read.category.pk == fault.category_id
