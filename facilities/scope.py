"""What a user may see: the one scoping rule shared by pages, downloads, the API and emails."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from facilities.models import Fault, Premises, ReportSnapshot, Role, User


def fault_scope(user: User) -> Q | None:
    """A filter on Fault for the user's scope; None means everything."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser or user.role == Role.ADMINISTRATOR:
        return None
    if user.role == Role.CONTRACT_MANAGER:
        region_ids = list(user.regions.values_list("pk", flat=True))
        return Q(premises__region_id__in=region_ids) if region_ids else None
    if user.role == Role.OFFICE_MANAGER:
        return Q(premises_id__in=list(user.premises.values_list("pk", flat=True)))
    if user.role == Role.CONTRACTOR and user.contractor_id:
        return Q(contractor_id=user.contractor_id)
    return Q(pk__in=[])


def faults_visible_to(user: User) -> QuerySet[Fault]:
    scope = fault_scope(user)
    faults = Fault.objects.all()
    return faults if scope is None else faults.filter(scope)


def premises_visible_to(user: User) -> QuerySet[Premises]:
    """Premises whose pages the user may open (contractors: where they have faults)."""
    premises = Premises.objects.select_related("region")
    if not user.is_authenticated or not user.is_active:
        return premises.none()
    if user.is_superuser or user.role == Role.ADMINISTRATOR:
        return premises
    if user.role == Role.CONTRACT_MANAGER:
        region_ids = list(user.regions.values_list("pk", flat=True))
        return premises.filter(region_id__in=region_ids) if region_ids else premises
    if user.role == Role.OFFICE_MANAGER:
        return premises.filter(managers=user)
    if user.role == Role.CONTRACTOR and user.contractor_id:
        return premises.filter(
            Q(contracts__contractor_id=user.contractor_id)
            | Q(region__contracts__contractor_id=user.contractor_id)
        ).distinct()
    return premises.none()


def can_see_fault(user: User, fault: Fault) -> bool:
    return faults_visible_to(user).filter(pk=fault.pk).exists()


def report_snapshots_visible_to(user: User) -> QuerySet[ReportSnapshot]:
    """Issued reports the user may open: every one for national contract managers and
    administrators; their regions' for regional contract managers; a contractor its own.
    Office managers see their premises' figures on the report page, not issued reports."""
    snapshots = ReportSnapshot.objects.select_related("region", "contractor", "created_by")
    if not user.is_authenticated or not user.is_active:
        return snapshots.none()
    if user.is_superuser or user.role == Role.ADMINISTRATOR:
        return snapshots
    if user.role == Role.CONTRACT_MANAGER:
        region_ids = list(user.regions.values_list("pk", flat=True))
        return snapshots.filter(region_id__in=region_ids) if region_ids else snapshots
    if user.role == Role.CONTRACTOR and user.contractor_id:
        return snapshots.filter(contractor_id=user.contractor_id)
    return snapshots.none()
