"""Loading, locking and saving a fault with its holds, breaches and timeline.

The life cycle's rules work on a `lifecycle.Life` in memory; these functions give the
services in `facilities.faults.workflow` and `facilities.faults.intake` one way to read a fault
into a Life (locked, with the permission checked) and to write back what a step changed.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from facilities import ladder, notifications, sla, webhooks
from facilities.access import can_see_fault
from facilities.escalation.raising import ladder_for
from facilities.models import Fault, FaultEvent, User

from . import lifecycle
from .rules import Action, WorkflowError, refusal


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


def life_of(fault: Fault) -> lifecycle.Life:
    rate = fault.contract.pounds_per_point if fault.contract_id else None
    return lifecycle.Life(
        fault=fault,
        nation=fault.premises.nation,
        holds=list(fault.holds.all()) if fault.pk else [],
        breaches={b.step: b for b in fault.breaches.all()} if fault.pk else {},
        pounds_per_point=rate or 0,
    )


def lock(fault: Fault, actor: User | None, action: Action | None) -> lifecycle.Life:
    locked = (
        Fault.objects.select_for_update(of=("self",))
        .select_related("premises", "category", "contract")
        .get(pk=fault.pk)
    )
    if action is not None and actor is not None:
        if not can_see_fault(actor, locked):
            raise WorkflowError("You do not have access to this fault.")
        reason = refusal(locked, actor, action)
        if reason:
            raise WorkflowError(reason)
    return life_of(locked)


def required(text: str, field: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise WorkflowError(f"Enter {what}", field=field)
    return text


def schedule_next_check(fault: Fault) -> None:
    """Recompute the one 'look at me again at' time the sweep uses (by the fault's ladder)."""
    fault.next_check_at = ladder.next_check_at(
        fault,
        fault.premises.nation,
        fault.category.safety_critical,
        fault.paused.total_seconds() / 60,
        ladder_for(fault),
    )


def save(life: lifecycle.Life) -> Fault:
    """Write what a step changed: the fault, then its holds, breaches and events, and the
    webhooks its events cause (`facilities.webhooks`), all in the step's transaction."""
    fault = life.fault
    schedule_next_check(fault)
    fault.save()
    for hold in life.saved_holds:
        hold.fault = fault
        hold.save()
    for breach in life.saved_breaches:
        breach.fault = fault
        breach.save()
    for event in life.events:
        event.fault = fault
        event.save()
    webhooks.queue_events([(fault, event) for event in life.events])
    life.saved_holds, life.saved_breaches = [], []
    return fault


def targets_for(fault: Fault, priority: str) -> sla.Targets:
    if fault.contract_id:
        return fault.contract.targets_for(priority)
    return sla.DEFAULT_TARGETS[sla.Priority(priority)]


def queue_emails(life: lifecycle.Life, event: FaultEvent, now: datetime) -> None:
    notifications.queue_event_emails(fault=life.fault, event=event, now=now)


def finish(life: lifecycle.Life, event: FaultEvent | None, now: datetime) -> Fault:
    """Save what the step changed, then queue the emails its event causes."""
    save(life)
    if event is not None:
        queue_emails(life, event, now)
    return life.fault
