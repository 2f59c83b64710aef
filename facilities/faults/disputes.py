"""Disputes: a contractor challenges a breach; a contract manager accepts or rejects it.

An accepted dispute waives the breach (it stays on record, with the reason, and reports show
figures before and after waivers); a rejected one leaves it standing. Each move is one
transaction with its timeline event and its emails through the outbox.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from facilities import notifications, webhooks
from facilities.access import can_see_fault
from facilities.deadlines import STEP_NAMES
from facilities.models import (
    Breach,
    BreachDispute,
    DisputeStatus,
    EventKind,
    FaultEvent,
    Role,
    User,
)

from .rules import WorkflowError, role_of
from .store import required


def dispute_refusal(breach: Breach, user: User) -> str | None:
    """Why this person may not dispute this breach now, or None if they may."""
    role = role_of(user)
    if role not in (Role.CONTRACTOR, Role.ADMINISTRATOR):
        return "Only the contractor can dispute a breach."
    if role == Role.CONTRACTOR and user.contractor_id != breach.contractor_id:
        return "Only the contractor the breach is charged to can dispute it."
    if breach.is_waived:
        return "This breach has already been waived."
    if breach.disputes.filter(status=DisputeStatus.OPEN).exists():
        return "This breach already has a dispute awaiting a decision."
    return None


def decision_refusal(dispute: BreachDispute, user: User) -> str | None:
    if role_of(user) not in (Role.CONTRACT_MANAGER, Role.ADMINISTRATOR):
        return "Only a contract manager can decide a dispute."
    if dispute.status != DisputeStatus.OPEN:
        return "This dispute has already been decided."
    return None


def _event(breach: Breach, kind: str, actor: User, now: datetime, note: str, **details):
    event = FaultEvent.objects.create(
        fault=breach.fault,
        kind=kind,
        actor=actor,
        at=now,
        note=note,
        details={"step": breach.step, "breach": breach.pk, **details},
    )
    notifications.queue_event_emails(fault=breach.fault, event=event, now=now)
    webhooks.queue_events([(breach.fault, event)])
    return event


@transaction.atomic
def breach_dispute(
    *, breach: Breach, actor: User, reason: str, now: datetime | None = None
) -> BreachDispute:
    """The contractor says a breach should not count, and why."""
    now = now or timezone.now()
    breach = Breach.objects.select_for_update().select_related("fault__premises").get(pk=breach.pk)
    if not can_see_fault(actor, breach.fault):
        raise WorkflowError("You do not have access to this fault.")
    refused = dispute_refusal(breach, actor)
    if refused:
        raise WorkflowError(refused)
    reason = required(reason, "reason", "why the breach should not count")
    dispute = BreachDispute.objects.create(
        breach=breach, reason=reason, raised_by=actor, raised_at=now
    )
    _event(breach, EventKind.DISPUTED, actor, now, reason, dispute=dispute.pk)
    return dispute


@transaction.atomic
def dispute_decide(
    *,
    dispute: BreachDispute,
    actor: User,
    accept: bool,
    reason: str,
    now: datetime | None = None,
) -> BreachDispute:
    """Accept (the breach is waived, with the reason) or reject a dispute."""
    now = now or timezone.now()
    dispute = (
        BreachDispute.objects.select_for_update()
        .select_related("breach__fault__premises")
        .get(pk=dispute.pk)
    )
    breach = dispute.breach
    if not can_see_fault(actor, breach.fault):
        raise WorkflowError("You do not have access to this fault.")
    refused = decision_refusal(dispute, actor)
    if refused:
        raise WorkflowError(refused)
    reason = required(reason, "reason", "the reason for your decision")
    dispute.status = DisputeStatus.ACCEPTED if accept else DisputeStatus.REJECTED
    dispute.decided_by, dispute.decided_at, dispute.decision_reason = actor, now, reason
    dispute.save()
    if accept:
        breach.waived_at, breach.waived_reason = now, reason
        breach.save(update_fields=["waived_at", "waived_reason"])
    kind = EventKind.DISPUTE_ACCEPTED if accept else EventKind.DISPUTE_REJECTED
    _event(breach, kind, actor, now, reason, dispute=dispute.pk, step_name=STEP_NAMES[breach.step])
    return dispute
