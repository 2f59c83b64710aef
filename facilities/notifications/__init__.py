"""Emails about faults: who is told (`recipients`), what they are told (`messages`), and how
each email is kept and delivered exactly once (`delivery`, `outbox`).

The names below are the package's public face for the life cycle and the sweep.
"""

from .delivery import (
    DELIVERY_CHUNK,
    DISPATCH_GRACE,
    enqueue,
    save_and_send_on_commit,
    send_on_commit,
)
from .messages import (
    at_risk_emails,
    escalation_emails,
    fault_context,
    fault_url,
    lateness,
    outbox_rows,
    queue_event_emails,
    render,
)
from .recipients import People, Person, describe

__all__ = [
    "DELIVERY_CHUNK",
    "DISPATCH_GRACE",
    "People",
    "Person",
    "at_risk_emails",
    "describe",
    "enqueue",
    "escalation_emails",
    "fault_context",
    "fault_url",
    "lateness",
    "outbox_rows",
    "queue_event_emails",
    "render",
    "save_and_send_on_commit",
    "send_on_commit",
]
