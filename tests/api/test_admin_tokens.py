"""API tokens in the admin: issued with the secret shown once, revoked rather than deleted."""

import pytest
from django.contrib.messages import get_messages

from facilities.models import ApiToken
from facilities.models.api import digest

pytestmark = pytest.mark.django_db


def test_admin_issues_and_revokes_a_token(client, administrator, contractor_user):
    client.force_login(administrator)
    assert client.get("/admin/facilities/apitoken/add/").status_code == 200
    response = client.post(
        "/admin/facilities/apitoken/add/",
        {"user": contractor_user.pk, "name": "CAFM", "read_only": "on"},
    )
    assert response.status_code == 302
    token = ApiToken.objects.get()
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    raw = next(word for word in shown.split() if word.startswith("prt_"))
    assert token.key_hash == digest(raw)
    assert token.read_only
    assert token.user == contractor_user
    client.post(
        "/admin/facilities/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/admin/facilities/apitoken/").status_code == 200
