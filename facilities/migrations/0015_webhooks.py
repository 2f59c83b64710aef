"""Signed webhooks for contractors (issue 10 item 7): endpoints with rotating signing secrets,
the deliveries outbox (indexed for the dispatcher: status and next attempt; rows left
sending) and the log of attempts."""

import django.db.models.deletion
import facilities.models.webhooks
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0014_merge_api_tokens"),
    ]

    operations = [
        migrations.CreateModel(
            name="WebhookEndpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "url",
                    models.URLField(
                        max_length=500,
                        validators=[facilities.models.webhooks.validate_webhook_url],
                        verbose_name="URL",
                    ),
                ),
                ("description", models.CharField(blank=True, max_length=200)),
                ("active", models.BooleanField(default=True)),
                (
                    "event_types",
                    models.JSONField(
                        default=facilities.models.webhooks.all_event_types,
                        help_text="The event types sent to this endpoint.",
                        validators=[facilities.models.webhooks.validate_event_types],
                    ),
                ),
                ("secret", models.CharField(editable=False, max_length=100)),
                ("previous_secret", models.CharField(blank=True, editable=False, max_length=100)),
                (
                    "previous_secret_expires_at",
                    models.DateTimeField(
                        blank=True,
                        editable=False,
                        help_text="Until then, both secrets sign.",
                        null=True,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "contractor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="webhook_endpoints",
                        to="facilities.contractor",
                    ),
                ),
            ],
            options={
                "verbose_name": "webhook endpoint",
                "ordering": ["contractor__name", "url", "id"],
            },
        ),
        migrations.CreateModel(
            name="WebhookDelivery",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "msg_id",
                    models.CharField(
                        help_text="webhook-id: the same for a message's replays.",
                        max_length=40,
                        verbose_name="message id",
                    ),
                ),
                (
                    "event_type",
                    models.CharField(
                        choices=[
                            ("fault.routed", "Fault routed to the contractor"),
                            ("fault.reopened", "Fault reopened"),
                            ("fault.escalated", "Fault escalated"),
                            ("fault.priority_changed", "Fault priority changed"),
                            ("dispute.decided", "Dispute decided"),
                        ],
                        max_length=30,
                    ),
                ),
                ("body", models.TextField(help_text="The exact JSON that is signed and sent.")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("sending", "Sending"),
                            ("delivered", "Delivered"),
                            ("failed", "Failed permanently"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("next_attempt_at", models.DateTimeField()),
                ("claimed_at", models.DateTimeField(blank=True, null=True)),
                ("last_response_status", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("last_error", models.TextField(blank=True)),
                ("created_at", models.DateTimeField()),
                ("delivered_at", models.DateTimeField(blank=True, null=True)),
                (
                    "fault",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="webhook_deliveries",
                        to="facilities.fault",
                    ),
                ),
                (
                    "replay_of",
                    models.ForeignKey(
                        blank=True,
                        help_text="The first delivery of the message this one sends again.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="replays",
                        to="facilities.webhookdelivery",
                    ),
                ),
                (
                    "replayed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "endpoint",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="deliveries",
                        to="facilities.webhookendpoint",
                    ),
                ),
            ],
            options={
                "verbose_name": "webhook delivery",
                "verbose_name_plural": "webhook deliveries",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="WebhookAttempt",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField()),
                ("response_status", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("error", models.TextField(blank=True)),
                ("duration_ms", models.PositiveIntegerField(default=0)),
                ("replay", models.BooleanField(default=False)),
                (
                    "delivery",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attempt_log",
                        to="facilities.webhookdelivery",
                    ),
                ),
            ],
            options={
                "verbose_name": "webhook attempt",
                "ordering": ["at", "id"],
                "indexes": [
                    models.Index(fields=["delivery", "at"], name="webhook_attempt_delivery")
                ],
            },
        ),
        migrations.AddIndex(
            model_name="webhookendpoint",
            index=models.Index(fields=["contractor", "active"], name="webhook_endpoint_contractor"),
        ),
        migrations.AddIndex(
            model_name="webhookdelivery",
            index=models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
        ),
        migrations.AddIndex(
            model_name="webhookdelivery",
            index=models.Index(
                condition=models.Q(("status", "sending")),
                fields=["claimed_at"],
                name="webhook_delivery_sending",
            ),
        ),
        migrations.AddIndex(
            model_name="webhookdelivery",
            index=models.Index(
                fields=["endpoint", "-created_at", "-id"], name="webhook_delivery_endpoint"
            ),
        ),
        migrations.AddIndex(
            model_name="webhookdelivery",
            index=models.Index(fields=["msg_id"], name="webhook_delivery_msg_id"),
        ),
        migrations.AddConstraint(
            model_name="webhookdelivery",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "delivered"), _negated=True),
                    ("delivered_at__isnull", False),
                    _connector="OR",
                ),
                name="webhook_delivered_has_time",
            ),
        ),
    ]
