"""The ids every log line carries: request id, user id and fault reference.

They live in context variables (per thread and per asyncio task), set by the web middleware
for a request and by the Celery signals for a task, and are copied onto each log record by
`ContextFilter`, so a line written deep in the sweep or the outbox needs no extra arguments.
Only ids: never a name, an email address or free text.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

FIELDS = ("request_id", "user_id", "fault")
_vars: dict[str, ContextVar[str | None]] = {name: ContextVar(name, default=None) for name in FIELDS}
#: An incoming X-Request-ID is kept only when it looks like an id (no log injection).
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def new_request_id(offered: str | None = None) -> str:
    if offered and _SAFE_ID.match(offered):
        return offered
    return uuid.uuid4().hex


def current() -> dict[str, str | None]:
    return {name: var.get() for name, var in _vars.items()}


def bind(**values: object) -> None:
    """Set some of the ids (others keep theirs); None clears one."""
    for name, value in values.items():
        _vars[name].set(None if value in (None, "") else str(value))


def clear() -> None:
    for var in _vars.values():
        var.set(None)


@contextmanager
def bound(**values: object) -> Iterator[None]:
    """The ids for a block, restored afterwards."""
    tokens = [
        (_vars[name], _vars[name].set(None if v in (None, "") else str(v)))
        for name, v in values.items()
    ]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class ContextFilter(logging.Filter):
    """Adds the current ids to every record ("-" when there is none), never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _vars.items():
            if getattr(record, name, None) is None:
                setattr(record, name, var.get() or "-")
        return True
