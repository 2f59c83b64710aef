"""Holds the contractor asks for, and breaches the contractor disputes, on the fault's page.

A contractor who cannot get in requests a hold; an office manager or contract manager
approves it (the clock stops from the time of the request) or refuses it (it stops nothing).
A late step is a breach with its points and £; the contractor disputes it, a contract manager
accepts (the breach is waived) or rejects. Every URL answers 404 outside the user's scope.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from facilities import sla
from facilities.faults import disputes, workflow
from facilities.models import (
    Breach,
    BreachDispute,
    DisputeStatus,
    FaultHold,
    HoldStatus,
    OutboxEmail,
    OutboxKind,
    Role,
)
from tests.factories import UserFactory, category
from tests.web.conftest import T0

pytestmark = pytest.mark.django_db


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def page(client, fault) -> str:
    response = client.get(f"/faults/{fault.pk}/")
    assert response.status_code == 200
    return squash(response.content.decode())


def followed(client, url: str, fault, **data) -> str:
    """POST, expect the redirect back to the fault's page, and return that page."""
    response = client.post(url, data)
    assert response.status_code == 302, squash(response.content.decode())[:3000]
    assert response["Location"] == f"/faults/{fault.pk}/"
    return squash(client.get(response["Location"]).content.decode())


def timeline_titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="moj-timeline__title">(.*?)</h3>', html)


def action_url(fault, action: str) -> str:
    return f"/faults/{fault.pk}/actions/{action}/"


def dispute_url(fault, breach) -> str:
    return f"/faults/{fault.pk}/breaches/{breach.pk}/dispute/"


def decide_url(fault, dispute) -> str:
    return f"/faults/{fault.pk}/disputes/{dispute.pk}/decide/"


def clock_minutes(fault, start, end) -> timedelta:
    return sla.elapsed(start, end, fault.clock, fault.premises.nation)


# --- Holds the contractor asks for ------------------------------------------------------------


@pytest.mark.parametrize("slug", ["heating-hot-water", "building-fabric-roof"])
def test_contractor_requests_a_hold_and_the_office_manager_approves_it(
    client, clock, slug, premises, contract, office_manager, contractor_user
):
    """The clock stops from the request's time: the fix due time moves by exactly the clock
    time (calendar or working) between the request and the end of the hold."""
    fault = workflow.fault_log(
        premises=premises,
        category=category(slug),
        location="Plant room",
        description="Needs a look",
        reported_by=office_manager,
        now=T0,
    )
    original_fix_due = fault.fix_due_at
    requested_at, approved_at, resumed_at = (
        T0 + timedelta(hours=1),
        T0 + timedelta(hours=2),
        T0 + timedelta(days=1, hours=5),
    )

    client.force_login(contractor_user)
    html = page(client, fault)
    assert f'href="/faults/{fault.pk}/actions/request_hold/"' in html
    assert "Request a hold (no access)" in html
    form = squash(client.get(action_url(fault, "request_hold")).content.decode())
    assert "What happened when you tried to get in?" in form

    clock.move_to(requested_at, tick=False)
    html = followed(client, action_url(fault, "request_hold"), fault, note="Nobody at reception")
    assert f"Hold requested for {fault.reference}" in html
    fault.refresh_from_db()
    assert fault.on_hold_since is None  # nothing stops until it is approved
    assert fault.fix_due_at == original_fix_due
    (hold,) = FaultHold.objects.filter(fault=fault)
    assert hold.status == HoldStatus.REQUESTED
    assert hold.started_at == requested_at
    # The contractor sees the request waiting, cannot decide it and cannot ask again.
    assert 'id="hold-request"' in html
    assert "will approve or refuse it" in html
    assert "Approve hold" not in html
    assert "/actions/request_hold/" not in html
    assert timeline_titles(html)[0] == "Hold requested (no access)"

    clock.move_to(approved_at, tick=False)
    client.force_login(office_manager)
    html = page(client, fault)
    banner = html[html.index('id="hold-request"') : html.index("What you can do")]
    assert "Hold requested</h2>" in banner
    assert f"{contractor_user} could not get in" in banner
    assert "4 March 2025 at 11:00" in banner
    assert "Nobody at reception" in banner
    assert f'action="/faults/{fault.pk}/actions/decide_hold/"' in banner
    assert 'name="decision" value="approve"' in banner
    assert 'name="decision" value="refuse"' in banner
    assert ">Approve hold</button>" in banner
    assert ">Refuse hold</button>" in banner

    html = followed(client, action_url(fault, "decide_hold"), fault, decision="approve")
    assert f"Hold approved for {fault.reference}: the clock stopped at 11:00" in html
    fault.refresh_from_db()
    assert fault.on_hold_since == requested_at
    assert 'id="hold-request"' not in html
    assert timeline_titles(html)[0] == "Hold request approved"
    assert "<dt>Requested:</dt> <dd>Tue 4 Mar 2025 11:00</dd>" in html

    clock.move_to(resumed_at, tick=False)
    followed(client, action_url(fault, "resume"), fault)
    fault.refresh_from_db()
    moved = clock_minutes(fault, T0, fault.fix_due_at) - clock_minutes(fault, T0, original_fix_due)
    assert moved == clock_minutes(fault, requested_at, resumed_at)
    assert moved > timedelta(0)

    html = page(client, fault)
    holds = html[html.index('id="fault-holds"') :]
    assert f"Requested by {contractor_user}" in holds
    assert f"Approved by {office_manager} on 4 Mar 2025 12:00" in holds
    assert 'govuk-tag--green">Approved</strong>' in holds
    assert "Nobody at reception" in holds


