"""The outbox: which emails each change writes, and delivering each exactly once."""

import logging
import smtplib
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings
from kombu.exceptions import OperationalError

from facilities import notifications, tasks
from facilities.escalation import sweep
from facilities.faults import workflow
from facilities.models import Fault, OutboxEmail, OutboxKind, OutboxStatus
from facilities.notifications import delivery, outbox
from facilities.notifications.outbox import Delivery
from tests.factories import category

pytestmark = pytest.mark.django_db

LOGGED = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def log(office_manager, premises, contract):
    def _log(slug="plumbing-water", at=LOGGED, where=premises, **kwargs):
        return workflow.fault_log(
            premises=where,
            category=category(slug),
            location="Ground floor",
            description="Cistern overflowing",
            reported_by=office_manager,
            now=at,
            **kwargs,
        )

    return _log


def kinds(fault: Fault) -> dict[str, list[str]]:
    return {e.kind: e.to for e in fault.emails.order_by("pk")}


# --- What each change writes ----------------------------------------------------------------


def test_logging_a_fault_emails_the_helpdesk_and_sends_the_reporter_a_receipt(
    log, contractor, office_manager
):
    fault = log()
    assert kinds(fault) == {
        OutboxKind.FAULT_LOGGED: [contractor.helpdesk_email],
        OutboxKind.FAULT_RECEIPT: [office_manager.email],
    }
    assert fault.emails.get(kind=OutboxKind.FAULT_RECEIPT).dedupe_key == (
        f"fault_receipt:{fault.pk}"
    )


def test_unrouted_fault_sends_only_the_receipt(other_premises, other_office_manager):
    fault = workflow.fault_log(
        premises=other_premises,
        category=category("lifts"),
        location="Lift",
        description="Stuck",
        reported_by=other_office_manager,
    )
    assert list(kinds(fault)) == [OutboxKind.FAULT_RECEIPT]


def test_fixed_asks_the_office_managers_to_confirm(log, contractor_user, office_manager):
    fault = workflow.fault_fix(fault=log(), actor=contractor_user, note="New valve")
    assert kinds(fault)[OutboxKind.FAULT_FIXED] == [office_manager.email]
    email = fault.emails.get(kind=OutboxKind.FAULT_FIXED)
    assert email.context["note"] == "New valve"


def test_reopened_tells_the_helpdesk(log, contractor_user, office_manager, contractor):
    fault = workflow.fault_fix(fault=log(), actor=contractor_user, note="done")
    fault = workflow.fault_reopen(fault=fault, actor=office_manager, reason="Still leaking")
    assert kinds(fault)[OutboxKind.FAULT_REOPENED] == [contractor.helpdesk_email]


def test_priority_change_tells_the_helpdesk_and_office_managers(
    log, regional_manager, contractor, office_manager
):
    fault = workflow.fault_change_priority(
        fault=log(), actor=regional_manager, priority="P1", reason="Only toilet"
    )
    assert kinds(fault)[OutboxKind.PRIORITY_CHANGED] == [
        contractor.helpdesk_email,
        office_manager.email,
    ]
    subject, text, _ = notifications.render(fault.emails.get(kind=OutboxKind.PRIORITY_CHANGED))
    assert subject.startswith("Priority changed to P1:")
    assert "from P2 to P1. Reason: Only toilet" in text


def test_a_refused_step_writes_no_email(log, office_manager):
    fault = log()
    before = OutboxEmail.objects.count()
    with pytest.raises(workflow.WorkflowError):
        workflow.fault_fix(fault=fault, actor=office_manager, note="x")
    assert OutboxEmail.objects.count() == before


