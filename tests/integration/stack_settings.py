"""Production settings for the stack the tests start (`stack.py`), with two differences: static
files need no `collectstatic` manifest (the tests fetch no CSS), and the site is served over
plain http on loopback (there is no TLS proxy in front)."""

from config.settings.production import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
