"""Signed webhooks to contractors' own systems (Standard Webhooks): which events are sent
(`events`), how they are signed (`signing`), the outbox that delivers them with retries and
replays (`outbox`), and the guard that keeps requests off private addresses (`guard`).

The life cycle, the raise path and disputes call `queue_events` with the events they write.
"""

from .events import EVENT_TYPES, queue_events
from .outbox import Outcome, ReplayRefused, deliver, redispatch, replay

__all__ = [
    "EVENT_TYPES",
    "Outcome",
    "ReplayRefused",
    "deliver",
    "queue_events",
    "redispatch",
    "replay",
]