def test_emails_are_queued_for_delivery_only_after_commit(
    log, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks.deliver_email, "delay", queued.append)
    monkeypatch.setattr(tasks.deliver_emails, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        fault = log()
    assert queued == []
    for callback in callbacks:
        callback()
    assert queued == [list(fault.emails.order_by("pk").values_list("pk", flat=True))]


def test_broker_down_keeps_the_fault_and_its_emails_and_warns(
    log, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to localhost:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver_emails, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        fault = log()
    assert Fault.objects.filter(pk=fault.pk).exists()
    assert set(fault.emails.values_list("status", flat=True)) == {OutboxStatus.PENDING}
    assert "re-dispatch will send them" in caplog.text


# --- Content ----------------------------------------------------------------------------------


def test_escalation_email_says_what_is_late_by_how_much_and_who_was_told(
    office_manager, hostel, contract, contractor, regional_manager, national_manager
):
    fault = workflow.fault_log(
        premises=hostel,
        category=category("cctv"),
        location="Rear yard",
        description="Camera dead",
        beds_out_of_use=2,
        reported_by=office_manager,
        now=LOGGED,
    )
    sweep.sweep(now=LOGGED + 3 * HOUR + timedelta(minutes=5))
    sweep.sweep(now=LOGGED + 25 * HOUR)
    first, second = fault.emails.filter(kind=OutboxKind.ESCALATION).order_by("pk")

    subject, text, html = notifications.render(first)
    assert subject == (
        f"Safety-critical: {fault.reference} escalated to level 2 – CCTV at Tyne approved premises"
    )
    for words in (
        fault.reference,
        "Tyne approved premises",
        "CCTV (safety-critical)",
        "Beds out of use: 2",
        "Attendance is overdue by 1 hour 5 minutes.",
        "Why: Attendance is overdue.",
        "This is the first escalation of this fault.",
        f"http://127.0.0.1:8000/faults/{fault.pk}/",
    ):
        assert words in text
    assert "This fault is safety-critical." in html
    assert f'href="http://127.0.0.1:8000/faults/{fault.pk}/"' in html

    assert second.to == [national_manager.email]
    _, text, _ = notifications.render(second)
    assert "The fix is overdue by 1 hour." in text
    assert (
        "Already alerted at earlier levels: North Facilities Ltd helpdesk, "
        "North Facilities Ltd account manager, office managers at Tyne approved premises, "
        "MoJ contract managers for the region." in text
    )


def test_manual_escalation_email_gives_the_reason(log, office_manager):
    fault = log()
    workflow.fault_escalate(fault=fault, actor=office_manager, reason="No contact for 2 days")
    _, text, html = notifications.render(fault.emails.get(kind=OutboxKind.ESCALATION))
    assert "escalated it by hand. Their reason: No contact for 2 days" in text
    assert "Their reason: No contact for 2 days" in html


def test_html_escapes_what_people_typed(office_manager, premises, contract):
    fault = workflow.fault_log(
        premises=premises,
        category=category("other"),
        location="<script>alert(1)</script>",
        description="x",
        reported_by=office_manager,
    )
    _, text, html = notifications.render(fault.emails.get(kind=OutboxKind.FAULT_LOGGED))
    assert "<script>" in text  # plain text is not HTML
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


# --- Delivery ---------------------------------------------------------------------------------


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that refuses every recipient for good."""

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"No such user")})


def pending(log) -> OutboxEmail:
    return log().emails.get(kind=OutboxKind.FAULT_LOGGED)


def test_claim_refuses_a_second_claim(log):
    email = pending(log)
    assert [e.pk for e in outbox.claim([email.pk], now=LOGGED)] == [email.pk]
    assert outbox.claim([email.pk], now=LOGGED) == []
    email.refresh_from_db()
    assert (email.status, email.attempts, email.claimed_at) == (
        OutboxStatus.SENDING,
        1,
        LOGGED,
    )


def test_deliver_sends_once_and_keeps_what_was_sent(log, contractor):
    email = pending(log)
    assert outbox.deliver(email.pk) == Delivery.SENT
    assert outbox.deliver(email.pk) == Delivery.SKIPPED

    (message,) = mail.outbox
    email.refresh_from_db()
    assert email.status == OutboxStatus.SENT
    assert email.sent_at is not None
    assert message.to == [contractor.helpdesk_email]
    assert message.subject == email.subject
    assert message.body == email.body_text
    assert message.alternatives[0].content == email.body_html
    assert message.extra_headers["X-Repairs-Outbox-Key"] == email.dedupe_key
    assert message.extra_headers["Message-ID"] == f"<outbox-{email.pk}@127.0.0.1>"


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    EMAIL_HOST="127.0.0.1",
    EMAIL_PORT=9,  # discard: nothing listens
    EMAIL_TIMEOUT=2,
)
def test_connection_error_puts_it_back_with_backoff(log):
    email = pending(log)
    now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    assert outbox.deliver(email.pk, now=now) == Delivery.RETRY
    email.refresh_from_db()
    assert email.status == OutboxStatus.PENDING
    assert email.next_attempt_at == now + timedelta(minutes=1)
    assert "ConnectionRefusedError" in email.last_error
    later = now + timedelta(minutes=1)
    assert outbox.deliver(email.pk, now=later) == Delivery.RETRY
    email.refresh_from_db()
    assert email.next_attempt_at == later + timedelta(minutes=2)
    assert email.attempts == 2


@override_settings(EMAIL_BACKEND="tests.test_notifications.RefusingBackend")
def test_permanent_refusal_fails_the_email(log, caplog):
    email = pending(log)
    assert outbox.deliver(email.pk) == Delivery.FAILED
    email.refresh_from_db()
    assert email.status == OutboxStatus.FAILED
    assert "No such user" in email.last_error
    assert "failed permanently" in caplog.text


@override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_PORT=9)
@override_settings(EMAIL_HOST="127.0.0.1", OUTBOX_MAX_ATTEMPTS=2)
def test_gives_up_after_the_last_attempt(log):
    email = pending(log)
    now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    assert outbox.deliver(email.pk, now=now) == Delivery.RETRY
    assert outbox.deliver(email.pk, now=now + timedelta(minutes=1)) == Delivery.FAILED


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    EMAIL_HOST="127.0.0.1",
    EMAIL_PORT=9,  # discard: nothing listens
    EMAIL_TIMEOUT=2,
)
def test_a_duplicate_message_neither_skips_the_backoff_nor_uses_up_attempts(log):
    email = pending(log)
    now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    assert outbox.deliver(email.pk, now=now) == Delivery.RETRY  # due again at now + 1 minute
    for duplicate in range(5):  # the same task message, delivered again and again
        assert outbox.deliver(email.pk, now=now + timedelta(seconds=duplicate)) == Delivery.SKIPPED
    assert outbox.deliver_many([email.pk], now=now) == {"skipped": 1}
    assert outbox.claim([email.pk], now=now + timedelta(seconds=59)) == []
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxStatus.PENDING, 1)
    assert email.next_attempt_at == now + timedelta(minutes=1)
    assert [e.pk for e in outbox.claim([email.pk], now=now + timedelta(minutes=1))] == [email.pk]


def test_an_email_never_tried_is_sent_at_once(log):
    """A new row's next_attempt_at is only the re-dispatch's grace: the task queued on commit
    sends it straight away."""
    email = pending(log)
    assert email.attempts == 0
    assert email.next_attempt_at > LOGGED
    assert outbox.deliver(email.pk, now=LOGGED) == Delivery.SENT


class DyingBackend(BaseEmailBackend):
    """A worker killed (SystemExit: no outcome recorded) while sending the second email."""

    sent = 0

    def send_messages(self, messages):
        if DyingBackend.sent == 1:
            raise SystemExit("killed")  # nothing after this line runs: no finally clean-up
        DyingBackend.sent += 1
        return len(messages)


@override_settings(EMAIL_BACKEND="tests.test_notifications.DyingBackend")
def test_a_worker_killed_mid_batch_strands_at_most_the_email_it_was_sending(log, monkeypatch):
    monkeypatch.setattr(DyingBackend, "sent", 0)
    ids = [e.pk for e in log().emails.order_by("pk")] + [e.pk for e in log().emails.order_by("pk")]
    with pytest.raises(SystemExit):
        outbox.deliver_many(ids, now=LOGGED)
    statuses = dict(OutboxEmail.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert [statuses[pk] for pk in ids] == [
        OutboxStatus.SENT,
        OutboxStatus.SENDING,  # the one being sent when the worker died
        OutboxStatus.PENDING,
        OutboxStatus.PENDING,
    ]


def test_the_sending_timeout_is_what_a_real_send_takes(settings):
    """Long enough for one send (each SMTP exchange times out after EMAIL_TIMEOUT seconds),
    short enough that an email stranded by a killed worker goes out within minutes."""
    assert outbox.sending_timeout() == timedelta(seconds=120)
    assert outbox.sending_timeout() > timedelta(seconds=6 * settings.EMAIL_TIMEOUT)


def test_backoff_doubles_up_to_an_hour():
    waits = [outbox.backoff(n).total_seconds() / 60 for n in range(1, 10)]
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_redispatch_queues_what_is_due_and_reclaims_abandoned_claims(log, monkeypatch):
    queued = []
    monkeypatch.setattr(delivery, "enqueue", lambda ids: queued.extend(ids) or True)
    fault = log()
    logged, receipt = fault.emails.order_by("pk")
    now = LOGGED + notifications.DISPATCH_GRACE
    outbox.claim([receipt.pk], now=LOGGED)  # a worker took it, then died

    first = outbox.redispatch(now=now)
    assert (first.reclaimed, first.queued, queued) == (0, 1, [logged.pk])

    later = LOGGED + outbox.sending_timeout() + timedelta(seconds=1)
    second = outbox.redispatch(now=later)
    assert (second.reclaimed, second.queued) == (1, 2)
    receipt.refresh_from_db()
    assert receipt.status == OutboxStatus.PENDING
    assert "Abandoned while sending" in receipt.last_error


def test_redispatch_leaves_emails_waiting_out_their_backoff(log, monkeypatch):
    queued = []
    monkeypatch.setattr(delivery, "enqueue", lambda ids: queued.extend(ids) or True)
    email = pending(log)
    OutboxEmail.objects.filter(pk=email.pk).update(next_attempt_at=LOGGED + HOUR)
    outbox.redispatch(now=LOGGED + HOUR - timedelta(seconds=1))
    assert email.pk not in queued


# --- Daily digest -----------------------------------------------------------------------------


def test_daily_digest_one_per_reader_per_day_and_safe_to_run_again(
    log, office_manager, contractor_user
):
    office_manager.wants_daily_digest = True
    office_manager.save()
    first = log()
    second = log()
    workflow.fault_fix(fault=first, actor=contractor_user, note="done", now=LOGGED + HOUR)
    held = OutboxEmail.objects.filter(status=OutboxStatus.HELD)
    assert held.count() == 3  # two receipts and a "please confirm"

    seven_am = datetime(2026, 3, 4, 7, 0, tzinfo=UTC)
    assert outbox.send_digests(now=seven_am) == 1
    assert outbox.send_digests(now=seven_am + HOUR) == 0

    digest = OutboxEmail.objects.get(kind=OutboxKind.DIGEST)
    assert digest.to == [office_manager.email]
    assert digest.dedupe_key == f"digest:{office_manager.email}:2026-03-04"
    assert digest.status == OutboxStatus.PENDING
    assert set(OutboxEmail.objects.filter(digest=digest).values_list("status", flat=True)) == {
        OutboxStatus.DIGESTED
    }
    assert outbox.deliver(digest.pk) == Delivery.SENT
    (message,) = mail.outbox
    assert message.subject == "Your daily repairs digest for 4 March 2026: 3 updates"
    assert f"Fault logged: {second.reference}" in message.body
    assert f"/faults/{first.pk}/" in message.body

    # Something held after today's digest waits for tomorrow's.
    workflow.fault_fix(fault=second, actor=contractor_user, note="done", now=seven_am + HOUR)
    assert outbox.send_digests(now=seven_am + 2 * HOUR) == 0
    assert outbox.send_digests(now=seven_am + 24 * HOUR) == 1


# --- Tasks are thin and safe to run twice ------------------------------------------------------


def test_deliver_task_runs_the_delivery(log):
    email = pending(log)
    assert tasks.deliver_email.run(email.pk) == "sent"
    assert tasks.deliver_email.run(email.pk) == "skipped"
    assert tasks.deliver_emails.run([email.pk]) == {"skipped": 1}


def test_sweep_task_returns_the_result(log, caplog):
    with caplog.at_level(logging.INFO):
        result = tasks.sweep_overdue.run()
    assert set(result) >= {"checked", "breaches", "levels_raised", "emails_queued", "errors"}
