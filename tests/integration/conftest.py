"""Real parts for the reliability tests: an SMTP server on loopback, Celery workers, Redis.

- `smtp`: an aiosmtpd server on a free port that records each message it accepted (a
  message counts only once the server has answered 250 to it), and can be stopped, started
  again on the same port, or slowed down.
- `worker`: an in-process Celery worker (threads) consuming the tests' queue.
- `private_redis`: a redis-server of our own on a free port (never the shared one on 6379),
  which a test may stop and restart; `broker_at(url)` points the Celery app at it.
- `subprocess_worker`: `celery -A config worker` as a child process, to be killed with SIGKILL.

They need PostgreSQL (worker threads and processes share the test database) and Redis; in CI
a skip for want of them fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import kombu.pools
import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection
from django.test import override_settings

from config.celery_app import app as celery_app

BASE_DIR = Path(__file__).resolve().parents[2]
logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout: float = 60, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}")


@pytest.fixture
def services():
    """Skip (a failure in CI) unless PostgreSQL and Redis are there."""
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("requires PostgreSQL and Redis (DATABASE_URL, REDIS_URL)")


# --- SMTP ----------------------------------------------------------------------------------


@dataclass
class Recorder:
    """The aiosmtpd handler: keeps every message it accepted."""

    delay: float = 0.0
    messages: list = field(default_factory=list)
    data_started: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        self.data_started.set()
        if self.delay:
            await asyncio.sleep(self.delay)  # cancelled if the client goes away meanwhile
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def keys(self) -> Counter:
        with self.lock:
            return Counter(m["X-Repairs-Outbox-Key"] for _, m in self.messages)


class SMTPServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.recorder = Recorder()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def settings(self):
        return override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=self.port,
            EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_TIMEOUT=10,
        )


@pytest.fixture
def smtp():
    """A started SMTP server on loopback, with Django's email settings pointing at it."""
    server = SMTPServer()
    server.start()
    with server.settings():
        yield server
    server.stop()


# --- Celery workers and brokers ----------------------------------------------------------------


@contextlib.contextmanager
def broker_at(url: str):
    """Point the Celery app (producers and any worker started inside) at another broker."""
    before = celery_app.conf.broker_url

    def switch(to: str) -> None:
        celery_app.conf.broker_url = to
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        kombu.pools.reset()  # kombu keeps connection pools per broker URL

    switch(url)
    try:
        yield
    finally:
        switch(before)


@contextlib.contextmanager
def running_worker(concurrency: int = 4):
    with start_worker(
        celery_app,
        pool="threads",
        concurrency=concurrency,
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=30,
    ) as started:
        yield started


@pytest.fixture
def worker(services):
    """An in-process worker; what earlier tests left on the tests' queue is dropped first."""
    celery_app.control.purge()
    with running_worker() as started:
        yield started


class PrivateRedis:
    """A redis-server of our own, with no persistence: stopping it loses what it held."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("requires redis-server on PATH")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, what="redis-server to start")

    def _answers(self) -> bool:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", self.port), 0.2) as sock,
        ):
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
        return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def private_redis(services):
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


class SubprocessWorker:
    """`celery -A config worker` in its own process group, so SIGKILL takes all of it. One
    process by default (`--pool=solo`); `pool="prefork"` runs it as production does, a main
    process consuming for `concurrency` child processes."""

    def __init__(
        self,
        broker_url: str,
        smtp_port: int,
        log_path: Path,
        *,
        pool: str = "solo",
        concurrency: int = 1,
    ) -> None:
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": (
                f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
                f"{db['PORT'] or 5432}/{db['NAME']}"
            ),
            "DATABASE_CONN_MAX_AGE": "0",
            "REDIS_URL": broker_url,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "DJANGO_DEBUG": "0",
        }
        self.log_path = log_path
        self.pool = pool
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log = self.log_path.open("ab")
        offset = self.log.tell()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                f"--pool={self.pool}",
                f"--concurrency={self.concurrency}",
                "--loglevel=INFO",
                "--without-mingle",
                "--without-gossip",
                "-Q",
                celery_app.conf.task_default_queue,
                "--hostname",
                f"killtest-{os.getpid()}-{time.monotonic_ns()}@%h",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(
            lambda: b" ready." in self.log_path.read_bytes()[offset:],
            timeout=60,
            what="the worker to be ready",
        )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()