def test_a_refused_hold_request_stops_nothing(
    client, clock, estate, office_manager, contractor_user
):
    fault = estate.heating
    original_fix_due = fault.fix_due_at
    workflow.fault_request_hold(
        fault=fault, actor=contractor_user, note="Gate locked", now=T0 + timedelta(hours=1)
    )
    clock.move_to(T0 + timedelta(hours=2), tick=False)
    client.force_login(office_manager)

    # Refusing needs a reason: a GOV.UK error, next to the field and in the summary.
    response = client.post(action_url(fault, "decide_hold"), {"decision": "refuse", "note": " "})
    assert response.status_code == 200
    html = squash(response.content.decode())
    assert "<title>Error: " in html
    assert 'class="govuk-error-summary"' in html
    assert '<a href="#id_note">Enter why the hold request is refused</a>' in html
    assert 'id="id_note-error"' in html
    assert re.search(r'value="refuse"[^>]*checked', html)
    assert f"{contractor_user} asked at 11:00 on 4 March 2025: Gate locked" in html
    assert FaultHold.objects.get(fault=fault).status == HoldStatus.REQUESTED

    html = followed(
        client,
        action_url(fault, "decide_hold"),
        fault,
        decision="refuse",
        note="Reception was staffed all day",
    )
    assert f"Hold request refused for {fault.reference}" in html
    fault.refresh_from_db()
    assert fault.on_hold_since is None
    assert fault.paused == timedelta(0)
    assert fault.fix_due_at == original_fix_due
    assert FaultHold.objects.get(fault=fault).status == HoldStatus.REFUSED
    assert timeline_titles(html)[0] == "Hold request refused"
    assert "Reception was staffed all day" in html
    holds = html[html.index('id="fault-holds"') :]
    assert 'govuk-tag--red">Refused</strong>' in holds
    assert "The clock did not stop" in holds

    # Time passes as if nothing had been asked: the attend step falls overdue on time.
    clock.move_to(fault.attend_due_at + timedelta(minutes=5), tick=False)
    assert 'govuk-tag--red">Overdue</strong> by 5 minutes' in page(client, fault)
    # The contractor may ask again.
    client.force_login(contractor_user)
    assert "/actions/request_hold/" in page(client, fault)


def test_a_hold_request_needs_a_note(client, clock, estate, contractor_user):
    client.force_login(contractor_user)
    response = client.post(action_url(estate.heating, "request_hold"), {"note": ""})
    assert response.status_code == 200
    html = squash(response.content.decode())
    assert '<a href="#id_note">Enter what happened when you tried to get in</a>' in html
    assert not FaultHold.objects.filter(fault=estate.heating).exists()


