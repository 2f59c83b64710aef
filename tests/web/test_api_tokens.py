"""A person's own API tokens in the browser: make one (its secret shown once), see, revoke."""

import html
import re

import pytest
from rest_framework.test import APIClient

from facilities.models import ApiToken
from facilities.models.api import digest

pytestmark = pytest.mark.django_db


def make(client, **answers):
    data = {"name": "Our CAFM", "access": "read_write", "expiry": "90"} | answers
    return client.post("/account/api-tokens/new/", data)


def secret_in(response) -> str:
    found = re.search(
        r'id="token-secret" type="text" value="(prt_[^"]+)"', response.content.decode()
    )
    assert found, "no token shown"
    return html.unescape(found[1])


def api(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_the_header_links_to_the_page(client, office_manager):
    client.force_login(office_manager)
    text = client.get("/").content.decode()
    assert (
        '<a class="moj-header__navigation-link" href="/account/api-tokens/">API tokens</a>' in text
    )


def test_a_new_token_is_shown_once_and_works(client, clock, estate, contractor_user):
    client.force_login(contractor_user)
    response = make(client, expiry="30")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = secret_in(response)
    text = html.unescape(response.content.decode())
    assert "Copy your token now" in text
    assert "cannot be shown again" in text

    token = ApiToken.objects.get(user=contractor_user)
    assert token.key_hash == digest(secret)  # only the digest is kept
    assert token.name == "Our CAFM"
    assert not token.read_only
    assert (token.expires_at - token.created_at).days == 30

    # It is the person's key to the API: their scope, their rights.
    listed = api(secret).get("/api/v1/faults/")
    assert listed.status_code == 200
    assert {f["id"] for f in listed.json()["results"]} == {
        estate.heating.pk,
        estate.beds.pk,
        estate.alarm.pk,
    }
    acknowledged = api(secret).post(f"/api/v1/faults/{estate.heating.pk}/acknowledge/", {})
    assert acknowledged.status_code == 200

    # The list shows it, its last use, never its secret.
    page = client.get("/account/api-tokens/")
    text = page.content.decode()
    assert secret not in text
    assert f"<code>{token.prefix}…</code>" in text
    assert "Not used yet" not in text
    assert "Read and change" in text
    # The creating page is not a page to come back to: a GET shows the empty form.
    assert secret not in client.get("/account/api-tokens/new/").content.decode()


def test_a_read_only_token_that_never_expires(client, estate, office_manager):
    client.force_login(office_manager)
    secret = secret_in(make(client, access="read_only", expiry="never"))
    token = ApiToken.objects.get(user=office_manager)
    assert token.read_only
    assert token.expires_at is None
    assert api(secret).get("/api/v1/faults/").status_code == 200
    refused = api(secret).post(f"/api/v1/faults/{estate.heating.pk}/comment/", {"text": "Hi"})
    assert refused.status_code == 403


def test_the_form_says_what_is_missing(client, office_manager):
    client.force_login(office_manager)
    response = client.post("/account/api-tokens/new/", {"name": " ", "access": "admin"})
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert "<title>Error: Make an API token" in text
    for message, field in [
        ("Enter what the token is for", "name"),
        ("Choose what the token may do", "access"),
        ("Choose when the token should stop working", "expiry"),
    ]:
        assert f'<a href="#id_{field}">{message}</a>' in text
    assert not ApiToken.objects.exists()
    too_long = make(client, name="x" * 101)
    assert "What the token is for must be 100 characters or fewer" in too_long.content.decode()


def test_revoking_asks_first_then_the_token_stops_working(client, estate, contractor_user):
    client.force_login(contractor_user)
    secret = secret_in(make(client))
    token = ApiToken.objects.get(user=contractor_user)
    url = f"/account/api-tokens/{token.pk}/revoke/"

    asked = client.get(url)
    assert asked.status_code == 200
    assert "Are you sure you want to revoke this token?" in asked.content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None

    done = client.post(url)
    assert done.status_code == 302
    assert done["Location"] == "/account/api-tokens/"
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    refused = api(secret).get("/api/v1/faults/")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "The token has been revoked."
    listing = client.get("/account/api-tokens/").content.decode()
    assert "Revoked" in listing
    assert url not in listing  # nothing left to revoke


def test_another_person_can_neither_see_nor_revoke_it(
    client, contractor_user, other_contractor_user
):
    client.force_login(contractor_user)
    secret = secret_in(make(client, name="Carl's system"))
    token = ApiToken.objects.get(user=contractor_user)

    client.force_login(other_contractor_user)
    listing = client.get("/account/api-tokens/").content.decode()
    assert "Carl&#x27;s system" not in listing
    assert token.prefix not in listing
    assert 'id="no-tokens"' in listing
    url = f"/account/api-tokens/{token.pk}/revoke/"
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert api(secret).get("/api/v1/faults/").status_code == 200


def test_signed_out_people_are_sent_to_sign_in(client, contractor_user):
    token, _secret = ApiToken.issue(contractor_user, name="x")
    for url in (
        "/account/api-tokens/",
        "/account/api-tokens/new/",
        f"/account/api-tokens/{token.pk}/revoke/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")
