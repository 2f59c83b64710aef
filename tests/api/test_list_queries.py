"""The fault list costs the same number of queries for 3 faults as for 50 (no query per fault
for its `allowed_actions` or `steps`), says the same as each fault's own page, and the
shortcuts taken for speed keep each person's scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from facilities.faults.workflow import fault_log, fault_request_hold
from facilities.models import FaultEvent
from tests.factories import category
from tests.web.conftest import T0

pytestmark = pytest.mark.django_db

#: The list's queries whatever its length: scope and filter choices, the page, holds.
MAX_QUERIES = 12


def log_faults(n: int, premises, who) -> None:
    heating = category("heating-hot-water")
    for i in range(n):
        fault_log(
            premises=premises,
            category=heating,
            location=f"Room {i}",
            description="Radiator cold",
            reported_by=who,
            now=T0,
        )


def listed(client, url: str) -> tuple[int, dict]:
    client.get(url)  # the token's last use is written once: not part of the comparison
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.json()
    return len(queries), response.json()


@pytest.mark.parametrize("role", ["office_manager", "contractor_user", "regional_manager"])
def test_queries_do_not_grow_with_the_page(api_as, estate, office_manager, role):
    client = api_as(role)
    url = "/api/v1/faults/?page_size=200"
    few, page = listed(client, url)
    assert len(page["results"]) == 3
    log_faults(47, estate.heating.premises, office_manager)
    many, page = listed(client, url)
    assert len(page["results"]) == 50
    assert many == few
    assert many <= MAX_QUERIES


def test_the_lists_allowed_actions_are_each_faults_own(
    api_as, estate, contractor_user, regional_manager
):
    """With a hold request awaiting a decision (read from the prefetched holds in the list)
    and without: the list says what the fault's own page says, for each role."""
    fault_request_hold(fault=estate.heating, actor=contractor_user, note="Nobody answered")
    for role in ("office_manager", "contractor_user", "regional_manager"):
        client = api_as(role)
        page = client.get("/api/v1/faults/").json()["results"]
        assert page, role
        for fault in page:
            own = client.get(f"/api/v1/faults/{fault['id']}/").json()
            assert fault["allowed_actions"] == own["allowed_actions"], (role, fault["id"])
            assert fault["steps"] == own["steps"]
    held = api_as("office_manager").get(f"/api/v1/faults/{estate.heating.pk}/").json()
    assert "decide_hold" in held["allowed_actions"]
    assert "hold" not in held["allowed_actions"]


def test_categories_say_where_they_apply(api_as, estate):
    found = {c["slug"]: c for c in api_as("office_manager").get("/api/v1/categories/").json()}
    beds = found["ap-beds"]
    assert (beds["for_offices"], beds["for_approved_premises"]) == (False, True)
    heating = found["heating-hot-water"]
    assert (heating["for_offices"], heating["for_approved_premises"]) == (True, True)


def test_a_regional_managers_list_and_feed_are_their_regions(api_as, estate, region):
    """Their scope is applied as the premises of their regions named (no join to regions):
    the same faults and events as "at premises in my regions", counted here from the estate."""
    mine = {estate.heating.pk, estate.beds.pk, estate.alarm.pk, estate.cancelled.pk}
    client = api_as("regional_manager")
    listed = client.get("/api/v1/faults/?status=all").json()["results"]
    assert {f["id"] for f in listed} == mine
    feed = client.get("/api/v1/events/?limit=1000").json()
    expected = set(
        FaultEvent.objects.filter(fault__premises__region=region).values_list("pk", flat=True)
    )
    assert {e["id"] for e in feed["events"]} == expected
    assert {e["fault"] for e in feed["events"]} == mine


def test_choices_read_only_when_asked_still_judge_every_value(
    api_as, estate, other_contractor, contractor
):
    client = api_as("contractor_user")
    unknown = client.get("/api/v1/faults/", {"category": 999999})
    assert unknown.status_code == 400
    assert list(unknown.json()["errors"]) == ["category"]
    theirs = client.get("/api/v1/faults/", {"contractor": other_contractor.pk})
    assert theirs.status_code == 400
    assert list(theirs.json()["errors"]) == ["contractor"]
    unrouted = client.get("/api/v1/faults/", {"contractor": "unrouted"})
    assert unrouted.status_code == 400  # a contractor never sees unrouted faults
    own = client.get(
        "/api/v1/faults/", {"contractor": contractor.pk, "category": estate.heating.category_id}
    )
    assert {f["id"] for f in own.json()["results"]} == {estate.heating.pk}
