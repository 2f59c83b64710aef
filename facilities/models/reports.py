"""Issued performance reports: what was sent, kept exactly as it was sent.

A snapshot holds one period's report for one scope (everything, a region, or a contractor),
its figures and the CSV, XLSX and PDF files, with when, by whom and by which version of the
software it was made. Snapshots are never changed or deleted: a correction is a reissue, a new
version kept beside the old one. The unique (period, scope, version) constraint is what makes
the monthly task safe to run twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from facilities.periods import Period


class ReportScope(models.TextChoices):
    ALL = "all", "All faults"
    REGION = "region", "One region"
    CONTRACTOR = "contractor", "One contractor"


class ReportSnapshot(models.Model):
    period_first = models.DateField()
    period_last = models.DateField()
    #: "all", "region:<id>" or "contractor:<id>": one report per scope per period and version.
    scope_key = models.CharField(max_length=40)
    scope_kind = models.CharField(max_length=20, choices=ReportScope.choices)
    scope_label = models.CharField(max_length=200)
    region = models.ForeignKey(
        "facilities.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="report_snapshots",
    )
    contractor = models.ForeignKey(
        "facilities.Contractor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="report_snapshots",
    )
    version = models.PositiveSmallIntegerField(default=1)
    reason = models.TextField(help_text="Why this version was made.")
    figures = models.JSONField(help_text="Every figure, as issued.")
    csv = models.BinaryField()
    xlsx = models.BinaryField()
    pdf = models.BinaryField()
    checksums = models.JSONField(default=dict, help_text="SHA-256 of each file.")
    app_version = models.CharField(max_length=100)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report_snapshots",
        help_text="Empty when the monthly task made it.",
    )

    class Meta:
        ordering = ["-period_first", "scope_label", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_first", "period_last", "scope_key", "version"],
                name="one_report_per_period_scope_version",
                violation_error_message="This version of this report has been issued already.",
            ),
            models.CheckConstraint(
                condition=Q(period_last__gte=models.F("period_first")),
                name="report_period_ends_after_start",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="report_version_from_1"),
            models.CheckConstraint(
                condition=(
                    Q(scope_kind="all", region__isnull=True, contractor__isnull=True)
                    | Q(scope_kind="region", region__isnull=False, contractor__isnull=True)
                    | Q(scope_kind="contractor", region__isnull=True, contractor__isnull=False)
                ),
                name="report_scope_matches_kind",
            ),
        ]
        indexes = [models.Index(fields=["scope_key", "period_first"], name="report_scope_period")]

    def __str__(self) -> str:
        return f"{self.period_label} – {self.scope_label} – version {self.version}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise TypeError("An issued report cannot be changed: reissue it instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("An issued report cannot be deleted.")

    @property
    def period(self) -> Period:
        return Period(self.period_first, self.period_last)

    @property
    def period_label(self) -> str:
        return self.period.label

    @property
    def period_slug(self) -> str:
        return self.period.slug

    def filename(self, extension: str) -> str:
        scope = self.scope_key.replace(":", "-")
        return f"contractor-performance-{self.period_slug}-{scope}-v{self.version}.{extension}"
