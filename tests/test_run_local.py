"""`make run` tells the truth: a taken port fails at once, with the command to use instead."""

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "run-local"


@pytest.fixture
def taken_port():
    """A port something is listening on, as an earlier `make run` would be."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def run_local(port: int | str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PORT": str(port)}
    return subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=30, check=False
    )


def test_a_taken_port_fails_at_once_with_a_hint(taken_port):
    started = time.monotonic()
    result = run_local(taken_port)
    assert time.monotonic() - started < 10  # nothing was migrated, seeded or started
    assert result.returncode == 1
    assert f"Port {taken_port} is already in use" in result.stderr
    assert f"PORT={taken_port + 1} make run" in result.stderr
    assert "Operations to perform" not in result.stdout  # migrate never ran
    assert "running at" not in result.stdout


def test_a_free_port_passes_the_check(unused_tcp_port):
    result = run_local(unused_tcp_port, "--check-port")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_a_port_that_is_not_a_number_is_refused():
    result = run_local("eighty", "--check-port")
    assert result.returncode == 2
    assert "PORT must be a number" in result.stderr


@pytest.fixture
def unused_tcp_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
