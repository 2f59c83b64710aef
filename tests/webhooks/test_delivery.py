"""Delivering webhooks to a real receiver on loopback: signatures, retries, rotation, replay.

Every signature here is checked by the receiver with the Standard Webhooks reference package
(`tests/webhooks/conftest.py`), never with the project's own signing code.
"""

import json
from datetime import timedelta

import pytest
import requests
from django.core.exceptions import ValidationError
from django.utils import timezone

from facilities.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookStatus
from facilities.models.webhooks import new_secret
from facilities.webhooks import Outcome, ReplayRefused, deliver, guard, redispatch, replay

pytestmark = pytest.mark.django_db

#: Standard Webhooks' retry schedule, written out here (not read from the code under test).
WAITS = [
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
]


def attempts(delivery: WebhookDelivery) -> list[tuple[int | None, bool]]:
    return [(a.response_status, a.replay) for a in delivery.attempt_log.order_by("at", "pk")]


def test_a_delivery_is_signed_as_standard_webhooks_say_and_verified_independently(
    log, endpoint, receiver
):
    fault = log()
    delivery = endpoint.deliveries.get()
    now = timezone.now()
    assert deliver(delivery.pk, now=now) == Outcome.DELIVERED

    (request,) = receiver.received
    assert request.verified_by == [endpoint.secret]
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"] == delivery.msg_id
    assert request.headers["webhook-timestamp"] == str(int(now.timestamp()))
    assert len(request.signatures) == 1
    assert request.signatures[0].startswith("v1,")
    assert request.body == delivery.body.encode()  # the stored bytes, exactly
    assert request.message["data"]["fault"]["id"] == fault.pk

    delivery.refresh_from_db()
    assert delivery.status == WebhookStatus.DELIVERED
    assert (delivery.attempts, delivery.last_response_status) == (1, 200)
    assert delivery.delivered_at == now
    (attempt,) = delivery.attempt_log.all()
    assert (attempt.response_status, attempt.error, attempt.replay) == (200, "", False)
    assert attempt.duration_ms >= 0


def test_the_receiver_refuses_a_signature_made_with_another_secret(log, endpoint, receiver):
    receiver.secrets = [new_secret()]
    log()
    deliver(endpoint.deliveries.get().pk)
    (request,) = receiver.received
    assert request.verified_by == []


def test_a_server_error_is_retried_after_the_backoff_then_delivered(log, endpoint, receiver):
    receiver.answers = [500]
    log()
    delivery = endpoint.deliveries.get()
    start = timezone.now()

    assert deliver(delivery.pk, now=start) == Outcome.RETRY
    delivery.refresh_from_db()
    assert delivery.status == WebhookStatus.PENDING
    assert delivery.next_attempt_at == start + WAITS[0]
    assert delivery.last_response_status == 500
    assert "answered 500" in delivery.last_error

    # Before the backoff is over, a duplicate task message changes nothing.
    assert deliver(delivery.pk, now=start + timedelta(seconds=4)) == Outcome.SKIPPED
    assert deliver(delivery.pk, now=start + WAITS[0]) == Outcome.DELIVERED

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WebhookStatus.DELIVERED, 2)
    assert attempts(delivery) == [(500, False), (200, False)]
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.msg_id
    assert first.body == second.body
    assert second.verified_by == [endpoint.secret]


def test_a_redirect_is_not_followed_and_counts_as_a_failure(log, endpoint, receiver):
    receiver.answers = [302]
    log()
    delivery = endpoint.deliveries.get()
    assert deliver(delivery.pk) == Outcome.RETRY
    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert "redirects are not followed" in delivery.last_error


