from .api import ApiToken, IdempotencyKey
from .breaches import Breach, BreachDispute, BreachStep, DisputeStatus
from .contracts import Contract, Contractor, ServiceLevel
from .escalations import Escalation
from .faults import OPEN_STATUSES, Category, EventKind, Fault, FaultEvent, FaultStatus
from .holds import FaultHold, HoldStatus
from .notifications import EscalationStep, OutboxEmail, OutboxKind, OutboxStatus
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
