"""Who may open which fault URL, and which actions they may take there.

For every role, every URL of a fault outside the user's scope answers 404 — the same as a
fault that does not exist, so nothing leaks. Inside scope, the actions `workflow` allows
work and the others are refused with its message. A POST without a CSRF token is refused.
"""

import html
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from facilities.faults import photos, workflow
from facilities.faults.workflow import Action
from facilities.models import FaultEvent, Role
from tests.factories import UserFactory
from tests.test_photos import image_bytes
from tests.web.conftest import T0

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def other_regional_manager(other_region):
    """A contract manager for Wales: the North East is outside their scope."""
    return UserFactory(username="gwen", role=Role.CONTRACT_MANAGER, regions=[other_region])


@dataclass(frozen=True)
class Who:
    user: str  # fixture name
    inside: str  # an Estate fault they may see
    outside: str | None  # an Estate fault they may not (None: they see everything)


PEOPLE = [
    Who("office_manager", "heating", "outsider_heating"),
    Who("other_office_manager", "outsider_heating", "heating"),
    Who("contractor_user", "heating", "outsider_heating"),
    Who("other_contractor_user", "outsider_heating", "heating"),
    Who("other_regional_manager", "outsider_heating", "heating"),
    Who("national_manager", "heating", None),
    Who("administrator", "heating", None),
]
IDS = [who.user for who in PEOPLE]
LIMITED = [who for who in PEOPLE if who.outside]

#: Enough input for every action to succeed when it is allowed.
ANSWERS = {
    Action.MAKE_SAFE: {"note": "Boarded up"},
    Action.FIX: {"note": "Replaced"},
    Action.AWAITING_PARTS: {"note": "Valve on order"},
    Action.REOPEN: {"reason": "Still broken"},
    Action.CANCEL: {"reason": "Logged twice"},
    Action.HOLD: {"reason": "No access until Friday"},
    Action.REQUEST_HOLD: {"note": "Nobody answered"},
    Action.ESCALATE: {"reason": "No response"},
    Action.CHANGE_PRIORITY: {"priority": "P1", "reason": "Winter"},
    Action.COMMENT: {"text": "Any news?"},
    Action.CONTRACTOR_REFERENCE: {"contractor_reference": "JOB-1"},
}


def fault_urls(fault, photo_pk: int) -> list[tuple[str, str]]:
    base = f"/faults/{fault.pk}/"
    urls = [("get", base), ("get", f"{base}logged/"), ("get", f"{base}photos/{photo_pk}/")]
    urls += [("get", f"{base}photos/{photo_pk}/thumbnail/")]
    for action in Action:
        urls += [("get", f"{base}actions/{action}/"), ("post", f"{base}actions/{action}/")]
    return urls


@pytest.fixture
def with_photos(estate, office_manager, other_office_manager):
    """One photo on each of the two faults the matrix uses."""

    def add(fault, who):
        (photo,) = photos.attach_photos(
            fault=fault,
            uploads=[SimpleUploadedFile("p.png", image_bytes("PNG"))],
            uploaded_by=who,
            now=T0,
        )
        return photo

    return {
        "heating": add(estate.heating, office_manager),
        "outsider_heating": add(estate.outsider_heating, other_office_manager),
    }


@pytest.mark.parametrize("who", LIMITED, ids=[who.user for who in LIMITED])
def test_every_url_of_a_fault_outside_scope_is_not_found(request, client, who, estate, with_photos):
    client.force_login(request.getfixturevalue(who.user))
    fault = getattr(estate, who.outside)
    before = FaultEvent.objects.filter(fault=fault).count()
    for method, url in fault_urls(fault, with_photos[who.outside].pk):
        data = {"note": "x", "reason": "x", "text": "x", "priority": "P1"}
        response = getattr(client, method)(url, data) if method == "post" else client.get(url)
        assert response.status_code == 404, f"{who.user} {method.upper()} {url}"
        assert "Page not found" in response.content.decode()
    assert FaultEvent.objects.filter(fault=fault).count() == before


@pytest.mark.parametrize("who", PEOPLE, ids=IDS)
def test_every_url_of_a_fault_inside_scope_opens(request, client, who, estate, with_photos):
    client.force_login(request.getfixturevalue(who.user))
    fault = getattr(estate, who.inside)
    base = f"/faults/{fault.pk}/"
    photo = f"{base}photos/{with_photos[who.inside].pk}/"
    for url in (base, f"{base}logged/", photo, f"{photo}thumbnail/"):
        assert client.get(url).status_code == 200, f"{who.user} {url}"


