"""Fixtures for the API tests: the web tests' estate and clock, tokens and clients per role."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from facilities.models import ApiToken
from tests.web.conftest import T0, clock, estate  # noqa: F401  (fixtures)

__all__ = ["T0"]

ROLES = [
    "office_manager",
    "contractor_user",
    "regional_manager",
    "other_office_manager",
    "other_contractor_user",
]


@pytest.fixture(autouse=True)
def _api_settings(settings):
    settings.API_EVENTS_SETTLE_SECONDS = 0
    settings.API_THROTTLE_RATE = "100000/min"
    cache.clear()  # throttle counts: token ids repeat from test to test


def client_for(user, **token_options) -> APIClient:
    _token, raw = ApiToken.issue(user, name="tests", **token_options)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.raw_token = raw
    return client


@pytest.fixture
def api_as(request):
    """api_as("office_manager") → an APIClient with a fresh read-write token for that person."""

    def make(role: str, **token_options) -> APIClient:
        return client_for(request.getfixturevalue(role), **token_options)

    return make
