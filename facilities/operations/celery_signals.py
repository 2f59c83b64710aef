"""Celery's side of the ids and of the scheduled-job records.

- Publishing a task (in a web request, a sweep, another task) copies the current ids into the
  message's headers; the worker binds them before the task runs and clears them after, so a
  task's log lines carry the request id, user id and fault reference of what caused it.
- A task started by beat with no request behind it gets an id of its own.
- A scheduled job that completes is recorded (`jobs.record_completion`): /healthz reads the
  age of the last completed sweep from it.
- Celery sets up its own log handlers in the worker and beat: they get our format and ids.

Imported by `config/celery_app.py`, so every process that publishes or runs tasks has them;
this module touches no model at import time.
"""

from __future__ import annotations

import logging
import os

from celery import signals

from . import context, logs

HEADER = "repairs_ids"


def log_format() -> str:
    from django.conf import settings

    return getattr(settings, "LOG_FORMAT", os.environ.get("LOG_FORMAT", "plain"))


@signals.before_task_publish.connect
def _put_ids_on_message(headers: dict | None = None, **_: object) -> None:
    if headers is not None:
        ids = {k: v for k, v in context.current().items() if v}
        if ids:
            headers[HEADER] = ids


@signals.task_prerun.connect
def _bind_ids(task=None, **_: object) -> None:
    ids = dict(getattr(task.request, HEADER, None) or {}) if task is not None else {}
    if not ids.get("request_id"):
        ids["request_id"] = f"task-{task.request.id}" if task is not None else None
    context.clear()
    context.bind(**{k: v for k, v in ids.items() if k in context.FIELDS})


@signals.task_postrun.connect
def _clear_ids(**_: object) -> None:
    context.clear()


@signals.task_success.connect
def _record_scheduled_job(sender=None, **_: object) -> None:
    from . import jobs  # needs the models: only once Django is set up

    if sender is not None:
        try:
            jobs.record_completion(sender.name)
        except Exception:  # the task's work is done; a missing record only ages /healthz
            logging.getLogger(__name__).warning(
                "Could not record that %s completed", sender.name, exc_info=True
            )


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def _format_celery_logs(logger: logging.Logger | None = None, **_: object) -> None:
    if logger is not None:
        logs.use_for_celery(logger, log_format())


@signals.beat_init.connect
def _catch_up_when_beat_starts(sender=None, **_: object) -> None:
    """A beat that was down may have missed crontab times: look at once (`catchup`)."""
    from celery import current_app

    try:
        current_app.send_task("facilities.catch_up")
    except Exception:
        logging.getLogger(__name__).warning(
            "Could not ask for a catch-up at start; the periodic one will run", exc_info=True
        )
