"""Problem details, API tokens (life cycle, read-only, throttling) and idempotency keys."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from facilities.models import ApiToken, EventKind, Fault, FaultEvent
from facilities.models.api import digest
from tests.api.conftest import client_for
from tests.factories import category

pytestmark = pytest.mark.django_db

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    return body


def test_validation_names_the_field(api_as, estate):
    client = api_as("contractor_user")
    body = assert_problem(
        client.post(f"/api/v1/faults/{estate.heating.pk}/fix/", {}, format="json"), 400
    )
    assert list(body["errors"]) == ["note"]


def test_workflow_error_with_a_field_is_400_and_without_is_409(api_as, estate):
    client = api_as("regional_manager")
    same = client.post(
        f"/api/v1/faults/{estate.heating.pk}/change-priority/",
        {"priority": estate.heating.priority, "reason": "x"},
        format="json",
    )
    assert assert_problem(same, 400)["errors"] == {"priority": [same.json()["detail"]]}
    refused = client.post(f"/api/v1/faults/{estate.heating.pk}/confirm/", {}, format="json")
    assert "cannot be confirmed" in assert_problem(refused, 409)["detail"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("get", "/api/v1/faults/999999/", None, 404),
        ("get", "/api/v1/faults/99999999999999999999999/", None, 404),
        ("get", "/api/v1/nowhere/", None, 404),
        ("delete", "/api/v1/faults/", None, 405),
        ("get", "/api/v1/faults/?cursor=garbage", None, 404),
        ("get", "/api/v1/events/?after=-1", None, 400),
        ("get", "/api/v1/faults/?status=nonsense", None, 400),
        ("post", "/api/v1/faults/", "{not json", 400),
        ("post", "/api/v1/faults/", "[1, 2]", 400),
    ],
)
def test_every_4xx_is_a_problem(api_as, estate, method, path, body, status):
    client = api_as("office_manager")
    kwargs = {"data": body, "content_type": "application/json"} if body else {}
    assert_problem(getattr(client, method)(path, **kwargs), status)


def test_token_lifecycle(office_manager, estate):
    client = client_for(office_manager)
    token = ApiToken.objects.get(key_hash=digest(client.raw_token))
    assert token.last_used_at is None
    assert client.get("/api/v1/faults/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    token.expires_at = timezone.now() - timedelta(seconds=1)
    token.save()
    assert "expired" in assert_problem(client.get("/api/v1/faults/"), 401)["detail"]
    token.expires_at = None
    token.save()
    token.revoke()
    assert "revoked" in assert_problem(client.get("/api/v1/faults/"), 401)["detail"]
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Bearer prt_not-a-token")
    assert_problem(stranger.get("/api/v1/faults/"), 401)
    office_manager.is_active = False
    office_manager.save()
    assert_problem(client_for(office_manager).get("/api/v1/faults/"), 401)


def test_tokens_are_stored_hashed(office_manager):
    token, raw = ApiToken.issue(office_manager, days=30)
    assert raw not in {token.key_hash, token.prefix}
    assert token.key_hash == digest(raw)
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)


def test_read_only_token_may_only_read(contractor_user, estate):
    client = client_for(contractor_user, read_only=True)
    assert client.get(f"/api/v1/faults/{estate.heating.pk}/").status_code == 200
    response = client.post(f"/api/v1/faults/{estate.heating.pk}/acknowledge/", {}, format="json")
    assert "read-only" in assert_problem(response, 403)["detail"]


def test_management_command_prints_the_token_once(office_manager, estate):
    out = StringIO()
    call_command("create_api_token", "olivia", "--read-only", "--days", "7", stdout=out,
                 stderr=StringIO())  # fmt: skip
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(key_hash=digest(raw))
    assert token.read_only
    assert token.expires_at
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/faults/").status_code == 200


def test_throttled_per_token_with_retry_after(settings, office_manager, estate):
    settings.API_THROTTLE_RATE = "3/min"
    first, second = client_for(office_manager), client_for(office_manager)
    for _ in range(3):
        assert first.get("/api/v1/categories/").status_code == 200
    throttled = first.get("/api/v1/categories/")
    assert_problem(throttled, 429)
    assert int(throttled["Retry-After"]) > 0
    assert second.get("/api/v1/categories/").status_code == 200  # its own allowance


# --- Idempotency ------------------------------------------------------------------------------


def test_same_key_twice_logs_one_fault(api_as, estate):
    client = api_as("office_manager")
    body = {
        "premises": estate.heating.premises_id,
        "category": category("plumbing-water").pk,
        "location": "Kitchen",
        "description": "Leak",
    }
    before = Fault.objects.count()
    first = client.post("/api/v1/faults/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/faults/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"]
    assert Fault.objects.count() == before + 1
    other = client.post("/api/v1/faults/", {**body, "location": "Hall"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="k-1")  # fmt: skip
    assert_problem(other, 422)
    assert Fault.objects.count() == before + 1


def test_same_key_twice_records_one_event(api_as, estate):
    client = api_as("contractor_user")
    url = f"/api/v1/faults/{estate.heating.pk}/attend/"
    for _ in range(2):
        response = client.post(url, {"note": "On site"}, format="json", HTTP_IDEMPOTENCY_KEY="a1")
        assert response.status_code == 200
    assert FaultEvent.objects.filter(fault=estate.heating, kind=EventKind.ATTENDED).count() == 1
    # Another token's key of the same value is its own.
    other = api_as("contractor_user").post(url, {"note": "On site"}, format="json",
                                           HTTP_IDEMPOTENCY_KEY="a1")  # fmt: skip
    assert_problem(other, 409)


def test_a_failed_request_is_not_remembered(api_as, estate):
    client = api_as("contractor_user")
    url = f"/api/v1/faults/{estate.heating.pk}/fix/"
    assert_problem(client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="f1"), 400)
    fixed = client.post(url, {"note": "Done"}, format="json", HTTP_IDEMPOTENCY_KEY="f1")
    assert fixed.status_code == 200


def test_keys_expire_after_24_hours(api_as, estate, time_machine):
    client = api_as("contractor_user")
    url = f"/api/v1/faults/{estate.heating.pk}/comment/"
    client.post(url, {"text": "one"}, format="json", HTTP_IDEMPOTENCY_KEY="c1")
    time_machine.shift(timedelta(hours=25))
    client.post(url, {"text": "one"}, format="json", HTTP_IDEMPOTENCY_KEY="c1")
    assert FaultEvent.objects.filter(fault=estate.heating, kind=EventKind.COMMENT).count() == 2