def test_a_receiver_that_is_down_is_tried_eight_times_then_failed(log, contractor, closed_port_url):
    endpoint = WebhookEndpoint.objects.create(contractor=contractor, url=closed_port_url)
    log()
    delivery = endpoint.deliveries.get()
    at = timezone.now()
    outcomes = []
    for wait in [*WAITS, None]:
        outcomes.append(deliver(delivery.pk, now=at))
        delivery.refresh_from_db()
        if wait is not None:
            assert delivery.next_attempt_at == at + wait
            at += wait
    assert outcomes == [Outcome.RETRY] * 7 + [Outcome.FAILED]
    assert (delivery.status, delivery.attempts) == (WebhookStatus.FAILED, 8)
    log_rows = list(delivery.attempt_log.order_by("at"))
    assert len(log_rows) == 8
    assert all(row.response_status is None for row in log_rows)
    assert all("ConnectionError" in row.error for row in log_rows)
    # Failed for good: neither a task nor the re-dispatch sends it again.
    assert deliver(delivery.pk, now=at + timedelta(days=1)) == Outcome.SKIPPED
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 8


def test_a_deactivated_endpoint_fails_its_pending_deliveries_without_calling(
    log, endpoint, receiver
):
    log()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    delivery = endpoint.deliveries.get()
    assert deliver(delivery.pk) == Outcome.FAILED
    assert receiver.received == []
    delivery.refresh_from_db()
    assert delivery.last_error == "The endpoint has been deactivated."


# --- Secret rotation ------------------------------------------------------------------------


def test_during_a_rotation_both_secrets_sign_and_after_it_only_the_new(
    log, endpoint, receiver, time_machine
):
    old = endpoint.secret
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    new = endpoint.rotate(now, timedelta(hours=24))
    assert new != old
    assert new.startswith("whsec_")
    receiver.secrets = [old, new]

    log()
    log()
    first, second = endpoint.deliveries.order_by("pk")
    deliver(first.pk)
    (during,) = receiver.received
    assert len(during.signatures) == 2
    assert sorted(during.verified_by) == sorted([old, new])
    for secret in (old, new):  # a receiver holding only one of them accepts it
        receiver.secrets = [secret]
        assert receiver.verify(during.body, during.headers) == [secret]

    receiver.secrets = [old, new]
    time_machine.move_to(now + timedelta(hours=24, seconds=1), tick=False)
    deliver(second.pk)
    after = receiver.received[1]
    assert len(after.signatures) == 1
    assert after.verified_by == [new]


# --- Replay ---------------------------------------------------------------------------------


def test_a_replay_sends_the_same_id_and_body_with_a_new_signature_and_is_logged(
    log, endpoint, receiver, contractor_user
):
    log()
    first = endpoint.deliveries.get()
    start = timezone.now()
    deliver(first.pk, now=start - timedelta(seconds=30))

    again = replay(first, contractor_user, now=start)
    assert again.pk != first.pk
    assert (again.msg_id, again.body, again.event_type) == (
        first.msg_id,
        first.body,
        first.event_type,
    )
    assert (again.replay_of_id, again.replayed_by) == (first.pk, contractor_user)
    assert again.status == WebhookStatus.PENDING
    assert deliver(again.pk, now=start) == Outcome.DELIVERED

    original, replayed = receiver.received
    assert replayed.headers["webhook-id"] == original.headers["webhook-id"] == first.msg_id
    assert replayed.body == original.body
    assert replayed.headers["webhook-timestamp"] != original.headers["webhook-timestamp"]
    assert replayed.signatures != original.signatures
    assert replayed.verified_by == [endpoint.secret]
    assert attempts(again) == [(200, True)]
    assert attempts(first) == [(200, False)]
    # A replay of a replay still points at the first delivery of the message.
    assert replay(again, contractor_user).replay_of_id == first.pk


def test_a_message_still_waiting_to_be_sent_cannot_be_replayed(log, endpoint, contractor_user):
    log()
    pending = endpoint.deliveries.get()
    with pytest.raises(ReplayRefused, match="still waiting to be sent"):
        replay(pending, contractor_user)
    assert endpoint.deliveries.count() == 1


# --- Re-dispatch ----------------------------------------------------------------------------


