"""The database unreachable: a GOV.UK "service unavailable" page (503), never a traceback."""

import pytest
from django.db import IntegrityError, OperationalError
from django.test import Client, override_settings
from django.urls import path

from facilities.operations.errors import database_unavailable


def database_gone(request):
    raise OperationalError("connection refused")


def broken_query(request):
    raise IntegrityError("duplicate key")


urlpatterns = [
    path("gone/", database_gone),
    path("broken/", broken_query),
    path("api/v1/gone/", database_gone),
]
handler500 = "facilities.operations.errors.server_error"


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_database_unreachable_is_a_503_govuk_page():
    response = Client(raise_request_exception=False).get("/gone/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    text = response.content.decode()
    assert "Sorry, the service is unavailable" in text
    assert "govuk-frontend" in text
    assert "Traceback" not in text
    assert "OperationalError" not in text
    assert response["X-Request-ID"]


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_the_api_says_it_as_a_problem():
    response = Client(raise_request_exception=False).get("/api/v1/gone/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "30"
    assert response.json()["status"] == 503


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_any_other_error_is_the_500_page():
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (OperationalError("server closed the connection"), True),
        (IntegrityError("duplicate"), False),
        (ValueError("nothing to do with it"), False),
        (None, False),
    ],
)
def test_which_errors_count_as_the_database_being_unavailable(error, unavailable):
    assert database_unavailable(error) is unavailable
