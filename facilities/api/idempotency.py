"""`Idempotency-Key` on creates and actions: a retry gets the first response back.

The key is remembered per caller (token, or person for the session) for 24 hours with a
fingerprint of the request (method, path, body) and, once the request succeeds, its status
and body. The key's row is inserted in the same transaction as the change it guards: a
concurrent retry waits on the unique index until the first commits, then replays its
response; if the first fails (any error), its row rolls back with it and a retry runs
afresh. Reusing a key for a different request is a 422.
"""

from __future__ import annotations

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from facilities.models import ApiToken, IdempotencyKey

from .errors import problem

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


def _scope(request) -> str:
    if isinstance(request.auth, ApiToken):
        return f"token:{request.auth.pk}"
    return f"user:{request.user.pk}"


def _fingerprint(request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if request.content_type.startswith("multipart/"):
        # Photos are streamed to disk as they arrive: fingerprint the parts, not the raw body
        # (which Django will not hold in memory beyond DATA_UPLOAD_MAX_MEMORY_SIZE).
        for name, values in sorted(request.data.lists()):
            for value in values:
                digest.update(f"\n{name}=".encode())
                if hasattr(value, "chunks"):
                    digest.update(f"file {value.name!r} {value.size}\n".encode())
                    for chunk in value.chunks():
                        digest.update(chunk)
                    value.seek(0)
                else:
                    digest.update(str(value).encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyKey) -> Response:
    headers = {"Idempotent-Replayed": "true"}
    if record.location:
        headers["Location"] = record.location
    return Response(json.loads(record.body), status=record.status_code, headers=headers)


def _claim(scope: str, key: str, fingerprint: str) -> IdempotencyKey | Response:
    """Insert the key's row, or the response that answers a retry."""
    now = timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    scope=scope, key=key, fingerprint=fingerprint, created_at=now
                )
        except IntegrityError:
            first = IdempotencyKey.objects.filter(scope=scope, key=key).first()
            if first is None:
                continue
            if first.is_expired(now):
                first.delete()
                continue
            if first.fingerprint != fingerprint:
                return problem(
                    422,
                    f"The {HEADER} {key!r} was used for a different request in the last "
                    "24 hours; use a new key for a new request.",
                )
            return _replay(first)
    return problem(409, f"A request with the {HEADER} {key!r} is in progress; retry shortly.")


def idempotent(handler):
    """Wraps a view's `post`: with the header, the first successful response is replayed."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return problem(
                400,
                f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters.",
                errors={HEADER: ["Use a unique value per request, such as a UUID."]},
            )
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            claimed = _claim(_scope(request), key, fingerprint)
            if isinstance(claimed, Response):
                return claimed
            response = handler(view, request, *args, **kwargs)
            if response.status_code < 300:
                claimed.status_code = response.status_code
                claimed.body = json.dumps(response.data, cls=JSONEncoder)
                claimed.location = response.headers.get("Location", "")
                claimed.save(update_fields=["status_code", "body", "location"])
            else:
                transaction.set_rollback(True)
            return response

    return wrapper
