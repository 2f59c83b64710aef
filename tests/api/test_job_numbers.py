"""The contractor's job number through the API: set it, find by it, one per contractor."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.signals import pre_save

from facilities.faults import workflow
from facilities.faults.job_numbers import fault_set_contractor_reference
from facilities.models import EventKind, Fault, FaultEvent
from facilities.models.faults import FaultStatus

pytestmark = pytest.mark.django_db


def set_number(client, fault, number, **headers):
    return client.post(
        f"/api/v1/faults/{fault.pk}/contractor-reference/",
        {"contractor_reference": number},
        format="json",
        headers=headers,
    )


def job_events(fault):
    return list(FaultEvent.objects.filter(fault=fault, kind=EventKind.JOB_NUMBER).order_by("pk"))


def test_the_contractor_sets_its_job_number_with_an_event(api_as, estate, contractor_user):
    client = api_as("contractor_user")
    before = client.get(f"/api/v1/faults/{estate.heating.pk}/").json()
    assert before["contractor_reference"] == ""
    assert "contractor_reference" in before["allowed_actions"]

    response = set_number(client, estate.heating, "  WO-4471  ")

    assert response.status_code == 200, response.json()
    assert response.json()["contractor_reference"] == "WO-4471"  # stripped
    estate.heating.refresh_from_db()
    assert estate.heating.contractor_reference == "WO-4471"
    (event,) = job_events(estate.heating)
    assert event.note == "Contractor's job number set to WO-4471"
    assert event.actor == contractor_user
    assert event.details == {"from": None, "to": "WO-4471"}
    timeline = client.get(f"/api/v1/faults/{estate.heating.pk}/events/").json()
    assert timeline[-1]["kind"] == "job_number"


def test_changing_and_removing_it_are_on_the_timeline(api_as, estate):
    client = api_as("contractor_user")
    set_number(client, estate.heating, "WO-1")
    changed = set_number(client, estate.heating, "WO-2")
    removed = set_number(client, estate.heating, "")
    assert changed.json()["contractor_reference"] == "WO-2"
    assert removed.status_code == 200
    assert removed.json()["contractor_reference"] == ""
    events = job_events(estate.heating)
    assert [e.details for e in events] == [
        {"from": None, "to": "WO-1"},
        {"from": "WO-1", "to": "WO-2"},
        {"from": "WO-2", "to": None},
    ]
    assert events[-1].note == "Contractor's job number WO-2 removed"


def test_a_number_used_on_another_of_the_contractors_faults_is_refused(api_as, estate):
    client = api_as("contractor_user")
    assert set_number(client, estate.heating, "WO-7").status_code == 200
    events = FaultEvent.objects.count()

    response = set_number(client, estate.beds, "WO-7")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    message = (
        f"The contractor's job number WO-7 is already used for {estate.heating.reference}: "
        f"enter the job number for {estate.beds.reference}"
    )
    assert body["errors"] == {"contractor_reference": [message]}
    assert body["detail"] == message
    estate.beds.refresh_from_db()
    assert estate.beds.contractor_reference == ""
    assert FaultEvent.objects.count() == events


def test_another_contractor_may_use_the_same_number(api_as, estate):
    assert set_number(api_as("contractor_user"), estate.heating, "100").status_code == 200
    other = set_number(api_as("other_contractor_user"), estate.outsider_heating, "100")
    assert other.status_code == 200, other.json()
    assert Fault.objects.filter(contractor_reference="100").count() == 2


def test_the_same_number_again_is_a_400_naming_the_field(api_as, estate):
    client = api_as("contractor_user")
    set_number(client, estate.heating, "WO-1")
    again = set_number(client, estate.heating, "WO-1")
    assert again.status_code == 400
    assert again.json()["errors"]["contractor_reference"] == [
        f"{estate.heating.reference} already has the job number WO-1"
    ]


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("X" * 51, "Ensure this field has no more than 50 characters."),
        ("WO\n1", "The contractor's job number must be on one line, without control characters"),
    ],
)
def test_a_number_of_the_wrong_shape_is_a_400(api_as, estate, number, message):
    response = set_number(api_as("contractor_user"), estate.heating, number)
    assert response.status_code == 400
    assert response.json()["errors"]["contractor_reference"] == [message]


def test_who_may_set_it(api_as, estate):
    # Office managers may not (409 with the rule's words); a contract manager may correct it;
    # a fault outside the caller's scope is a 404.
    refused = set_number(api_as("office_manager"), estate.heating, "WO-1")
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "Only the contractor or a contract manager can record that a fault was given the "
        "contractor's job number."
    )
    assert set_number(api_as("regional_manager"), estate.heating, "WO-1").status_code == 200
    hidden = set_number(api_as("contractor_user"), estate.outsider_heating, "WO-2")
    assert hidden.status_code == 404
    assert Fault.objects.get(pk=estate.outsider_heating.pk).contractor_reference == ""


def test_a_closed_fault_can_still_be_given_its_number(api_as, estate, contractor_user):
    # Reconciling happens after the work is done, too.
    estate.cancelled.refresh_from_db()
    assert estate.cancelled.status == FaultStatus.CANCELLED
    response = set_number(api_as("contractor_user"), estate.cancelled, "WO-OLD")
    assert response.status_code == 200, response.json()


def test_an_unrouted_fault_has_no_job_number(api_as, estate, national_manager):
    Fault.objects.filter(pk=estate.heating.pk).update(contractor=None, contract=None)
    client = api_as("national_manager")
    detail = client.get(f"/api/v1/faults/{estate.heating.pk}/").json()
    assert "contractor_reference" not in detail["allowed_actions"]
    response = set_number(client, estate.heating, "WO-1")
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"{estate.heating.reference} has no contractor yet, so it cannot have their job number."
    )


def test_a_retry_with_the_same_idempotency_key_records_one_event(api_as, estate):
    client = api_as("contractor_user")
    first = set_number(client, estate.heating, "WO-9", **{"Idempotency-Key": "job-9"})
    again = set_number(client, estate.heating, "WO-9", **{"Idempotency-Key": "job-9"})
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert len(job_events(estate.heating)) == 1


def test_reassigning_clears_the_number_for_the_next_contractor(
    api_as, estate, regional_manager, other_contractor
):
    set_number(api_as("contractor_user"), estate.heating, "WO-5")
    workflow.fault_reassign(
        fault=estate.heating, actor=regional_manager, contractor=other_contractor, reason="Nearer"
    )
    estate.heating.refresh_from_db()
    assert estate.heating.contractor_reference == ""
    reassigned = FaultEvent.objects.filter(fault=estate.heating, kind=EventKind.REASSIGNED).get()
    assert reassigned.details["job_number_removed"] == "WO-5"
    # The new contractor may now give its own number, even the old one.
    fault = api_as("other_contractor_user").get(f"/api/v1/faults/{estate.heating.pk}/").json()
    assert fault["contractor_reference"] == ""


def test_the_database_refuses_a_second_fault_with_the_number(estate):
    Fault.objects.filter(pk=estate.heating.pk).update(contractor_reference="WO-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Fault.objects.filter(pk=estate.beds.pk).update(contractor_reference="WO-1")
    # Empty is not a number: any number of faults may have none.
    assert Fault.objects.filter(contractor_reference="").count() >= 2
    # Another contractor's fault may have it.
    Fault.objects.filter(pk=estate.outsider_heating.pk).update(contractor_reference="WO-1")


def test_the_race_loser_gets_the_message_not_a_500(estate, contractor_user):
    """Two people give two faults the same number at once: the check before saving passes for
    both, and the database's unique index decides; the loser gets a WorkflowError naming the
    field, and nothing of its step is kept."""

    def the_other_commits_first(sender, instance, **kwargs):
        # Just before this fault is saved, the other fault takes the number.
        if instance.pk == estate.beds.pk:
            Fault.objects.filter(pk=estate.heating.pk).update(contractor_reference="WO-3")

    pre_save.connect(the_other_commits_first, sender=Fault)
    try:
        with pytest.raises(workflow.WorkflowError) as refused:
            fault_set_contractor_reference(
                fault=estate.beds, actor=contractor_user, contractor_reference="WO-3"
            )
    finally:
        pre_save.disconnect(the_other_commits_first, sender=Fault)
    assert refused.value.field == "contractor_reference"
    # (Here the other's write rolls back with the step's savepoint, so it is not named.)
    assert refused.value.message == (
        "The contractor's job number WO-3 is already used for another fault: "
        f"enter the job number for {estate.beds.reference}"
    )
    assert Fault.objects.get(pk=estate.beds.pk).contractor_reference == ""
    assert job_events(estate.beds) == []


def test_filter_by_job_number_is_exact_and_in_scope(api_as, estate):
    set_number(api_as("contractor_user"), estate.heating, "WO-10")
    set_number(api_as("contractor_user"), estate.beds, "WO-100")
    set_number(api_as("other_contractor_user"), estate.outsider_heating, "WO-10")

    def found(role, **query):
        response = api_as(role).get("/api/v1/faults/", query)
        assert response.status_code == 200, response.json()
        return {f["id"] for f in response.json()["results"]}

    assert found("contractor_user", contractor_reference="WO-10") == {estate.heating.pk}
    assert found("contractor_user", contractor_reference="wo-10") == set()
    assert found("other_contractor_user", contractor_reference="WO-10") == {
        estate.outsider_heating.pk
    }
    assert found("regional_manager", contractor_reference="WO-100") == {estate.beds.pk}


def test_search_finds_the_job_number(api_as, estate):
    set_number(api_as("contractor_user"), estate.heating, "BX-2231")
    # A number no fault has as its id (ids keep rising across tests on PostgreSQL).
    numeric = str(Fault.objects.aggregate(top=Max("pk"))["top"] + 1000)
    set_number(api_as("contractor_user"), estate.cancelled, numeric)
    client = api_as("office_manager")

    def found(q):
        return {f["id"] for f in client.get("/api/v1/faults/", {"q": q}).json()["results"]}

    assert found("BX-2231") == {estate.heating.pk}
    assert found("bx-22") == {estate.heating.pk}  # part of it, any case
    # A job number that looks like an id finds the fault it belongs to, whatever its status,
    # besides the fault with that id (if any).
    assert found(numeric) == {estate.cancelled.pk}
    # An exact job number finds its fault at any status, as a reference does.
    set_number(api_as("contractor_user"), estate.cancelled, "CL-1")
    assert found("CL-1") == {estate.cancelled.pk}
    assert found("CL-") == set()  # part of it: the list's default, open faults only
