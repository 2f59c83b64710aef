"""Reports off the request path: prepared downloads and reissue requests, built by a worker."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def store_files_uncompressed(apps, schema_editor):
    """PostgreSQL: keep the files out of line and uncompressed (XLSX and PDF are compressed
    already), so a download is served a slice at a time without inflating all of it each time."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE "facilities_preparedreport" ALTER COLUMN "content" SET STORAGE EXTERNAL'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0014_merge_api_tokens"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PreparedReport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("period_first", models.DateField()),
                ("period_last", models.DateField()),
                ("region", models.CharField(blank=True, max_length=20)),
                ("contractor", models.CharField(blank=True, max_length=20)),
                (
                    "format",
                    models.CharField(
                        choices=[("csv", "CSV"), ("xlsx", "XLSX"), ("pdf", "PDF")], max_length=4
                    ),
                ),
                ("key", models.CharField(max_length=64, unique=True)),
                ("data_version", models.CharField(max_length=200)),
                ("as_of", models.DateTimeField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("preparing", "Being prepared"),
                            ("ready", "Ready"),
                            ("failed", "Could not be prepared"),
                        ],
                        default="preparing",
                        max_length=10,
                    ),
                ),
                ("content", models.BinaryField(blank=True, default=b"")),
                ("filename", models.CharField(blank=True, max_length=200)),
                ("size", models.PositiveIntegerField(default=0)),
                ("error", models.TextField(blank=True)),
                ("created_at", models.DateTimeField()),
                ("queued_at", models.DateTimeField(blank=True, null=True)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("ready_at", models.DateTimeField(blank=True, null=True)),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="prepared_reports",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["status", "created_at"], name="prepared_status_created"),
                    models.Index(fields=["created_at"], name="prepared_created"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("period_last__gte", models.F("period_first"))),
                        name="prepared_period_ends_after_start",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "ready"), _negated=True),
                            ("ready_at__isnull", False),
                            _connector="OR",
                        ),
                        name="prepared_ready_has_time",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ReissueRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reason", models.TextField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("preparing", "Being prepared"),
                            ("ready", "Ready"),
                            ("failed", "Could not be prepared"),
                        ],
                        default="preparing",
                        max_length=10,
                    ),
                ),
                ("error", models.TextField(blank=True)),
                ("created_at", models.DateTimeField()),
                ("queued_at", models.DateTimeField(blank=True, null=True)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("ready_at", models.DateTimeField(blank=True, null=True)),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                (
                    "made",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="made_by_request",
                        to="facilities.reportsnapshot",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reissue_requests",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "snapshot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reissue_requests",
                        to="facilities.reportsnapshot",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["status", "created_at"], name="reissue_status_created")
                ],
            },
        ),
        migrations.RunPython(store_files_uncompressed, migrations.RunPython.noop),
    ]
