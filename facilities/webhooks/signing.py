"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

The signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the signature is HMAC-SHA256
keyed with the secret's bytes (the base64 after `whsec_`), in base64, sent as `v1,<sig>`.
During a secret rotation a message carries one signature per live secret, separated by
spaces, so a receiver holding either secret accepts it. The timestamp is the attempt's, so
a receiver can refuse stale or replayed requests (the usual tolerance is five minutes).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime

from facilities.models.webhooks import SECRET_PREFIX


def secret_key(secret: str) -> bytes:
    """The HMAC key: the bytes the secret's base64 encodes."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)


def signature(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """`v1,<base64 HMAC-SHA256 of "msg_id.timestamp.body">`."""
    content = f"{msg_id}.{timestamp}.{body}".encode()
    digest = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(msg_id: str, at: datetime, body: str, secrets: Sequence[str]) -> dict[str, str]:
    """The request's headers for one attempt at `at`, signed with every live secret."""
    timestamp = int(at.timestamp())
    return {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in secrets),
    }
