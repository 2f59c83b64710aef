"""Local development: the embedded default (SQLite, filesystem broker, console email)."""

import os

from .base import *  # noqa: F403
from .base import BROKER_DIR, VAR_DIR

DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "local-development-only-not-secret"
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
VAR_DIR.mkdir(parents=True, exist_ok=True)
for folder in (BROKER_DIR / "out", BROKER_DIR / "processed", BROKER_DIR / "control"):
    folder.mkdir(parents=True, exist_ok=True)
# Webhook receivers in tests and local development listen on loopback.
WEBHOOKS_ALLOW_PRIVATE_URLS = True
