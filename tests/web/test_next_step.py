"""The next step is obvious: on a fault's page the step expected next is the primary button
and the rest are secondary; each role's home page lists what is waiting on them, the most
urgent first."""

import re
from datetime import timedelta

import pytest

from facilities.faults import workflow
from facilities.faults.disputes import breach_dispute
from facilities.finding.waiting import waiting_for
from facilities.models import Breach, Fault
from tests.factories import PremisesFactory, RegionFactory, UserFactory, category

from .conftest import T0

pytestmark = pytest.mark.django_db


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def buttons(client, fault: Fault) -> list[tuple[str, bool]]:
    """The fault page's action buttons in order: (words, primary)."""
    html = squash(client.get(f"/faults/{fault.pk}/").content.decode())
    actions = html[html.index("What you can do") : html.index('id="fault-summary"')]
    found = re.findall(
        r'<(?:button type="submit"|a href="[^"]*" role="button" draggable="false") '
        r'class="govuk-button( govuk-button--secondary)?"[^>]*>([^<]+)<',
        actions,
    )
    return [(words.strip(), not secondary) for secondary, words in found]


def primary(client, fault: Fault) -> list[str]:
    return [words for words, is_primary in buttons(client, fault) if is_primary]


# --- The fault's page -------------------------------------------------------------------------


def test_the_contractors_next_step_is_the_primary_button(client, estate, contractor_user):
    client.force_login(contractor_user)
    heating = estate.heating  # P2: no make-safe target
    found = buttons(client, heating)
    assert found[0] == ("Acknowledge", True)
    assert [words for words, is_primary in found[1:] if is_primary] == []
    assert ("Mark as attended", False) in found
    assert ("Mark as fixed", False) in found

    workflow.fault_acknowledge(fault=heating, actor=contractor_user, now=T0)
    assert primary(client, heating) == ["Mark as attended"]
    assert buttons(client, heating)[0] == ("Mark as attended", True)
    workflow.fault_attend(fault=heating, actor=contractor_user, now=T0)
    assert primary(client, heating) == ["Mark as fixed"]


def test_make_safe_comes_before_the_fix_where_a_make_safe_target_applies(
    client, estate, contractor_user
):
    alarm = estate.alarm  # P1: a make-safe target
    assert alarm.make_safe_target_minutes is not None
    client.force_login(contractor_user)
    workflow.fault_attend(fault=alarm, actor=contractor_user, now=T0)
    assert primary(client, alarm) == ["Mark as made safe"]
    workflow.fault_make_safe(fault=alarm, actor=contractor_user, note="Spare alarm", now=T0)
    assert primary(client, alarm) == ["Mark as fixed"]


def test_the_office_managers_next_step_is_to_confirm_the_fix(
    client, estate, contractor_user, office_manager
):
    client.force_login(office_manager)
    assert primary(client, estate.heating) == []  # nothing is expected of them yet
    workflow.fault_fix(fault=estate.heating, actor=contractor_user, note="New valve", now=T0)
    found = buttons(client, estate.heating)
    assert found[0] == ("Confirm fixed", True)
    assert ("Reopen", False) in found


# --- What is waiting, on the home page ----------------------------------------------------------


def titles(section) -> list[str]:
    return [task.title for task in section.tasks]


def test_a_contractor_sees_their_jobs_the_earliest_due_first(
    client, estate, clock, contractor_user
):
    now = T0 + timedelta(hours=3)
    clock.move_to(now, tick=False)
    workflow.fault_acknowledge(fault=estate.beds, actor=contractor_user, now=now)
    (jobs,) = waiting_for(contractor_user, now)
    # The alarm (P1) was due to be attended within 2 hours: overdue, so first.
    assert titles(jobs) == [
        f"Acknowledge {estate.alarm.reference}: Personal alarms",
        f"Acknowledge {estate.heating.reference}: Heating and hot water",
        f"Attend {estate.beds.reference}: Approved premises beds",
    ]
    assert jobs.tasks[0].tag == "Overdue"
    assert "Attend overdue by 1 hour" in jobs.tasks[0].hint
    assert "Attend by 14:00 today" in jobs.tasks[1].hint
    assert jobs.total == 3
    client.force_login(contractor_user)
    html = squash(client.get("/").content.decode())
    assert "Your jobs, the earliest due first" in html
    assert f'href="/faults/{estate.alarm.pk}/"' in html
    assert 'class="govuk-task-list"' in html