def test_redispatch_sends_a_row_whose_task_was_lost(
    log, endpoint, receiver, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        log()  # committed, but the task queued on commit is lost
    delivery = endpoint.deliveries.get()
    now = timezone.now()
    assert redispatch(now=now).queued == 0  # within the grace the first task has
    assert redispatch(now=now + timedelta(seconds=61)).queued == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookStatus.DELIVERED
    assert [r.verified_by for r in receiver.received] == [[endpoint.secret]]
    assert redispatch(now=now + timedelta(seconds=120)).queued == 0


def test_redispatch_takes_back_a_row_left_sending_by_a_stopped_worker(
    log, endpoint, receiver, eager_tasks
):
    log()
    delivery = endpoint.deliveries.get()
    now = timezone.now()
    stuck_since = now - timedelta(seconds=121)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookStatus.SENDING, claimed_at=stuck_since, attempts=1
    )
    assert redispatch(now=now - timedelta(seconds=60)).queued == 0  # not stuck for long yet
    assert redispatch(now=now).queued == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WebhookStatus.DELIVERED, 2)
    abandoned, sent = delivery.attempt_log.order_by("at")
    assert abandoned.at == stuck_since
    assert "Abandoned" in abandoned.error
    assert sent.response_status == 200
    assert len(receiver.received) == 1


# --- Private addresses (server-side request forgery) ------------------------------------------

REFUSED = [
    "http://93.184.216.34/hooks",  # public, but not https
    "https://127.0.0.1/hooks",
    "https://localhost/hooks",  # a name that resolves to loopback
    "https://10.1.2.3/hooks",
    "https://192.168.0.10/hooks",
    "https://172.16.5.4/hooks",
    "https://169.254.169.254/latest/meta-data/",  # the cloud metadata service
    "https://[::1]/hooks",
    "https://[::ffff:127.0.0.1]/hooks",
    "https://[fe80::1]/hooks",
    "https://0.0.0.0/hooks",
    "https://user:secret@93.184.216.34/hooks",
]


@pytest.mark.parametrize("url", REFUSED)
def test_an_endpoint_on_a_private_address_is_refused_when_they_are_not_allowed(
    url, contractor, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    endpoint = WebhookEndpoint(contractor=contractor, url=url)
    with pytest.raises(ValidationError) as refused:
        endpoint.full_clean()
    assert "url" in refused.value.message_dict


def test_a_public_https_endpoint_is_accepted(contractor, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    WebhookEndpoint(contractor=contractor, url="https://93.184.216.34/hooks").full_clean()


def test_the_connection_itself_refuses_a_name_that_resolves_to_loopback(receiver, settings):
    """A URL checked when saved could resolve elsewhere later: each connection checks again."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    port = receiver.url.split(":")[2].split("/")[0]
    for url in (f"http://localhost:{port}/hooks", receiver.url):
        with guard.session() as http, pytest.raises(requests.ConnectionError, match="non-public"):
            http.post(url, data=b"{}", timeout=5)
    assert receiver.received == []
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    with guard.session() as http:
        assert http.post(receiver.url, data=b"{}", timeout=5).status_code == 200


def test_a_delivery_to_a_private_address_is_refused_when_they_are_not_allowed(
    log, endpoint, receiver, settings
):
    log()
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    delivery = endpoint.deliveries.get()
    assert deliver(delivery.pk) == Outcome.RETRY
    assert receiver.received == []
    delivery.refresh_from_db()
    assert "https" in delivery.last_error
    (attempt,) = delivery.attempt_log.all()
    assert attempt.response_status is None


def test_a_delivery_body_is_the_json_of_its_message(log, endpoint):
    log()
    delivery = endpoint.deliveries.get()
    message = json.loads(delivery.body)
    assert set(message) == {"type", "timestamp", "data"}
    assert message["timestamp"].endswith("Z")


def test_the_beat_schedule_runs_the_webhook_redispatch_with_the_email_one(settings, endpoint):
    from celery import current_app

    from facilities import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["redispatch-webhooks"]
    assert entry["task"] == "facilities.redispatch_webhooks"
    assert entry["schedule"] == timedelta(seconds=settings.OUTBOX_REDISPATCH_SECONDS)
    assert "facilities.redispatch_webhooks" in current_app.tasks
    assert tasks.redispatch_webhooks() == {"queued": 0}
