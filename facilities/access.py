"""Who may see and do what: the one rule shared by pages, downloads, reports and emails.

A person's role decides their scope:

- an administrator (or superuser) sees everything;
- a national contract manager (`is_national`) sees everything; any other contract manager
  sees the premises of their regions, and nothing at all if they have none (forgetting to
  tick a region must never grant national access);
- an office manager sees the premises they manage;
- a contractor sees the faults routed to their company, and the premises its contracts cover.

Everything else that depends on who someone is — which steps they may take
(`facilities.faults.rules`), which reports they may open or reissue, which contractors a
filter offers them — asks the predicates here rather than reading `user.role` itself.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from facilities.models import (
    Contract,
    Contractor,
    Fault,
    Premises,
    ReportSnapshot,
    Role,
    User,
    WebhookDelivery,
)


def role_of(user: User) -> str:
    """The user's role; a superuser counts as an administrator."""
    return Role.ADMINISTRATOR if user.is_superuser else user.role


def _active(user: User | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def sees_everything(user: User) -> bool:
    """Administrators, and national contract managers."""
    if not _active(user):
        return False
    return role_of(user) == Role.ADMINISTRATOR or is_national_manager(user)


def is_national_manager(user: User | None) -> bool:
    """A contract manager marked national: every region is theirs."""
    return _active(user) and role_of(user) == Role.CONTRACT_MANAGER and bool(user.is_national)


def is_contractor(user: User | None) -> bool:
    return _active(user) and role_of(user) == Role.CONTRACTOR


def is_regional_manager(user: User | None) -> bool:
    """A contract manager whose scope is some regions (not national)."""
    return (
        _active(user)
        and role_of(user) == Role.CONTRACT_MANAGER
        and not user.is_national
        and bool(_region_ids(user))
    )


def is_manager(user: User | None) -> bool:
    """A contract manager (regional or national) or an administrator."""
    return _active(user) and role_of(user) in (Role.CONTRACT_MANAGER, Role.ADMINISTRATOR)


def _region_ids(user: User) -> list[int]:
    return list(user.regions.values_list("pk", flat=True)) if user.pk else []


# --- Faults and premises ----------------------------------------------------------------------


def fault_scope(user: User) -> Q | None:
    """A filter on Fault for the user's scope; None means everything."""
    if not _active(user):
        return Q(pk__in=[])
    role = role_of(user)
    if role == Role.ADMINISTRATOR or is_national_manager(user):
        return None
    if role == Role.CONTRACT_MANAGER:
        return Q(premises__region_id__in=_region_ids(user))
    if role == Role.OFFICE_MANAGER:
        return Q(premises_id__in=list(user.premises.values_list("pk", flat=True)))
    if role == Role.CONTRACTOR and user.contractor_id:
        return Q(contractor_id=user.contractor_id)
    return Q(pk__in=[])


def faults_visible_to(user: User) -> QuerySet[Fault]:
    scope = fault_scope(user)
    faults = Fault.objects.all()
    return faults if scope is None else faults.filter(scope)


def visible_fault(user: User, pk: int) -> Fault | None:
    """The fault with its usual relations if this user may see it, else None (as if absent)."""
    faults = faults_visible_to(user).select_related(
        "premises__region", "category", "contractor", "contract", "reported_by"
    )
    return faults.filter(pk=pk).first()


def can_see_fault(user: User, fault: Fault) -> bool:
    return faults_visible_to(user).filter(pk=fault.pk).exists()


def premises_visible_to(user: User) -> QuerySet[Premises]:
    """Premises whose pages the user may open (contractors: where their contracts apply)."""
    premises = Premises.objects.select_related("region")
    if not _active(user):
        return premises.none()
    role = role_of(user)
    if role == Role.ADMINISTRATOR or is_national_manager(user):
        return premises
    if role == Role.CONTRACT_MANAGER:
        return premises.filter(region_id__in=_region_ids(user))
    if role == Role.OFFICE_MANAGER:
        return premises.filter(managers=user)
    if role == Role.CONTRACTOR and user.contractor_id:
        return premises.filter(
            Q(contracts__contractor_id=user.contractor_id)
            | Q(region__contracts__contractor_id=user.contractor_id)
        ).distinct()
    return premises.none()


def contractors_offered(user: User, visible: QuerySet[Premises] | None = None):
    """Contractors a filter may offer: those covering premises the user sees; a contractor
    sees only its own company."""
    if is_contractor(user):
        return Contractor.objects.filter(pk=user.contractor_id)
    visible_ids = (visible if visible is not None else premises_visible_to(user)).values("pk")
    covering = Contract.objects.filter(
        Q(premises__in=visible_ids) | Q(regions__premises__in=visible_ids)
    )
    return Contractor.objects.filter(pk__in=covering.values("contractor_id")).order_by("name")


# --- Reports ------------------------------------------------------------------------------


def report_snapshots_visible_to(user: User) -> QuerySet[ReportSnapshot]:
    """Issued reports the user may open: all for national contract managers and
    administrators; their regions' for regional contract managers; a contractor its own.
    Office managers see their premises' figures on the report page, not issued reports."""
    snapshots = ReportSnapshot.objects.select_related("region", "contractor", "created_by")
    if not _active(user):
        return snapshots.none()
    role = role_of(user)
    if role == Role.ADMINISTRATOR or is_national_manager(user):
        return snapshots
    if role == Role.CONTRACT_MANAGER:
        return snapshots.filter(region_id__in=_region_ids(user))
    if role == Role.CONTRACTOR and user.contractor_id:
        return snapshots.filter(contractor_id=user.contractor_id)
    return snapshots.none()


def can_reissue_reports(user: User) -> bool:
    return is_manager(user)


# --- Webhooks -------------------------------------------------------------------------------


def webhook_deliveries_visible_to(user: User) -> QuerySet[WebhookDelivery]:
    """A contractor's own webhook deliveries (to its company's endpoints), which it may list
    and replay; nobody else's. Administrators see every delivery in the admin."""
    deliveries = WebhookDelivery.objects.select_related("endpoint")
    if is_contractor(user) and user.contractor_id:
        return deliveries.filter(endpoint__contractor_id=user.contractor_id)
    return deliveries.none()
