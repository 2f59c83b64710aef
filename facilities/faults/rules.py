"""Who may take which step of a fault's life cycle, and from which statuses.

reported → acknowledged → attended → (made safe) → fixed → closed, with reopened (back to
acknowledged) and cancelled. `refusal` says why a person may not take a step now, in words
they can act on; pages, the API and the life cycle itself all ask it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from facilities.access import role_of
from facilities.ladder import TOP_LEVEL
from facilities.models import Fault, FaultStatus, Role, User
from facilities.models.faults import OPEN_STATUSES


class WorkflowError(Exception):
    """A step the rules do not allow. `field` names the input at fault, if one is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Action(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ATTEND = "attend"
    MAKE_SAFE = "make_safe"
    FIX = "fix"
    AWAITING_PARTS = "awaiting_parts"
    REQUEST_HOLD = "request_hold"
    CONFIRM = "confirm"
    REOPEN = "reopen"
    CANCEL = "cancel"
    HOLD = "hold"
    RESUME = "resume"
    DECIDE_HOLD = "decide_hold"
    CHANGE_PRIORITY = "change_priority"
    REASSIGN = "reassign"
    ESCALATE = "escalate"
    COMMENT = "comment"
    CONTRACTOR_REFERENCE = "contractor_reference"


CONTRACTOR_SIDE = frozenset({Role.CONTRACTOR, Role.ADMINISTRATOR})
PREMISES_SIDE = frozenset({Role.OFFICE_MANAGER, Role.CONTRACT_MANAGER, Role.ADMINISTRATOR})
MANAGERS = frozenset({Role.CONTRACT_MANAGER, Role.ADMINISTRATOR})
#: The contractor's job number is theirs to give; a contract manager may correct it when
#: reconciling the contractor's records with this service.
JOB_NUMBER_SETTERS = CONTRACTOR_SIDE | MANAGERS
EVERYONE = frozenset(Role)
OPEN = frozenset(OPEN_STATUSES)
_BEFORE_ATTENDANCE = frozenset({FaultStatus.REPORTED, FaultStatus.ACKNOWLEDGED})
_PREMISES_PEOPLE = "an office manager or contract manager"


@dataclass(frozen=True)
class Rule:
    label: str
    statuses: frozenset[str]
    roles: frozenset[str]
    who: str


RULES: dict[Action, Rule] = {
    Action.ACKNOWLEDGE: Rule(
        "acknowledged", frozenset({FaultStatus.REPORTED}), CONTRACTOR_SIDE, "the contractor"
    ),
    Action.ATTEND: Rule(
        "marked as attended", _BEFORE_ATTENDANCE, CONTRACTOR_SIDE, "the contractor"
    ),
    Action.MAKE_SAFE: Rule(
        "marked as made safe",
        _BEFORE_ATTENDANCE | {FaultStatus.ATTENDED},
        CONTRACTOR_SIDE,
        "the contractor",
    ),
    Action.FIX: Rule("marked as fixed", OPEN, CONTRACTOR_SIDE, "the contractor"),
    Action.AWAITING_PARTS: Rule(
        "marked as awaiting parts", OPEN, CONTRACTOR_SIDE, "the contractor"
    ),
    Action.REQUEST_HOLD: Rule(
        "put on hold at the contractor's request", OPEN, CONTRACTOR_SIDE, "the contractor"
    ),
    Action.CONFIRM: Rule(
        "confirmed as fixed", frozenset({FaultStatus.FIXED}), PREMISES_SIDE, _PREMISES_PEOPLE
    ),
    Action.REOPEN: Rule(
        "reopened",
        frozenset({FaultStatus.FIXED, FaultStatus.CLOSED}),
        PREMISES_SIDE,
        _PREMISES_PEOPLE,
    ),
    Action.CANCEL: Rule("cancelled", OPEN, PREMISES_SIDE, _PREMISES_PEOPLE),
    Action.HOLD: Rule("put on hold", OPEN, PREMISES_SIDE, _PREMISES_PEOPLE),
    Action.RESUME: Rule("taken off hold", OPEN, PREMISES_SIDE, _PREMISES_PEOPLE),
    Action.DECIDE_HOLD: Rule(
        "given a decision on its hold request", OPEN, PREMISES_SIDE, _PREMISES_PEOPLE
    ),
    Action.CHANGE_PRIORITY: Rule("given a new priority", OPEN, MANAGERS, "a contract manager"),
    Action.REASSIGN: Rule("reassigned", OPEN, MANAGERS, "a contract manager"),
    Action.ESCALATE: Rule("escalated", OPEN, PREMISES_SIDE, _PREMISES_PEOPLE),
    Action.COMMENT: Rule("commented on", frozenset(FaultStatus), EVERYONE, "anyone"),
    # At any status: jobs are reconciled after they are closed, too.
    Action.CONTRACTOR_REFERENCE: Rule(
        "given the contractor's job number",
        frozenset(FaultStatus),
        JOB_NUMBER_SETTERS,
        "the contractor or a contract manager",
    ),
}


#: "fixed – awaiting confirmation": each status as a refusal says it (read once, as a list
#: page asks for every fault's allowed steps).
_STATUS_WORDS = {status.value: status.label.lower() for status in FaultStatus}


def refusal(
    fault: Fault, user: User, action: Action, *, hold_requested: bool | None = None
) -> str | None:
    """Why this person may not take this step now, or None if they may.

    `hold_requested` (whether a contractor's hold request awaits a decision) is read from the
    database when not given.
    """
    rule = RULES[action]
    if role_of(user) not in rule.roles:
        return f"Only {rule.who} can record that a fault was {rule.label}."
    if fault.status not in rule.statuses:
        status = _STATUS_WORDS.get(fault.status, fault.status)
        return f"{fault.reference} is {status}, so it cannot be {rule.label}."
    if action in (Action.HOLD, Action.REQUEST_HOLD) and fault.is_on_hold:
        return f"{fault.reference} is already on hold."
    if action == Action.RESUME and not fault.is_on_hold:
        return f"{fault.reference} is not on hold."
    if action in (Action.HOLD, Action.REQUEST_HOLD, Action.DECIDE_HOLD):
        if hold_requested is None:
            hold_requested = (
                fault.pk is not None and fault.holds.filter(status="requested").exists()
            )
        if action == Action.DECIDE_HOLD and not hold_requested:
            return f"{fault.reference} has no hold request awaiting a decision."
        if action != Action.DECIDE_HOLD and hold_requested:
            return f"{fault.reference} already has a hold request awaiting a decision."
    if action == Action.CONTRACTOR_REFERENCE and fault.contractor_id is None:
        return f"{fault.reference} has no contractor yet, so it cannot have their job number."
    if action == Action.ESCALATE and fault.escalation_level >= TOP_LEVEL:
        return f"{fault.reference} is already escalated to the top level."
    return None


def expected_steps(fault: Fault) -> list[Action]:
    """The steps the work expects next, in order; the first a person may take is theirs.

    The contractor's: acknowledge a reported fault, attend, make it safe (when a make-safe
    target applies and it is not made safe yet), fix. Then the premises side confirms the
    fix. Nothing else (a hold, a comment, cancelling) is ever expected.
    """
    if fault.status == FaultStatus.FIXED:
        return [Action.CONFIRM]
    if fault.status not in OPEN_STATUSES:
        return []
    steps = [Action.ACKNOWLEDGE] if fault.status == FaultStatus.REPORTED else []
    if fault.attended_at is None:
        steps.append(Action.ATTEND)
    if fault.make_safe_target_minutes is not None and fault.made_safe_at is None:
        steps.append(Action.MAKE_SAFE)
    return [*steps, Action.FIX]
