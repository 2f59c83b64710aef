"""Helpers shared by the admin pages: finding faults by reference, linking to them, and
read-only views for the evidence trail."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from facilities.models.faults import pk_from_reference, reference_for


def _search_by_reference(model_admin, request, queryset, search_term, pk_field):
    """Search that also understands fault references: `FLT-000123`, `flt123` or `123`.

    A term written as a reference (with the FLT prefix) is looked up by primary key
    only, which is instant however many rows there are. A bare number may be a
    reference or text (a room number), so it matches either.
    """
    term = search_term.strip()
    pk = pk_from_reference(term)
    if pk is None:
        return admin.ModelAdmin.get_search_results(model_admin, request, queryset, search_term)
    by_reference = queryset.filter(**{pk_field: pk})
    if term.upper().startswith("FLT"):
        return by_reference, False
    by_text, may_have_duplicates = admin.ModelAdmin.get_search_results(
        model_admin, request, queryset, search_term
    )
    return by_reference | by_text, may_have_duplicates


def _fault_link(fault_id: int | None) -> str:
    if fault_id is None:
        return "-"
    url = reverse("admin:facilities_fault_change", args=[fault_id])
    return format_html('<a href="{}">{}</a>', url, reference_for(fault_id))


class ReadOnlyAdminMixin:
    """Rows that are evidence: viewable by staff with view permission, never edited here."""

    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
