"""Who is calling: API tokens (or the browser's session), read-only tokens, throttling.

`Authorization: Bearer prt_…` carries a token. It is looked up by its SHA-256 digest, so
the secret itself is never stored; a revoked or expired token, or one whose person is
inactive, is a 401. Its last-used time is written at most once a minute (a write per
request would double the cost of a read). A read-only token may only GET, HEAD and OPTIONS.

Throttling counts per token (per person for the session) in Django's cache, at
`API_THROTTLE_RATE` (e.g. "600/min"); a throttled request is a 429 with `Retry-After`.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions, permissions, throttling

from config.client_address import client_address
from facilities.models import ApiToken
from facilities.models.api import digest

LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "The Authorization header must be 'Bearer <token>'."
            )
        try:
            raw = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        token = (
            ApiToken.objects.select_related("user", "user__contractor")
            .filter(key_hash=digest(raw))
            .first()
        )
        now = timezone.now()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("The token is not valid.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("The token has been revoked.")
        if not token.is_usable(now):
            raise exceptions.AuthenticationFailed("The token has expired.")
        if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class ReadOnlyTokens(permissions.BasePermission):
    message = "This token is read-only."

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and token.read_only:
            return request.method in permissions.SAFE_METHODS
        return True


class PerTokenThrottle(throttling.SimpleRateThrottle):
    scope = "api"

    def get_rate(self) -> str | None:
        return getattr(settings, "API_THROTTLE_RATE", "600/min")

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{client_address(request)}"  # X-Forwarded-For only from a trusted proxy
        return self.cache_format % {"scope": self.scope, "ident": ident}
