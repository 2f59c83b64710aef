"""The Django admin: reference data for administrators, and a read-only view of faults.

Reference data (regions, premises, contractors, contracts, categories, users) is
edited here. Faults, their timeline and their escalations are only *viewed* here:
a fault's life cycle changes only through `facilities.workflow`, which writes the
timeline event for every change, so no one (superusers included) may add, change or
delete those rows in the admin.

Changelists must stay fast with millions of faults and events: every related object
shown in a list is fetched with `list_select_related`, the unfiltered total is not
counted, and list filters only read small tables (regions, categories, contractors)
for their choices.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from facilities.models import (
    Category,
    Contract,
    Contractor,
    Escalation,
    Fault,
    FaultEvent,
    Premises,
    Region,
    ServiceLevel,
    User,
)
from facilities.models.faults import pk_from_reference, reference_for

admin.site.site_header = "Report a premises repair – administration"
admin.site.site_title = "Report a premises repair – administration"
admin.site.index_title = "Reference data, faults and people"


# --- Helpers ----------------------------------------------------------------------------


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


# --- Regions and premises ---------------------------------------------------------------


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "premises_count")
    search_fields = ("name", "code")
    ordering = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_premises_count=Count("premises"))

    @admin.display(description="Premises", ordering="_premises_count")
    def premises_count(self, obj: Region) -> int:
        return obj._premises_count


@admin.register(Premises)
class PremisesAdmin(admin.ModelAdmin):
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
class ContractorAdmin(admin.ModelAdmin):
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
class ContractAdmin(admin.ModelAdmin):
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
class CategoryAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "default_priority",
        "safety_critical",
        "is_heating",
        "is_active",
    )
    list_filter = ("default_priority", "safety_critical", "is_heating", "is_active")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    ordering = ("name",)


# --- People ----------------------------------------------------------------------------------

SCOPE_FIELDS = ("role", "job_title", "premises", "contractor", "regions", "wants_daily_digest")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        (
            "Role and scope",
            {
                "description": "Office managers: their premises. Contractor users: their "
                "company. Regional contract managers: their regions (none for a national one).",
                "fields": SCOPE_FIELDS,
            },
        ),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Personal info", {"classes": ("wide",), "fields": ("first_name", "last_name", "email")}),
        ("Role and scope", {"classes": ("wide",), "fields": SCOPE_FIELDS}),
    )
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "role",
        "contractor",
        "job_title",
        "is_staff",
        "is_active",
    )
    list_filter = (
        "role",
        "contractor",
        "regions",
        "wants_daily_digest",
        "is_staff",
        "is_superuser",
        "is_active",
    )
    list_select_related = ("contractor",)
    search_fields = ("username", "first_name", "last_name", "email", "job_title")
    autocomplete_fields = ("premises", "contractor")
    filter_horizontal = ("regions", "groups", "user_permissions")


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
    search_fields = ("description", "location", "premises__name")
    search_help_text = (
        "Search by reference (such as FLT-000123), description, location or premises name."
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
        ("Routing", {"fields": ("contractor", "contract")}),
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


from facilities import admin_notifications  # noqa: E402, F401  (registers the outbox and ladder)
