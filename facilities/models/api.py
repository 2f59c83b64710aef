"""API access: personal tokens and the idempotency keys that make retried writes safe.

A token is shown once, when it is issued: only its SHA-256 digest is stored, with its first
characters (`prefix`) so people can tell their tokens apart. A token can be read-only,
expires (or not), is revoked rather than deleted (so the admin keeps its history) and
records when it was last used.

An idempotency key remembers the first successful response to a create or an action for
24 hours, per token (or per person, for the browser's session), so a client that retries
after a timeout gets that response again instead of a second fault or event.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "prt_"  # noqa: S105  (a label, not a secret)
#: How long an idempotency key is remembered.
IDEMPOTENCY_TTL = timedelta(hours=24)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. our CAFM.")
    prefix = models.CharField(max_length=16, editable=False, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    read_only = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @classmethod
    def issue(
        cls, user, *, name: str = "API", read_only: bool = False, days: int | None = None
    ) -> tuple[ApiToken, str]:
        """A new token and its secret, which is never stored and cannot be shown again."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = timezone.now()
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=raw[:12],
            key_hash=digest(raw),
            read_only=read_only,
            created_at=now,
            expires_at=now + timedelta(days=days) if days else None,
        )
        return token, raw

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def revoke(self, now: datetime | None = None) -> None:
        if self.revoked_at is None:
            self.revoked_at = now or timezone.now()
            self.save(update_fields=["revoked_at"])


class IdempotencyKey(models.Model):
    #: "token:<id>" or "user:<id>" (session): keys of different callers never meet.
    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    #: SHA-256 of method, path and body: the same key with another request is refused.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.TextField(blank=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="one_idempotency_key_per_caller")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_at")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"

    def is_expired(self, now: datetime) -> bool:
        return self.created_at < now - IDEMPOTENCY_TTL
