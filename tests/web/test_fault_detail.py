"""A fault's page: its summary, due times, timeline, photos, and the actions of each role."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from facilities.faults import photos, workflow
from facilities.faults.workflow import Action
from facilities.models import EventKind, FaultEvent, FaultStatus
from facilities.web.fault_actions import ACTIONS
from facilities.web.fault_detail import due_rows, event_details
from tests.factories import UserFactory, category
from tests.test_photos import image_bytes
from tests.web.conftest import T0

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def page(client, fault) -> str:
    response = client.get(f"/faults/{fault.pk}/")
    assert response.status_code == 200
    return squash(response.content.decode())


def act(client, fault, action, **data):
    return client.post(f"/faults/{fault.pk}/actions/{action}/", data)


def timeline_titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="moj-timeline__title">(.*?)</h3>', html)


#: Actions with a form of their own on the page, not a button under "What you can do".
OWN_FORMS = {"comment", "contractor_reference"}


def offered(html: str) -> set[str]:
    """The actions the page offers, from the URLs of its buttons."""
    return set(re.findall(r'/actions/([a-z_]+)/"', html)) - OWN_FORMS


# --- What the page shows --------------------------------------------------------------------


def test_summary_shows_the_fault(client, clock, estate, office_manager):
    client.force_login(office_manager)
    html = page(client, estate.alarm)
    ref = estate.alarm.reference
    assert f"<title>{ref}: Personal alarms at Tyne approved premises – " in html
    assert f'<h1 class="govuk-heading-l">{ref}: Personal alarms</h1>' in html
    assert '<strong class="govuk-tag">Reported</strong>' in html
    assert '<strong class="govuk-tag govuk-tag--red">P1 emergency</strong>' in html
    assert '<strong class="govuk-tag govuk-tag--red">Safety-critical</strong>' in html
    assert f'<a class="govuk-link" href="/premises/{estate.alarm.premises_id}/">' in html
    assert "Ground floor" in html
    assert "personal-alarms fault" in html
    assert "4 March 2025 at 10:00 by Sam" in html
    assert "North Facilities Ltd" in html
    assert "Contract MOJ-NE-001" in html
    assert "Not escalated" in html


def test_due_times_show_time_left_then_how_late(client, clock, estate, office_manager):
    client.force_login(office_manager)
    html = page(client, estate.alarm)
    assert "By 12:00 today</time>" in html
    assert "2 hours left" in html
    assert "By 16:00 today</time>" in html  # make safe: P1 only
    assert "By 10:00 tomorrow</time>" in html
    assert "1 day left" in html
    clock.move_to(T0 + timedelta(hours=3, minutes=10), tick=False)
    html = page(client, estate.alarm)
    assert 'govuk-tag--red">Overdue</strong> by 1 hour 10 minutes' in html
    assert "Attend overdue" in html  # a tag under the heading


def test_due_rows_say_whether_each_step_was_on_time(estate, contractor_user):
    fault = estate.alarm
    workflow.fault_attend(fault=fault, actor=contractor_user, now=T0 + timedelta(hours=1))
    fault = workflow.fault_fix(
        fault=fault, actor=contractor_user, note="Swapped", now=T0 + timedelta(hours=30)
    )
    rows = {row.step: row for row in due_rows(fault, T0 + timedelta(days=3))}
    assert rows["Attend"].result == "On time"
    assert not rows["Attend"].late
    assert rows["Make safe"].result == "Late by 1 day"  # fixed counts as made safe
    assert rows["Fix"].result == "Late by 6 hours"
    assert rows["Fix"].late
    fix = rows["Fix"]
    assert (fix.tag, fix.colour, fix.detail) == ("Late", "red", "by 6 hours")
    assert rows["Fix"].taken == "1 day 6 hours"
    assert rows["Fix"].target == "24 hours"
    assert rows["Attend"].taken == "1 hour"
    assert rows["Attend"].held == ""


def test_service_levels_come_from_the_faults_outcomes(
    client, clock, estate, office_manager, contractor_user
):
    """Time on hold counts against the steps still to do, and the table says so."""
    fault = estate.heating
    workflow.fault_hold(fault=fault, actor=office_manager, reason="No keys", now=T0)
    fault = workflow.fault_resume(fault=fault, actor=office_manager, now=T0 + timedelta(hours=2))
    outcomes = fault.outcomes(T0 + timedelta(hours=3))
    rows = {row.step: row for row in due_rows(fault, T0 + timedelta(hours=3))}
    assert rows["Fix"].due_at == outcomes["fix"].due_at == fault.fix_due_at
    assert rows["Fix"].held == "2 hours"
    assert rows["Attend"].detail == "3 hours left"  # due 16:00 (10:00 + 4 hours + 2 on hold)
    assert "Make safe" not in rows  # no make-safe service level below P1
    clock.move_to(T0 + timedelta(hours=3), tick=False)
    client.force_login(office_manager)
    html = page(client, fault)
    start = html.index('id="fault-due"')
    table = html[start : html.index("</table>", start)]
    assert "Service levels</h2>" in html
    assert '<td class="govuk-table__cell">2 hours</td>' in table  # time on hold
    assert '<td class="govuk-table__cell">3 days</td>' in table  # the fix target
    assert '<strong class="govuk-tag">Not due yet</strong> 3 hours left' in table
    holds = html[html.index('id="fault-holds"') :]
    assert f"Put on hold by {office_manager}" in holds
    assert "No keys" in holds


def test_on_hold_stops_the_clock_and_shows_the_reason(client, clock, estate, office_manager):
    client.force_login(office_manager)
    workflow.fault_hold(fault=estate.heating, actor=office_manager, reason="No keys until Friday")
    html = page(client, estate.heating)
    assert "On hold</dt>" in html
    assert "No keys until Friday" in html
    assert 'govuk-tag--grey">On hold</strong> clock stopped' in html
    clock.move_to(T0 + timedelta(hours=2), tick=False)
    workflow.fault_resume(fault=estate.heating, actor=office_manager)
    html = page(client, estate.heating)
    assert "Time on hold so far: 2 hours" in html


def test_unrouted_fault_says_so(client, clock, premises, office_manager, national_manager):
    fault = workflow.fault_log(
        premises=premises,
        category=category("lifts"),
        location="Lift",
        description="Stuck",
        reported_by=office_manager,
    )  # no contract fixture: nothing covers it
    client.force_login(national_manager)
    html = page(client, fault)
    assert "Unrouted</strong>" in html


def test_timeline_shows_every_event_newest_first(
    client, clock, estate, contractor_user, office_manager
):
    fault = estate.heating
    step = iter(range(1, 10))

    def at():
        return T0 + timedelta(minutes=10 * next(step))

    workflow.fault_acknowledge(fault=fault, actor=contractor_user, now=at())
    workflow.fault_attend(fault=fault, actor=contractor_user, note="Boiler pressure low", now=at())
    workflow.fault_comment(fault=fault, actor=office_manager, text="Staff using room 2", now=at())
    workflow.fault_fix(fault=fault, actor=contractor_user, note="Valve replaced", now=at())
    workflow.fault_reopen(fault=fault, actor=office_manager, reason="Cold again", now=at())
    client.force_login(office_manager)
    html = page(client, fault)
    assert timeline_titles(html) == [
        "Reopened",
        "Fixed",
        "Comment",
        "Attended",
        "Acknowledged",
        "Routed to contractor",
        "Logged",
    ]
    assert len(timeline_titles(html)) == fault.events.count()
    for text in ("Boiler pressure low", "Staff using room 2", "Valve replaced", "Cold again"):
        assert text in html
    assert '<p class="moj-timeline__byline">by the service</p>' in html  # routing
    assert '<time datetime="2025-03-04T10:50:00+00:00">4 March 2025 at 10:50</time>' in html
    assert "<dt>Within the service level:</dt> <dd>Yes</dd>" in html


def test_times_are_shown_in_london_summer_time(client, estate, office_manager, time_machine):
    summer = T0.replace(month=7)
    time_machine.move_to(summer, tick=False)
    workflow.fault_comment(fault=estate.heating, actor=office_manager, text="Still cold")
    client.force_login(office_manager)
    html = page(client, estate.heating)
    assert '<time datetime="2025-07-04T10:00:00+01:00">4 July 2025 at 10:00</time>' in html


def test_event_details_are_readable(estate):
    event = FaultEvent(
        fault=estate.heating,
        kind=EventKind.RESUMED,
        at=T0,
        details={
            "paused_minutes": 130,
            "fix_due_at": "2025-07-07T09:00:00+00:00",
            "from": "P2",
            "automatic": False,
            "level": 2,
            "clock": "working",
            "something_new": "kept",
            "previously_fixed_at": None,
        },
    )
    assert event_details(event) == [
        ("Time on hold", "2 hours 10 minutes"),
        ("Fix by", "Mon 7 Jul 2025 10:00"),
        ("From", "P2"),
        ("Raised", "By hand"),
        ("Escalation level", "2"),
        ("Service level clock", "Working hours (Mon–Fri 08:00–18:00)"),
        ("Something new", "kept"),
    ]


def test_details_of_holds_disputes_and_priority_changes_are_readable(estate):
    def details(kind, **values):
        return event_details(FaultEvent(fault=estate.heating, kind=kind, at=T0, details=values))

    assert details(
        EventKind.HOLD_APPROVED,
        requested_at="2025-03-04T11:00:00+00:00",
        fix_due_at="2025-03-07T14:00:00+00:00",
    ) == [("Requested", "Tue 4 Mar 2025 11:00"), ("Fix by", "Fri 7 Mar 2025 14:00")]
    assert details(EventKind.HOLD_REQUESTED, reason="No access") == [("Reason", "No access")]
    # Bookkeeping (the breach's and dispute's ids) is not shown.
    assert details(
        EventKind.DISPUTE_ACCEPTED, step="make_safe", breach=3, dispute=4, step_name="make safe"
    ) == [("Service level", "Make safe")]
    assert details(
        EventKind.PRIORITY_CHANGED,
        clock="working",
        targets={"attend": 1200, "make_safe": None, "fix": 6000},
        due_before={"attend": "2025-03-06T10:00:00+00:00", "make_safe": None},
    ) == [
        ("Service level clock", "Working hours (Mon–Fri 08:00–18:00)"),
        ("Targets", "Attend: 2 working days; Fix: 10 working days"),
        ("Due before", "Attend: Thu 6 Mar 2025 10:00"),
    ]


def test_photos_are_shown_through_the_scoped_view(client, clock, estate, office_manager):
    (photo,) = photos.attach_photos(
        fault=estate.heating,
        uploads=[SimpleUploadedFile("boiler.png", image_bytes("PNG"))],
        uploaded_by=office_manager,
        now=T0,
    )
    client.force_login(office_manager)
    html = page(client, estate.heating)
    url = f"/faults/{estate.heating.pk}/photos/{photo.pk}/"
    # The thumbnail, linking to the display copy (facilities.faults.photos makes both).
    assert f'<a class="govuk-link" href="{url}">' in html
    assert (
        f'<img src="{url}thumbnail/" alt="Photo 1 of {estate.heating.reference} (boiler.png)"'
        in html
    )
    assert "/media/" not in html
    for address in (url, f"{url}thumbnail/"):
        response = client.get(address)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"  # an opaque PNG's copies are JPEG
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
        # The same photo under another fault's URL is not found.
        other = address.replace(f"/faults/{estate.heating.pk}/", f"/faults/{estate.alarm.pk}/")
        assert client.get(other).status_code == 404


def test_detail_page_runs_a_constant_number_of_queries(
    client, clock, estate, office_manager, contractor_user, django_assert_max_num_queries
):
    fault = estate.alarm
    photos.attach_photos(
        fault=fault,
        uploads=[SimpleUploadedFile(f"{n}.png", image_bytes("PNG")) for n in range(3)],
        uploaded_by=office_manager,
        now=T0,
    )
    for n in range(40):
        who = contractor_user if n % 2 else office_manager
        workflow.fault_comment(fault=fault, actor=who, text=f"Comment {n}")
    workflow.fault_escalate(fault=fault, actor=office_manager, reason="No response")
    for user in (office_manager, contractor_user, UserFactory(national=True)):
        client.force_login(user)
        with django_assert_max_num_queries(10):
            html = page(client, fault)
        assert "Comment 39" in html


# --- Actions offered --------------------------------------------------------------------------


def test_each_role_is_offered_exactly_the_allowed_actions(
    client, clock, estate, office_manager, contractor_user, regional_manager
):
    for user, expected in [
        (
            contractor_user,
            {"acknowledge", "attend", "make_safe", "fix", "awaiting_parts", "request_hold"},
        ),
        (office_manager, {"hold", "escalate", "cancel"}),
        (regional_manager, {"hold", "escalate", "cancel", "change_priority", "reassign"}),
    ]:
        client.force_login(user)
        html = page(client, estate.alarm)
        assert offered(html) == expected
        allowed = {a.value for a in workflow.allowed_actions(estate.alarm, user)} - OWN_FORMS
        assert offered(html) == allowed


def test_a_fixed_fault_offers_confirm_and_reopen(
    client, clock, estate, office_manager, contractor_user
):
    workflow.fault_fix(fault=estate.heating, actor=contractor_user, note="Done")
    client.force_login(office_manager)
    assert offered(page(client, estate.heating)) == {"confirm", "reopen"}
    client.force_login(contractor_user)
    assert offered(page(client, estate.heating)) == set()


# --- Actions taken --------------------------------------------------------------------------


def followed(client, fault, action, **data) -> str:
    response = act(client, fault, action, **data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == f"/faults/{fault.pk}/"
    return squash(client.get(response["Location"]).content.decode())


def test_contractor_acknowledges_attends_makes_safe_and_fixes(
    client, clock, estate, contractor_user
):
    fault = estate.alarm
    ref = fault.reference
    client.force_login(contractor_user)
    html = followed(client, fault, "acknowledge")
    assert f"{ref} acknowledged" in html
    assert 'govuk-notification-banner--success" role="alert"' in html
    fault.refresh_from_db()
    assert fault.status == FaultStatus.ACKNOWLEDGED
    assert f"{ref} marked as attended" in followed(client, fault, "attend")
    html = followed(client, fault, "make_safe", note="Spare alarm issued")
    assert f"{ref} marked as made safe" in html
    html = followed(client, fault, "awaiting_parts", note="Receiver on order")
    assert f"{ref} marked as awaiting parts" in html
    html = followed(client, fault, "fix", note="Receiver replaced")
    assert f"{ref} marked as fixed" in html
    fault.refresh_from_db()
    assert fault.status == FaultStatus.FIXED
    assert fault.attended_at
    assert fault.made_safe_at
    assert fault.fixed_at
    titles = timeline_titles(html)
    assert titles[:5] == ["Fixed", "Awaiting parts", "Made safe", "Attended", "Acknowledged"]
    assert "Spare alarm issued" in html
    assert "Receiver on order" in html


def test_office_manager_confirms_reopens_holds_resumes_escalates_and_cancels(
    client, clock, estate, office_manager, contractor_user
):
    fault = estate.heating
    ref = fault.reference
    client.force_login(office_manager)
    html = followed(client, fault, "hold", reason="Waiting for keys")
    assert f"{ref} put on hold" in html
    assert f"{ref} taken off hold" in followed(client, fault, "resume")
    html = followed(client, fault, "escalate", reason="Nobody has called back")
    assert f"{ref} escalated to level 1" in html
    fault.refresh_from_db()
    assert fault.escalation_level == 1
    assert fault.escalations.get().reason == "Nobody has called back"
    workflow.fault_fix(fault=fault, actor=contractor_user, note="Done")
    assert f"{ref} confirmed as fixed" in followed(client, fault, "confirm")
    fault.refresh_from_db()
    assert fault.status == FaultStatus.CLOSED
    assert f"{ref} reopened" in followed(client, fault, "reopen", reason="Cold again")
    fault.refresh_from_db()
    assert fault.status == FaultStatus.ACKNOWLEDGED
    assert fault.reopen_count == 1
    assert f"{ref} cancelled" in followed(client, fault, "cancel", reason="Logged twice")
    fault.refresh_from_db()
    assert fault.status == FaultStatus.CANCELLED


def test_contract_manager_changes_priority_and_reassigns(
    client, clock, estate, regional_manager, other_contractor
):
    fault = estate.heating
    client.force_login(regional_manager)
    html = followed(client, fault, "change_priority", priority="P1", reason="No heating in winter")
    assert f"{fault.reference} given a new priority: P1 emergency" in html
    html = followed(
        client, fault, "reassign", contractor=str(other_contractor.pk), reason="Engineer nearby"
    )
    assert f"{fault.reference} reassigned to Cymru Estates Ltd" in html
    fault.refresh_from_db()
    assert fault.priority == "P1"
    assert fault.contractor == other_contractor


def test_anyone_in_scope_comments(client, clock, estate, contractor_user):
    client.force_login(contractor_user)
    html = followed(client, estate.heating, "comment", text="Engineer booked for 2pm")
    assert f"Comment added to {estate.heating.reference}" in html
    assert "Engineer booked for 2pm" in html


# --- Action forms and refusals ------------------------------------------------------------------


def test_each_action_with_text_has_its_own_form_page(client, clock, estate, contractor_user):
    client.force_login(contractor_user)
    response = client.get(f"/faults/{estate.heating.pk}/actions/fix/")
    assert response.status_code == 200
    html = squash(response.content.decode())
    assert "<title>Mark as fixed: " in html
    assert (
        '<label class="govuk-label govuk-label--s" for="id_note">What was done to fix it?</label>'
        in html
    )
    assert f'action="/faults/{estate.heating.pk}/actions/fix/"' in html


def test_missing_note_is_shown_next_to_the_field(client, clock, estate, contractor_user):
    client.force_login(contractor_user)
    response = act(client, estate.heating, "fix", note="  ")
    assert response.status_code == 200
    html = squash(response.content.decode())
    assert "<title>Error: Mark as fixed" in html
    assert '<a href="#id_note">Enter what was done to fix it</a>' in html
    assert 'id="id_note-error"' in html
    estate.heating.refresh_from_db()
    assert estate.heating.status == FaultStatus.REPORTED


def test_what_was_typed_is_kept_when_something_is_missing(client, clock, estate, regional_manager):
    client.force_login(regional_manager)
    html = squash(
        act(client, estate.heating, "change_priority", priority="P1", reason="").content.decode()
    )
    assert "Enter why the priority is changing" in html
    assert re.search(r'value="P1"[^>]*checked', html)
    html = squash(
        act(
            client, estate.heating, "change_priority", priority="", reason="Urgent"
        ).content.decode()
    )
    assert '<a href="#id_priority">Choose the new priority</a>' in html
    assert "> Urgent</textarea>" in html


def test_same_priority_is_refused_next_to_the_priority(client, clock, estate, regional_manager):
    client.force_login(regional_manager)
    html = act(
        client, estate.heating, "change_priority", priority="P2", reason="x"
    ).content.decode()
    assert f'<a href="#id_priority">{estate.heating.reference} is already P2.</a>' in html


def test_a_disallowed_action_posted_anyway_is_refused_with_a_message(
    client, clock, estate, office_manager, contractor_user
):
    client.force_login(office_manager)
    response = act(client, estate.heating, "acknowledge")
    assert response.status_code == 400
    html = squash(response.content.decode())
    assert "Only the contractor can record that a fault was acknowledged." in html
    assert "<title>Error: Acknowledge" in html
    client.force_login(contractor_user)
    workflow.fault_fix(fault=estate.heating, actor=contractor_user, note="Done")
    response = act(client, estate.heating, "attend")
    assert response.status_code == 400
    assert (
        f"{estate.heating.reference} is fixed – awaiting confirmation, "
        "so it cannot be marked as attended." in response.content.decode()
    )
    estate.heating.refresh_from_db()
    assert estate.heating.status == FaultStatus.FIXED


def test_a_disallowed_action_page_shows_the_refusal_without_a_form(
    client, clock, estate, contractor_user
):
    client.force_login(contractor_user)
    response = client.get(f"/faults/{estate.heating.pk}/actions/reopen/")
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "Only an office manager or contract manager can record that a fault was reopened." in html
    )
    assert "<textarea" not in html


def test_unknown_action_is_not_found(client, estate, office_manager):
    client.force_login(office_manager)
    assert act(client, estate.heating, "explode").status_code == 404


def test_every_action_has_a_page_and_a_workflow_call():
    assert set(ACTIONS) == set(Action)
