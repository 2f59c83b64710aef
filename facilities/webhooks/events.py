"""Which timeline events are sent to the contractor's own system, and what each message says.

| timeline event                          | webhook event type       |
|-----------------------------------------|--------------------------|
| routed (logged with a contractor)       | `fault.routed`           |
| reassigned (to the new contractor)      | `fault.routed`           |
| reopened                                | `fault.reopened`         |
| escalated (each level, sweep or by hand)| `fault.escalated`        |
| priority changed (after logging)        | `fault.priority_changed` |
| dispute accepted or rejected            | `dispute.decided`        |

A message goes only to the active endpoints, wanting its type, of the contractor the fault
is routed to when the event happens: the access rule's "faults routed to their company"
(`facilities.access`). A safety-critical fault logged below P1 records a priority change
with its logging; that is part of `fault.routed`, not a message of its own.

`queue_events` is the one call: the fault store after a step, the raise path and disputes
hand it the events they have just written, and it writes the deliveries in their transaction.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone

from facilities.models import (
    EventKind,
    Fault,
    FaultEvent,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
)

from .outbox import DISPATCH_GRACE, queue

EVENT_TYPES: dict[str, str] = {
    EventKind.ROUTED: WebhookEventType.FAULT_ROUTED,
    EventKind.REASSIGNED: WebhookEventType.FAULT_ROUTED,
    EventKind.REOPENED: WebhookEventType.FAULT_REOPENED,
    EventKind.ESCALATED: WebhookEventType.FAULT_ESCALATED,
    EventKind.PRIORITY_CHANGED: WebhookEventType.FAULT_PRIORITY_CHANGED,
    EventKind.DISPUTE_ACCEPTED: WebhookEventType.DISPUTE_DECIDED,
    EventKind.DISPUTE_REJECTED: WebhookEventType.DISPUTE_DECIDED,
}


def utc(value: datetime | None) -> str | None:
    """RFC 3339 in UTC, as Standard Webhooks payloads give times."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def new_msg_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def fault_api_url(fault_id: int) -> str:
    return settings.SITE_URL + reverse("api:fault-detail", args=[fault_id])


def payload(fault: Fault, event: FaultEvent, event_type: str, actor: str | None) -> dict:
    """The message: its type, the event's time, the fault as it now stands and the event."""
    return {
        "type": event_type,
        "timestamp": utc(event.at),
        "data": {
            "fault": {
                "id": fault.pk,
                "reference": fault.reference,
                "url": fault_api_url(fault.pk),
                "premises": {"id": fault.premises_id, "name": fault.premises.name},
                "category": {"id": fault.category_id, "name": fault.category.name},
                "priority": fault.priority,
                "status": fault.status,
                "reported_at": utc(fault.reported_at),
                "attend_due_at": utc(fault.attend_due_at),
                "make_safe_due_at": utc(fault.make_safe_due_at),
                "fix_due_at": utc(fault.fix_due_at),
            },
            "event": {
                "kind": event.kind,
                "at": utc(event.at),
                "actor": actor,
                "note": event.note,
                "details": event.details,
            },
        },
    }


def body_of(message: dict) -> str:
    """The exact text signed and sent (kept on the row, so a retry sends the same bytes)."""
    return json.dumps(message, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False)


def _messages(pairs: list[tuple[Fault, FaultEvent]]) -> list[tuple[Fault, FaultEvent, str]]:
    logged = {fault.pk for fault, event in pairs if event.kind == EventKind.LOGGED}
    found = []
    for fault, event in pairs:
        event_type = EVENT_TYPES.get(event.kind)
        if event_type is None or fault.contractor_id is None:
            continue
        if event.kind == EventKind.PRIORITY_CHANGED and fault.pk in logged:
            continue  # part of the logging, which `fault.routed` reports
        found.append((fault, event, event_type))
    return found


_ACTOR = FaultEvent._meta.get_field("actor")


def _actor_names(events: list[FaultEvent]) -> dict[int, str]:
    names: dict[int, str] = {}
    missing = set()
    for event in events:
        if event.actor_id is None:
            continue
        cached = _ACTOR.get_cached_value(event, default=None)
        if cached is not None:
            names[event.actor_id] = cached.get_full_name() or cached.username
        else:
            missing.add(event.actor_id)
    for user in User.objects.filter(pk__in=missing - names.keys()):
        names[user.pk] = user.get_full_name() or user.username
    return names


def queue_events(
    pairs: Iterable[tuple[Fault, FaultEvent]], *, now: datetime | None = None
) -> list[WebhookDelivery]:
    """Write a delivery of each event that has a webhook type to each endpoint that wants it
    (in the caller's transaction; sent once it commits). Queries only when an event maps."""
    messages = _messages(list(pairs))
    if not messages:
        return []
    endpoints: dict[int, list[WebhookEndpoint]] = defaultdict(list)
    for endpoint in WebhookEndpoint.objects.filter(
        contractor_id__in={fault.contractor_id for fault, _e, _t in messages}, active=True
    ).order_by("pk"):
        endpoints[endpoint.contractor_id].append(endpoint)
    if not endpoints:
        return []
    now = now or timezone.now()
    actors = _actor_names([event for _f, event, _t in messages])
    rows = []
    for fault, event, event_type in messages:
        wanting = [e for e in endpoints.get(fault.contractor_id, []) if e.wants(event_type)]
        if not wanting:
            continue
        body = body_of(payload(fault, event, event_type, actors.get(event.actor_id)))
        msg_id = new_msg_id()
        rows += [
            WebhookDelivery(
                endpoint=endpoint,
                msg_id=msg_id,
                event_type=event_type,
                fault_id=fault.pk,
                body=body,
                created_at=now,
                next_attempt_at=now + DISPATCH_GRACE,
            )
            for endpoint in wanting
        ]
    return queue(rows)
