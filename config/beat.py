"""Exactly one celery beat: the scheduler takes a lock before it starts and holds it while it runs.

Two beats would start every periodic job twice. The jobs are safe to run twice, but the rule
is still enforced rather than hoped for:

- with REDIS_URL (production, CI): a Redis key taken with SET NX and a time-to-live
  (BEAT_LOCK_TTL_SECONDS, default 60), renewed by every tick of the beat (at least every
  5 seconds) only while it still holds our token. A crashed beat's lock lapses after the TTL.
  A lock that is gone altogether (Redis restarted without its data) is taken again by the
  beat still running, as SET NX would: a Redis outage does not stop the beat.
- without Redis (the embedded default, one machine): an exclusive `flock` on
  `VAR_DIR/beat.lock`, which the kernel releases when the process dies.

A second beat finds the lock taken and exits at once with a message naming the holder.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import uuid
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler
from redis import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_RENEW = """
local holder = redis.call('get', KEYS[1])
if holder == ARGV[1] then
    return redis.call('expire', KEYS[1], ARGV[2])
end
if not holder and redis.call('set', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
    return 1
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class BeatLock(Protocol):
    token: str
    after_a_crash: str

    def acquire(self) -> bool: ...
    def renew(self) -> bool: ...
    def release(self) -> None: ...
    def holder(self) -> str: ...


def _token() -> str:
    return f"{socket.gethostname()} pid {os.getpid()} ({uuid.uuid4().hex[:8]})"


class RedisBeatLock:
    """SET NX EX to take it; a check-and-set script to renew or release only our own."""

    def __init__(self, url: str, ttl: int, key: str) -> None:
        self.client = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.ttl, self.key, self.token = ttl, key, _token()
        self.after_a_crash = f"A crashed beat's lock lapses after {ttl} s."

    def acquire(self) -> bool:
        return bool(self.client.set(self.key, self.token, nx=True, ex=self.ttl))

    def renew(self) -> bool:
        """False only when someone else holds the lock; a Redis outage is not a loss, and a
        lock that Redis lost with its data (a restart without persistence) is taken again."""
        try:
            return bool(self.client.eval(_RENEW, 1, self.key, self.token, self.ttl))
        except RedisError:
            logger.warning("Could not renew the beat lock; Redis is unavailable", exc_info=True)
            return True

    def release(self) -> None:
        try:
            self.client.eval(_RELEASE, 1, self.key, self.token)
        except RedisError:
            logger.warning("Could not release the beat lock; it lapses by itself", exc_info=True)

    def holder(self) -> str:
        value = self.client.get(self.key)
        return value.decode() if value else "nobody"


class FileBeatLock:
    """An exclusive flock: one beat per machine, released by the kernel on any exit."""

    def __init__(self, path: Path) -> None:
        self.path, self.token, self._fd = path, _token(), None
        self.after_a_crash = f"The lock ({path}) is released when that process exits."

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, self.token.encode())
        self._fd = fd
        return True

    def renew(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def holder(self) -> str:
        try:
            return self.path.read_text() or "another process"
        except OSError:
            return "another process"


def beat_lock() -> BeatLock:
    if settings.REDIS_URL:
        return RedisBeatLock(
            settings.REDIS_URL, settings.BEAT_LOCK_TTL_SECONDS, settings.BEAT_LOCK_KEY
        )
    return FileBeatLock(Path(settings.VAR_DIR) / "beat.lock")


class AnotherBeatIsRunning(SystemExit):
    """Ends this beat process with a message (exit status 1)."""


class SingleBeatScheduler(DatabaseScheduler):
    """django-celery-beat's DatabaseScheduler that refuses to run beside another beat."""

    def __init__(self, *args, **kwargs) -> None:
        self.beat_lock = beat_lock()
        if kwargs.get("lazy"):
            # Beat builds a lazy instance only to print its banner; it never ticks.
            super().__init__(*args, **kwargs)
            self.beat_lock.renew = lambda: False
            return
        if not self.beat_lock.acquire():
            raise AnotherBeatIsRunning(
                "Refusing to start: another celery beat is running "
                f"(lock held by {self.beat_lock.holder()}). Exactly one beat may run; "
                f"stop the other one first. {self.beat_lock.after_a_crash}"
            )
        logger.info("Beat lock taken by %s", self.beat_lock.token)
        try:
            super().__init__(*args, **kwargs)
        except BaseException:
            self.beat_lock.release()
            raise

    def tick(self, *args, **kwargs) -> float:
        if not self.beat_lock.renew():
            logger.error("Another beat has taken the beat lock; this beat stops")
            raise AnotherBeatIsRunning("Lost the beat lock to another beat; stopping.")
        return super().tick(*args, **kwargs)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.beat_lock.release()
