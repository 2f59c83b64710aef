"""The Django admin: reference data is edited there; faults and their evidence only viewed."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from facilities.faults import workflow
from facilities.models import (
    Category,
    Contract,
    Contractor,
    Escalation,
    EventKind,
    Fault,
    FaultEvent,
    FaultStatus,
    Premises,
    Region,
    Role,
    User,
)
from facilities.models.faults import reference_for
from tests import factories

pytestmark = pytest.mark.django_db

REFERENCE_MODELS = [Region, Premises, Contractor, Contract, Category, User]
READ_ONLY_MODELS = [Fault, FaultEvent, Escalation]

#: Queries for a fault changelist page, whatever the number of faults: the session and
#: user, the count, the date hierarchy, the filters' choices and one page of faults.
FAULT_CHANGELIST_MAX_QUERIES = 10


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def log_fault(premises, reported_by, description="Camera dead", category="cctv") -> Fault:
    return workflow.fault_log(
        premises=premises,
        category=factories.category(category),
        location="Reception",
        description=description,
        reported_by=reported_by,
    )


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


@pytest.fixture
def faults(contract, premises, office_manager):
    return [
        log_fault(premises, office_manager, "Camera dead"),
        log_fault(premises, office_manager, "Camera in the car park points at the sky"),
    ]


@pytest.fixture
def unrouted_fault(other_premises, administrator):
    """No contract covers the other region, so this fault is saved unrouted."""
    return log_fault(other_premises, administrator, "Front door lock broken", "locks-doors-access")


def listed(response) -> list:
    return list(response.context["cl"].result_list)


# --- Every page answers ---------------------------------------------------------------------


def test_every_admin_changelist_answers(admin_client, faults, unrouted_fault):
    workflow.fault_escalate(fault=faults[0], actor=faults[0].reported_by, reason="No camera")
    for model in admin.site._registry:
        response = admin_client.get(admin_url(model, "changelist"))
        assert response.status_code == 200, model


@pytest.mark.parametrize("model", REFERENCE_MODELS, ids=lambda m: m.__name__)
def test_reference_data_add_pages_answer(admin_client, model):
    response = admin_client.get(admin_url(model, "add"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", REFERENCE_MODELS, ids=lambda m: m.__name__)
def test_reference_data_change_pages_answer(admin_client, contract, office_manager, model):
    obj = model.objects.first()
    response = admin_client.get(admin_url(model, "change", obj.pk))
    assert response.status_code == 200


def test_site_is_titled_for_the_service(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert "Report a premises repair – administration" in response.content.decode()


def test_reference_data_changelists_search_and_filter(admin_client, contract, premises, hostel):
    response = admin_client.get(admin_url(Premises, "changelist"), {"q": "Tyne"})
    assert listed(response) == [hostel]
    response = admin_client.get(admin_url(Premises, "changelist"), {"kind": "office"})
    assert premises in listed(response)
    assert hostel not in listed(response)
    response = admin_client.get(admin_url(Contract, "changelist"), {"in_force": "yes"})
    assert listed(response) == [contract]
    response = admin_client.get(admin_url(Category, "changelist"), {"safety_critical__exact": "1"})
    assert Category.objects.get(slug="cctv") in listed(response)
    assert all(category.safety_critical for category in listed(response))


def test_users_filter_by_role(admin_client, office_manager, contractor_user):
    response = admin_client.get(admin_url(User, "changelist"), {"role__exact": Role.CONTRACTOR})
    assert listed(response) == [contractor_user]


def test_a_user_is_added_with_role_and_premises(admin_client, premises):
    response = admin_client.post(
        admin_url(User, "add"),
        {
            "username": "mo",
            "usable_password": "true",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
            "first_name": "Mo",
            "last_name": "Manager",
            "email": "mo@justice.example",
            "role": Role.OFFICE_MANAGER,
            "job_title": "Office manager",
            "premises": [premises.pk],
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="mo")
    assert user.role == Role.OFFICE_MANAGER
    assert list(user.premises.all()) == [premises]


def test_a_contractor_user_needs_a_company(admin_client):
    response = admin_client.post(
        admin_url(User, "add"),
        {
            "username": "cy",
            "usable_password": "true",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
            "role": Role.CONTRACTOR,
        },
    )
    assert response.status_code == 200
    assert "A contractor user must belong to a contractor." in response.content.decode()
    assert not User.objects.filter(username="cy").exists()


# --- Faults ---------------------------------------------------------------------------------------


def test_fault_page_shows_its_timeline_and_escalations(admin_client, faults, office_manager):
    fault = faults[0]
    workflow.fault_escalate(fault=fault, actor=office_manager, reason="Reception is unwatched")
    response = admin_client.get(admin_url(Fault, "change", fault.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert fault.reference in page
    events = list(response.context["inline_admin_formsets"][0].formset.queryset)
    assert [event.kind for event in events] == [
        EventKind.LOGGED,
        EventKind.ROUTED,
        EventKind.ESCALATED,
    ]
    for label in ("Logged", "Routed to contractor", "Escalated", "Reception is unwatched"):
        assert label in page
    assert "North Facilities Ltd" in page
    assert "System" in page  # routing is recorded with no actor: the system did it
    # Nothing on the page can be saved.
    assert 'name="_save"' not in page
    assert 'name="description"' not in page


@pytest.mark.parametrize("written", ["{ref}", "{ref_lower}", "{pk}"])
def test_faults_are_found_by_reference(admin_client, faults, written):
    fault = faults[1]
    term = written.format(ref=reference_for(fault.pk), ref_lower=f"flt{fault.pk}", pk=fault.pk)
    response = admin_client.get(admin_url(Fault, "changelist"), {"q": term})
    assert response.status_code == 200
    assert fault in listed(response)
    assert faults[0] not in listed(response)


def test_faults_are_found_by_text_and_premises(admin_client, faults, unrouted_fault):
    url = admin_url(Fault, "changelist")
    assert listed(admin_client.get(url, {"q": "car park"})) == [faults[1]]
    assert listed(admin_client.get(url, {"q": "Cardiff"})) == [unrouted_fault]
    assert listed(admin_client.get(url, {"q": "FLT-999999"})) == []


def test_faults_filter_by_routing_region_and_status(
    admin_client, faults, unrouted_fault, region, other_region
):
    url = admin_url(Fault, "changelist")
    assert listed(admin_client.get(url, {"routed": "no"})) == [unrouted_fault]
    assert set(listed(admin_client.get(url, {"routed": "yes"}))) == set(faults)
    by_region = admin_client.get(url, {"premises__region__id__exact": other_region.pk})
    assert listed(by_region) == [unrouted_fault]
    by_status = admin_client.get(url, {"status__exact": FaultStatus.REPORTED})
    assert len(listed(by_status)) == 3
    by_contractor = admin_client.get(url, {"contractor__isnull": "True"})
    assert listed(by_contractor) == [unrouted_fault]


def test_event_and_escalation_lists_search_by_fault_reference(admin_client, faults, office_manager):
    fault = faults[1]
    workflow.fault_escalate(fault=fault, actor=office_manager, reason="Still pointing at the sky")
    response = admin_client.get(admin_url(FaultEvent, "changelist"), {"q": fault.reference})
    assert {event.fault_id for event in listed(response)} == {fault.pk}
    assert len(listed(response)) == 3
    response = admin_client.get(admin_url(Escalation, "changelist"), {"q": fault.reference})
    assert [escalation.fault_id for escalation in listed(response)] == [fault.pk]


# --- Faults and their evidence cannot be changed in the admin -----------------------------------


@pytest.mark.parametrize("model", READ_ONLY_MODELS, ids=lambda m: m.__name__)
def test_evidence_cannot_be_added(admin_client, model):
    assert admin_client.get(admin_url(model, "add")).status_code == 403
    assert admin_client.post(admin_url(model, "add"), {}).status_code == 403


def test_a_fault_cannot_be_changed_or_deleted(admin_client, faults):
    fault = faults[0]
    response = admin_client.post(
        admin_url(Fault, "change", fault.pk),
        {"status": FaultStatus.CLOSED, "description": "Nothing wrong", "priority": "P4"},
    )
    assert response.status_code == 403
    assert admin_client.get(admin_url(Fault, "delete", fault.pk)).status_code == 403
    assert admin_client.post(admin_url(Fault, "delete", fault.pk), {"post": "yes"}).status_code == (
        403
    )
    unchanged = Fault.objects.get(pk=fault.pk)
    assert (unchanged.status, unchanged.description, unchanged.priority) == (
        FaultStatus.REPORTED,
        "Camera dead",
        "P1",
    )


def test_a_timeline_event_cannot_be_changed_or_deleted(admin_client, faults):
    event = FaultEvent.objects.filter(fault=faults[0]).first()
    assert admin_client.get(admin_url(FaultEvent, "change", event.pk)).status_code == 200
    response = admin_client.post(
        admin_url(FaultEvent, "change", event.pk), {"kind": EventKind.CLOSED, "note": "Forged"}
    )
    assert response.status_code == 403
    assert admin_client.get(admin_url(FaultEvent, "delete", event.pk)).status_code == 403
    assert admin_client.post(
        admin_url(FaultEvent, "delete", event.pk), {"post": "yes"}
    ).status_code == (403)
    unchanged = FaultEvent.objects.get(pk=event.pk)
    assert (unchanged.kind, unchanged.note) == (event.kind, event.note)


def test_an_escalation_cannot_be_changed_or_deleted(admin_client, faults, office_manager):
    escalation = workflow.fault_escalate(fault=faults[0], actor=office_manager, reason="Urgent")
    response = admin_client.post(
        admin_url(Escalation, "change", escalation.pk), {"level": 4, "reason": "Forged"}
    )
    assert response.status_code == 403
    assert admin_client.get(admin_url(Escalation, "delete", escalation.pk)).status_code == 403
    unchanged = Escalation.objects.get(pk=escalation.pk)
    assert (unchanged.level, unchanged.reason) == (1, "Urgent")


@pytest.mark.parametrize("model", READ_ONLY_MODELS, ids=lambda m: m.__name__)
def test_evidence_has_no_bulk_delete(admin_client, faults, office_manager, model):
    workflow.fault_escalate(fault=faults[0], actor=office_manager, reason="Urgent")
    before = model.objects.count()
    response = admin_client.get(admin_url(model, "changelist"))
    assert "delete_selected" not in response.content.decode()
    admin_client.post(
        admin_url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [model.objects.first().pk]},
    )
    assert model.objects.count() == before


# --- Fast on a big table ------------------------------------------------------------------------


def _fault_changelist_queries(client, premises, reported_by, count: int) -> int:
    for number in range(count - Fault.objects.count()):
        log_fault(premises, reported_by, f"Camera {number} dead")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(admin_url(Fault, "changelist"))
    assert response.status_code == 200
    assert len(listed(response)) == count
    return len(queries)


@pytest.mark.parametrize("count", [5, 20])
def test_fault_changelist_queries_are_bounded(
    admin_client, contract, premises, office_manager, django_assert_max_num_queries, count
):
    for number in range(count):
        log_fault(premises, office_manager, f"Camera {number} dead")
    with django_assert_max_num_queries(FAULT_CHANGELIST_MAX_QUERIES):
        response = admin_client.get(admin_url(Fault, "changelist"))
    assert len(listed(response)) == count


def test_fault_changelist_queries_do_not_grow_with_faults(
    admin_client, contract, premises, office_manager, other_contract, other_premises, administrator
):
    log_fault(other_premises, administrator, "Cardiff camera dead")
    few = _fault_changelist_queries(admin_client, premises, office_manager, 5)
    many = _fault_changelist_queries(admin_client, premises, office_manager, 20)
    assert few == many


@pytest.mark.parametrize("model", [FaultEvent, Escalation, Premises, User, Contract])
def test_other_changelists_do_not_grow_with_rows(admin_client, contract, premises, model):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(admin_url(model, "changelist")).status_code == 200
        return len(captured)

    def add_rows(number: int) -> None:
        for _ in range(number):
            where = factories.PremisesFactory(region=premises.region)
            manager = factories.UserFactory(role=Role.OFFICE_MANAGER, premises=[where])
            fault = log_fault(where, manager)
            workflow.fault_escalate(fault=fault, actor=manager, reason="Urgent")
            factories.ContractFactory(contractor=factories.ContractorFactory())

    add_rows(2)
    few = queries()
    add_rows(6)
    assert queries() == few


# --- Who may use the admin ----------------------------------------------------------------------


def test_office_manager_is_sent_to_the_admin_sign_in(client, office_manager, faults):
    client.force_login(office_manager)
    for url in (reverse("admin:index"), admin_url(Fault, "changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_outbox_is_read_only_but_failed_emails_can_be_sent_again(client, administrator):
    from django.utils import timezone

    from facilities.models import OutboxEmail, OutboxStatus

    now = timezone.now()
    failed = OutboxEmail.objects.create(
        kind="fault_logged",
        dedupe_key="test:failed",
        to=["helpdesk@contractor.example"],
        template="fault-logged",
        status=OutboxStatus.FAILED,
        attempts=12,
        last_error="550 mailbox unavailable",
        created_at=now,
        next_attempt_at=now,
    )
    client.force_login(administrator)
    assert client.get("/admin/facilities/outboxemail/add/").status_code == 403
    changelist = "/admin/facilities/outboxemail/"
    response = client.post(
        changelist, {"action": "send_again", "_selected_action": [failed.pk]}, follow=True
    )
    assert response.status_code == 200
    failed.refresh_from_db()
    assert failed.status == OutboxStatus.PENDING
    assert failed.attempts == 0
