"""The audit trail of reference data in the admin: for each audited model, every change with
who made it, when, and which fields changed (read-only; `facilities.models.audit`).

Each object's own *History* button shows its changes; these lists show everyone's, newest
first, filterable by person, kind of change and date.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from facilities.models.audit import AUDITED

from .common import ReadOnlyAdminMixin

_TYPES = {"+": "Created", "~": "Changed", "-": "Deleted"}


class ChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Changes to one kind of reference data."""

    list_display = (
        "history_date",
        "who",
        "what",
        "record",
        "changed_fields",
        "history_change_reason",
    )
    list_filter = (
        "history_type",
        "history_date",
        ("history_user", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("history_user",)
    date_hierarchy = "history_date"
    ordering = ("-history_date", "-history_id")
    list_per_page = 50

    @admin.display(description="Who", ordering="history_user__username")
    def who(self, change) -> str:
        return str(change.history_user) if change.history_user_id else "(a script or migration)"

    @admin.display(description="Change", ordering="history_type")
    def what(self, change) -> str:
        return _TYPES.get(change.history_type, change.history_type)

    @admin.display(description="Record")
    def record(self, change) -> str:
        model = change.instance_type
        label = str(change.instance)
        try:
            url = reverse(
                f"admin:{model._meta.app_label}_{model._meta.model_name}_history",
                args=[change.pk_id if hasattr(change, "pk_id") else change.id],
            )
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description="Fields changed")
    def changed_fields(self, change) -> str:
        """The fields this change altered, against the record's previous version."""
        if change.history_type != "~":
            return ""
        previous = change.prev_record
        if previous is None:
            return ""
        delta = change.diff_against(previous)
        return ", ".join(sorted(c.field for c in delta.changes)) or "(none)"


def _register(model: type[Model]) -> None:
    historical = model.history.model
    historical._meta.verbose_name = f"change to {model._meta.verbose_name}"
    historical._meta.verbose_name_plural = f"changes to {model._meta.verbose_name_plural}"
    admin.site.register(historical, ChangeAdmin)


for _model in AUDITED:
    _register(_model)
