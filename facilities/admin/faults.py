"""Faults, their timeline, escalations, holds and breaches: read only.

A fault's life cycle changes only through `facilities.faults.workflow`, which writes the
timeline event for every change, so no one (superusers included) may add, change or delete
these rows here. Changelists stay fast with millions of rows: related objects are selected
with the list, the unfiltered total is not counted, filters read only small tables."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.text import Truncator

from facilities.models import (
    Breach,
    BreachDispute,
    Escalation,
    Fault,
    FaultEvent,
    FaultHold,
    User,
)

from .common import ReadOnlyAdminMixin, _fault_link, _search_by_reference

# --- Faults: read only -------------------------------------------------------------------------


class RoutedFilter(admin.SimpleListFilter):
    title = "routed"
    parameter_name = "routed"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No – unrouted")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(contractor__isnull=False)
        if self.value() == "no":
            return queryset.filter(contractor__isnull=True)
        return queryset


def _details(details: dict) -> str:
    if not details:
        return "-"
    return format_html_join(", ", "{}: {}", ((key, value) for key, value in details.items()))


def _who(user: User | None) -> str:
    return str(user) if user is not None else "System"


class FaultEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FaultEvent
    verbose_name = "timeline event"
    verbose_name_plural = "timeline"
    fields = ("at", "kind", "who", "note", "event_details")
    readonly_fields = fields
    ordering = ("at", "id")
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description="Who")
    def who(self, obj: FaultEvent) -> str:
        return _who(obj.actor)

    @admin.display(description="Details")
    def event_details(self, obj: FaultEvent) -> str:
        return _details(obj.details)


class EscalationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Escalation
    fields = ("level", "automatic", "reason", "raised_by", "raised_at")
    readonly_fields = fields
    ordering = ("level",)
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("raised_by")


@admin.register(Fault)
class FaultAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A view of the fault and its evidence; its life cycle changes only in the service."""

    list_display = (
        "reference",
        "premises",
        "category",
        "priority",
        "status",
        "contractor",
        "reported_at",
        "fix_due_at",
    )
    list_display_links = ("reference",)
    list_filter = (
        "status",
        "priority",
        "category",
        ("premises__region", admin.RelatedFieldListFilter),
        "contractor",
        RoutedFilter,
    )
    list_select_related = ("premises", "category", "contractor")
    # Sorting by the related columns would sort millions of joined rows.
    sortable_by = ("reference", "priority", "status", "reported_at", "fix_due_at")
    search_fields = ("description", "location", "premises__name", "contractor_reference")
    search_help_text = (
        "Search by reference (such as FLT-000123), description, location, premises name or "
        "the contractor's job number."
    )
    date_hierarchy = "reported_at"
    show_full_result_count = False
    list_per_page = 50
    inlines = (FaultEventInline, EscalationInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "reference",
                    "premises",
                    "category",
                    "priority",
                    "location",
                    "description",
                    "beds_out_of_use",
                    "reported_by",
                    "reported_at",
                )
            },
        ),
        ("Routing", {"fields": ("contractor", "contract", "contractor_reference")}),
        (
            "Life cycle",
            {
                "fields": (
                    "status",
                    "acknowledged_at",
                    "attended_at",
                    "made_safe_at",
                    "fixed_at",
                    "closed_at",
                    "cancelled_at",
                    "cancel_reason",
                    "reopened_at",
                    "reopen_count",
                    "on_hold_since",
                    "hold_reason",
                    "paused",
                    "awaiting_parts_since",
                )
            },
        ),
        (
            "Service level",
            {
                "fields": (
                    "clock",
                    "attend_target_minutes",
                    "make_safe_target_minutes",
                    "fix_target_minutes",
                    "attend_due_at",
                    "make_safe_due_at",
                    "fix_due_at",
                )
            },
        ),
        (
            "Breaches and escalation",
            {
                "fields": (
                    "attend_breached_at",
                    "make_safe_breached_at",
                    "fix_breached_at",
                    "at_risk_at",
                    "escalation_level",
                    "next_check_at",
                    "updated_at",
                )
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        return [field for _name, options in self.fieldsets for field in options["fields"]]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if getattr(request.resolver_match, "url_name", None) == "facilities_fault_change":
            # One query for the fault and everything its page links to.
            queryset = queryset.select_related(
                "premises", "category", "contractor", "contract__contractor", "reported_by"
            )
        return queryset

    def get_search_results(self, request, queryset, search_term):
        return _search_by_reference(self, request, queryset, search_term, "pk")

    @admin.display(description="Reference", ordering="pk")
    def reference(self, obj: Fault) -> str:
        return obj.reference


@admin.register(FaultEvent)
class FaultEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The timeline: append-only evidence, never changed or deleted."""

    list_display = ("fault_reference", "kind", "who", "at", "short_note")
    list_filter = ("kind",)
    # The fault column needs only the fault's id, so it is not joined.
    list_select_related = ("actor",)
    raw_id_fields = ("fault", "actor")
    search_fields = ("note",)
    search_help_text = "Search by fault reference (such as FLT-000123) or words in the note."
    # Newest first by id: the primary key index serves it however long the timeline grows.
    ordering = ("-id",)
    sortable_by = ()
    show_full_result_count = False
    fields = ("fault", "kind", "actor", "at", "note", "details")

    def get_search_results(self, request, queryset, search_term):
        return _search_by_reference(self, request, queryset, search_term, "fault_id")

    @admin.display(description="Fault")
    def fault_reference(self, obj: FaultEvent) -> str:
        return _fault_link(obj.fault_id)

    @admin.display(description="Who")
    def who(self, obj: FaultEvent) -> str:
        return _who(obj.actor)

    @admin.display(description="Note")
    def short_note(self, obj: FaultEvent) -> str:
        return Truncator(obj.note).chars(80)


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Escalations are raised by the ladder or the workflow, with their emails, never here."""

    list_display = (
        "fault_reference",
        "level",
        "automatic",
        "raised_by",
        "raised_at",
        "short_reason",
    )
    list_filter = ("level", "automatic")
    list_select_related = ("raised_by",)
    raw_id_fields = ("fault", "raised_by")
    search_fields = ("reason",)
    search_help_text = "Search by fault reference (such as FLT-000123) or words in the reason."
    date_hierarchy = "raised_at"
    ordering = ("-raised_at",)
    show_full_result_count = False
    fields = ("fault", "level", "automatic", "reason", "raised_by", "raised_at")

    def get_search_results(self, request, queryset, search_term):
        return _search_by_reference(self, request, queryset, search_term, "fault_id")

    @admin.display(description="Fault", ordering="fault_id")
    def fault_reference(self, obj: Escalation) -> str:
        return _fault_link(obj.fault_id)

    @admin.display(description="Reason")
    def short_reason(self, obj: Escalation) -> str:
        return Truncator(obj.reason).chars(80)


@admin.register(FaultHold)
class FaultHoldAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Hold intervals: when the clock stood still, why, and who set or decided it."""

    list_display = ("fault_ref", "status", "started_at", "ended_at", "reason", "by_contractor")
    list_filter = ("status", "by_contractor")
    list_select_related = ("fault",)
    show_full_result_count = False
    search_fields = ("reason",)

    @admin.display(description="Fault", ordering="fault_id")
    def fault_ref(self, obj: FaultHold) -> str:
        return _fault_link(obj.fault_id)


class DisputeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = BreachDispute
    extra = 0
    fields = ("status", "reason", "raised_by", "raised_at", "decided_by", "decided_at")


@admin.register(Breach)
class BreachAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Breaches: each late step with what explains its points; waived after a dispute."""

    list_display = (
        "fault_ref", "step", "priority", "due_at", "done_at", "taken_minutes",
        "target_minutes", "multiplier", "points", "waived_at",
    )  # fmt: skip
    list_filter = ("step", "priority", ("waived_at", admin.EmptyFieldListFilter))
    list_select_related = ("fault",)
    show_full_result_count = False
    date_hierarchy = "done_at"
    inlines = [DisputeInline]

    @admin.display(description="Fault", ordering="fault_id")
    def fault_ref(self, obj: Breach) -> str:
        return _fault_link(obj.fault_id)
