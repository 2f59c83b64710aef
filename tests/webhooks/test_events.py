"""Which changes become webhooks, to whom, with what payload, in the change's transaction."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from celery import current_app
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from facilities.escalation import sweep
from facilities.faults import disputes, workflow
from facilities.models import Breach, Fault, FaultEvent, WebhookDelivery, WebhookStatus
from facilities.webhooks import outbox
from tests.webhooks.conftest import endpoint_for

pytestmark = pytest.mark.django_db

ALL_TYPES = {
    "fault.routed",
    "fault.reopened",
    "fault.escalated",
    "fault.priority_changed",
    "dispute.decided",
}


def outbox_message(delivery: WebhookDelivery) -> dict:
    return json.loads(delivery.body)


def name(user) -> str:
    return f"{user.first_name} {user.last_name}"


def sent(endpoint) -> list[str]:
    return list(endpoint.deliveries.order_by("pk").values_list("event_type", flat=True))


@pytest.fixture
def bystanders(contractor, other_endpoint, receiver):
    """Endpoints that must never get these messages: the contractor's inactive one and one
    that wants only disputes, and (`other_endpoint`) another contractor's."""
    inactive = endpoint_for(contractor, receiver, active=False)
    disputes_only = endpoint_for(contractor, receiver, event_types=["dispute.decided"])
    return inactive, disputes_only, other_endpoint


def assert_none_to(bystanders, *, except_disputes: bool = False) -> None:
    inactive, disputes_only, other = bystanders
    assert sent(inactive) == []
    assert sent(other) == []
    assert sent(disputes_only) == (["dispute.decided"] if except_disputes else [])


def test_a_new_endpoint_wants_every_event_type(endpoint):
    assert set(endpoint.event_types) == ALL_TYPES
    assert endpoint.secret.startswith("whsec_")


def test_logging_a_routed_fault_sends_fault_routed_to_its_contractor_only(
    log, endpoint, bystanders
):
    fault = log()
    assert sent(endpoint) == ["fault.routed"]
    assert_none_to(bystanders)
    (delivery,) = endpoint.deliveries.all()
    assert delivery.status == WebhookStatus.PENDING
    assert delivery.msg_id.startswith("msg_")
    assert len(delivery.msg_id) > 20
    message = outbox_message(delivery)
    assert message["type"] == "fault.routed"
    data = message["data"]
    assert data["fault"]["reference"] == f"FLT-{fault.pk:06d}"
    assert data["fault"]["id"] == fault.pk
    assert data["fault"]["url"].endswith(f"/api/v1/faults/{fault.pk}/")
    assert data["fault"]["premises"] == {"id": fault.premises_id, "name": fault.premises.name}
    assert data["fault"]["category"] == {"id": fault.category_id, "name": "Plumbing and water"}
    assert (data["fault"]["priority"], data["fault"]["status"]) == ("P2", "reported")
    # P2 is attend within 4 hours and fix within 72, on the calendar clock.
    reported = datetime.fromisoformat(data["fault"]["reported_at"])
    assert datetime.fromisoformat(data["fault"]["attend_due_at"]) == reported + timedelta(hours=4)
    assert datetime.fromisoformat(data["fault"]["fix_due_at"]) == reported + timedelta(hours=72)
    assert data["event"]["kind"] == "routed"
    assert data["event"]["details"] == {
        "contractor": "North Facilities Ltd",
        "contract": "MOJ-NE-001",
    }


def test_an_unrouted_fault_sends_nothing(log, other_premises, other_office_manager, endpoint):
    other_premises.contracts.clear()
    log("lifts", where=other_premises, who=other_office_manager)
    assert WebhookDelivery.objects.count() == 0


def test_reassigning_sends_fault_routed_to_the_new_contractor_only(
    log, endpoint, other_endpoint, other_contractor, regional_manager
):
    fault = log()
    workflow.fault_reassign(
        fault=fault, actor=regional_manager, contractor=other_contractor, reason="Specialist"
    )
    assert sent(endpoint) == ["fault.routed"]  # from the logging only
    assert sent(other_endpoint) == ["fault.routed"]
    message = outbox_message(other_endpoint.deliveries.get())
    assert message["data"]["event"]["kind"] == "reassigned"
    assert message["data"]["event"]["details"]["to"] == other_contractor.name
    assert message["data"]["event"]["actor"] == name(regional_manager)


def test_reopening_sends_fault_reopened(log, endpoint, bystanders, contractor_user, office_manager):
    fault = workflow.fault_fix(fault=log(), actor=contractor_user, note="New valve")
    assert sent(endpoint) == ["fault.routed"]  # a fix is not sent
    workflow.fault_reopen(fault=fault, actor=office_manager, reason="Still leaking")
    assert sent(endpoint) == ["fault.routed", "fault.reopened"]
    assert_none_to(bystanders)
    message = outbox_message(endpoint.deliveries.get(event_type="fault.reopened"))
    assert message["data"]["fault"]["status"] == "acknowledged"
    assert message["data"]["event"]["note"] == "Still leaking"


def test_a_manual_escalation_sends_fault_escalated(log, endpoint, bystanders, office_manager):
    fault = log()
    workflow.fault_escalate(fault=fault, actor=office_manager, reason="Flooding the kitchen")
    assert sent(endpoint) == ["fault.routed", "fault.escalated"]
    assert_none_to(bystanders)
    message = outbox_message(endpoint.deliveries.get(event_type="fault.escalated"))
    assert message["data"]["event"]["details"] == {"level": 1, "automatic": False}
    assert message["data"]["event"]["actor"] == name(office_manager)


LOGGED = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # a Tuesday; P2 attend within 4 hours


