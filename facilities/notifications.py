"""Emails as outbox rows: who gets which message about a fault, and what it says.

Every email is an `OutboxEmail` row written in the same transaction as the change that
causes it, with a unique dedupe key, so it is never lost with its cause nor written twice.
It is rendered from its templates when first sent, and delivered after commit
(`facilities.outbox`). People who chose the daily digest get their copy held for it instead.

The workflow calls `queue_event_emails` after a step; the sweep and manual escalation call
`escalation_emails` and `at_risk_emails` through the shared raise path in `facilities.sweep`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from kombu.exceptions import OperationalError

from facilities import escalation, sla
from facilities.escalation import Audience
from facilities.faults import deadlines
from facilities.models import (
    EventKind,
    Fault,
    FaultEvent,
    OutboxEmail,
    OutboxKind,
    OutboxStatus,
    Role,
    User,
)
from facilities.timewords import describe_lateness

logger = logging.getLogger(__name__)

#: The task queued on commit normally sends a row at once; re-dispatch picks it up after this.
DISPATCH_GRACE = timedelta(seconds=60)
#: Emails queued in one task message (they share one SMTP connection).
DELIVERY_CHUNK = 20


# --- People ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    email: str
    digest: bool = False


class People:
    """The people the emails about a batch of faults go to, read with three queries.

    Office managers per premises, contract managers per region and national contract managers
    (those with no region), with their digest choice. Contractor addresses come from the
    fault's `contractor` (select it with the fault).
    """

    def __init__(
        self,
        office_managers: dict[int, list[Person]],
        regional: dict[int, list[Person]],
        national: list[Person],
    ) -> None:
        self.office_managers = office_managers
        self.regional = regional
        self.national = national

    @classmethod
    def for_faults(cls, faults: Sequence[Fault]) -> People:
        premises_ids = {f.premises_id for f in faults}
        region_ids = {f.premises.region_id for f in faults}
        active = {"user__is_active": True}
        office_managers: dict[int, list[Person]] = defaultdict(list)
        rows = (
            User.premises.through.objects.filter(
                premises_id__in=premises_ids, user__role=Role.OFFICE_MANAGER, **active
            )
            .exclude(user__email="")
            .order_by("user_id")
            .values_list("premises_id", "user__email", "user__wants_daily_digest")
        )
        for premises_id, email, digest in rows:
            office_managers[premises_id].append(Person(email.lower(), digest))
        regional: dict[int, list[Person]] = defaultdict(list)
        rows = (
            User.regions.through.objects.filter(
                region_id__in=region_ids, user__role=Role.CONTRACT_MANAGER, **active
            )
            .exclude(user__email="")
            .order_by("user_id")
            .values_list("region_id", "user__email", "user__wants_daily_digest")
        )
        for region_id, email, digest in rows:
            regional[region_id].append(Person(email.lower(), digest))
        national = [
            Person(email.lower(), digest)
            for email, digest in User.objects.filter(
                role=Role.CONTRACT_MANAGER, is_active=True, regions__isnull=True
            )
            .exclude(email="")
            .order_by("pk")
            .values_list("email", "wants_daily_digest")
        ]
        return cls(office_managers, regional, national)

    def resolve(
        self, fault: Fault, audiences: Iterable[Audience], extra: Iterable[str] = ()
    ) -> list[Person]:
        """Addresses for these audiences at this fault, each once (digest if any copy wants it)."""
        found: list[Person] = []
        for audience in sorted(audiences):
            found += self._audience(fault, audience)
        found += [Person(e.lower()) for e in extra]
        merged: dict[str, bool] = {}
        for person in found:
            merged[person.email] = merged.get(person.email, False) or person.digest
        return [Person(email, digest) for email, digest in merged.items()]

    def _audience(self, fault: Fault, audience: Audience) -> list[Person]:
        contractor = fault.contractor if fault.contractor_id else None
        if audience == Audience.CONTRACTOR_HELPDESK:
            return [Person(contractor.helpdesk_email)] if contractor else []
        if audience == Audience.ACCOUNT_MANAGER:
            email = contractor.account_manager_email if contractor else ""
            return [Person(email)] if email else []
        if audience == Audience.OFFICE_MANAGERS:
            return self.office_managers.get(fault.premises_id, [])
        if audience == Audience.REGIONAL_CONTRACT_MANAGERS:
            return self.regional.get(fault.premises.region_id, [])
        return self.national


def describe(fault: Fault, audiences: Iterable[Audience], extra: Iterable[str] = ()) -> list[str]:
    """Who an audience is at this fault, in words, for "already alerted" lists."""
    contractor = fault.contractor.name if fault.contractor_id else "the contractor"
    words = {
        Audience.CONTRACTOR_HELPDESK: f"{contractor} helpdesk",
        Audience.ACCOUNT_MANAGER: f"{contractor} account manager",
        Audience.OFFICE_MANAGERS: f"office managers at {fault.premises.name}",
        Audience.REGIONAL_CONTRACT_MANAGERS: "MoJ contract managers for the region",
        Audience.NATIONAL_CONTRACT_MANAGERS: "national MoJ contract managers",
    }
    return [words[a] for a in Audience if a in set(audiences)] + list(extra)


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


def save_and_send_on_commit(rows: list[OutboxEmail]) -> list[OutboxEmail]:
    """Write the rows in the caller's transaction; queue the pending ones once it commits."""
    if rows:
        OutboxEmail.objects.bulk_create(rows)
        send_on_commit([r.pk for r in rows if r.status == OutboxStatus.PENDING])
    return rows


def send_on_commit(outbox_ids: list[int]) -> None:
    if outbox_ids:
        transaction.on_commit(partial(enqueue, list(outbox_ids)))


def enqueue(outbox_ids: list[int]) -> bool:
    """Ask a worker to deliver these rows. If the broker is down the rows stay pending and the
    periodic re-dispatch sends them later: the write is never lost, so this only warns."""
    from facilities import tasks  # tasks import this module

    try:
        for start in range(0, len(outbox_ids), DELIVERY_CHUNK):
            chunk = outbox_ids[start : start + DELIVERY_CHUNK]
            if len(chunk) == 1:
                tasks.deliver_email.delay(chunk[0])
            else:
                tasks.deliver_emails.delay(chunk)
    except (OperationalError, OSError):
        logger.warning(
            "Could not queue %d email(s) for delivery (broker unavailable); "
            "the outbox re-dispatch will send them",
            len(outbox_ids),
            exc_info=True,
        )
        return False
    except Exception:  # after commit: the change is saved, so never fail the caller for this
        logger.exception(
            "Could not queue %d email(s) for delivery; the outbox re-dispatch will send them",
            len(outbox_ids),
        )
        return False
    return True


# --- Messages ------------------------------------------------------------------------------


def escalation_emails(
    *,
    fault: Fault,
    level: int,
    why: str,
    reason: str,
    recipients: escalation.Recipients,
    people: People,
    raised_by: User | None,
    now: datetime,
) -> list[OutboxEmail]:
    """The one email of a raised level (unsaved), with whom earlier levels already told."""
    context = {
        "level": level,
        "why": why,
        "reason": reason,
        "raised_by": str(raised_by) if raised_by else "",
        "already_alerted": describe(fault, recipients.already_alerted, recipients.already_extra),
    }
    return outbox_rows(
        kind=OutboxKind.ESCALATION,
        dedupe_key=f"escalation:{fault.pk}:{level}",
        fault=fault,
        people=people.resolve(fault, recipients.audiences, recipients.extra_emails),
        template="escalation",
        context=context,
        now=now,
    )


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
