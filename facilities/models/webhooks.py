"""Webhooks: where a contractor's own system is told of its work, and each message sent.

A contractor registers endpoints (a URL, the event types it wants) and gets a signing secret
in the Standard Webhooks form (`whsec_` + base64 of random bytes). The secret is stored as
it is, because every delivery is signed with it (unlike API tokens, which are only compared);
it is shown once, when made or rotated. Rotating keeps the previous secret live until an
expiry, and deliveries are signed with every live secret, so the contractor can switch over
without losing a message.

A `WebhookDelivery` is one message to one endpoint: the outbox row, written in the same
transaction as the change it reports. Its body is stored as the exact text that is signed
and sent, so a retry or a replay sends the very same bytes. Each try is a `WebhookAttempt`
(the delivery log): when, the response's status or the error, how long it took.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
import socket
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

SECRET_PREFIX = "whsec_"  # noqa: S105  (the Standard Webhooks label, not a secret)
#: Random bytes in a new secret (Standard Webhooks: 24 to 64).
SECRET_BYTES = 32
#: How long the previous secret still signs after a rotation, by default.
ROTATION_OVERLAP = timedelta(hours=24)


class WebhookEventType(models.TextChoices):
    FAULT_ROUTED = "fault.routed", "Fault routed to the contractor"
    FAULT_REOPENED = "fault.reopened", "Fault reopened"
    FAULT_ESCALATED = "fault.escalated", "Fault escalated"
    FAULT_PRIORITY_CHANGED = "fault.priority_changed", "Fault priority changed"
    DISPUTE_DECIDED = "dispute.decided", "Dispute decided"


def all_event_types() -> list[str]:
    return list(WebhookEventType.values)


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


# --- Which URLs may be called (server-side request forgery) ---------------------------------


def unsafe_address(address: str) -> bool:
    """True for anything but a public unicast address: loopback, private, link-local (the
    cloud metadata service), shared, reserved, multicast, unspecified; IPv4 inside IPv6 too."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def url_refusal(url: str, *, allow_private: bool) -> str | None:
    """Why webhooks may not be sent to this URL, or None.

    Unless `allow_private` (tests and local development), only https to a host whose every
    address is public: an endpoint must never reach into this service's own network. The
    addresses are checked again when each delivery connects (`facilities.webhooks.guard`),
    since a name can be made to resolve elsewhere later.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "Enter a valid URL, such as https://jobs.example.com/webhooks."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Enter a valid URL, such as https://jobs.example.com/webhooks."
    if parts.username or parts.password:
        return "Leave the user name and password out of the URL."
    if allow_private:
        return None
    if parts.scheme != "https":
        return "The URL must start with https:// so messages are encrypted on the way."
    try:
        found = socket.getaddrinfo(parts.hostname, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return f"{parts.hostname} cannot be found: check the URL."
    if any(unsafe_address(info[4][0]) for info in found):
        return (
            f"{parts.hostname} is a private, loopback or link-local address: "
            "webhooks go only to addresses on the public internet."
        )
    return None


def allow_private_urls() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_URLS", False))


def validate_webhook_url(value: str) -> None:
    refused = url_refusal(value, allow_private=allow_private_urls())
    if refused:
        raise ValidationError(refused, code="unsafe_url")


def validate_event_types(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError("Choose at least one event type.")
    unknown = sorted(set(map(str, value)) - set(WebhookEventType.values))
    if unknown:
        raise ValidationError(f"Unknown event type(s): {', '.join(unknown)}.")


# --- Endpoints --------------------------------------------------------------------------------


class WebhookEndpoint(models.Model):
    contractor = models.ForeignKey(
        "facilities.Contractor", on_delete=models.PROTECT, related_name="webhook_endpoints"
    )
    url = models.URLField("URL", max_length=500, validators=[validate_webhook_url])
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    event_types = models.JSONField(
        default=all_event_types,
        validators=[validate_event_types],
        help_text="The event types sent to this endpoint.",
    )
    secret = models.CharField(max_length=100, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Until then, both secrets sign."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["contractor__name", "url", "id"]
        verbose_name = "webhook endpoint"
        indexes = [
            models.Index(fields=["contractor", "active"], name="webhook_endpoint_contractor")
        ]

    def __str__(self) -> str:
        return f"{self.contractor}: {self.url}" if self.contractor_id else self.url

    def save(self, *args, **kwargs) -> None:
        if not self.secret:
            self.secret = new_secret()
        super().save(*args, **kwargs)

    def wants(self, event_type: str) -> bool:
        return self.active and event_type in (self.event_types or [])

    def live_secrets(self, now: datetime) -> list[str]:
        """The secrets that sign a message sent now: the current one, then the previous one
        until its expiry."""
        live = [self.secret]
        expires = self.previous_secret_expires_at
        if self.previous_secret and expires is not None and expires > now:
            live.append(self.previous_secret)
        return live

    def rotate(self, now: datetime, overlap: timedelta = ROTATION_OVERLAP) -> str:
        """A new secret; the current one keeps signing for `overlap`. Returns the new one."""
        self.previous_secret, self.previous_secret_expires_at = self.secret, now + overlap
        self.secret = new_secret()
        self.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
        return self.secret


# --- Deliveries (the outbox) and attempts (the log) -------------------------------------------


class WebhookStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed permanently"


class WebhookDelivery(models.Model):
    """One message to one endpoint; a replay is a new delivery of the same message."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries"
    )
    msg_id = models.CharField(
        "message id", max_length=40, help_text="webhook-id: the same for a message's replays."
    )
    event_type = models.CharField(max_length=30, choices=WebhookEventType.choices)
    fault = models.ForeignKey(
        "facilities.Fault",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="webhook_deliveries",
    )
    body = models.TextField(help_text="The exact JSON that is signed and sent.")
    status = models.CharField(
        max_length=10, choices=WebhookStatus.choices, default=WebhookStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    replay_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replays",
        help_text="The first delivery of the message this one sends again.",
    )
    replayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        indexes = [
            # The dispatcher: rows due to be sent, and rows left sending by a stopped worker.
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(
                fields=["claimed_at"],
                condition=Q(status="sending"),
                name="webhook_delivery_sending",
            ),
            # A contractor's deliveries, newest first (the API's list walks its endpoints').
            models.Index(
                fields=["endpoint", "-created_at", "-id"], name="webhook_delivery_endpoint"
            ),
            models.Index(fields=["msg_id"], name="webhook_delivery_msg_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False),
                name="webhook_delivered_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.msg_id} → {self.endpoint.url}"

    @property
    def is_replay(self) -> bool:
        return self.replay_of_id is not None


class WebhookAttempt(models.Model):
    """One try at a delivery: the response's status code, or the error, and its duration."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    replay = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "webhook attempt"
        indexes = [models.Index(fields=["delivery", "at"], name="webhook_attempt_delivery")]

    def __str__(self) -> str:
        outcome = self.response_status or self.error[:60] or "?"
        return f"{self.at:%Y-%m-%d %H:%M:%S}: {outcome}"
