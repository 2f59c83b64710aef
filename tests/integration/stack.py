"""The production-like stack, as `honcho start` runs it from the Procfile, for the tests.

gunicorn (2 workers), a Celery worker and one beat, with production settings
(`stack_settings`), on the tests' PostgreSQL database, a Redis of the test's own and an SMTP
server on loopback. Every process runs in honcho's process groups under one session of its
own, and `stop` ends them all (SIGTERM, then SIGKILL), even when the test failed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tests.integration.conftest import BASE_DIR, free_port, wait_for

HONCHO = Path(sys.executable).with_name("honcho")
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def database_url(settings_dict: dict | None = None) -> str:
    db = settings_dict or connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


class Stack:
    def __init__(
        self,
        *,
        redis_url: str,
        smtp_port: int,
        log_path: Path,
        database: str | None = None,
        var_dir: Path,
        extra_env: dict[str, str] | None = None,
        processes: tuple[str, ...] = (),
    ) -> None:
        self.processes = processes  # Procfile lines to run; all of them by default
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.marker = uuid.uuid4().hex
        self.env = {
            "REPAIRS_STACK": self.marker,
            **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO"))},
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(BASE_DIR),
            "DJANGO_SETTINGS_MODULE": "tests.integration.stack_settings",
            "DJANGO_SECRET_KEY": "stack-test-only-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"https://127.0.0.1:{self.port}",
            "DATABASE_URL": database or database_url(),
            "REDIS_URL": redis_url,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "VAR_DIR": str(var_dir),
            "WEB_CONCURRENCY": "2",
            "WORKER_CONCURRENCY": "2",
            "SWEEP_INTERVAL_SECONDS": "2",
            "OUTBOX_REDISPATCH_SECONDS": "3",
            "BEAT_LOCK_TTL_SECONDS": "10",
            "RESTART_DELAY": "1",
            "LOG_FORMAT": "json",
            **(extra_env or {}),
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                str(HONCHO),
                *("start", "--no-colour", "-f", "Procfile", "-p", str(self.port)),
                *self.processes,
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def manage(self, *args: str) -> str:
        """`manage.py <args>` with the stack's settings and environment; its output."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def get(self, path: str, **kwargs) -> requests.Response | None:
        """The answer, or None while nothing is listening (or the server broke the line)."""
        try:
            return requests.get(self.url + path, timeout=20, allow_redirects=False, **kwargs)
        except (requests.ConnectionError, requests.Timeout):
            return None

    def health_when(self, status: int, timeout: float = 60) -> dict:
        """/healthz's answer once it has this status (a 503 response is falsy: not `r and`)."""
        found: list[requests.Response] = []

        def answered() -> bool:
            response = self.get("/healthz")
            if response is not None and response.status_code == status:
                found.append(response)
            return bool(found)

        wait_for(answered, timeout=timeout, what=f"/healthz to be {status}\n{self.tail()}")
        return found[0].json()

    def wait_until_serving(self, timeout: float = 60) -> None:
        wait_for(
            lambda: self.get("/healthz") is not None,
            timeout=timeout,
            what=f"the stack to serve\n{self.tail()}",
        )

    def tail(self, lines: int = 60) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.text().splitlines()[-lines:])
        return ""

    def main_pid(self, program: str) -> int:
        """The pid of the process `scripts/keep-running` started for a program (gunicorn's or
        celery's main process, not the wrapper nor their children)."""
        procs = _marked(self.marker)
        wrappers = {pid for pid, (_, cmd) in procs.items() if b"keep-running" in cmd}
        (pid,) = [
            pid
            for pid, (ppid, cmd) in procs.items()
            if ppid in wrappers and program.encode() in cmd and b"keep-running" not in cmd
        ]
        return pid

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(30)
        _kill_marked(self.marker)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        self.log.close()
        self.process = None

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _marked(marker: str) -> dict[int, tuple[int, bytes]]:
    """{pid: (parent pid, command line)} of every process whose environment carries this
    stack's marker (honcho starts each Procfile line in a session of its own, so no one
    process group holds them all)."""
    needle = f"REPAIRS_STACK={marker}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            found[int(entry.name)] = (ppid, (entry / "cmdline").read_bytes().replace(b"\0", b" "))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _kill_marked(marker: str) -> None:
    """SIGKILL whatever of the stack is still running."""
    for pid in _marked(marker):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)


def production_password(user) -> None:
    """Give the user PASSWORD hashed as production can check it (the test settings use MD5,
    which production does not accept); few iterations, to keep the test quick."""
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])


def signed_in(url: str, username: str, password: str = PASSWORD) -> requests.Session:
    """A browser-like session: signed in through the sign-in form, with its CSRF token.
    Production cookies are Secure; over loopback http the client is told to send them anyway."""
    session = requests.Session()
    session.get(f"{url}/sign-in/", timeout=30)
    response = session.post(
        f"{url}/sign-in/",
        data={"username": username, "password": password, **csrf(session)},
        timeout=30,
        allow_redirects=False,
    )
    insecure(session)
    assert response.status_code == 302, response.text[:2000]
    return session


def insecure(session: requests.Session) -> None:
    for cookie in session.cookies:
        cookie.secure = False


def csrf(session: requests.Session) -> dict[str, str]:
    insecure(session)
    return {"csrfmiddlewaretoken": session.cookies["csrftoken"]}
