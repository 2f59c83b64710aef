"""Production settings fail closed, and `manage.py check --deploy` has nothing to report.

Each case imports `config.settings.production` in a fresh interpreter with a controlled
environment, as a web process or worker starting up would.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[1]
GOOD = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "repairs.example.gov.uk",
    "DATABASE_URL": "postgres://repairs@db.internal:5432/repairs",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "SITE_URL": "https://repairs.example.gov.uk",
}
SHOW = (
    "from config.settings import production as p; "
    "print(p.DATABASES['default']['ENGINE'], p.CELERY_BROKER_URL, p.SITE_URL)"
)


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run Python with only the environment given (plus PATH), as a fresh process would."""
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env={**clean, "VAR_DIR": str(BASE_DIR / "var"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_with_everything_set_production_starts_on_postgresql_and_redis():
    result = run(["-c", SHOW], GOOD)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        GOOD["REDIS_URL"],
        GOOD["SITE_URL"],
    ]


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("DATABASE_URL", None, "DATABASE_URL is not set"),
        ("DATABASE_URL", "", "DATABASE_URL is not set"),
        ("DATABASE_URL", "sqlite:////tmp/repairs.sqlite3", "DATABASE_URL must point at Postgre"),
        ("REDIS_URL", None, "REDIS_URL is not set"),
        ("REDIS_URL", "filesystem://", "REDIS_URL must be a redis://"),
        ("SITE_URL", None, "SITE_URL is not set"),
        ("SITE_URL", "http://repairs.example.gov.uk", "SITE_URL must be the service's https://"),
        ("DJANGO_SECRET_KEY", None, "DJANGO_SECRET_KEY is not set"),
        ("DJANGO_ALLOWED_HOSTS", None, "DJANGO_ALLOWED_HOSTS is not set"),
        ("EMAIL_ROUTE", "carrier-pigeon", "EMAIL_ROUTE must be smtp or notify"),
    ],
)
def test_a_missing_or_wrong_setting_stops_start_up_with_a_clear_message(name, value, says):
    env = {k: v for k, v in GOOD.items() if k != name}
    if value is not None:
        env[name] = value
    result = run(["-c", SHOW], env)
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert says in result.stderr
    assert "Refusing to start" in result.stderr


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({}, "NOTIFY_API_KEY is not set"),
        ({"NOTIFY_API_KEY": "key-123"}, "NOTIFY_EMAIL_TEMPLATE_ID is not set"),
    ],
)
def test_the_notify_route_needs_its_key_and_template(given, says):
    result = run(["-c", SHOW], {**GOOD, "EMAIL_ROUTE": "notify", **given})
    assert result.returncode != 0
    assert says in result.stderr


def test_the_notify_route_starts_with_its_key_and_template():
    given = {"NOTIFY_API_KEY": "key-123", "NOTIFY_EMAIL_TEMPLATE_ID": "f33517ff-2a88"}
    result = run(["-c", SHOW], {**GOOD, "EMAIL_ROUTE": "notify", **given})
    assert result.returncode == 0, result.stderr


def test_check_deploy_reports_nothing():
    """Every deployment check passes (HSTS preload is off on purpose: see production.py)."""
    env = {**GOOD, "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    result = run(["manage.py", "check", "--deploy", "--fail-level", "DEBUG"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (1 silenced)." in result.stdout
