from .contracts import Contract, Contractor, ServiceLevel
from .escalations import Escalation
from .faults import OPEN_STATUSES, Category, EventKind, Fault, FaultEvent, FaultStatus
from .photos import FaultPhoto
from .premises import Premises, PremisesKind, Region
from .users import Role, User

__all__ = [
    "OPEN_STATUSES",
    "Category",
    "Contract",
    "Contractor",
    "Escalation",
    "EventKind",
    "Fault",
    "FaultEvent",
    "FaultPhoto",
    "FaultStatus",
    "Premises",
    "PremisesKind",
    "Region",
    "Role",
    "ServiceLevel",
    "User",
]
