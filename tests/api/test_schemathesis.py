"""Schemathesis against the live OpenAPI schema, in-process through WSGI (no server).

Every operation gets generated requests with a valid token (a regional contract manager's,
who may take most steps): no response may be a server error, and every response must match
the schema — its status code, content type, headers and body. At least 500 cases in all.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.api.conftest import client_for

CASES_PER_OPERATION = 25
MINIMUM_CASES = 500
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: a request's end must not close the test's connection
    (with CONN_MAX_AGE 0 it would, and the test transaction with it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_api_conforms_to_its_schema(estate, regional_manager):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    headers = {"Authorization": f"Bearer {client_for(regional_manager).raw_token}"}
    cases = 0
    operations = [result.ok() for result in schema.get_all_operations()]

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=CASES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def send(case):
            nonlocal cases
            cases += 1
            case.call_and_validate(headers=headers, checks=CHECKS)

        send()
    assert len(operations) >= 25
    assert cases >= MINIMUM_CASES, cases
