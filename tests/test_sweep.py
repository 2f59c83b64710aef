"""The sweep: breaches recorded once, levels raised once, one email per (fault, level)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from facilities.escalation import sweep
from facilities.faults import workflow
from facilities.models import (
    Escalation,
    EscalationStep,
    EventKind,
    Fault,
    OutboxEmail,
    OutboxKind,
    OutboxStatus,
)
from tests.factories import UserFactory, category

pytestmark = pytest.mark.django_db

LOGGED = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # Tuesday; P2: attend 4 h, fix 72 h
HOUR = timedelta(hours=1)


@pytest.fixture
def log(office_manager, premises, contract):
    def _log(slug="plumbing-water", at=LOGGED, **kwargs):
        return workflow.fault_log(
            premises=kwargs.pop("where", premises),
            category=category(slug),
            location="Ground floor",
            description="Cistern overflowing",
            reported_by=office_manager,
            now=at,
            **kwargs,
        )

    return _log


def escalation_emails(fault: Fault) -> list[OutboxEmail]:
    return list(fault.emails.filter(kind=OutboxKind.ESCALATION).order_by("dedupe_key"))


def test_attend_overdue_records_the_breach_raises_level_one_and_queues_one_email(
    log, contractor, office_manager
):
    fault = log()
    result = sweep.sweep(now=LOGGED + 4 * HOUR + timedelta(minutes=1))

    assert (result.checked, result.breaches, result.levels_raised) == (1, 1, 1)
    assert result.emails_queued == 1
    assert result.errors == 0
    fault.refresh_from_db()
    assert fault.attend_breached_at == LOGGED + 4 * HOUR
    assert fault.escalation_level == 1
    assert fault.next_check_at == LOGGED + 54 * HOUR  # the at-risk warning
    assert fault.events.filter(kind=EventKind.BREACHED).get().details["step"] == "attend"
    escalated = fault.events.get(kind=EventKind.ESCALATED)
    assert escalated.actor is None
    assert escalated.details == {"level": 1, "automatic": True}
    assert fault.escalations.get().reason == "Attendance is overdue."
    (email,) = escalation_emails(fault)
    assert email.dedupe_key == f"escalation:{fault.pk}:1"
    assert email.status == OutboxStatus.PENDING
    assert email.to == [contractor.helpdesk_email, office_manager.email]


def test_second_sweep_sends_nothing(log):
    log()
    later = LOGGED + 80 * HOUR
    first = sweep.sweep(now=later)
    emails = OutboxEmail.objects.count()
    events = sum(f.events.count() for f in Fault.objects.all())

    second = sweep.sweep(now=later)

    assert first.levels_raised == 2
    assert (second.checked, second.breaches, second.levels_raised, second.emails_queued) == (
        0,
        0,
        0,
        0,
    )
    assert OutboxEmail.objects.count() == emails
    assert sum(f.events.count() for f in Fault.objects.all()) == events


def test_sweep_reads_only_faults_that_are_due(log):
    due = log()
    not_yet = log(at=LOGGED + 2 * HOUR)
    before = Fault.objects.get(pk=not_yet.pk).next_check_at

    result = sweep.sweep(now=LOGGED + 5 * HOUR)

    assert result.checked == 1
    assert Fault.objects.get(pk=due.pk).escalation_level == 1
    assert Fault.objects.get(pk=not_yet.pk).next_check_at == before


def test_each_breach_is_recorded_once_with_its_time(log, contractor_user):
    fault = log(slug="personal-alarms")  # P1: attend 2 h, make safe 6 h, fix 24 h
    sweep.sweep(now=LOGGED + 3 * HOUR)
    workflow.fault_attend(fault=fault, actor=contractor_user, now=LOGGED + 3 * HOUR)
    sweep.sweep(now=LOGGED + 30 * HOUR)
    sweep.sweep(now=LOGGED + 31 * HOUR)

    fault.refresh_from_db()
    breached = fault.events.filter(kind=EventKind.BREACHED)
    assert sorted(e.details["step"] for e in breached) == ["attend", "fix", "make_safe"]
    assert fault.attend_breached_at == LOGGED + 2 * HOUR
    assert fault.make_safe_breached_at == LOGGED + 6 * HOUR
    assert fault.fix_breached_at == LOGGED + 24 * HOUR


def test_safety_critical_fault_starts_at_level_two_and_tells_level_one_too(
    log, contractor, office_manager, regional_manager
):
    fault = log(slug="cctv")  # P1, safety-critical
    sweep.sweep(now=LOGGED + 2 * HOUR)

    fault.refresh_from_db()
    assert fault.escalation_level == 2
    assert list(fault.escalations.values_list("level", flat=True)) == [2]
    (email,) = escalation_emails(fault)
    assert set(email.to) == {
        contractor.helpdesk_email,
        contractor.account_manager_email,
        office_manager.email,
        regional_manager.email,
    }


def test_a_fault_found_late_raises_every_level_due_each_with_its_own_email(log, national_manager):
    fault = log()
    sweep.sweep(now=LOGGED + 72 * HOUR * 3)

    assert [e.dedupe_key for e in escalation_emails(fault)] == [
        f"escalation:{fault.pk}:{level}" for level in (1, 2, 3, 4)
    ]
    assert escalation_emails(fault)[2].to == [national_manager.email]
    assert Escalation.objects.filter(fault=fault).count() == 4


def test_at_risk_warning_once_to_the_contractor_helpdesk(log, contractor, contractor_user):
    fault = log()
    workflow.fault_attend(fault=fault, actor=contractor_user, now=LOGGED + HOUR)
    result = sweep.sweep(now=LOGGED + 55 * HOUR)
    again = sweep.sweep(now=LOGGED + 56 * HOUR)

    assert (result.at_risk, again.at_risk) == (1, 0)
    fault.refresh_from_db()
    assert fault.at_risk_at == LOGGED + 55 * HOUR
    assert fault.events.filter(kind=EventKind.AT_RISK).count() == 1
    (email,) = fault.emails.filter(kind=OutboxKind.AT_RISK)
    assert email.to == [contractor.helpdesk_email]
    assert fault.next_check_at == fault.fix_due_at


def test_region_step_sends_level_four_to_the_head_of_estates(log, region):
    EscalationStep.objects.create(
        region=region,
        level=4,
        starts_after="fix_due",
        plus_fix_windows=1,
        extra_emails="Head.Of.Estates@justice.example",
    )
    fault = log()
    sweep.sweep(now=LOGGED + 72 * HOUR * 2)

    top = escalation_emails(fault)[-1]
    assert top.dedupe_key.endswith(":4")
    assert top.to == ["head.of.estates@justice.example"]


def test_contract_step_beats_region_step_and_changes_the_timing(log, region, contract):
    EscalationStep.objects.create(
        region=region, level=1, starts_after="attend_due", email_office_managers=True
    )
    EscalationStep.objects.create(
        contract=contract,
        level=1,
        starts_after="fix_due",
        email_account_manager=True,
    )
    fault = log()
    assert sweep.sweep(now=LOGGED + 5 * HOUR).levels_raised == 0
    sweep.sweep(now=LOGGED + 72 * HOUR)

    first = escalation_emails(fault)[0]
    assert first.dedupe_key.endswith(":1")
    assert first.to == [contract.contractor.account_manager_email]


def test_a_bad_row_is_pushed_back_and_the_rest_still_processed(log, monkeypatch, caplog):
    faults = [log() for _ in range(3)]
    bad = faults[1]
    real = sweep.check_fault

    def failing(fault, *args, **kwargs):
        if fault.pk == bad.pk:
            raise RuntimeError("corrupt row")
        return real(fault, *args, **kwargs)

    monkeypatch.setattr(sweep, "check_fault", failing)
    now = LOGGED + 5 * HOUR
    result = sweep.sweep(now=now)

    assert (result.checked, result.levels_raised, result.errors) == (2, 2, 1)
    assert Fault.objects.get(pk=bad.pk).next_check_at == now + sweep.RETRY_AFTER
    assert Fault.objects.get(pk=bad.pk).escalation_level == 0
    assert not bad.emails.filter(kind=OutboxKind.ESCALATION).exists()
    assert [Fault.objects.get(pk=f.pk).escalation_level for f in (faults[0], faults[2])] == [1, 1]
    assert "corrupt row" in caplog.text
    assert f"Sweep could not check {bad.reference}" in caplog.text


def test_batches_until_none_is_due(log):
    for _ in range(5):
        log()
    result = sweep.sweep(now=LOGGED + 5 * HOUR, batch_size=2)
    assert result.checked == 5
    assert not Fault.objects.filter(next_check_at__lte=LOGGED + 5 * HOUR).exists()


def test_queries_per_batch_do_not_grow_with_the_faults_in_it(log):
    def queries_for(count: int, logged: datetime) -> int:
        for _ in range(count):
            log(at=logged)
        with CaptureQueriesContext(connection) as captured:
            result = sweep.sweep(now=logged + 4 * HOUR)
        assert result.checked == count
        return len(captured.captured_queries)

    assert queries_for(2, LOGGED) == queries_for(20, LOGGED + HOUR)


def test_digest_readers_get_their_copy_held(log, office_manager):
    office_manager.wants_daily_digest = True
    office_manager.save()
    fault = log()
    sweep.sweep(now=LOGGED + 5 * HOUR)

    held = fault.emails.get(kind=OutboxKind.ESCALATION, status=OutboxStatus.HELD)
    assert held.to == [office_manager.email]
    assert held.dedupe_key == f"escalation:{fault.pk}:1:digest:{office_manager.email}"
    sent_now = fault.emails.get(kind=OutboxKind.ESCALATION, status=OutboxStatus.PENDING)
    assert office_manager.email not in sent_now.to


def test_inactive_people_are_not_emailed(log, office_manager, contractor):
    UserFactory(username="gone", premises=[office_manager.premises.first()], is_active=False)
    fault = log()
    sweep.sweep(now=LOGGED + 5 * HOUR)
    (email,) = escalation_emails(fault)
    assert email.to == [contractor.helpdesk_email, office_manager.email]


# --- Manual escalation takes the same path ---------------------------------------------------


def test_manual_escalation_writes_the_same_event_and_an_email_with_the_reason(
    log, office_manager, contractor
):
    fault = log()
    escalated = workflow.fault_escalate(
        fault=fault, actor=office_manager, reason="No contact for 2 days", now=LOGGED + HOUR
    )

    assert (escalated.level, escalated.automatic, escalated.raised_by) == (1, False, office_manager)
    event = fault.events.get(kind=EventKind.ESCALATED)
    assert event.note == "No contact for 2 days"
    assert event.details == {"level": 1, "automatic": False}
    (email,) = escalation_emails(fault)
    assert email.dedupe_key == f"escalation:{fault.pk}:1"
    assert email.context["reason"] == "No contact for 2 days"
    assert email.to == [contractor.helpdesk_email, office_manager.email]
    # The sweep then raises only what is above it.
    assert sweep.sweep(now=LOGGED + 5 * HOUR).levels_raised == 0


def test_a_level_raised_by_hand_cannot_be_raised_again_by_a_stale_writer(log, office_manager):
    fault = log()
    workflow.fault_escalate(fault=fault, actor=office_manager, reason="Urgent", now=LOGGED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(fault=fault, level=1, reason="again", raised_at=LOGGED)
