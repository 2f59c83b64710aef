"""Production: fail closed. Everything the service cannot run safely without is required and
never defaulted; a missing or wrong value stops start-up with ImproperlyConfigured naming it.

- DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS;
- DATABASE_URL, for PostgreSQL (never the embedded SQLite default);
- REDIS_URL, the Celery broker (never the filesystem broker);
- SITE_URL, the https:// address people use (links in emails);
- with EMAIL_ROUTE=notify, NOTIFY_API_KEY and NOTIFY_EMAIL_TEMPLATE_ID.

`manage.py check --deploy` with these settings reports nothing (CI runs it).
"""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from facilities.operations.logs import logging_config

from .base import *  # noqa: F403
from .base import DATABASES, EMAIL_ROUTE, LOG_LEVEL


def required(name: str, what: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set: production needs {what}. Refusing to start without it."
        )
    return value


SECRET_KEY = required("DJANGO_SECRET_KEY", "a long random secret key")
ALLOWED_HOSTS = [
    host.strip()
    for host in required("DJANGO_ALLOWED_HOSTS", "the host names it serves").split(",")
    if host.strip()
]

required("DATABASE_URL", "the PostgreSQL database, as postgres://user:password@host:5432/name")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "DATABASE_URL must point at PostgreSQL in production (postgres://…), not "
        f"{DATABASES['default']['ENGINE']}. Refusing to start."
    )

REDIS_URL = required("REDIS_URL", "Redis for the Celery broker, as redis://host:6379/0")
if urlsplit(REDIS_URL).scheme not in ("redis", "rediss"):
    raise ImproperlyConfigured(
        "REDIS_URL must be a redis:// or rediss:// URL in production. Refusing to start."
    )
CELERY_BROKER_URL = REDIS_URL

SITE_URL = required("SITE_URL", "the https:// address people use, for links in emails")
_site = urlsplit(SITE_URL)
if _site.scheme != "https" or not _site.hostname:
    raise ImproperlyConfigured(
        "SITE_URL must be the service's https:// address in production, such as "
        "https://repairs.example.gov.uk. Refusing to start."
    )
SITE_URL = SITE_URL.rstrip("/")

if EMAIL_ROUTE not in ("smtp", "notify"):
    raise ImproperlyConfigured(
        f"EMAIL_ROUTE must be smtp or notify, not {EMAIL_ROUTE!r}. Refusing to start."
    )
if EMAIL_ROUTE == "notify":
    # Without these every email would fail at send time, found only when one is late.
    required("NOTIFY_API_KEY", "a GOV.UK Notify API key to send emails through Notify")
    required("NOTIFY_EMAIL_TEMPLATE_ID", "the Notify email template, ((subject)) and ((body))")

DEBUG = False
# JSON lines, one object per line, for the log collector (LOG_FORMAT=plain to read by eye).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)
# Webhooks go only to https endpoints on public addresses (facilities.webhooks.guard).
WEBHOOKS_ALLOW_PRIVATE_URLS = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True

# HSTS for a year, subdomains included. Not preloaded: the preload list is all but permanent
# and covers the whole registrable domain (every other service under it), so submitting it is
# the domain owner's decision, not this service's. Hence Django's W021 is silenced here.
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = False
SILENCED_SYSTEM_CHECKS = ["security.W021"]
