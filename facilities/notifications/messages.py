"""What each email about a fault says, and the outbox rows that carry it.

Every email is an `OutboxEmail` row written in the same transaction as the change that
causes it, with a unique dedupe key, so it is never lost with its cause nor written twice.
It keeps its template and the facts of the moment and is rendered when first sent
(`facilities.notifications.outbox`). People who chose the daily digest get theirs held.

The workflow calls `queue_event_emails` after a step; the sweep and manual escalation call
`escalation_emails` and `at_risk_emails` through the raise path (`escalation.raising`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.template.loader import render_to_string

from facilities import deadlines, ladder, sla
from facilities.ladder import Audience
from facilities.models import (
    Channel,
    EventKind,
    Fault,
    FaultEvent,
    OutboxEmail,
    OutboxKind,
    OutboxStatus,
    User,
)
from facilities.timewords import describe_lateness

from .delivery import DISPATCH_GRACE, save_and_send_on_commit
from .notify import sms_enabled
from .quiet import hold_in_quiet_hours
from .recipients import People, Person, describe

logger = logging.getLogger(__name__)

# --- Words -------------------------------------------------------------------------------


_OVERDUE_WORDS = {
    "attend": "Attendance is overdue by",
    "make_safe": "Making it safe is overdue by",
    "fix": "The fix is overdue by",
}


def lateness(fault: Fault, now: datetime) -> list[str]:
    """What is late and by how much, in plain words (real time since each due time)."""
    return [
        f"{_OVERDUE_WORDS[step]} {describe_lateness(now - due)}"
        for step, due in sorted(
            deadlines.unmet(fault), key=lambda item: deadlines.STEPS.index(item[0])
        )
        if now > due
    ]


def _local(when: datetime | None) -> str:
    return when.astimezone(sla.LONDON).strftime("%-d %B %Y at %H:%M") if when else ""


def fault_url(fault_id: int) -> str:
    return f"{settings.SITE_URL}/faults/{fault_id}/"


def fault_context(fault: Fault, now: datetime) -> dict:
    """What every email says about its fault, as of `now`."""
    return {
        "reference": fault.reference,
        "premises": fault.premises.name,
        "category": fault.category.name,
        "priority": fault.get_priority_display(),
        "safety_critical": fault.category.safety_critical,
        "beds_out_of_use": fault.beds_out_of_use,
        "location": fault.location,
        "description": fault.description,
        "contractor": fault.contractor.name if fault.contractor_id else "",
        "reported_at": _local(fault.reported_at),
        "attend_due_at": _local(fault.attend_due_at),
        "fix_due_at": _local(fault.fix_due_at),
        "lateness": lateness(fault, now),
        "fix_due_in": describe_lateness(max(fault.fix_due_at - now, timedelta(0)))
        if fault.fix_due_at
        else "",
        "url": fault_url(fault.pk),
    }


def render(email: OutboxEmail) -> tuple[str, str, str]:
    """Subject, text and HTML bodies from `emails/<template>-subject.txt`, `-body.txt` and
    `-body.html`: the row's own context over the fault's facts as of the row's event."""
    context = {"service_name": settings.SERVICE_NAME}
    if email.fault_id:
        at = (
            datetime.fromisoformat(email.context["at"])
            if "at" in email.context
            else email.created_at
        )
        context |= fault_context(email.fault, at)
    context |= email.context
    name = email.template
    subject = render_to_string(f"emails/{name}-subject.txt", context)
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    return " ".join(subject.split())[:250], text, html


# --- Rows ----------------------------------------------------------------------------------


def outbox_rows(
    *,
    kind: str,
    dedupe_key: str,
    fault: Fault | None,
    people: Sequence[Person],
    template: str,
    context: dict,
    now: datetime,
) -> list[OutboxEmail]:
    """Unsaved rows for one message: one for everyone wanting it now, one held per digest reader.

    `context` is what this message adds to its fault's facts (JSON); it is rendered when the
    row is first sent, with the fault as of `now`.
    """
    if not people:
        return []
    context = {"at": now.isoformat(), **context}

    def row(key: str, to: list[str], status: str) -> OutboxEmail:
        return OutboxEmail(
            kind=kind,
            dedupe_key=key,
            fault_id=fault.pk if fault else None,
            to=to,
            template=template,
            context=context,
            status=status,
            created_at=now,
            next_attempt_at=now + DISPATCH_GRACE,
        )

    rows = []
    now_to = [p.email for p in people if not p.digest]
    if now_to:
        rows.append(row(dedupe_key, now_to, OutboxStatus.PENDING))
    rows += [
        row(f"{dedupe_key}:digest:{p.email}", [p.email], OutboxStatus.HELD)
        for p in people
        if p.digest
    ]
    return rows


# --- Messages ------------------------------------------------------------------------------


