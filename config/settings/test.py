"""Tests: fast hashing, in-memory email unless a test points at a real SMTP server."""

import os
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import DATABASES, REDIS_URL, VAR_DIR

SECRET_KEY = "tests-only-not-secret"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media" / str(os.getpid())
AXES_ENABLED = True
ALLOWED_HOSTS = ["*"]

# --- Celery and Redis -------------------------------------------------------------------
# A test run leaves nothing behind in a shared Redis. It uses its own Redis database
# (TEST_REDIS_DB, default 15: never the one REDIS_URL names), and a queue and beat-lock key of
# its own run (REPAIRS_TEST_RUN, set here and inherited by the worker and beat processes the
# tests start; one per pytest-xdist worker), so neither a development worker nor another test
# run takes its tasks. At the end of the session `tests/conftest.py` deletes the queue and
# checks that nothing of it is left. Without REDIS_URL the tests publish to kombu's in-memory
# transport, which nothing consumes: the tests with a real worker require Redis.
TEST_RUN = os.environ.setdefault("REPAIRS_TEST_RUN", str(os.getpid()))
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
TEST_RUN_NAME = f"{TEST_RUN}-{_XDIST_WORKER}" if _XDIST_WORKER else TEST_RUN
if REDIS_URL:
    REDIS_URL = urlunsplit(
        urlsplit(REDIS_URL)._replace(path=f"/{int(os.environ.get('TEST_REDIS_DB', '15'))}")
    )
    CELERY_BROKER_URL = REDIS_URL
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_TASK_DEFAULT_QUEUE = f"premises-repairs-test-{TEST_RUN_NAME}"
# A cache in each test process's memory, never Redis (nothing kept there), emptied before
# every test by `tests/conftest.py` (ids, and so the report cache's data versions, repeat from
# one test to the next). The API's per-token throttle counts in it.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
BEAT_LOCK_KEY = f"premises-repairs-test-{TEST_RUN_NAME}:celery-beat-lock"
# Worker threads in the tests close their database connection after each task.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Quiet hours hold escalation emails at night: tests of other behaviour must not depend on the
# time of day the suite runs, so only the quiet-hours tests turn them on.
QUIET_HOURS_ENABLED = False
# Webhook receivers in tests and local development listen on loopback.
WEBHOOKS_ALLOW_PRIVATE_URLS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (whitenoise looks for it)
