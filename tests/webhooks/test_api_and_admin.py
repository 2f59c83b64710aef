"""The contractor's API to its webhook deliveries, and the admin's endpoints and delivery log."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from facilities.models import WebhookDelivery, WebhookEndpoint, WebhookStatus
from facilities.webhooks import deliver
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

LIST = "/api/v1/webhook-deliveries/"


def replay_url(delivery: WebhookDelivery) -> str:
    return f"/api/v1/webhook-deliveries/{delivery.pk}/replay/"


@pytest.fixture
def three_sent(log, endpoint, other_endpoint, other_premises, other_office_manager):
    """Three messages delivered to `contractor`'s endpoint, one to the other contractor's."""
    for _ in range(3):
        log()
    log(where=other_premises, who=other_office_manager)
    now = timezone.now()
    for delivery in WebhookDelivery.objects.order_by("pk"):
        deliver(delivery.pk, now=now)
    return list(endpoint.deliveries.order_by("-created_at", "-pk"))


def test_a_contractor_lists_its_own_deliveries_newest_first_in_cursor_pages(
    three_sent, contractor_user
):
    api = client_for(contractor_user)
    first = api.get(LIST, {"page_size": 2})
    assert first.status_code == 200
    assert [d["id"] for d in first.json()["results"]] == [d.pk for d in three_sent[:2]]
    second = api.get(first.json()["next"])
    assert [d["id"] for d in second.json()["results"]] == [three_sent[2].pk]
    assert second.json()["next"] is None

    row = first.json()["results"][0]
    delivery = three_sent[0]
    assert row["message_id"] == delivery.msg_id
    assert row["event_type"] == "fault.routed"
    assert row["status"] == "delivered"
    assert (row["attempts"], row["last_response_status"]) == (1, 200)
    assert row["endpoint"] == {"id": delivery.endpoint_id, "url": delivery.endpoint.url}
    assert row["fault_reference"] == f"FLT-{delivery.fault_id:06d}"
    assert row["payload"]["data"]["fault"]["id"] == delivery.fault_id
    assert row["replay_of"] is None


@pytest.mark.parametrize("who", ["other_contractor_user", "office_manager", "regional_manager"])
def test_nobody_else_sees_a_contractors_deliveries(three_sent, who, request):
    listed = client_for(request.getfixturevalue(who)).get(LIST).json()["results"]
    assert not {d["id"] for d in listed} & {d.pk for d in three_sent}


def test_a_contractor_replays_a_delivery_through_the_api(
    three_sent, contractor_user, receiver, endpoint
):
    delivery = three_sent[0]
    answer = client_for(contractor_user).post(replay_url(delivery))
    assert answer.status_code == 202
    made = WebhookDelivery.objects.get(pk=answer.json()["id"])
    assert (made.msg_id, made.body, made.replay_of_id) == (
        delivery.msg_id,
        delivery.body,
        delivery.pk,
    )
    assert made.replayed_by == contractor_user
    assert answer.json()["replay_of"] == delivery.pk
    assert answer.json()["status"] == "pending"
    deliver(made.pk)
    replayed = receiver.received[-1]
    assert replayed.headers["webhook-id"] == delivery.msg_id
    assert replayed.verified_by == [endpoint.secret]
    # Again at once: the replay is delivered, so another is allowed; while one waits, a 409.
    client_for(contractor_user).post(replay_url(delivery))
    refused = client_for(contractor_user).post(replay_url(delivery))
    assert refused.status_code == 409
    assert refused["Content-Type"] == "application/problem+json"
    assert "still waiting" in refused.json()["detail"]


@pytest.mark.parametrize("who", ["other_contractor_user", "office_manager", "regional_manager"])
def test_anyone_elses_replay_is_a_404(three_sent, who, request):
    answer = client_for(request.getfixturevalue(who)).post(replay_url(three_sent[0]))
    assert answer.status_code == 404
    assert answer.json()["status"] == 404
    assert WebhookDelivery.objects.filter(replay_of__isnull=False).count() == 0


def test_a_read_only_token_cannot_replay(three_sent, contractor_user):
    answer = client_for(contractor_user, read_only=True).post(replay_url(three_sent[0]))
    assert answer.status_code == 403
    assert WebhookDelivery.objects.filter(replay_of__isnull=False).count() == 0


def test_an_unknown_delivery_is_a_404(contractor_user):
    assert (
        client_for(contractor_user).post("/api/v1/webhook-deliveries/999999/replay/").status_code
        == 404
    )


# --- Admin ------------------------------------------------------------------------------------


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_admin_adds_an_endpoint_and_shows_its_secret_once(
    client, administrator, contractor, receiver
):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:facilities_webhookendpoint_add"),
        {
            "contractor": contractor.pk,
            "url": receiver.url,
            "description": "CAFM",
            "active": "on",
            "event_types": ["fault.routed", "fault.escalated"],
        },
        follow=True,
    )
    assert response.redirect_chain
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["fault.routed", "fault.escalated"]
    shown = re.findall(r"whsec_[A-Za-z0-9+/=]+", response.content.decode())
    assert shown == [endpoint.secret]
    # Shown once: neither the endpoint's page nor the list shows it again.
    for url in (
        reverse("admin:facilities_webhookendpoint_change", args=[endpoint.pk]),
        reverse("admin:facilities_webhookendpoint_changelist"),
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert "whsec_" not in page.content.decode()


def test_the_admin_rotates_a_secret_and_the_old_one_signs_for_a_day(
    client, administrator, endpoint
):
    old = endpoint.secret
    client.force_login(administrator)
    response = client.post(
        reverse("admin:facilities_webhookendpoint_changelist"),
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.previous_secret == old
    now = timezone.now()
    assert (
        now + timedelta(hours=23) < endpoint.previous_secret_expires_at <= now + timedelta(hours=24)
    )
    assert endpoint.live_secrets(now) == [endpoint.secret, old]
    assert any(endpoint.secret in m for m in messages_of(response))


def test_the_admin_refuses_a_private_url_when_they_are_not_allowed(
    client, administrator, contractor, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    client.force_login(administrator)
    response = client.post(
        reverse("admin:facilities_webhookendpoint_add"),
        {
            "contractor": contractor.pk,
            "url": "https://169.254.169.254/latest/meta-data/",
            "active": "on",
            "event_types": ["fault.routed"],
        },
    )
    assert response.status_code == 200
    assert "webhooks go only to addresses on the public internet" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_shows_response_codes_and_replays(
    client, administrator, log, endpoint, receiver
):
    receiver.answers = [503]
    log()
    delivery = endpoint.deliveries.get()
    now = timezone.now()
    deliver(delivery.pk, now=now)
    deliver(delivery.pk, now=now + timedelta(seconds=5))
    client.force_login(administrator)
    page = client.get(reverse("admin:facilities_webhookdelivery_change", args=[delivery.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    cells = re.findall(r'<td class="field-response_status">\s*<p>(\d+)</p>', html)
    assert cells == ["503", "200"]
    listing = client.get(reverse("admin:facilities_webhookdelivery_changelist"))
    assert listing.status_code == 200
    assert '<td class="field-last_response_status">200</td>' in listing.content.decode()

    response = client.post(
        reverse("admin:facilities_webhookdelivery_changelist"),
        {"action": "replay", "_selected_action": [delivery.pk]},
    )
    assert response.status_code == 302
    made = WebhookDelivery.objects.get(replay_of=delivery)
    assert (made.msg_id, made.replayed_by, made.status) == (
        delivery.msg_id,
        administrator,
        WebhookStatus.PENDING,
    )
