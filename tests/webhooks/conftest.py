"""Fixtures for the webhook tests: an independent receiver on loopback, endpoints, faults.

The receiver is an `http.server` on 127.0.0.1, port 0 (the system picks a free one), in a
thread. It verifies each request with the Standard Webhooks reference package
(`standardwebhooks`), not with the project's signing module, against every secret it is
told, and records what came: headers, body, and which secrets verified it. It answers with
the status codes it is given, in turn (200 once they run out).
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from config.celery_app import app as celery_app
from facilities.faults import workflow
from facilities.models import WebhookEndpoint
from tests.factories import category


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified_by: list[str]  # the secrets whose signature matched

    @property
    def message(self) -> dict:
        return json.loads(self.body)

    @property
    def signatures(self) -> list[str]:
        return self.headers["webhook-signature"].split(" ")


@dataclass
class Receiver:
    url: str = ""
    secrets: list[str] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def verify(self, body: bytes, headers: dict[str, str]) -> list[str]:
        verified = []
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                continue
            verified.append(secret)
        return verified


def _serve(receiver: Receiver) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            receiver.received.append(Received(headers, body, receiver.verify(body, headers)))
            status = receiver.answers.pop(0) if receiver.answers else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def receiver():
    made = Receiver()
    server = _serve(made)
    yield made
    server.shutdown()
    server.server_close()


@pytest.fixture
def other_receiver():
    made = Receiver()
    server = _serve(made)
    yield made
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port_url() -> str:
    """An address on loopback where nothing listens (a receiver that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"


def endpoint_for(contractor, receiver: Receiver, **options) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.create(contractor=contractor, url=receiver.url, **options)
    receiver.secrets.append(endpoint.secret)
    return endpoint


@pytest.fixture
def endpoint(contractor, receiver) -> WebhookEndpoint:
    return endpoint_for(contractor, receiver)


@pytest.fixture
def other_endpoint(other_contractor, other_receiver) -> WebhookEndpoint:
    return endpoint_for(other_contractor, other_receiver)


@pytest.fixture
def log(office_manager, premises, contract, other_contract):
    """Log a fault at the office (routed to `contractor`), by default just now."""

    def _log(slug="plumbing-water", at=None, where=premises, who=office_manager, **kwargs):
        return workflow.fault_log(
            premises=where,
            category=category(slug),
            location="Ground floor",
            description="Cistern overflowing",
            reported_by=who,
            now=at or timezone.now(),
            **kwargs,
        )

    return _log


@pytest.fixture
def eager_tasks():
    """Tasks queued by name run at once in this process (a worker without a broker)."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


SECOND = timedelta(seconds=1)
