"""Keep a Celery worker running when Redis drops the connection (celery 5.7.0, kombu 5.7.0).

With those versions a worker exits with `Unrecoverable error: AttributeError("'NoneType'
object has no attribute 'hostname'")` when it loses Redis while it holds a message it has
not acknowledged yet (a task running with `acks_late`, or one prefetched) and is waiting on
BRPOP for more: the usual state of a busy prefork worker.

Why, in the installed sources:

1. `celery/worker/consumer/consumer.py`, `Consumer.on_connection_error_after_connected`
   first calls `connection.collect()` (line 476), then, new in 5.7.0 (celery/celery#10242,
   "prevent graceful shutdown regression in connection recovery", GH-9705),
   `connection.close()` (line 487).
2. `collect()` (`kombu/connection.py`, lines 432-452) closes the default channel and then
   detaches the transport (`_do_close_transport`: `transport.client = None`), but keeps
   `_default_channel`. Closing that Redis channel failed half way: `Channel.close`
   (`kombu/transport/redis.py`, lines 1890-1909) first reads the pending BRPOP reply from
   the dead socket, which raises a connection error (ignored there), so the channel is left
   open.
3. `close()` then closes the same channel again. This time it goes through: it drops the
   channel's connection pools (line 1907) and the virtual `Channel.close` restores the
   unacknowledged messages (`kombu/transport/virtual/base.py`, line 806), which needs a new
   pool: `Channel._connparams` (`kombu/transport/redis.py`, lines 1956-1959) reads
   `self.connection.client.hostname` with `client` now None.
4. An AttributeError is not one of the transport's connection errors, so it passes through
   `maybe_close_channel`, `ignore_errors` and the consumer's reconnect handler, and the
   worker stops. (It is the error of celery/kombu#582, reached by a new path.)

No setting avoids it short of giving up `acks_late` and prefetching, no released version
fixes it (celery and kombu 5.7.0 are the newest on PyPI; upstream main still closes after
`collect()`), and celery 5.6 lacks the 5.7 reconnect fixes (a worker hanging in `collect()`
on a dead socket, GH-9705). So this makes the one failing step say what it means: a Redis
channel whose connection has been closed raises redis' `ConnectionError` (one of the
transport's connection errors) instead of AttributeError. Every caller on these paths
already handles that: the close is ignored (the messages it would have put back are restored
by the visibility timeout, and the outbox re-dispatch sends anything lost), a late
acknowledgement is logged as "Couldn't ack", and the worker reconnects.

`apply()` patches only the versions above (celery 5.7, kombu up to 5.7.0); with any newer
kombu it does nothing. `tests/integration/test_broker_outage.py` fails if a newer version
still has the bug; then raise `LAST_AFFECTED_KOMBU` here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import celery
import kombu

#: The newest kombu known to have the bug, with celery 5.7 (which closes after collect()).
LAST_AFFECTED_KOMBU = (5, 7, 0)
_MARK = "_repairs_detached_channel_guard"


def affected(celery_version: tuple = celery.VERSION, kombu_version: tuple = kombu.VERSION) -> bool:
    """Whether these celery and kombu versions are the ones with the bug."""
    return tuple(celery_version[:2]) == (5, 7) and tuple(kombu_version[:3]) <= LAST_AFFECTED_KOMBU


def guard_detached(connparams: Callable[..., dict]) -> Callable[..., dict]:
    """Wrap `Channel._connparams`: a channel with no connection raises ConnectionError."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    @functools.wraps(connparams)
    def guarded(channel: Any, *args: Any, **kwargs: Any) -> dict:
        transport = channel.connection
        if transport is None or transport.client is None:
            raise RedisConnectionError(
                "The broker connection of this Redis channel is closed (config/broker_fixes.py)"
            )
        return connparams(channel, *args, **kwargs)

    setattr(guarded, _MARK, True)
    return guarded


def apply() -> bool:
    """Patch kombu's Redis channel if the installed versions need it; whether it did."""
    if not affected():
        return False
    from kombu.transport import redis as redis_transport

    channel = redis_transport.Channel
    if not getattr(channel._connparams, _MARK, False):
        channel._connparams = guard_detached(channel._connparams)
    return True
