"""One fault's life played forward in time, through the real life cycle and the real sweep.

A `Player` holds a `lifecycle.Life` and the time reached so far. The history generator tells
it to take a step at some moment; the player first lets the sweep
(`facilities.escalation.sweep.check_fault`) look at the fault each time it falls due before
then, exactly as the sweep would have, and then takes the step with the very function
`facilities.faults.workflow` calls (`lifecycle.attend`, `lifecycle.hold`,
`escalation.raising.raise_levels`...), after asking `rules.refusal` whether that person may
take it. After each step the next check is set as `store.schedule_next_check` sets it. So due
times, holds, breaches, reopening, the at-risk warning and the ladder come from the live
rules; nothing here decides any of them. The sweep's emails are dropped: history sends none.

What is left here is bookkeeping the workflow does around the life cycle (a reassignment, a
comment) and the breach disputes, kept as `facilities.faults.disputes` records them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from facilities import ladder, notifications, sla
from facilities.deadlines import STEP_NAMES
from facilities.escalation.raising import Writes, raise_levels
from facilities.escalation.sweep import check_fault
from facilities.faults import lifecycle
from facilities.faults.disputes import decision_refusal
from facilities.faults.rules import Action, refusal
from facilities.models import (
    Breach,
    BreachDispute,
    Contractor,
    DisputeStatus,
    Escalation,
    EventKind,
    HoldStatus,
    User,
)


class Record:
    """A timeline event until it is written: a FaultEvent's columns, without the model.

    A history has millions of them; a plain object costs a small part of a model instance.
    """

    __slots__ = ("actor_id", "at", "details", "fault_id", "kind", "note")

    def __init__(self, kind: str, actor_id: int | None, at: datetime, note: str, details: dict):
        self.fault_id = None  # set when the fault is written
        self.kind = kind
        self.actor_id = actor_id
        self.at = at
        self.note = note
        self.details = details


class DemoLife(lifecycle.Life):
    """A `Life` whose events are `Record`s; every rule is the life cycle's own."""

    def record(self, kind, actor_id, at, note="", **details):  # type: ignore[override]
        event = Record(kind, actor_id, at, note, details)
        self.events.append(event)
        return event


class Refused(Exception):
    """The generator asked for a step the rules refuse: a bug in the generator."""


#: The steps whose refusal depends on whether a hold request awaits a decision.
_HOLDS = frozenset({Action.HOLD, Action.REQUEST_HOLD, Action.DECIDE_HOLD})
#: Steps after which the next check cannot move (nothing the sweep reads changes).
_NEUTRAL = frozenset(
    {lifecycle.acknowledge, lifecycle.awaiting_parts, lifecycle.request_hold, lifecycle.confirm}
)


