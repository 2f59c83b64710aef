"""Admin for the escalation ladder (who is emailed, and when) and a view of the email outbox.

Escalation steps are reference data, edited here per contract, per region or by default.
Outbox rows are evidence of what was sent: viewed here, never edited; the one action puts
failed emails back in the queue. Imported by `facilities.admin`.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from facilities.models import EscalationStep, OutboxEmail, OutboxStatus
from facilities.models.faults import reference_for

from .common import ReadOnlyAdminMixin


class LadderScopeFilter(admin.SimpleListFilter):
    title = "applies to"
    parameter_name = "scope"

    def lookups(self, request, model_admin):
        return [("default", "Default ladder"), ("region", "A region"), ("contract", "A contract")]

    def queryset(self, request, queryset):
        match self.value():
            case "default":
                return queryset.filter(contract__isnull=True, region__isnull=True)
            case "region":
                return queryset.filter(region__isnull=False)
            case "contract":
                return queryset.filter(contract__isnull=False)
        return queryset


@admin.register(EscalationStep)
class EscalationStepAdmin(SimpleHistoryAdmin):
    list_display = ("level", "applies_to", "when", "emails")
    list_display_links = ("level", "applies_to")
    list_filter = (LadderScopeFilter, "level", "region")
    list_select_related = ("contract__contractor", "region")
    autocomplete_fields = ("contract", "region")
    ordering = ("contract", "region", "level")
    fieldsets = (
        (
            "Applies to",
            {
                "fields": ("contract", "region"),
                "description": (
                    "Leave both empty for the default ladder. For a level, a contract's step "
                    "beats its region's, which beats the default."
                ),
            },
        ),
        ("When", {"fields": ("level", "starts_after", "plus_fix_windows")}),
        (
            "Who is emailed",
            {
                "fields": (
                    "email_contractor_helpdesk",
                    "email_account_manager",
                    "email_office_managers",
                    "email_regional_contract_managers",
                    "email_national_contract_managers",
                    "extra_emails",
                ),
                "description": (
                    "For the region's head of estates, add a level-4 step for the region "
                    "with their address under other addresses."
                ),
            },
        ),
    )

    @admin.display(description="Applies to")
    def applies_to(self, step: EscalationStep) -> str:
        if step.contract_id:
            return f"Contract {step.contract}"
        return f"Region {step.region}" if step.region_id else "Default ladder"

    @admin.display(description="When")
    def when(self, step: EscalationStep) -> str:
        return f"{step.get_starts_after_display()}, {step.get_plus_fix_windows_display()}"

    @admin.display(description="Emails")
    def emails(self, step: EscalationStep) -> str:
        who = [str(step._meta.get_field(f).verbose_name) for f in step.AUDIENCE_FIELDS.values()]
        chosen = [
            w for w, f in zip(who, step.AUDIENCE_FIELDS.values(), strict=True) if getattr(step, f)
        ]
        if step.extra_emails:
            chosen.append(step.extra_emails)
        return "; ".join(chosen) or "nobody"


@admin.register(OutboxEmail)
class OutboxEmailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "fault_link",
        "recipients",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("status", "kind")
    search_fields = ("dedupe_key", "subject")
    show_full_result_count = False
    date_hierarchy = "created_at"
    actions = ("send_again",)
    readonly_fields = [
        "kind",
        "dedupe_key",
        "fault_link",
        "to",
        "subject",
        "template",
        "context",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "digest",
        "body_text",
    ]
    fields = readonly_fields

    def get_search_results(self, request, queryset, search_term):
        """`FLT-000123` finds a fault's emails by its reference."""
        term = search_term.strip().upper()
        if term.startswith("FLT-") and term[4:].isdigit():
            return queryset.filter(fault_id=int(term[4:])), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="Fault", ordering="fault_id")
    def fault_link(self, email: OutboxEmail) -> str:
        if email.fault_id is None:
            return "-"
        url = reverse("admin:facilities_fault_change", args=[email.fault_id])
        return format_html('<a href="{}">{}</a>', url, reference_for(email.fault_id))

    @admin.display(description="To")
    def recipients(self, email: OutboxEmail) -> str:
        return ", ".join(email.to)

    def has_send_again_permission(self, request) -> bool:
        return request.user.has_perm("facilities.change_outboxemail")

    @admin.action(description="Send the selected failed emails again", permissions=["send_again"])
    def send_again(self, request, queryset):
        now = timezone.now()
        count = queryset.filter(status=OutboxStatus.FAILED).update(
            status=OutboxStatus.PENDING, next_attempt_at=now, attempts=0, claimed_at=None
        )
        self.message_user(
            request,
            f"{count} email(s) will be sent again within a minute."
            if count
            else "Only emails that failed permanently can be sent again.",
            messages.SUCCESS if count else messages.WARNING,
        )