def test_deciding_a_hold_is_refused_with_a_message_when_the_rules_say_no(
    client, clock, estate, office_manager, contractor_user
):
    client.force_login(office_manager)
    response = client.post(action_url(estate.heating, "decide_hold"), {"decision": "approve"})
    assert response.status_code == 400
    assert "has no hold request awaiting a decision" in response.content.decode()
    workflow.fault_request_hold(fault=estate.heating, actor=contractor_user, note="Locked")
    client.force_login(contractor_user)
    response = client.post(action_url(estate.heating, "decide_hold"), {"decision": "approve"})
    assert response.status_code == 400
    assert "Only an office manager or contract manager can" in response.content.decode()
    assert FaultHold.objects.get().status == HoldStatus.REQUESTED


def test_a_hold_request_emails_the_office_managers(client, clock, estate, contractor_user):
    client.force_login(contractor_user)
    followed(client, action_url(estate.heating, "request_hold"), estate.heating, note="Locked")
    (email,) = OutboxEmail.objects.filter(fault=estate.heating, kind=OutboxKind.HOLD_REQUESTED)
    assert email.to


# --- Breaches and disputes ----------------------------------------------------------------


@pytest.fixture
def late(clock, estate, contract, contractor_user):
    """The heating fault attended an hour after its due time: an attend breach, £25 a point."""
    contract.pounds_per_point = Decimal("25.00")
    contract.save()
    fault = estate.heating
    fault.contract.refresh_from_db()
    clock.move_to(fault.attend_due_at + timedelta(hours=1), tick=False)
    workflow.fault_attend(fault=fault, actor=contractor_user)
    clock.move_to(fault.attend_due_at + timedelta(hours=2), tick=False)
    fault.refresh_from_db()
    return fault


def test_a_breach_shows_its_points_multiplier_and_pounds(client, late, office_manager):
    breach = Breach.objects.get(fault=late)
    assert (breach.step, breach.points, breach.multiplier) == ("attend", 4, 1)
    client.force_login(office_manager)
    html = page(client, late)
    card = html[html.index(f'id="breach-{breach.pk}"') :]
    assert '<h3 class="govuk-summary-card__title">Attend late</h3>' in card
    assert 'Multiplier</dt> <dd class="govuk-summary-list__value">×1</dd>' in card
    assert 'Points</dt> <dd class="govuk-summary-list__value">4</dd>' in card
    assert "£100.00 (4 points at £25.00 a point)" in card
    assert "5 hours against a target of 4 hours" in card
    assert 'govuk-tag--red">Counts</strong>' in card
    assert "Dispute this breach" not in html  # only the contractor disputes
    assert 'govuk-tag--red">Late</strong> by 1 hour' in html  # the service levels table


