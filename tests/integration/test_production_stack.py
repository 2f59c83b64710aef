"""The production-like stack (issue 14, item 1): `honcho start` runs the Procfile — gunicorn with
two workers, a Celery worker and one beat — on PostgreSQL and Redis with production settings.

A fault is logged over HTTP by a signed-in office manager (the sign-in form, the session
cookie, the CSRF token); it is moved past its attendance due time; the beat's sweep raises
level 1 and its escalation email reaches the SMTP server on loopback. On the way: the worker's
JSON log lines carry the request id of the request that logged the fault; /healthz is 200;
and a web server that dies is started again by `scripts/keep-running`.
"""

import json
import os
import signal
from datetime import timedelta

import pytest
from django.utils import timezone

from facilities.models import Fault, OutboxEmail, OutboxKind
from tests.factories import category
from tests.integration.conftest import wait_for
from tests.integration.stack import Stack, csrf, production_password, signed_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def json_lines(text: str, process: str) -> list[dict]:
    """honcho's "12:00:00 worker.1 | {...}" lines of one process, parsed."""
    found = []
    for line in text.splitlines():
        head, _, rest = line.partition(" | ")
        if head.rstrip().endswith(f"{process}.1") and rest.startswith("{"):
            try:
                found.append(json.loads(rest))
            except ValueError:
                continue
    return found


def received_keys(smtp) -> set[str]:
    return set(smtp.recorder.keys())


def test_a_fault_logged_over_http_is_escalated_by_email(
    services, private_redis, smtp, tmp_path, office_manager, premises, contract
):
    # A P1 safety-critical kind: its escalation goes at once, even in quiet hours (item 7).
    alarms = category("personal-alarms")
    production_password(office_manager)
    with Stack(
        redis_url=private_redis.url,
        smtp_port=smtp.port,
        log_path=tmp_path / "stack.log",
        var_dir=tmp_path,
    ) as stack:
        stack.wait_until_serving()
        session = signed_in(stack.url, office_manager.username)
        form = session.get(f"{stack.url}/faults/new/", timeout=30)
        assert form.status_code == 200, form.text[:2000]
        response = session.post(
            f"{stack.url}/faults/new/",
            data={
                "premises": premises.pk,
                "category": alarms.pk,
                "location": "Interview room 2",
                "description": "Alarm receiver silent",
                **csrf(session),
            },
            headers={"X-Request-ID": "stack-test-log-fault"},
            timeout=30,
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text[:2000]
        assert response.headers["X-Request-ID"] == "stack-test-log-fault"
        fault = Fault.objects.get(premises=premises)
        assert response.headers["Location"] == f"/faults/{fault.pk}/logged/"
        logged_keys = set(fault.emails.values_list("dedupe_key", flat=True))
        wait_for(
            lambda: logged_keys <= received_keys(smtp),
            timeout=60,
            what=f"the fault's emails to arrive\n{stack.tail()}",
        )

        # Past its attendance time: the beat's next sweep breaches it and raises level 1.
        past = timezone.now() - timedelta(minutes=1)
        Fault.objects.filter(pk=fault.pk).update(attend_due_at=past, next_check_at=past)
        escalations = OutboxEmail.objects.filter(fault=fault, kind=OutboxKind.ESCALATION)
        wait_for(escalations.exists, timeout=60, what=f"the sweep to escalate\n{stack.tail()}")
        wait_for(
            lambda: set(escalations.values_list("dedupe_key", flat=True)) <= received_keys(smtp),
            timeout=60,
            what=f"the escalation email to arrive\n{stack.tail()}",
        )
        (escalation,) = [
            m
            for _, m in smtp.recorder.messages
            if m["X-Repairs-Outbox-Key"] in set(escalations.values_list("dedupe_key", flat=True))
        ][:1]
        assert fault.reference in escalation["Subject"]

        assert stack.health_when(200)["status"] == "ok"

        # A web server that dies is started again; the others carry on.
        web = stack.main_pid("gunicorn")
        worker = stack.main_pid("celery -A config worker")
        os.kill(web, signal.SIGKILL)
        wait_for(
            lambda: "keep-running: 'gunicorn' exited" in stack.text(), timeout=30, what="restart"
        )
        stack.health_when(200)
        assert stack.main_pid("gunicorn") != web
        assert stack.main_pid("celery -A config worker") == worker
        text = stack.text()

    # Structured logs: the worker's lines for the fault's emails carry the request's id.
    worker_lines = json_lines(text, "worker")
    assert worker_lines, text[-3000:]
    assert any(line.get("request_id") == "stack-test-log-fault" for line in worker_lines)
    web_lines = [
        line for line in json_lines(text, "web") if line.get("logger") == "facilities.requests"
    ]
    logged = [line for line in web_lines if line["request_id"] == "stack-test-log-fault"]
    assert logged
    assert logged[0]["user_id"] == str(office_manager.pk)
    assert "Alarm receiver silent" not in text
