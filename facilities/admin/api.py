"""API tokens in the admin: issue (the secret is shown once), see last use, revoke."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone

from facilities.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "prefix", "name", "user", "read_only", "created_at", "expires_at", "last_used_at",
        "revoked_at",
    )  # fmt: skip
    list_filter = ("read_only",)
    search_fields = ("prefix", "name", "user__username")
    fields = ("user", "name", "read_only", "expires_at", "prefix", "created_at",
              "last_used_at", "revoked_at")  # fmt: skip
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    autocomplete_fields = ("user",)
    actions = ("revoke",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoke instead: the token's history stays

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return (*self.readonly_fields, "user", "read_only")
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            issued, raw = ApiToken.issue(obj.user, name=obj.name, read_only=obj.read_only)
            if obj.expires_at:
                issued.expires_at = obj.expires_at
                issued.save(update_fields=["expires_at"])
            obj.pk = issued.pk
            obj.__dict__.update(issued.__dict__)
            messages.warning(
                request,
                f"The new token is {raw} — copy it now: it is stored hashed and cannot be "
                "shown again.",
            )
            return
        super().save_model(request, obj, form, change)

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {count} token(s).")
