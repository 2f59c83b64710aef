"""/healthz: no sign-in, no personal data, and 503 when beat or the outbox has stopped."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from facilities.models import JobRun, OutboxEmail, OutboxKind, OutboxStatus
from facilities.operations import jobs

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def healthz(client):
    response = client.get("/healthz", HTTP_ACCEPT="text/html")
    return response, response.json()


def a_pending_email(*, due_ago: timedelta) -> OutboxEmail:
    now = timezone.now()
    return OutboxEmail.objects.create(
        kind=OutboxKind.FAULT_LOGGED,
        dedupe_key=f"health:{due_ago}",
        to=["someone@example.com"],
        template="fault-logged",
        created_at=now - due_ago,
        next_attempt_at=now - due_ago,
    )


def test_healthy_after_a_recent_sweep_without_signing_in(client):
    jobs.record_completion(jobs.SWEEP_TASK)
    response, body = healthz(client)
    assert response.status_code == 200, body
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    assert body["status"] == "ok"
    assert {"database", "sweep", "outbox"} <= set(body["checks"])
    assert 0 <= body["checks"]["sweep"]["age_seconds"] < 60
    assert body["checks"]["outbox"]["age_seconds"] is None


def test_no_sweep_yet_is_unhealthy(client):
    response, body = healthz(client)
    assert response.status_code == 503
    assert body["checks"]["sweep"]["status"] == "unhealthy"
    assert "beat" in body["checks"]["sweep"]["detail"]


@override_settings(HEALTH_SWEEP_MAX_AGE_SECONDS=300)
def test_a_stale_sweep_means_beat_has_stopped(client):
    jobs.record_completion(jobs.SWEEP_TASK, now=timezone.now() - timedelta(seconds=301))
    response, body = healthz(client)
    assert response.status_code == 503
    assert body["status"] == "unhealthy"
    assert body["checks"]["sweep"]["age_seconds"] >= 301
    assert body["checks"]["database"]["status"] == "ok"


@override_settings(HEALTH_OUTBOX_MAX_DELAY_SECONDS=900)
def test_an_email_waiting_past_its_time_makes_it_unhealthy_and_shows_its_age(client):
    jobs.record_completion(jobs.SWEEP_TASK)
    a_pending_email(due_ago=timedelta(minutes=5))
    response, body = healthz(client)
    assert response.status_code == 200
    assert body["checks"]["outbox"]["age_seconds"] >= 300

    a_pending_email(due_ago=timedelta(minutes=16))
    response, body = healthz(client)
    assert response.status_code == 503
    assert body["checks"]["outbox"]["status"] == "unhealthy"
    assert body["checks"]["outbox"]["age_seconds"] >= 960


def test_says_nothing_personal(client):
    jobs.record_completion(jobs.SWEEP_TASK)
    a_pending_email(due_ago=timedelta(hours=2))
    _, body = healthz(client)
    text = str(body)
    assert "someone@example.com" not in text
    assert "password" not in text.lower()


def test_only_scheduled_tasks_are_recorded():
    assert jobs.record_completion("facilities.sweep_overdue")
    assert jobs.record_completion("facilities.sweep_overdue")
    assert not jobs.record_completion("facilities.deliver_email")
    assert JobRun.objects.get().runs == 2
    assert OutboxStatus.PENDING  # (the import is used by the outbox test above)