@dataclass
class Player:
    life: DemoLife
    rng: random.Random  # the choices in this fault's life (`script`)
    now: datetime
    steps: tuple[ladder.Step, ...]  # the fault's resolved ladder
    people: notifications.People
    users: dict[int, User]
    escalations: list[Escalation] = field(default_factory=list)
    disputes: list[BreachDispute] = field(default_factory=list)
    #: Dispute events with the breach and dispute whose ids they name once written.
    links: list[tuple[Record, Breach, BreachDispute]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.fault = self.life.fault
        self.nation = self.life.nation
        self.safety = self.fault.category.safety_critical
        self.last = self.fault.reported_at
        self._writes = Writes()

    # --- Time ---------------------------------------------------------------------------------

    def advance(self, when: datetime) -> datetime | None:
        """Let the sweep run until `when`; the next step then happens there (None: after now)."""
        if when.microsecond:
            when = when.replace(microsecond=0)
        when = max(when, self.last)
        if when > self.now:
            return None
        self._sweep(when, inclusive=False)
        self.last = when
        return when

    def finish(self) -> None:
        """Let the sweep run until now."""
        self._sweep(self.now, inclusive=True)

    def _sweep(self, until: datetime, *, inclusive: bool) -> None:
        fault, writes = self.fault, self._writes
        while (due := fault.next_check_at) is not None:
            at = max(due, self.last)
            if at > until or (at == until and not inclusive):
                return
            check_fault(fault, writes, now=at, steps=self.steps, people=self.people)
            self._collect()

    def _collect(self) -> None:
        writes = self._writes
        self.life.events += writes.events
        self.escalations += writes.escalations
        writes.events, writes.escalations, writes.emails = [], [], []

    def at(self, start: datetime, minutes: float) -> datetime:
        """`minutes` of the fault's own clock after `start`."""
        return sla.due_at(start, max(minutes, 0), self.fault.clock, self.nation)

    # --- Steps --------------------------------------------------------------------------------

    def _refusal(self, action: Action, actor_id: int) -> str | None:
        """`rules.refusal`, told whether a hold request awaits a decision (when it asks)."""
        requested = action in _HOLDS and any(
            h.status == HoldStatus.REQUESTED and h.ended_at is None for h in self.life.holds
        )
        return refusal(self.fault, self.users[actor_id], action, hold_requested=requested)

    def may(self, action: Action, actor_id: int) -> bool:
        return self._refusal(action, actor_id) is None

    def _check(self, action: Action, actor_id: int) -> None:
        refused = self._refusal(action, actor_id)
        if refused:
            raise Refused(refused)

    def schedule(self) -> None:
        """The next check, as `store.schedule_next_check` sets it after every step."""
        fault = self.fault
        fault.next_check_at = ladder.next_check_at(
            fault, self.nation, self.safety, fault.paused_minutes, self.steps
        )

    def step(self, action: Action, apply: Callable, actor_id: int, at: datetime, *args, **kw):
        """Take one life-cycle step (`lifecycle.<apply>`) as `workflow` does, if allowed."""
        self._check(action, actor_id)
        result = apply(self.life, actor_id, at, *args, **kw)
        if apply not in _NEUTRAL:
            self.schedule()
        return result

    def log(self, targets: sla.Targets, reporter_id: int, contract) -> None:
        lifecycle.log(self.life, targets, reporter_id, self.fault.reported_at, contract=contract)
        self.schedule()

    def reassign(self, actor_id: int, at: datetime, contractor: Contractor, reason: str) -> None:
        """As `faults.workflow.fault_reassign` records it (no contract covers it, so none)."""
        self._check(Action.REASSIGN, actor_id)
        fault = self.fault
        previous = str(fault.contractor) if fault.contractor_id else None
        fault.contractor, fault.contract = contractor, None
        details = {"from": previous, "to": contractor.name}
        self.life.record(EventKind.REASSIGNED, actor_id, at, reason, **details)

    def comment(self, actor_id: int, at: datetime, text: str) -> None:
        self._check(Action.COMMENT, actor_id)
        self.life.record(EventKind.COMMENT, actor_id, at, text)

    def escalate(self, actor_id: int, at: datetime, reason: str) -> bool:
        """A manual escalation (`faults.workflow.fault_escalate`), if the rules allow one now."""
        if not self.may(Action.ESCALATE, actor_id):
            return False
        fault = self.fault
        raise_levels(
            self._writes,
            fault,
            [(fault.escalation_level + 1, f"escalated by hand: {reason}")],
            now=at,
            steps=self.steps,
            people=self.people,
            raised_by=self.users[actor_id],
            reason=reason,
        )
        self._collect()
        self.schedule()
        return True

    # --- Disputes (as facilities.faults.disputes records them) --------------------------------

    def dispute(self, breach: Breach, actor_id: int, at: datetime, reason: str) -> BreachDispute:
        user = self.users[actor_id]
        open_ = any(d.breach is breach and d.status == DisputeStatus.OPEN for d in self.disputes)
        if user.contractor_id != breach.contractor_id or breach.is_waived or open_:
            raise Refused(f"{user} may not dispute this breach now.")
        dispute = BreachDispute(breach=breach, reason=reason, raised_by_id=actor_id, raised_at=at)
        self.disputes.append(dispute)
        self._dispute_event(EventKind.DISPUTED, dispute, actor_id, at, reason)
        return dispute

    def decide(
        self, dispute: BreachDispute, actor_id: int, at: datetime, *, accept: bool, reason: str
    ) -> None:
        """Accept (the breach is waived, with the reason) or reject a dispute."""
        refused = decision_refusal(dispute, self.users[actor_id])
        if refused:
            raise Refused(refused)
        dispute.status = DisputeStatus.ACCEPTED if accept else DisputeStatus.REJECTED
        dispute.decided_by_id, dispute.decided_at, dispute.decision_reason = actor_id, at, reason
        if accept:
            dispute.breach.waived_at, dispute.breach.waived_reason = at, reason
        kind = EventKind.DISPUTE_ACCEPTED if accept else EventKind.DISPUTE_REJECTED
        step_name = STEP_NAMES[dispute.breach.step]
        self._dispute_event(kind, dispute, actor_id, at, reason, step_name=step_name)

    def _dispute_event(self, kind, dispute, actor_id, at, note, **details) -> None:
        breach = dispute.breach
        # The breach's and dispute's ids are filled in when they are written.
        details = {"step": breach.step, "breach": None, "dispute": None, **details}
        event = self.life.record(kind, actor_id, at, note, **details)
        self.links.append((event, breach, dispute))