def test_contractor_disputes_and_contract_manager_accepts(
    client, late, contractor_user, regional_manager, office_manager
):
    breach = Breach.objects.get(fault=late)
    client.force_login(contractor_user)
    html = page(client, late)
    assert f'href="{dispute_url(late, breach)}"' in html
    assert "Dispute this breach" in html

    form = squash(client.get(dispute_url(late, breach)).content.decode())
    assert "<title>Dispute this breach: " in form
    assert "Why should this breach not count?" in form
    # An empty reason is a GOV.UK error.
    response = client.post(dispute_url(late, breach), {"reason": ""})
    assert response.status_code == 200
    html = squash(response.content.decode())
    assert "<title>Error: Dispute this breach" in html
    assert '<a href="#id_reason">Enter why the breach should not count</a>' in html
    assert not BreachDispute.objects.exists()

    html = followed(client, dispute_url(late, breach), late, reason="Site closed for a fire drill")
    assert f"Dispute sent for the attend breach on {late.reference}" in html
    dispute = BreachDispute.objects.get(breach=breach)
    assert dispute.status == DisputeStatus.OPEN
    assert timeline_titles(html)[0] == "Breach disputed"
    assert "<dt>Service level:</dt> <dd>Attend</dd>" in html
    assert 'govuk-tag--yellow">Disputed</strong>' in html
    assert "Dispute this breach" not in html  # one open dispute per breach
    response = client.post(dispute_url(late, breach), {"reason": "Again"})
    assert response.status_code == 400
    assert "already has a dispute awaiting a decision" in response.content.decode()
    assert BreachDispute.objects.count() == 1
    assert OutboxEmail.objects.filter(fault=late, kind=OutboxKind.BREACH_DISPUTED).exists()

    # An office manager sees the dispute but cannot decide it.
    client.force_login(office_manager)
    assert f'action="{decide_url(late, dispute)}"' not in page(client, late)
    response = client.post(decide_url(late, dispute), {f"dispute-{dispute.pk}-decision": "accept"})
    assert response.status_code == 400
    assert "Only a contract manager can decide a dispute." in response.content.decode()

    client.force_login(regional_manager)
    html = page(client, late)
    decide = html[html.index(f'action="{decide_url(late, dispute)}"') :]
    assert f'id="decide-dispute-{dispute.pk}"' in decide
    assert ">Accept (waive the breach)</button>" in decide
    assert ">Reject</button>" in decide
    assert "Site closed for a fire drill" in html
    # The reason is required.
    response = client.post(
        decide_url(late, dispute), {f"dispute-{dispute.pk}-decision": "accept", "reason": ""}
    )
    assert response.status_code == 200
    html = squash(response.content.decode())
    assert (
        f'<a href="#id_dispute-{dispute.pk}-reason">Enter the reason for your decision</a>' in html
    )
    assert Breach.objects.get(pk=breach.pk).waived_at is None

    html = followed(
        client,
        decide_url(late, dispute),
        late,
        **{
            f"dispute-{dispute.pk}-decision": "accept",
            f"dispute-{dispute.pk}-reason": "Fire drill confirmed by the office",
        },
    )
    assert f"Dispute accepted: the attend breach on {late.reference} is waived" in html
    breach.refresh_from_db()
    assert breach.is_waived
    assert breach.waived_reason == "Fire drill confirmed by the office"
    assert timeline_titles(html)[0] == "Dispute accepted: breach waived"
    card = html[html.index(f'id="breach-{breach.pk}"') :]
    assert 'govuk-tag--grey">Waived</strong>' in card
    assert "Fire drill confirmed by the office" in card
    assert 'govuk-tag--green">Accepted</strong>' in card
    assert f'id="decide-dispute-{dispute.pk}"' not in html
    assert OutboxEmail.objects.filter(fault=late, kind=OutboxKind.DISPUTE_DECIDED).exists()
    # Decided once: deciding again is refused with a message.
    response = client.post(
        decide_url(late, dispute),
        {f"dispute-{dispute.pk}-decision": "reject", f"dispute-{dispute.pk}-reason": "No"},
    )
    assert response.status_code == 400
    assert "This dispute has already been decided." in response.content.decode()


def test_contract_manager_rejects_a_dispute(client, late, contractor_user, regional_manager):
    breach = Breach.objects.get(fault=late)
    dispute = disputes.breach_dispute(breach=breach, actor=contractor_user, reason="Traffic")
    client.force_login(regional_manager)
    form = squash(client.get(decide_url(late, dispute)).content.decode())
    assert "<title>Decide the dispute: " in form
    assert "Traffic" in form
    html = followed(
        client,
        decide_url(late, dispute),
        late,
        **{
            f"dispute-{dispute.pk}-decision": "reject",
            f"dispute-{dispute.pk}-reason": "Traffic is the contractor's risk",
        },
    )
    assert f"Dispute rejected: the attend breach on {late.reference} stands" in html
    breach.refresh_from_db()
    assert not breach.is_waived
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.REJECTED
    assert timeline_titles(html)[0] == "Dispute rejected"
    assert "Traffic is the contractor&#x27;s risk" in html
    assert 'govuk-tag--red">Rejected</strong>' in html
    # The breach stands, and the contractor may dispute it again.
    client.force_login(contractor_user)
    assert f'href="{dispute_url(late, breach)}"' in page(client, late)


