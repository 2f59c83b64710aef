"""Tests: fast hashing, in-memory email unless a test points at a real SMTP server."""

import os

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

# --- Celery -----------------------------------------------------------------------------
# Tests publish to their own queue (and beat-lock key), so a development worker or beat on
# the same Redis never takes a test's task. Without REDIS_URL they publish to kombu's
# in-memory transport, which nothing consumes: the tests with a real worker require Redis.
if not REDIS_URL:
    CELERY_BROKER_URL = "memory://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_TASK_DEFAULT_QUEUE = "premises-repairs-test"
BEAT_LOCK_KEY = "premises-repairs-test:celery-beat-lock"
# Worker threads in the tests close their database connection after each task.
DATABASES["default"]["CONN_MAX_AGE"] = 0
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (whitenoise looks for it)
