"""The tests' own Celery queue on the broker: emptied and deleted when the session ends.

`config/settings/test.py` gives each test run a queue of its own (and, with Redis, its own
database). Tasks queued on commit by tests without a worker would otherwise pile up there.
"""

from __future__ import annotations

from config.celery_app import app as celery_app


def queue_name() -> str:
    return celery_app.conf.task_default_queue


def drop_test_queue() -> int:
    """Delete the run's queue (its messages and its bindings); how many messages it held."""
    queue = celery_app.amqp.queues[queue_name()]
    with celery_app.connection_for_write() as connection:
        bound = queue(connection.default_channel)
        bound.declare()  # so the channel knows the bindings it deletes
        dropped = bound.purge() or 0
        bound.delete()
    return dropped


def leftovers() -> list[str]:
    """What of the run's queue is still on the broker: its messages, or (Redis) any binding
    or key that names it. Empty when nothing is left behind."""
    name = queue_name()
    found: list[str] = []
    with celery_app.connection_for_write() as connection:
        channel = connection.default_channel
        if channel._size(name):
            found.append(f"{channel._size(name)} message(s) on {name}")
        client = getattr(channel, "client", None)
        if connection.transport.driver_type == "redis" and client is not None:
            for key in client.scan_iter(match="*"):
                text = key.decode()
                if name in text:
                    found.append(f"key {text}")
                elif text.startswith("_kombu.binding") and client.type(key) == b"set":
                    found += [
                        f"binding {text}: {m!r}" for m in client.smembers(key) if name in m.decode()
                    ]
    return found
