"""Reading through the API: each endpoint × each role, in scope and out of scope."""

import pytest

from facilities.faults.workflow import fault_escalate
from tests.api.conftest import ROLES

pytestmark = pytest.mark.django_db

#: Which of the estate's faults each role sees (the list shows open faults by default).
SEES = {
    "office_manager": {"heating", "beds", "alarm"},
    "contractor_user": {"heating", "beds", "alarm"},
    "regional_manager": {"heating", "beds", "alarm"},
    "other_office_manager": {"outsider_heating", "outsider_alarm"},
    "other_contractor_user": {"outsider_heating", "outsider_alarm"},
}
ALL_OPEN = {"heating", "beds", "alarm", "outsider_heating", "outsider_alarm"}


def ids(estate, names):
    return {getattr(estate, name).pk for name in names}


@pytest.mark.parametrize("role", ROLES)
def test_fault_list_is_the_callers_scope(api_as, estate, role):
    response = api_as(role).get("/api/v1/faults/")
    assert response.status_code == 200
    assert {f["id"] for f in response.json()["results"]} == ids(estate, SEES[role])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(ALL_OPEN))
def test_fault_detail_and_timeline_in_and_out_of_scope(api_as, estate, role, name):
    client = api_as(role)
    fault = getattr(estate, name)
    detail = client.get(f"/api/v1/faults/{fault.pk}/")
    timeline = client.get(f"/api/v1/faults/{fault.pk}/events/")
    if name in SEES[role]:
        assert detail.status_code == 200
        assert detail.json()["reference"] == fault.reference
        assert {s["step"] for s in detail.json()["steps"]} >= {"attend", "fix"}
        assert isinstance(detail.json()["allowed_actions"], list)
        assert timeline.status_code == 200
        assert timeline.json()[0]["kind"] == "logged"
    else:
        assert detail.status_code == timeline.status_code == 404
        assert detail["Content-Type"] == "application/problem+json"


def test_allowed_actions_follow_the_role(api_as, estate):
    contractor = api_as("contractor_user").get(f"/api/v1/faults/{estate.heating.pk}/").json()
    manager = api_as("office_manager").get(f"/api/v1/faults/{estate.heating.pk}/").json()
    assert "acknowledge" in contractor["allowed_actions"]
    assert "hold" not in contractor["allowed_actions"]
    assert "hold" in manager["allowed_actions"]
    assert "acknowledge" not in manager["allowed_actions"]


def test_list_filters_are_the_browser_lists(api_as, estate):
    client = api_as("office_manager")
    by_premises = client.get("/api/v1/faults/", {"premises": estate.heating.premises_id})
    assert {f["id"] for f in by_premises.json()["results"]} == {estate.heating.pk}
    cancelled = client.get("/api/v1/faults/", {"status": "cancelled"})
    assert {f["id"] for f in cancelled.json()["results"]} == {estate.cancelled.pk}
    by_reference = client.get("/api/v1/faults/", {"q": estate.cancelled.reference})
    assert [f["id"] for f in by_reference.json()["results"]] == [estate.cancelled.pk]
    outsider = client.get("/api/v1/faults/", {"premises": estate.outsider_heating.premises_id})
    assert outsider.status_code == 400
    assert "premises" in outsider.json()["errors"]


def test_fault_list_pages_by_cursor_in_a_stable_order(api_as, estate):
    client = api_as("regional_manager")
    seen, url = [], "/api/v1/faults/?status=all&page_size=1"
    while url:
        page = client.get(url).json()
        seen += [f["id"] for f in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 4


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("office_manager", {"premises", "hostel"}),
        ("contractor_user", {"premises", "hostel"}),
        ("regional_manager", {"premises", "hostel"}),
        ("other_office_manager", {"other_premises"}),
        ("other_contractor_user", {"other_premises"}),
    ],
)
def test_premises_in_and_out_of_scope(request, api_as, estate, role, expected):
    client = api_as(role)
    listed = {p["id"] for p in client.get("/api/v1/premises/").json()}
    wanted = {request.getfixturevalue(name).pk for name in expected}
    assert listed == wanted
    for name in ("premises", "hostel", "other_premises"):
        pk = request.getfixturevalue(name).pk
        status = client.get(f"/api/v1/premises/{pk}/").status_code
        assert status == (200 if name in expected else 404)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("office_manager", {"contractor"}),
        ("contractor_user", {"contractor"}),
        ("regional_manager", {"contractor"}),
        ("other_office_manager", {"other_contractor"}),
        ("other_contractor_user", {"other_contractor"}),
    ],
)
def test_contractors_and_categories(request, api_as, estate, role, expected):
    client = api_as(role)
    listed = {c["id"] for c in client.get("/api/v1/contractors/").json()}
    assert listed == {request.getfixturevalue(name).pk for name in expected}
    categories = client.get("/api/v1/categories/").json()
    assert {"heating-hot-water", "personal-alarms"} <= {c["slug"] for c in categories}


@pytest.mark.parametrize("role", ROLES)
def test_escalations_in_scope(api_as, estate, office_manager, other_office_manager, role):
    fault_escalate(fault=estate.heating, actor=office_manager, reason="No heat for 3 days")
    fault_escalate(fault=estate.outsider_heating, actor=other_office_manager, reason="Cold")
    listed = api_as(role).get("/api/v1/escalations/").json()["results"]
    expected = estate.heating if "heating" in SEES[role] else estate.outsider_heating
    assert [e["fault"] for e in listed] == [expected.pk]


@pytest.mark.parametrize(
    "path", ["/api/v1/faults/", "/api/v1/events/", "/api/v1/premises/", "/api/v1/categories/"]
)
def test_anonymous_is_401_problem(client, path, db):
    response = client.get(path)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_session_authentication_for_the_browser(client, estate, office_manager):
    client.force_login(office_manager)
    assert client.get(f"/api/v1/faults/{estate.heating.pk}/").status_code == 200


def test_schema_and_docs_are_served_without_a_cdn(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/faults/{id}/attend/" in schema.json()["paths"]
    docs = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in docs
    assert "cdn" not in docs.lower()
