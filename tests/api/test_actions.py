"""Each life-cycle POST × each role, in scope and out of scope, and logging a fault."""

import pytest

from facilities.faults.workflow import Action, allowed_actions, fault_request_hold
from facilities.models import EventKind, Fault, FaultEvent
from tests.api.conftest import ROLES
from tests.factories import category

pytestmark = pytest.mark.django_db

BODIES = {
    "acknowledge": {},
    "attend": {"note": "On site"},
    "make-safe": {"note": "Isolated"},
    "fix": {"note": "Replaced the pump"},
    "awaiting-parts": {"note": "Pump on order"},
    "request-hold": {"note": "Nobody answered"},
    "decide-hold": {"approve": True},
    "hold": {"reason": "Awaiting access"},
    "resume": {},
    "escalate": {"reason": "Cold offices"},
    "confirm": {},
    "reopen": {"reason": "Still cold"},
    "cancel": {"reason": "Logged twice"},
    "comment": {"text": "Any news?"},
    "change-priority": {"priority": "P1", "reason": "Freezing"},
    "contractor-reference": {"contractor_reference": "WO-1"},
}
IN_SCOPE = {"office_manager", "contractor_user", "regional_manager"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(BODIES))
def test_action_matrix(request, api_as, estate, role, name):
    """In scope: 200 when the rules allow the step (with a new event), else 409 with the
    reason; out of scope: 404. Every role tries its own region's fault and the other's."""
    user = request.getfixturevalue(role)
    client = api_as(role)
    for fault in (estate.heating, estate.outsider_heating):
        in_scope = (fault == estate.heating) == (role in IN_SCOPE)
        allowed = Action(name.replace("-", "_")) in allowed_actions(fault, user)
        events = FaultEvent.objects.filter(fault=fault).count()
        response = client.post(f"/api/v1/faults/{fault.pk}/{name}/", BODIES[name], format="json")
        assert response["Content-Type"].startswith(
            "application/json" if in_scope and allowed else "application/problem+json"
        )
        if not in_scope:
            assert response.status_code == 404
        elif allowed:
            assert response.status_code == 200, response.json()
            assert response.json()["id"] == fault.pk
            assert FaultEvent.objects.filter(fault=fault).count() > events
        else:
            assert response.status_code == 409, response.json()
            assert response.json()["detail"]
        if not (in_scope and allowed):
            assert FaultEvent.objects.filter(fault=fault).count() == events


def test_contractor_walks_a_fault_through_its_life(api_as, estate):
    client = api_as("contractor_user")
    fault = estate.heating
    for name in ("acknowledge", "attend", "fix"):
        response = client.post(f"/api/v1/faults/{fault.pk}/{name}/", BODIES[name], format="json")
        assert response.status_code == 200
    assert response.json()["status"] == "fixed"
    assert "confirm" not in response.json()["allowed_actions"]
    closed = api_as("office_manager").post(f"/api/v1/faults/{fault.pk}/confirm/", {}, format="json")
    assert closed.json()["status"] == "closed"


def test_decide_hold_after_a_request(api_as, estate, contractor_user):
    fault_request_hold(fault=estate.heating, actor=contractor_user, note="Locked out")
    response = api_as("office_manager").post(
        f"/api/v1/faults/{estate.heating.pk}/decide-hold/", {"approve": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["is_on_hold"] is True


def test_reassign_and_dispute(api_as, estate, other_contractor):
    response = api_as("regional_manager").post(
        f"/api/v1/faults/{estate.heating.pk}/reassign/",
        {"contractor": other_contractor.pk, "reason": "Specialist"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["contractor"]["id"] == other_contractor.pk
    dispute = api_as("other_contractor_user").post(
        f"/api/v1/faults/{estate.heating.pk}/dispute/",
        {"step": "attend", "reason": "We were on time"},
        format="json",
    )
    assert dispute.status_code == 400
    assert "step" in dispute.json()["errors"]
    gone = api_as("contractor_user").post(
        f"/api/v1/faults/{estate.heating.pk}/attend/", {}, format="json"
    )
    assert gone.status_code == 404  # no longer the contractor's job


@pytest.mark.parametrize("role", ROLES)
def test_logging_a_fault(request, api_as, estate, role):
    premises = estate.heating.premises
    body = {
        "premises": premises.pk,
        "category": category("plumbing-water").pk,
        "location": "Kitchen",
        "description": "Sockets dead",
    }
    before = Fault.objects.count()
    response = api_as(role).post("/api/v1/faults/", body, format="json")
    if role == "office_manager" or role == "regional_manager":
        assert response.status_code == 201, response.json()
        assert response["Location"] == f"/api/v1/faults/{response.json()['id']}/"
        assert FaultEvent.objects.filter(
            fault_id=response.json()["id"], kind=EventKind.LOGGED
        ).exists()
    else:
        assert response.status_code == 400
        assert "premises" in response.json()["errors"]
        assert Fault.objects.count() == before