def test_another_contractor_cannot_dispute_a_breach_charged_to_the_first(
    client, late, regional_manager, other_contractor, other_contractor_user
):
    """Reassigned after the breach: the new contractor sees the fault, not the right to
    dispute the first contractor's breach."""
    breach = Breach.objects.get(fault=late)
    workflow.fault_reassign(
        fault=late, actor=regional_manager, contractor=other_contractor, reason="Nearer"
    )
    client.force_login(other_contractor_user)
    assert "Dispute this breach" not in page(client, late)
    response = client.post(dispute_url(late, breach), {"reason": "Not us"})
    assert response.status_code == 400
    html = squash(response.content.decode())
    assert "Only the contractor the breach is charged to can dispute it." in html
    assert 'class="govuk-error-summary"' in html
    assert not BreachDispute.objects.exists()


@pytest.fixture
def other_regional_manager(other_region):
    return UserFactory(username="gwen", role=Role.CONTRACT_MANAGER, regions=[other_region])


@pytest.mark.parametrize(
    "who", ["other_office_manager", "other_contractor_user", "other_regional_manager"]
)
def test_dispute_urls_of_a_fault_outside_scope_are_not_found(
    request, client, who, late, contractor_user
):
    breach = Breach.objects.get(fault=late)
    dispute = disputes.breach_dispute(breach=breach, actor=contractor_user, reason="Traffic")
    client.force_login(request.getfixturevalue(who))
    data = {"reason": "x", f"dispute-{dispute.pk}-decision": "accept"}
    for url in (dispute_url(late, breach), decide_url(late, dispute)):
        assert client.get(url).status_code == 404, url
        response = client.post(url, data)
        assert response.status_code == 404, url
        assert "Page not found" in response.content.decode()
    assert BreachDispute.objects.get().status == DisputeStatus.OPEN


def test_a_breach_or_dispute_under_another_faults_url_is_not_found(
    client, late, estate, contractor_user, regional_manager
):
    breach = Breach.objects.get(fault=late)
    dispute = disputes.breach_dispute(breach=breach, actor=contractor_user, reason="Traffic")
    client.force_login(contractor_user)
    assert client.post(dispute_url(estate.alarm, breach), {"reason": "x"}).status_code == 404
    client.force_login(regional_manager)
    assert client.get(decide_url(estate.alarm, dispute)).status_code == 404
    assert client.get(f"/faults/{late.pk}/breaches/999999/dispute/").status_code == 404


def test_dispute_posts_need_a_csrf_token(late, contractor_user, regional_manager):
    breach = Breach.objects.get(fault=late)
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(contractor_user)
    assert csrf_client.post(dispute_url(late, breach), {"reason": "x"}).status_code == 403
    dispute = disputes.breach_dispute(breach=breach, actor=contractor_user, reason="Traffic")
    csrf_client.force_login(regional_manager)
    response = csrf_client.post(
        decide_url(late, dispute),
        {f"dispute-{dispute.pk}-decision": "accept", f"dispute-{dispute.pk}-reason": "ok"},
    )
    assert response.status_code == 403
    assert BreachDispute.objects.get().status == DisputeStatus.OPEN


def test_signed_out_people_are_sent_to_sign_in(client, late):
    breach = Breach.objects.get(fault=late)
    response = client.post(dispute_url(late, breach), {"reason": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_page_with_holds_breaches_and_disputes_runs_a_bounded_number_of_queries(
    client, clock, late, office_manager, contractor_user, regional_manager,
    django_assert_max_num_queries,
):  # fmt: skip
    workflow.fault_request_hold(fault=late, actor=contractor_user, note="Locked")
    workflow.fault_decide_hold(fault=late, actor=office_manager, approve=True)
    clock.move_to(T0 + timedelta(days=1), tick=False)
    workflow.fault_resume(fault=late, actor=office_manager)
    clock.move_to(T0 + timedelta(days=5), tick=False)
    workflow.fault_fix(fault=late, actor=contractor_user, note="Done")
    for breach in Breach.objects.filter(fault=late):
        disputes.breach_dispute(breach=breach, actor=contractor_user, reason="Traffic")
    assert Breach.objects.filter(fault=late).count() == 2
    for user in (office_manager, contractor_user, regional_manager):
        client.force_login(user)
        with django_assert_max_num_queries(14):
            html = page(client, late)
        assert "Breaches</h2>" in html
