"""Reference data: regions, premises, contractors, contracts and their service levels, and
categories. Each change is kept with who and when (`facilities.models.audit`): the *History*
button on every one of them."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from facilities.models import (
    Category,
    Contract,
    Contractor,
    Premises,
    Region,
    ServiceLevel,
)

# --- Regions and premises ---------------------------------------------------------------


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "on_call_phone", "premises_count")
    search_fields = ("name", "code")
    ordering = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_premises_count=Count("premises"))

    @admin.display(description="Premises", ordering="_premises_count")
    def premises_count(self, obj: Region) -> int:
        return obj._premises_count


@admin.register(Premises)
class PremisesAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "kind", "region", "nation", "bed_capacity", "postcode")
    list_filter = ("region", "kind", "nation")
    list_select_related = ("region",)
    search_fields = ("name", "code", "postcode")
    autocomplete_fields = ("region",)
    ordering = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "code", "kind", "region", "nation")}),
        ("Address", {"fields": ("address", "postcode")}),
        ("Approved premises", {"fields": ("bed_capacity",)}),
    )


# --- Contractors and contracts ---------------------------------------------------------------


@admin.register(Contractor)
class ContractorAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "helpdesk_email",
        "helpdesk_phone",
        "account_manager_name",
        "account_manager_email",
    )
    search_fields = ("name", "helpdesk_email", "account_manager_name", "account_manager_email")
    ordering = ("name",)


class ServiceLevelInline(admin.TabularInline):
    model = ServiceLevel
    extra = 0
    max_num = 4
    fields = ("priority", "attend_minutes", "make_safe_minutes", "fix_minutes", "clock")
    verbose_name = "service level (targets in minutes; priorities left out use the defaults)"


class InForceFilter(admin.SimpleListFilter):
    title = "in force today"
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        in_force = Q(valid_from__lte=today) & (Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        if self.value() == "yes":
            return queryset.filter(in_force)
        if self.value() == "no":
            return queryset.exclude(in_force)
        return queryset


@admin.register(Contract)
class ContractAdmin(SimpleHistoryAdmin):
    list_display = (
        "reference",
        "name",
        "contractor",
        "valid_from",
        "valid_to",
        "in_force",
        "pounds_per_point",
    )
    list_filter = (
        "contractor",
        InForceFilter,
        ("valid_from", admin.DateFieldListFilter),
        ("valid_to", admin.DateFieldListFilter),
    )
    list_select_related = ("contractor",)
    search_fields = ("reference", "name", "contractor__name")
    autocomplete_fields = ("contractor", "premises")
    filter_horizontal = ("regions", "categories")
    inlines = (ServiceLevelInline,)
    ordering = ("contractor__name", "reference")
    fieldsets = (
        (None, {"fields": ("contractor", "reference", "name", "valid_from", "valid_to")}),
        (
            "What it covers",
            {
                "description": "Whole regions and/or single premises; leave categories "
                "empty to cover every category.",
                "fields": ("regions", "premises", "categories"),
            },
        ),
        ("Service credits", {"fields": ("pounds_per_point",)}),
    )

    @admin.display(boolean=True, description="In force")
    def in_force(self, obj: Contract) -> bool:
        today = timezone.localdate()
        return obj.valid_from <= today and (obj.valid_to is None or obj.valid_to >= today)


# --- Categories ------------------------------------------------------------------------------


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "slug",
        "default_priority",
        "safety_critical",
        "is_heating",
        "for_offices",
        "for_approved_premises",
        "is_active",
    )
    list_filter = (
        "default_priority",
        "safety_critical",
        "is_heating",
        "for_offices",
        "for_approved_premises",
        "is_active",
    )
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    ordering = ("name",)
