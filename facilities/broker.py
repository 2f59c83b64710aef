"""Asking a worker for work whose row is already saved: emails, webhooks, prepared reports.

The row is the promise; the broker message only saves waiting for the periodic re-dispatch.
So a broker that is down (or any other failure to queue, after the commit) never fails the
caller: it is logged, and the re-dispatch sends the row later. One place for that rule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def queue_or_warn(send: Callable[[], object], what: str) -> bool:
    """Run `send` (which queues the tasks); False with a warning naming `what` if it fails."""
    try:
        send()
    except (OperationalError, OSError):
        logger.warning(
            "Could not queue %s (broker unavailable); the re-dispatch will send them",
            what,
            exc_info=True,
        )
        return False
    except Exception:  # after commit: the row is saved, so never fail the caller for this
        logger.exception("Could not queue %s; the re-dispatch will send them", what)
        return False
    return True
