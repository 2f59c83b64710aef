"""Failure drills (issue 14, item 10), each against the production-like stack:

- PostgreSQL restarted during traffic: requests meanwhile get the GOV.UK "service
  unavailable" page (503, Retry-After), never a traceback or a 500, and once it is back the
  same web processes serve again: nothing is restarted. (A private, throw-away cluster: the
  shared one is never restarted.)
- Redis down: pages still serve and a fault is still logged (its emails wait in the outbox);
  /healthz names Redis; when Redis is back the emails arrive.
- Beat stopped: /healthz turns 503 and names the sweep; when beat runs again it recovers.
"""

import os
import signal
import threading
import time
from dataclasses import dataclass, field

import pytest
import requests

from facilities.models import Fault, OutboxStatus
from tests.factories import category
from tests.integration.conftest import wait_for
from tests.integration.private_postgres import private_postgres  # noqa: F401  (fixture)
from tests.integration.stack import PASSWORD, Stack, csrf, production_password, signed_in

pytestmark = [pytest.mark.slow]

UNAVAILABLE = "Sorry, the service is unavailable"


@dataclass
class Traffic:
    """Requests a page over and over from a thread, keeping what came back."""

    session: requests.Session
    url: str
    answers: list[tuple[int, str, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                r = self.session.get(self.url, timeout=15, allow_redirects=False)
                self.answers.append((r.status_code, r.headers.get("Retry-After", ""), r.text))
            except requests.RequestException as error:
                self.answers.append((0, "", repr(error)))
            time.sleep(0.1)

    def statuses(self) -> list[int]:
        return [status for status, _, _ in self.answers]


def test_postgres_restarted_during_traffic_gives_503_pages_then_recovers(
    private_postgres,  # noqa: F811
    private_redis,
    smtp,
    tmp_path,
):
    stack = Stack(
        redis_url=private_redis.url,
        smtp_port=smtp.port,
        log_path=tmp_path / "stack.log",
        var_dir=tmp_path,
        database=private_postgres.url,
        processes=("web",),
    )
    stack.manage("migrate", "--noinput")
    stack.manage(
        "shell",
        "-c",
        "from facilities.models import User; "
        f"User.objects.create_user('drill', 'drill@example.com', '{PASSWORD}')",
    )
    with stack:
        stack.wait_until_serving()
        session = signed_in(stack.url, "drill")
        assert session.get(f"{stack.url}/", timeout=30).status_code == 200
        web = stack.main_pid("gunicorn")
        traffic = Traffic(session, f"{stack.url}/")
        thread = threading.Thread(target=traffic.run, daemon=True)
        thread.start()
        try:
            wait_for(lambda: 200 in traffic.statuses(), timeout=30, what="traffic")
            private_postgres.stop("fast")  # ends every session, as a restart does
            wait_for(lambda: 503 in traffic.statuses(), timeout=30, what="a 503 while it is down")
            time.sleep(2)
            private_postgres.start()
            seen = len(traffic.answers)
            wait_for(
                lambda: 200 in traffic.statuses()[seen:],
                timeout=30,
                what=f"pages to be served again\n{stack.tail()}",
            )
        finally:
            traffic.stop.set()
            thread.join(30)
        assert stack.main_pid("gunicorn") == web  # the same server: nothing was restarted
        assert "keep-running:" not in stack.text()

    assert set(traffic.statuses()) <= {200, 503}, traffic.statuses()
    down = [(retry, text) for status, retry, text in traffic.answers if status == 503]
    for retry, text in down:
        assert UNAVAILABLE in text
        assert "govuk-template" in text
        assert "Traceback" not in text
        assert retry == "30"
    assert traffic.statuses()[-1] == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_redis_down_pages_and_faults_go_on_and_a_stopped_beat_shows_in_healthz(
    services, private_redis, smtp, tmp_path, office_manager, premises, contract
):
    production_password(office_manager)
    with Stack(
        redis_url=private_redis.url,
        smtp_port=smtp.port,
        log_path=tmp_path / "stack.log",
        var_dir=tmp_path,
        extra_env={"HEALTH_SWEEP_MAX_AGE_SECONDS": "8"},
    ) as stack:
        stack.wait_until_serving()
        session = signed_in(stack.url, office_manager.username)

        # Redis down: the service keeps serving and logging faults.
        private_redis.stop()
        assert session.get(f"{stack.url}/faults/", timeout=30).status_code == 200
        form = session.get(f"{stack.url}/faults/new/", timeout=30)
        assert form.status_code == 200
        response = session.post(
            f"{stack.url}/faults/new/",
            data={
                "premises": premises.pk,
                "category": category("personal-alarms").pk,
                "location": "Interview room 2",
                "description": "Alarm receiver silent",
                **csrf(session),
            },
            timeout=30,
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text[:2000]
        fault = Fault.objects.get(premises=premises)
        assert set(fault.emails.values_list("status", flat=True)) == {OutboxStatus.PENDING}
        health = stack.get("/healthz")
        assert health.status_code == 503
        assert health.json()["checks"]["redis"]["status"] == "unhealthy"

        # Redis back: the emails go (the re-dispatch), and all is well again.
        private_redis.start()
        keys = set(fault.emails.values_list("dedupe_key", flat=True))
        wait_for(
            lambda: keys <= set(smtp.recorder.keys()),
            timeout=90,
            what=f"the emails to go once Redis is back\n{stack.tail()}",
        )
        stack.health_when(200)

        # Beat stopped (frozen, so nothing restarts it): /healthz says so.
        beat = stack.main_pid("celery -A config beat")
        os.kill(beat, signal.SIGSTOP)
        try:
            sweep = stack.health_when(503)["checks"]["sweep"]
            assert sweep["status"] == "unhealthy"
            assert "beat" in sweep["detail"]
            assert sweep["age_seconds"] > 8
        finally:
            os.kill(beat, signal.SIGCONT)
        assert stack.health_when(200)["checks"]["sweep"]["status"] == "ok"