def test_the_sweep_sends_fault_escalated_for_each_level_it_raises(log, endpoint, bystanders):
    fault = log(at=LOGGED)
    sweep.sweep(now=LOGGED + timedelta(hours=4, minutes=1))
    assert sent(endpoint) == ["fault.routed", "fault.escalated"]
    message = outbox_message(endpoint.deliveries.get(event_type="fault.escalated"))
    assert message["data"]["event"]["details"] == {"level": 1, "automatic": True}
    assert message["data"]["event"]["actor"] is None
    assert message["data"]["fault"]["priority"] == "P2"
    assert message["timestamp"] == "2026-03-03T14:01:00Z"
    # Ten minutes later nothing new is due: no second message.
    sweep.sweep(now=LOGGED + timedelta(hours=4, minutes=11))
    assert sent(endpoint) == ["fault.routed", "fault.escalated"]
    assert_none_to(bystanders)
    assert fault.escalations.count() == 1


def test_a_priority_change_sends_fault_priority_changed(
    log, endpoint, bystanders, regional_manager
):
    fault = log()
    workflow.fault_change_priority(
        fault=fault, actor=regional_manager, priority="P1", reason="Only toilet"
    )
    assert sent(endpoint) == ["fault.routed", "fault.priority_changed"]
    assert_none_to(bystanders)
    details = outbox_message(endpoint.deliveries.get(event_type="fault.priority_changed"))
    assert details["data"]["event"]["details"]["from"] == "P2"
    assert details["data"]["event"]["details"]["to"] == "P1"
    assert details["data"]["fault"]["priority"] == "P1"


def test_a_safety_critical_fault_logged_below_p1_is_one_routed_message(
    log, endpoint, regional_manager
):
    fault = log("personal-alarms", who=regional_manager, priority="P2", priority_reason="Spare")
    assert fault.events.filter(kind="priority_changed").exists()
    assert sent(endpoint) == ["fault.routed"]


def test_a_dispute_decision_sends_dispute_decided(
    log, endpoint, bystanders, contractor_user, regional_manager
):
    now = timezone.now()
    fault = log(at=now - timedelta(days=2))
    workflow.fault_attend(fault=fault, actor=contractor_user, now=now - timedelta(days=1))
    breach = Breach.objects.get(fault=fault)
    dispute = disputes.breach_dispute(breach=breach, actor=contractor_user, reason="Traffic")
    assert sent(endpoint) == ["fault.routed"]  # raising a dispute is the contractor's own act
    disputes.dispute_decide(
        dispute=dispute, actor=regional_manager, accept=True, reason="Road closed"
    )
    assert sent(endpoint) == ["fault.routed", "dispute.decided"]
    assert_none_to(bystanders, except_disputes=True)
    message = outbox_message(endpoint.deliveries.get(event_type="dispute.decided"))
    assert message["data"]["event"]["kind"] == "dispute_accepted"
    assert message["data"]["event"]["details"]["dispute"] == dispute.pk
    assert message["data"]["event"]["note"] == "Road closed"


def test_the_same_message_goes_to_each_endpoint_with_the_same_id_and_body(
    log, endpoint, contractor, other_receiver
):
    second = endpoint_for(contractor, other_receiver)
    log()
    (first_row,) = endpoint.deliveries.all()
    (second_row,) = second.deliveries.all()
    assert first_row.msg_id == second_row.msg_id
    assert first_row.body == second_row.body


# --- The change's own transaction ---------------------------------------------------------


def test_the_delivery_is_written_in_the_steps_transaction_and_rolls_back_with_it(
    log, endpoint, contractor_user, office_manager, django_capture_on_commit_callbacks
):
    fault = workflow.fault_fix(fault=log(), actor=contractor_user, note="New valve")
    before = WebhookDelivery.objects.count()
    seen_inside = {}

    @transaction.atomic
    def reopen_then_fail():
        workflow.fault_reopen(fault=fault, actor=office_manager, reason="Still leaking")
        # Inside the step's transaction: the event and its delivery are both there.
        seen_inside["events"] = FaultEvent.objects.filter(fault=fault, kind="reopened").count()
        seen_inside["deliveries"] = endpoint.deliveries.filter(event_type="fault.reopened").count()
        raise RuntimeError("the request failed after the step")

    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(RuntimeError, match="failed after the step"),
    ):
        reopen_then_fail()
    assert seen_inside == {"events": 1, "deliveries": 1}
    assert WebhookDelivery.objects.count() == before
    assert not FaultEvent.objects.filter(fault=fault, kind="reopened").exists()
    assert callbacks == []  # nothing queued for a worker either


def test_a_refused_step_writes_no_delivery(log, endpoint, office_manager):
    fault = log()
    with pytest.raises(workflow.WorkflowError):
        workflow.fault_reopen(fault=fault, actor=office_manager, reason="Not fixed yet")
    assert sent(endpoint) == ["fault.routed"]


def test_deliveries_are_queued_by_task_name_only_after_commit(
    log, endpoint, receiver, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        log()
    (delivery,) = endpoint.deliveries.all()
    assert receiver.received == []  # nothing sent before the commit
    for callback in callbacks:
        callback()
    delivery.refresh_from_db()
    assert delivery.status == WebhookStatus.DELIVERED
    (request,) = receiver.received
    assert request.headers["webhook-id"] == delivery.msg_id
    assert request.verified_by == [endpoint.secret]


def test_a_broker_that_is_down_keeps_the_fault_and_its_pending_delivery_and_warns(
    log, endpoint, caplog, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to localhost:6379. Connection refused.")

    monkeypatch.setattr(current_app.tasks[outbox.TASK], "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        fault = log()
    assert Fault.objects.filter(pk=fault.pk).exists()
    assert endpoint.deliveries.get().status == WebhookStatus.PENDING
    assert "re-dispatch will send them" in caplog.text
