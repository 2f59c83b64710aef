"""Log formats: JSON lines in production, one readable line in development.

`LOG_FORMAT` (json or plain; production defaults to json) picks the formatter for Django's
own logging (`config/settings`), and `use_for_celery` puts the same formatter and ids on the
handlers Celery sets up for its worker and beat processes.
"""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter

from .context import ContextFilter

PLAIN = "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(user_id)s %(fault)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s %(fault)s"


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        JSON_FIELDS,
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        timestamp=False,
    )


def plain_formatter() -> logging.Formatter:
    return logging.Formatter(PLAIN)


def formatter(kind: str) -> logging.Formatter:
    return json_formatter() if kind == "json" else plain_formatter()


def logging_config(kind: str, level: str) -> dict:
    """Django's LOGGING: one console handler with the ids filter and the chosen format."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"ids": {"()": "facilities.operations.context.ContextFilter"}},
        "formatters": {
            "json": {"()": "facilities.operations.logs.json_formatter"},
            "plain": {"()": "facilities.operations.logs.plain_formatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if kind == "json" else "plain",
                "filters": ["ids"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # Our request line (facilities.operations.middleware) replaces the server's.
            "django.server": {"level": "WARNING"},
            "gunicorn.access": {"level": "WARNING"},
            # A failing check is in /healthz's answer and its request line; not a traceback.
            "health_check": {"level": "ERROR"},
            # A line per page of every PDF built: too much at INFO.
            "weasyprint": {"level": "WARNING"},
            "fontTools": {"level": "WARNING"},
        },
    }


def use_for_celery(logger: logging.Logger, kind: str) -> None:
    """Celery replaces the root logger's handlers in its processes: give them our format."""
    for handler in logger.handlers:
        handler.setFormatter(formatter(kind))
        if not any(isinstance(f, ContextFilter) for f in handler.filters):
            handler.addFilter(ContextFilter())
