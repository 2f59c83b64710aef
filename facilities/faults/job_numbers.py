"""The contractor's own job number on a fault: set, changed or removed, on the timeline.

Contractors run their own job systems; a fault carries their job number so both sides can be
reconciled. It is theirs to give (`rules.Action.CONTRACTOR_REFERENCE`: the contractor, or a
contract manager correcting it), at any status, and unique per contractor: checked here with a
message naming the field, and by the database's partial unique index when two people race for
the same number. `workflow.fault_reassign` clears it, since the number means nothing to the
next contractor.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from facilities.access import can_see_fault
from facilities.models import EventKind, Fault, User

from .rules import Action, WorkflowError
from .store import lock, now_or, save

#: The input (form field, API body) every message about the job number is attached to.
FIELD = "contractor_reference"
MAX_LENGTH = Fault._meta.get_field(FIELD).max_length


def cleaned(text: str | None) -> str:
    """The job number as stored: stripped, one printable line, at most `MAX_LENGTH`."""
    text = (text or "").strip()
    if len(text) > MAX_LENGTH:
        raise WorkflowError(
            f"The contractor's job number must be {MAX_LENGTH} characters or fewer", field=FIELD
        )
    if not text.isprintable():
        raise WorkflowError(
            "The contractor's job number must be on one line, without control characters",
            field=FIELD,
        )
    return text


def _taken(number: str, fault: Fault, actor: User) -> str:
    """Why the number cannot be used, naming the other fault only if the person may see it."""
    other = (
        Fault.objects.filter(contractor_id=fault.contractor_id, contractor_reference=number)
        .exclude(pk=fault.pk)
        .only("pk", "contractor_id")
        .first()
    )
    where = other.reference if other and can_see_fault(actor, other) else "another fault"
    return (
        f"The contractor's job number {number} is already used for {where}: "
        f"enter the job number for {fault.reference}"
    )


@transaction.atomic
def fault_set_contractor_reference(
    *, fault: Fault, actor: User, contractor_reference: str, now: datetime | None = None
) -> Fault:
    """Give the fault the contractor's job number (empty removes it), with a timeline event."""
    now = now_or(now)
    life = lock(fault, actor, Action.CONTRACTOR_REFERENCE)
    fault = life.fault
    number = cleaned(contractor_reference)
    previous = fault.contractor_reference
    if number == previous:
        already = f"already has the job number {number}" if number else "has no job number"
        raise WorkflowError(f"{fault.reference} {already}", field=FIELD)
    if (
        number
        and Fault.objects.filter(contractor_id=fault.contractor_id, contractor_reference=number)
        .exclude(pk=fault.pk)
        .exists()
    ):
        raise WorkflowError(_taken(number, fault, actor), field=FIELD)
    fault.contractor_reference = number
    note = (
        f"Contractor's job number set to {number}"
        if number
        else f"Contractor's job number {previous} removed"
    )
    life.record(
        EventKind.JOB_NUMBER,
        actor.pk,
        now,
        note,
        **{"from": previous or None, "to": number or None},
    )
    try:
        with transaction.atomic():  # a savepoint: the race's loser gets the message, not a 500
            save(life)
    except IntegrityError:
        raise WorkflowError(_taken(number, fault, actor), field=FIELD) from None
    return fault
