"""Settings shared by every environment; each value can be set from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Core -------------------------------------------------------------------
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SERVICE_NAME = "Report a premises repair"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served locally (no CDN)
    "axes",
    "django_celery_beat",
    "simple_history",  # who changed reference data, and when (facilities.models.audit)
    "facilities",
]

MIDDLEWARE = [
    # First: a request id (and the user's id, the fault's reference) on every log line after it.
    "facilities.operations.middleware.RequestContextMiddleware",
    "config.client_address.ForwardedProtoFromTrustedProxies",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",  # the admin user behind a change
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "facilities.web.context.service",
            ],
        },
    },
]

# --- Content Security Policy -----------------------------------------------------
# Django's own (6.0), on every response. Scripts come from this site, or are inline with the
# response's nonce (`nonce="{{ csp_nonce }}"`, a fresh one each response: GOV.UK's js-enabled
# snippet, the module that starts GOV.UK and MOJ Frontend, a page's own enhancements, the API
# docs' Swagger UI set-up). No inline style at all: no `style=` attribute, no <style> element
# (Swagger UI's is a static file here; the report charts' SVG uses presentation attributes;
# the Django admin writes a <style> only for a list with actions_on_top and _bottom both off,
# which no admin here sets). Images from this site or data: URIs (Swagger UI's icons).
# Nothing may frame a page, and forms post only to this site. A test requests every kind of
# page and checks all of it (tests/web/test_csp.py); the browser tests fail on any violation
# the browser reports.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- Database -----------------------------------------------------------------
# DATABASE_URL switches to PostgreSQL; the embedded default is SQLite.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        # A kept connection is checked before each request reuses it: after the database
        # restarts, the next request connects afresh instead of failing on a dead socket.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------
AUTH_USER_MODEL = "facilities.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed sign-ins: after 5 failures for one username from one client address, that username
# is locked at that address for 15 minutes. Locking on the combination means a stranger can
# neither lock a named person out from elsewhere nor lock everyone at an address out by
# trying made-up names.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client address: REMOTE_ADDR, or X-Forwarded-For read from the right only when the request
# comes from one of TRUSTED_PROXIES (comma-separated addresses or networks of the reverse
# proxies in front of the app; empty by default, so the header is never trusted). The same list
# decides whether X-Forwarded-Proto counts (`ForwardedProtoFromTrustedProxies`), and the API's
# throttle for requests without a token keys on the same address.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
AXES_CLIENT_IP_CALLABLE = "config.client_address.client_address"

# --- Time ---------------------------------------------------------------------
# Stored in UTC, shown in Europe/London.
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files (GOV.UK Frontend and MOJ Frontend from npm, served by whitenoise) ---
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
NODE_MODULES = BASE_DIR / "node_modules"  # `npm ci` fills it from package-lock.json
GOVUK_FRONTEND = NODE_MODULES / "govuk-frontend" / "dist" / "govuk"
MOJ_FRONTEND = NODE_MODULES / "@ministryofjustice" / "frontend" / "moj"
if GOVUK_FRONTEND.exists():
    STATICFILES_DIRS += [
        ("govuk", GOVUK_FRONTEND),
        ("moj", MOJ_FRONTEND),
        # Both frameworks' CSS asks for fonts and images at /assets/...: they are also
        # collected under static "assets/", and /assets/<path> redirects there
        # (facilities.web.views.frontend_asset).
        ("assets", GOVUK_FRONTEND / "assets"),
        ("assets", MOJ_FRONTEND / "assets"),
    ]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# --- Email ----------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "repairs@justice.example")

# --- Celery -----------------------------------------------------------------------
# REDIS_URL switches the broker to Redis; the embedded default is kombu's filesystem broker.
REDIS_URL = os.environ.get("REDIS_URL", "")
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
# The cache keeps the report page's figures for a repeat view (facilities.web.reports_views):
# in Redis when there is one, shared by every web process; else in each process's memory. It
# only saves time: the page builds the report when the cache is empty or cannot be reached.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "premises-repairs",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "premises-repairs",
            "OPTIONS": {"MAX_ENTRIES": 100},
        }
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker (and beat) whose broker went away keeps trying to reconnect for as long as it takes
# (every 2, 4 … 30 s), instead of exiting after 100 tries (about 50 minutes); whatever was
# queued meanwhile is in the outbox, and the re-dispatch sends it. (Why it no longer exits at
# once when Redis goes away: config/broker_fixes.py.)
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Publishing while the broker is down gives up quickly: the outbox row is already saved and
# the re-dispatch sends it later, so a web request never hangs on a dead broker.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

# Beat: django-celery-beat keeps the schedule in the database (editable in the admin) and
# syncs CELERY_BEAT_SCHEDULE into it at start-up. Exactly one beat may run: the scheduler
# takes a lock first (config/beat.py) and a second beat exits with a message.
CELERY_BEAT_SCHEDULER = "config.beat:SingleBeatScheduler"
BEAT_LOCK_TTL_SECONDS = int(os.environ.get("BEAT_LOCK_TTL_SECONDS", "60"))
BEAT_LOCK_KEY = "premises-repairs:celery-beat-lock"
SWEEP_INTERVAL_SECONDS = int(os.environ.get("SWEEP_INTERVAL_SECONDS", "60"))
OUTBOX_REDISPATCH_SECONDS = int(os.environ.get("OUTBOX_REDISPATCH_SECONDS", "60"))
CATCH_UP_INTERVAL_SECONDS = int(os.environ.get("CATCH_UP_INTERVAL_SECONDS", "3600"))
CELERY_BEAT_SCHEDULE = {
    "sweep-overdue-faults": {
        "task": "facilities.sweep_overdue",
        "schedule": timedelta(seconds=SWEEP_INTERVAL_SECONDS),
        "options": {"expire_seconds": SWEEP_INTERVAL_SECONDS},
    },
    "redispatch-outbox": {
        "task": "facilities.redispatch_outbox",
        "schedule": timedelta(seconds=OUTBOX_REDISPATCH_SECONDS),
        "options": {"expire_seconds": OUTBOX_REDISPATCH_SECONDS},
    },
    "redispatch-webhooks": {
        "task": "facilities.redispatch_webhooks",
        "schedule": timedelta(seconds=OUTBOX_REDISPATCH_SECONDS),
        "options": {"expire_seconds": OUTBOX_REDISPATCH_SECONDS},
    },
    # Report downloads and reissues the broker or a worker lost; day-old downloads dropped.
    "redispatch-prepared-reports": {
        "task": "facilities.redispatch_prepared_reports",
        "schedule": timedelta(seconds=OUTBOX_REDISPATCH_SECONDS),
        "options": {"expire_seconds": OUTBOX_REDISPATCH_SECONDS},
    },
    "daily-digest": {
        "task": "facilities.send_daily_digests",
        "schedule": crontab(hour=7, minute=0),  # Europe/London (CELERY_TIMEZONE)
    },
    # Last month's contractor performance reports, issued once (facilities.tasks).
    "issue-monthly-reports": {
        "task": "facilities.issue_monthly_reports",
        "schedule": crontab(minute=0, hour=6, day_of_month=1),  # Europe/London
    },
    # What the crontab entries above missed while beat was down (facilities.operations.catchup);
    # also run once whenever beat starts.
    "catch-up": {
        "task": "facilities.catch_up",
        "schedule": timedelta(seconds=CATCH_UP_INTERVAL_SECONDS),
        "options": {"expire_seconds": CATCH_UP_INTERVAL_SECONDS},
    },
    # Closed faults' personal data removed after RETENTION_DAYS (facilities.retention). A day
    # missed is made up the next day: whatever is past the period is still due then.
    "anonymise-closed-faults": {
        "task": "facilities.anonymise_closed_faults",
        "schedule": crontab(hour=3, minute=30),  # Europe/London
    },
}
# Task modules beyond the autodiscovered tasks.py.
CELERY_IMPORTS: list[str] = []

# Outbox delivery: give up after this many attempts (backoff 1, 2, 4 … 60 minutes); a row
# claimed for longer than the timeout was abandoned mid-send by a worker that died. Rows are
# claimed one at a time, just before each is sent, so the timeout need only cover one send:
# connecting and each SMTP exchange time out after EMAIL_TIMEOUT (10 s).
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "12"))
OUTBOX_SENDING_TIMEOUT_SECONDS = int(os.environ.get("OUTBOX_SENDING_TIMEOUT_SECONDS", "120"))
# Quiet hours (facilities.notifications.quiet): escalation emails for P2-P4 faults raised from
# START to END, or on a weekend or bank holiday, wait for the next END of a working day and go
# then, one email per recipient. P1 and safety-critical escalations always go at once.
QUIET_HOURS_ENABLED = env_bool("QUIET_HOURS_ENABLED", True)
QUIET_HOURS_START = os.environ.get("QUIET_HOURS_START", "19:00")
QUIET_HOURS_END = os.environ.get("QUIET_HOURS_END", "07:00")
QUIET_HOURS_TIME_ZONE = os.environ.get("QUIET_HOURS_TIME_ZONE", "Europe/London")
# GOV.UK Notify (facilities.notifications.notify): EMAIL_ROUTE=notify sends emails through
# Notify's API (a template whose subject is ((subject)) and body ((body))) instead of SMTP;
# with an SMS template (body ((body))) P1 escalations also text the region's on-call number.
EMAIL_ROUTE = os.environ.get("EMAIL_ROUTE", "smtp")
NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "")
NOTIFY_BASE_URL = os.environ.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
NOTIFY_EMAIL_TEMPLATE_ID = os.environ.get("NOTIFY_EMAIL_TEMPLATE_ID", "")
NOTIFY_SMS_TEMPLATE_ID = os.environ.get("NOTIFY_SMS_TEMPLATE_ID", "")
NOTIFY_EMAIL_REPLY_TO_ID = os.environ.get("NOTIFY_EMAIL_REPLY_TO_ID", "")
NOTIFY_SMS_SENDER_ID = os.environ.get("NOTIFY_SMS_SENDER_ID", "")
NOTIFY_TIMEOUT_SECONDS = float(os.environ.get("NOTIFY_TIMEOUT_SECONDS", "10"))
# Retention (facilities.retention): closed faults' personal data is removed this many days
# after closing (six years by default), daily by beat or `manage.py anonymise_closed_faults`.
RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", str(6 * 365)))

# Webhooks (facilities.webhooks): endpoints must be https on public addresses unless this is
# on (tests and local development, whose receivers are on loopback; production forces it off).
WEBHOOKS_ALLOW_PRIVATE_URLS = env_bool("WEBHOOKS_ALLOW_PRIVATE_URLS")
# A delivery claimed longer than this was abandoned by a stopped worker (one request takes at
# most 5 s to connect and 10 s per read).
WEBHOOKS_SENDING_TIMEOUT_SECONDS = int(os.environ.get("WEBHOOKS_SENDING_TIMEOUT_SECONDS", "120"))

# --- REST framework -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "facilities.api.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "facilities.api.auth.ReadOnlyTokens",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["facilities.api.auth.PerTokenThrottle"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "facilities.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per token (per person for the session), in Django's cache; then 429 + Retry-After.
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "600/min")
# The events feed serves events recorded at least this long ago (facilities.api.events).
API_EVENTS_SETTLE_SECONDS = float(os.environ.get("API_EVENTS_SETTLE_SECONDS", "15"))
SPECTACULAR_SETTINGS = {
    "TITLE": "Premises repairs API",
    "DESCRIPTION": "Faults at probation premises, for contractors' own systems. "
    "Errors are RFC 9457 problem details (application/problem+json).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"PriorityEnum": "facilities.models.contracts.PRIORITY_CHOICES"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "facilities.api.schema.add_problem_responses",
    ],
}

# --- Logging and health (config/settings/operations.py) -------------------------------
from .operations import *  # noqa: E402, F403