def test_an_office_manager_sees_hold_requests_then_fixes_to_confirm(
    client, estate, clock, contractor_user, office_manager
):
    workflow.fault_fix(fault=estate.heating, actor=contractor_user, note="New valve", now=T0)
    workflow.fault_request_hold(
        fault=estate.alarm, actor=contractor_user, note="Nobody at reception", now=T0
    )
    holds, to_confirm = waiting_for(office_manager, T0 + timedelta(hours=2))
    assert titles(holds) == [
        f"Decide the hold request on {estate.alarm.reference}: Personal alarms"
    ]
    assert holds.tasks[0].href == f"/faults/{estate.alarm.pk}/#hold-request"
    assert holds.tasks[0].tag == "Waiting 2 hours"
    assert titles(to_confirm) == [
        f"Confirm the fix of {estate.heating.reference}: Heating and hot water"
    ]
    client.force_login(office_manager)
    html = squash(client.get("/").content.decode())
    assert html.index("Hold requests to decide") < html.index("Repairs to confirm")
    assert f'href="/faults/{estate.alarm.pk}/#hold-request"' in html


def test_an_office_manager_with_nothing_waiting_is_told_so(client, estate, office_manager):
    client.force_login(office_manager)
    html = squash(client.get("/").content.decode())
    assert 'id="waiting">Waiting for you</h2>' in html
    assert "Nothing is waiting for you." in html
    assert "Hold requests to decide" not in html


def test_a_contract_manager_sees_open_disputes_then_unrouted_faults(
    client, estate, clock, contractor_user, national_manager, office_manager
):
    # A late attendance, disputed by the contractor.
    clock.move_to(estate.heating.attend_due_at + timedelta(hours=1), tick=False)
    workflow.fault_attend(fault=estate.heating, actor=contractor_user)
    breach = Breach.objects.get(fault=estate.heating)
    dispute = breach_dispute(breach=breach, actor=contractor_user, reason="Fire drill")
    # A fault no contract covers.
    nowhere = PremisesFactory(name="Unknown office", region=RegionFactory(name="Nowhere"))
    manager = UserFactory(premises=[nowhere])
    unrouted = workflow.fault_log(
        premises=nowhere,
        category=category("lifts"),
        location="Lift",
        description="Stuck",
        reported_by=manager,
    )
    disputes, faults = waiting_for(national_manager, estate.heating.attend_due_at)
    assert titles(disputes) == [
        f"Decide the dispute of a late attend on {estate.heating.reference}"
    ]
    assert disputes.tasks[0].href == f"/faults/{estate.heating.pk}/disputes/{dispute.pk}/decide/"
    assert "says: Fire drill" in disputes.tasks[0].hint
    assert titles(faults) == [f"Assign a contractor to {unrouted.reference}: Lifts"]
    assert faults.tasks[0].href == f"/faults/{unrouted.pk}/actions/reassign/"
    assert faults.all_href == "/faults/?status=open&contractor=unrouted"
    client.force_login(national_manager)
    html = squash(client.get("/").content.decode())
    assert html.index("Disputes to decide") < html.index("Faults no contract covers")


def test_what_is_waiting_is_only_ever_in_scope(estate, contractor_user, other_contractor_user):
    (jobs,) = waiting_for(other_contractor_user, T0)
    assert {task.title.split()[1].rstrip(":") for task in jobs.tasks} == {
        estate.outsider_heating.reference,
        estate.outsider_alarm.reference,
    }
