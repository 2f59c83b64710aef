"""/healthz: is the service able to do its job right now? No sign-in, no personal data.

Built on django-health-check: its database check (SELECT 1 on a connection of its own) and
Redis check (a PING, when REDIS_URL is set), and two of ours judged from facts in the
database, each with a limit from the settings:

- the sweep: the last completed run is at most HEALTH_SWEEP_MAX_AGE_SECONDS old, else beat
  (or every worker) has stopped;
- the outbox: no pending email has been due for more than HEALTH_OUTBOX_MAX_DELAY_SECONDS,
  else nothing is sending (the re-dispatch runs every OUTBOX_REDISPATCH_SECONDS).

The answer is JSON: each check's status and, for ours, the age in seconds; 200 when all are
well, else 503 (what a load balancer or an uptime monitor acts on).
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from redis.asyncio import Redis as RedisClient

from . import jobs


def _age(when: datetime | None, now: datetime) -> float | None:
    return None if when is None else round((now - when).total_seconds(), 1)


@dataclasses.dataclass
class Sweep(HealthCheck):
    """The overdue sweep ran lately: beat is ticking and a worker is taking its tasks."""

    age: float | None = None

    async def run(self) -> None:
        # In the request's thread, on its connection (not a connection of the executor's).
        await sync_to_async(self._check)()

    def _check(self) -> None:
        now = timezone.now()
        self.age = _age(jobs.last_completed(jobs.SWEEP_TASK), now)
        limit = settings.HEALTH_SWEEP_MAX_AGE_SECONDS
        if self.age is None:
            raise ServiceUnavailable("no sweep has completed yet: is beat running?")
        if self.age > limit:
            raise ServiceUnavailable(
                f"the last sweep completed {self.age:.0f} s ago (limit {limit} s): is beat running?"
            )

    def __repr__(self) -> str:
        return "sweep"


@dataclasses.dataclass
class Outbox(HealthCheck):
    """No email waits past its time: workers and the re-dispatch are sending."""

    age: float | None = None

    async def run(self) -> None:
        await sync_to_async(self._check)()

    def _check(self) -> None:
        now = timezone.now()
        created, due = jobs.oldest_pending_email()
        self.age = _age(created, now)
        delay = _age(due, now)
        limit = settings.HEALTH_OUTBOX_MAX_DELAY_SECONDS
        if delay is not None and delay > limit:
            raise ServiceUnavailable(
                f"an email has waited {delay:.0f} s past its time (limit {limit} s)"
            )

    def __repr__(self) -> str:
        return "outbox"


def _redis_client() -> RedisClient:
    return RedisClient.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


class Healthz(HealthCheckView):
    """Every check, always as JSON; 503 when any fails."""

    def get_checks(self):
        yield _Named(Database(), "database")
        if settings.REDIS_URL:
            yield _Named(Redis(client_factory=_redis_client), "redis")
        yield Sweep()
        yield Outbox()

    async def get(self, request, *args, **kwargs):
        with self.get_executor() as executor:
            self.results = await asyncio.gather(
                *(check.get_result(executor) for check in self.get_checks())
            )
        checks = {}
        for result in self.results:
            entry: dict[str, object] = {"status": "ok" if result.error is None else "unhealthy"}
            if result.error is not None:
                entry["detail"] = result.error.message
            check = getattr(result.check, "check", result.check)
            if hasattr(check, "age"):
                entry["age_seconds"] = check.age
            checks[repr(result.check)] = entry
        healthy = all(result.error is None for result in self.results)
        return JsonResponse(
            {"status": "ok" if healthy else "unhealthy", "checks": checks},
            status=200 if healthy else 503,
        )


@dataclasses.dataclass
class _Named(HealthCheck):
    """A library check under a short name that says nothing of hosts or ports."""

    check: HealthCheck
    name: str

    async def run(self) -> None:
        result = await self.check.get_result()
        if result.error is not None:
            raise result.error

    def __repr__(self) -> str:
        return self.name
