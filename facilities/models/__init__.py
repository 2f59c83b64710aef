from . import audit  # noqa: F401  (registers the history of reference data)
from .api import ApiToken, IdempotencyKey
from .breaches import Breach, BreachDispute, BreachStep, DisputeStatus
from .contracts import Contract, Contractor, ServiceLevel
from .escalations import Escalation
from .faults import OPEN_STATUSES, Category, EventKind, Fault, FaultEvent, FaultStatus
from .holds import FaultHold, HoldStatus
from .jobs import JobRun
from .notifications import Channel, EscalationStep, OutboxEmail, OutboxKind, OutboxStatus
from .photos import FaultPhoto
from .premises import Premises, PremisesKind, Region
from .prepared import PreparationStatus, PreparedReport, ReissueRequest, ReportFormat
from .reports import ReportScope, ReportSnapshot
from .users import Role, User
from .webhooks import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
    WebhookStatus,
)

__all__ = [
    "OPEN_STATUSES",
    "ApiToken",
    "Breach",
    "BreachDispute",
    "BreachStep",
    "Category",
    "Channel",
    "Contract",
    "Contractor",
    "DisputeStatus",
    "Escalation",
    "EscalationStep",
    "EventKind",
    "Fault",
    "FaultEvent",
    "FaultHold",
    "FaultPhoto",
    "FaultStatus",
    "HoldStatus",
    "IdempotencyKey",
    "JobRun",
    "OutboxEmail",
    "OutboxKind",
    "OutboxStatus",
    "Premises",
    "PremisesKind",
    "PreparationStatus",
    "PreparedReport",
    "Region",
    "ReissueRequest",
    "ReportFormat",
    "ReportScope",
    "ReportSnapshot",
    "Role",
    "ServiceLevel",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEventType",
    "WebhookStatus",
]
