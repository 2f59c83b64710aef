"""People: roles and what each may see (premises, contractor, regions); each change of them
is kept with who and when (the *History* button)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from facilities.models import (
    User,
)

# --- People ----------------------------------------------------------------------------------

SCOPE_FIELDS = (
    "role",
    "job_title",
    "premises",
    "contractor",
    "regions",
    "is_national",
    "wants_daily_digest",
)


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        (
            "Role and scope",
            {
                "description": "Office managers: their premises. Contractor users: their "
                "company. Contract managers: their regions, or tick national for every region "
                "(a contract manager with neither sees nothing).",
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
        "is_national",
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
