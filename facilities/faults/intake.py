"""Logging a new fault: checked, routed to the covering contract, with its due times.

A fault is never refused for want of a contract: with none covering its premises and
category it is saved unrouted, for a contract manager to assign.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from facilities import sla
from facilities.access import premises_visible_to
from facilities.models import Category, Fault, Premises, Role, User
from facilities.models.faults import OPEN_STATUSES
from facilities.routing import covering_contract

from . import lifecycle
from .rules import MANAGERS, WorkflowError, role_of
from .store import life_of, now_or, queue_emails, required, save


def beds_available_to_take(premises: Premises, exclude: Fault | None = None) -> int:
    """Beds at an approved premises not already out of use through open faults."""
    if not premises.is_approved_premises:
        return 0
    taken = Fault.objects.filter(premises=premises, status__in=OPEN_STATUSES, beds_out_of_use__gt=0)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    out = taken.aggregate(total=Sum("beds_out_of_use"))["total"] or 0
    return max(premises.bed_capacity - out, 0)


def category_refusal(category: Category, premises: Premises) -> str:
    """Why this kind of fault cannot be logged at these premises, in words to act on."""
    return (
        f"{category.name} faults can only be logged at "
        f"{'approved premises' if category.for_approved_premises else 'probation offices'}: "
        f"choose another kind of fault for {premises.name}"
    )


def _check_beds(premises: Premises, beds: int) -> int:
    beds = int(beds or 0)
    if beds < 0:
        raise WorkflowError("Beds out of use cannot be negative.", field="beds_out_of_use")
    if beds and not premises.is_approved_premises:
        raise WorkflowError(
            "Beds can only be out of use at an approved premises.", field="beds_out_of_use"
        )
    if beds:
        Premises.objects.select_for_update().filter(pk=premises.pk).first()
        free = beds_available_to_take(premises)
        if beds > free:
            raise WorkflowError(
                f"Beds out of use must be {free} or fewer: {premises.name} has "
                f"{premises.bed_capacity} beds and {premises.bed_capacity - free} "
                "are already out of use.",
                field="beds_out_of_use",
            )
    return beds


def _check_priority(category: Category, role: str, priority: str | None, reason: str) -> str:
    chosen = priority or category.default_priority
    if category.safety_critical:
        if priority and priority != "P1":
            if role not in MANAGERS:
                raise WorkflowError(
                    f"{category.name} faults are safety-critical and are logged at P1; "
                    "only a contract manager can lower that.",
                    field="priority",
                )
            required(reason, "priority_reason", "why a safety-critical fault is not P1")
        else:
            chosen = "P1"
    elif priority and role not in MANAGERS and priority != category.default_priority:
        raise WorkflowError("Only a contract manager can choose the priority.", field="priority")
    if chosen not in sla.Priority.__members__:
        raise WorkflowError("Choose a priority from P1 to P4.", field="priority")
    return chosen


@transaction.atomic
def fault_log(
    *,
    premises: Premises,
    category: Category,
    location: str,
    description: str,
    reported_by: User,
    beds_out_of_use: int = 0,
    priority: str | None = None,
    priority_reason: str = "",
    repeat_of: Fault | None = None,
    now: datetime | None = None,
) -> Fault:
    """Save a new fault, route it to the covering contract and set its due times.

    With no covering contract the fault is still saved, flagged unrouted, for a
    contract manager to assign: a fault is never rejected for want of a contract.
    """
    now = now_or(now)
    role = role_of(reported_by)
    if (
        role == Role.CONTRACTOR
        or not premises_visible_to(reported_by).filter(pk=premises.pk).exists()
    ):
        raise WorkflowError("You cannot log faults at this premises.", field="premises")
    location = required(location, "location", "where in the building the fault is")
    description = required(description, "description", "a description of the fault")
    if not category.is_active:
        raise WorkflowError("Choose a category that is in use.", field="category")
    if not category.applies_to(premises.kind):
        raise WorkflowError(category_refusal(category, premises), field="category")
    if repeat_of is not None and repeat_of.premises_id != premises.pk:
        raise WorkflowError("A repeat must be of a fault at the same premises.", field="repeat_of")
    beds = _check_beds(premises, beds_out_of_use)
    chosen = _check_priority(category, role, priority, priority_reason)
    contract = covering_contract(premises, category, timezone.localdate(now))
    fault = Fault(
        premises=premises,
        category=category,
        priority=chosen,
        location=location,
        description=description,
        beds_out_of_use=beds,
        reported_by=reported_by,
        reported_at=now,
        contract=contract,
        contractor=contract.contractor if contract else None,
        repeat_of=repeat_of,
    )
    life = life_of(fault)
    logged = lifecycle.log(
        life,
        contract.targets_for(chosen) if contract else sla.DEFAULT_TARGETS[sla.Priority(chosen)],
        reported_by.pk,
        now,
        contract=contract,
        priority_reason=priority_reason,
    )
    save(life)
    queue_emails(life, logged, now)
    return fault
