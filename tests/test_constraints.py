"""Rules the database itself enforces, whatever code writes the rows."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction

from facilities.faults import workflow
from facilities.models import Escalation, Premises
from tests.factories import category

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def fault(office_manager, premises, contract):
    return workflow.fault_log(
        premises=premises,
        category=category("cctv"),
        location="Car park",
        description="Camera 3 offline",
        reported_by=office_manager,
    )


def test_a_fault_reaches_each_escalation_level_only_once(fault):
    now = datetime(2026, 3, 3, tzinfo=UTC)
    Escalation.objects.create(fault=fault, level=2, reason="fix overdue", raised_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(fault=fault, level=2, reason="again", raised_at=now)
    assert Escalation.objects.filter(fault=fault).count() == 1


def test_escalation_levels_run_from_one_to_four(fault):
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(fault=fault, level=5, reason="x", raised_at=datetime.now(UTC))


def test_an_office_cannot_have_beds(region):
    with pytest.raises(IntegrityError), transaction.atomic():
        Premises.objects.create(name="X", code="x", kind="office", region=region, bed_capacity=10)
