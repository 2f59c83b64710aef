"""Report work done by a worker, off the web request: prepared downloads and reissues.

A `PreparedReport` is one person's download of a report (period, region, contractor, format)
as the data stood: the web request only finds a ready one by its key and serves the stored
bytes, or records that one is wanted and asks a worker to build it (`facilities.finding
.preparing`). The key holds the person, their choices and the *data version*, so a file is
never shared between people (no scope leak) and a change to the faults gives a new one.
Rows are thrown away after a day.

A `ReissueRequest` is a contract manager's request to reissue an issued report: the worker
makes the new version, its files and its emails (`facilities.reports.reissuing`).

The files are kept in the row (a `BinaryField`), not in file storage: they live a day, are a
few MB at most, must be readable by the web process whichever machine built them, and go when
the row goes (no orphaned files to sweep, nothing to tidy when a transaction rolls back), as
the issued reports' files are kept in theirs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class PreparationStatus(models.TextChoices):
    PREPARING = "preparing", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Could not be prepared"


class ReportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    PDF = "pdf", "PDF"
    #: The report page's figures, tables and charts (`reports.page`), not a download.
    PAGE = "page", "Report page"


class PreparedReport(models.Model):
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prepared_reports"
    )
    period_first = models.DateField()
    period_last = models.DateField()
    #: The choices as in the report page's query string ("" for all; "unrouted").
    region = models.CharField(max_length=20, blank=True)
    contractor = models.CharField(max_length=20, blank=True)
    format = models.CharField(max_length=4, choices=ReportFormat.choices)
    #: SHA-256 of the person, their scope, the choices, the data version and the app version
    #: (and the hour, for a period not yet over): two requests for the same file share a row.
    key = models.CharField(max_length=64, unique=True)
    #: The data version the file was asked for (and, once built, built from).
    data_version = models.CharField(max_length=200)
    #: The figures are as of this instant: when the person asked.
    as_of = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=PreparationStatus.choices, default=PreparationStatus.PREPARING
    )
    content = models.BinaryField(blank=True, default=b"")
    filename = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    #: When a worker was last asked to build it (or the broker was tried and was down).
    queued_at = models.DateTimeField(null=True, blank=True)
    #: When a worker last started building it: a build still running after the task's time
    #: limit was abandoned (the worker died) and is asked for again.
    started_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_last__gte=models.F("period_first")),
                name="prepared_period_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | Q(ready_at__isnull=False),
                name="prepared_ready_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="prepared_status_created"),
            models.Index(fields=["created_at"], name="prepared_created"),
        ]

    def __str__(self) -> str:
        return f"{self.filename or self.key[:12]} for {self.requested_by_id} ({self.status})"


class ReissueRequest(models.Model):
    snapshot = models.ForeignKey(
        "facilities.ReportSnapshot", on_delete=models.PROTECT, related_name="reissue_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reissue_requests"
    )
    reason = models.TextField()
    status = models.CharField(
        max_length=10, choices=PreparationStatus.choices, default=PreparationStatus.PREPARING
    )
    #: The version the worker made: set in the transaction that saved it (exactly once).
    made = models.OneToOneField(
        "facilities.ReportSnapshot",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="made_by_request",
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="reissue_status_created")]

    def __str__(self) -> str:
        return f"Reissue of {self.snapshot_id} by {self.requested_by_id} ({self.status})"