def escalation_emails(
    *,
    fault: Fault,
    level: int,
    why: str,
    reason: str,
    recipients: ladder.Recipients,
    people: People,
    raised_by: User | None,
    now: datetime,
) -> list[OutboxEmail]:
    """The one email of a raised level (unsaved), with whom earlier levels already told; held
    per recipient until the morning if raised in quiet hours (`quiet`)."""
    context = {
        "level": level,
        "why": why,
        "reason": reason,
        "raised_by": str(raised_by) if raised_by else "",
        "already_alerted": describe(fault, recipients.already_alerted, recipients.already_extra),
    }
    rows = outbox_rows(
        kind=OutboxKind.ESCALATION,
        dedupe_key=f"escalation:{fault.pk}:{level}",
        fault=fault,
        people=people.resolve(fault, recipients.audiences, recipients.extra_emails),
        template="escalation",
        context=context,
        now=now,
    )
    return hold_in_quiet_hours(rows, fault=fault, now=now) + escalation_sms(
        fault=fault, level=level, context=context, now=now
    )


def escalation_sms(*, fault: Fault, level: int, context: dict, now: datetime) -> list[OutboxEmail]:
    """A P1 escalation's text message to the region's on-call number, through GOV.UK Notify
    (only when Notify's key and SMS template are set, and the region has a number)."""
    if fault.priority != sla.Priority.P1 or not sms_enabled():
        return []
    phone = fault.premises.region.on_call_phone
    if not phone:
        return []
    return [
        OutboxEmail(
            kind=OutboxKind.ESCALATION_SMS,
            channel=Channel.SMS,
            dedupe_key=f"escalation_sms:{fault.pk}:{level}",
            fault_id=fault.pk,
            to=[phone],
            template="escalation-sms",
            context={"at": now.isoformat(), **context},
            status=OutboxStatus.PENDING,
            created_at=now,
            next_attempt_at=now + DISPATCH_GRACE,
        )
    ]


def at_risk_emails(*, fault: Fault, people: People, now: datetime) -> list[OutboxEmail]:
    """The one warning at 75% of the fix window, to the contractor's helpdesk."""
    context: dict = {}
    return outbox_rows(
        kind=OutboxKind.AT_RISK,
        dedupe_key=f"at_risk:{fault.pk}",
        fault=fault,
        people=people.resolve(fault, [Audience.CONTRACTOR_HELPDESK]),
        template="at-risk",
        context=context,
        now=now,
    )


#: Workflow events that email someone: (kind, template, audiences).
_EVENT_EMAILS: dict[str, list[tuple[str, str, tuple[Audience, ...]]]] = {
    EventKind.LOGGED: [
        (OutboxKind.FAULT_LOGGED, "fault-logged", (Audience.CONTRACTOR_HELPDESK,)),
    ],
    EventKind.FIXED: [(OutboxKind.FAULT_FIXED, "fault-fixed", (Audience.OFFICE_MANAGERS,))],
    EventKind.REOPENED: [
        (OutboxKind.FAULT_REOPENED, "fault-reopened", (Audience.CONTRACTOR_HELPDESK,)),
    ],
    EventKind.HOLD_REQUESTED: [
        (OutboxKind.HOLD_REQUESTED, "hold-requested", (Audience.OFFICE_MANAGERS,)),
    ],
    EventKind.DISPUTED: [
        (
            OutboxKind.BREACH_DISPUTED,
            "breach-disputed",
            (Audience.REGIONAL_CONTRACT_MANAGERS, Audience.NATIONAL_CONTRACT_MANAGERS),
        ),
    ],
    EventKind.DISPUTE_ACCEPTED: [
        (OutboxKind.DISPUTE_DECIDED, "dispute-decided", (Audience.CONTRACTOR_HELPDESK,)),
    ],
    EventKind.DISPUTE_REJECTED: [
        (OutboxKind.DISPUTE_DECIDED, "dispute-decided", (Audience.CONTRACTOR_HELPDESK,)),
    ],
    EventKind.PRIORITY_CHANGED: [
        (
            OutboxKind.PRIORITY_CHANGED,
            "priority-changed",
            (Audience.CONTRACTOR_HELPDESK, Audience.OFFICE_MANAGERS),
        ),
    ],
}


def queue_event_emails(*, fault: Fault, event: FaultEvent, now: datetime) -> list[OutboxEmail]:
    """The emails a workflow step's event causes, written in the step's transaction."""
    plan = _EVENT_EMAILS.get(event.kind, [])
    if not plan:
        return []
    people = People.for_faults([fault])
    context = {
        "actor": str(event.actor) if event.actor_id else "",
        "note": event.note,
        "details": event.details,
        "kind": event.kind,
    }
    rows: list[OutboxEmail] = []
    for kind, template, audiences in plan:
        rows += outbox_rows(
            kind=kind,
            dedupe_key=f"{kind}:{fault.pk}:{event.pk}",
            fault=fault,
            people=people.resolve(fault, audiences),
            template=template,
            context=context,
            now=now,
        )
    if event.kind == EventKind.LOGGED and fault.reported_by_id and fault.reported_by.email:
        reporter = fault.reported_by
        rows += outbox_rows(
            kind=OutboxKind.FAULT_RECEIPT,
            dedupe_key=f"{OutboxKind.FAULT_RECEIPT}:{fault.pk}",
            fault=fault,
            people=[Person(reporter.email.lower(), reporter.wants_daily_digest)],
            template="fault-receipt",
            context=context,
            now=now,
        )
    return save_and_send_on_commit(rows)