def test_national_manager_and_administrator_see_other_regions(client, estate, national_manager):
    client.force_login(national_manager)
    assert client.get(f"/faults/{estate.outsider_alarm.pk}/").status_code == 200


def test_a_fault_that_does_not_exist_is_not_found(client, administrator):
    client.force_login(administrator)
    assert client.get("/faults/999999/").status_code == 404


def test_signed_out_people_are_sent_to_sign_in(client, estate):
    for url in (f"/faults/{estate.heating.pk}/", f"/faults/{estate.heating.pk}/actions/fix/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")


@pytest.mark.parametrize("action", list(Action), ids=[a.value for a in Action])
@pytest.mark.parametrize("who", PEOPLE, ids=IDS)
def test_inside_scope_allowed_actions_work_and_others_are_refused(
    request, client, clock, who, action, estate, other_contractor
):
    user = request.getfixturevalue(who.user)
    fault = getattr(estate, who.inside)
    answers = ANSWERS.get(action, {})
    if action == Action.REASSIGN:
        answers = {"contractor": str(other_contractor.pk), "reason": "Nearer engineer"}
        if fault.contractor_id == other_contractor.pk:
            answers["contractor"] = str(estate.heating.contractor_id)
    refusal = workflow.refusal(fault, user, action)
    client.force_login(user)
    before = fault.events.count()
    response = client.post(f"/faults/{fault.pk}/actions/{action}/", answers)
    if refusal is None:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert fault.events.count() > before
    else:
        assert response.status_code == 400
        assert html.escape(refusal) in response.content.decode()
        assert fault.events.count() == before


def test_what_each_role_may_do_on_a_new_fault(estate, request):
    """The matrix above, spelt out: a reported fault, in scope, per role."""
    expected = {
        "office_manager": {"hold", "escalate", "cancel", "comment"},
        "contractor_user": {
            "acknowledge",
            "attend",
            "make_safe",
            "fix",
            "awaiting_parts",
            "request_hold",
            "comment",
            "contractor_reference",
        },
        "national_manager": {
            "hold",
            "escalate",
            "cancel",
            "comment",
            "change_priority",
            "reassign",
            "contractor_reference",
        },
    }
    for name, actions in expected.items():
        user = request.getfixturevalue(name)
        assert {a.value for a in workflow.allowed_actions(estate.heating, user)} == actions


# --- CSRF -------------------------------------------------------------------------------------


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def test_action_post_without_csrf_token_is_refused(csrf_client, estate, contractor_user):
    csrf_client.force_login(contractor_user)
    response = csrf_client.post(f"/faults/{estate.heating.pk}/actions/acknowledge/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "<title>The form could not be sent – Report a premises repair – GOV.UK</title>" in html
    assert '<h1 class="govuk-heading-l">The form could not be sent</h1>' in html
    estate.heating.refresh_from_db()
    assert estate.heating.status == "reported"


def test_log_post_without_csrf_token_is_refused(csrf_client, office_manager, premises):
    csrf_client.force_login(office_manager)
    response = csrf_client.post("/faults/new/", {"premises": premises.pk})
    assert response.status_code == 403
    assert "The form could not be sent" in response.content.decode()


def test_post_with_the_csrf_token_from_the_page_works(csrf_client, estate, contractor_user):
    csrf_client.force_login(contractor_user)
    csrf_client.get(f"/faults/{estate.heating.pk}/")
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post(
        f"/faults/{estate.heating.pk}/actions/acknowledge/", {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


# --- The GOV.UK error pages -------------------------------------------------------------------


def test_not_found_page_is_the_govuk_one(client, office_manager):
    client.force_login(office_manager)
    response = client.get("/faults/999999/")
    html = response.content.decode()
    assert "<title>Page not found – Report a premises repair – GOV.UK</title>" in html
    assert "If you typed the web address, check it is correct." in html


def test_server_error_page_is_the_govuk_one(client, estate, office_manager, monkeypatch):
    """Django renders 500.html without a request: it must not need context processors."""

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("facilities.web.fault_detail.due_rows", broken)
    client.raise_request_exception = False
    client.force_login(office_manager)
    response = client.get(f"/faults/{estate.heating.pk}/")
    assert response.status_code == 500
    html = response.content.decode()
    assert (
        "<title>Sorry, there is a problem with the service – Report a premises repair – GOV.UK"
        in html
    )
    assert "boom" not in html
