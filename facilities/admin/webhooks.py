"""Webhooks in the admin: contractors' endpoints (the secret shown once), the delivery log.

An endpoint's signing secret is shown once, when the endpoint is added or its secret rotated
("Rotate the signing secret": the previous one keeps signing for 24 hours, so the contractor
can switch without losing a message); it is never shown on the page afterwards. Deliveries
are evidence of what was sent: viewed here with each attempt's response code, never edited;
the one action replays a delivered or failed message (`facilities.webhooks.replay`).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from facilities import webhooks
from facilities.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
)
from facilities.models.webhooks import ROTATION_OVERLAP

from .common import ReadOnlyAdminMixin, _fault_link


class WebhookEndpointForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        choices=WebhookEventType.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(WebhookEventType.values),
        help_text="The event types sent to this endpoint.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("contractor", "url", "description", "active", "event_types")


def _show_secret(request, endpoint: WebhookEndpoint, what: str) -> None:
    messages.warning(
        request,
        f"{what} for {endpoint.url} is {endpoint.secret} — give it to {endpoint.contractor} "
        "now: it is not shown again.",
    )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "contractor", "active", "event_type_list", "rotation", "created_at")
    list_filter = ("active", "contractor")
    list_select_related = ("contractor",)
    search_fields = ("url", "description", "contractor__name")
    autocomplete_fields = ("contractor",)
    readonly_fields = ("previous_secret_expires_at", "created_at", "updated_at")
    fields = (
        "contractor", "url", "description", "active", "event_types",
        "previous_secret_expires_at", "created_at", "updated_at",
    )  # fmt: skip
    actions = ("rotate_secret",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: its deliveries stay in the log

    @admin.display(description="Event types")
    def event_type_list(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.event_types or []) or "none"

    @admin.display(description="Previous secret signs until")
    def rotation(self, endpoint: WebhookEndpoint):
        expires = endpoint.previous_secret_expires_at
        return expires if expires and expires > timezone.now() else "-"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            _show_secret(request, obj, "The signing secret")

    @admin.action(description="Rotate the signing secret (the old one signs for 24 more hours)")
    def rotate_secret(self, request, queryset):
        now = timezone.now()
        for endpoint in queryset.select_related("contractor"):
            endpoint.rotate(now, ROTATION_OVERLAP)
            _show_secret(request, endpoint, "The new signing secret")


class WebhookAttemptInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WebhookAttempt
    fields = ("at", "response_status", "error", "duration_ms", "replay")
    readonly_fields = fields
    extra = 0


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at", "event_type", "fault_link", "endpoint", "status", "attempts",
        "last_response_status", "delivered_at", "is_replay",
    )  # fmt: skip
    list_filter = ("status", "event_type", "endpoint__contractor")
    list_select_related = ("endpoint__contractor",)
    search_fields = ("msg_id", "endpoint__url")
    show_full_result_count = False
    date_hierarchy = "created_at"
    actions = ("replay",)
    readonly_fields = (
        "msg_id", "event_type", "endpoint", "fault_link", "status", "attempts",
        "last_response_status", "last_error", "created_at", "next_attempt_at", "claimed_at",
        "delivered_at", "replay_of", "replayed_by", "body",
    )  # fmt: skip
    fields = readonly_fields
    inlines = (WebhookAttemptInline,)

    @admin.display(description="Fault", ordering="fault_id")
    def fault_link(self, delivery: WebhookDelivery) -> str:
        return _fault_link(delivery.fault_id)

    @admin.display(description="Replay", boolean=True)
    def is_replay(self, delivery: WebhookDelivery) -> bool:
        return delivery.is_replay

    def has_replay_permission(self, request) -> bool:
        return request.user.has_perm("facilities.change_webhookdelivery")

    @admin.action(description="Replay the selected messages", permissions=["replay"])
    def replay(self, request, queryset):
        made, refused = 0, []
        for delivery in queryset.select_related("endpoint"):
            try:
                webhooks.replay(delivery, request.user)
                made += 1
            except webhooks.ReplayRefused as reason:
                refused.append(f"{delivery.msg_id}: {reason}")
        if made:
            self.message_user(request, f"{made} message(s) will be sent again shortly.")
        for text in refused:
            self.message_user(request, text, messages.WARNING)
