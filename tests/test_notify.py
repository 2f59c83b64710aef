"""GOV.UK Notify as the email route, and P1 text messages to a region's on-call number, sent
with Notify's official client to a stand-in that checks each request against Notify's API."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from notifications_python_client.notifications import NotificationsAPIClient

from facilities.escalation import sweep
from facilities.faults import workflow
from facilities.models import Channel, OutboxEmail, OutboxKind, OutboxStatus
from facilities.notifications import outbox
from facilities.notifications.outbox import Delivery
from tests import notify_standin
from tests.factories import category

pytestmark = pytest.mark.django_db

LOGGED = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # a Tuesday morning
HOUR = timedelta(hours=1)
ON_CALL = "07700 900982"


@pytest.fixture
def notify(settings):
    with notify_standin.Server() as server:
        settings.EMAIL_ROUTE = "notify"
        settings.NOTIFY_API_KEY = notify_standin.API_KEY
        settings.NOTIFY_BASE_URL = server.url
        settings.NOTIFY_EMAIL_TEMPLATE_ID = notify_standin.EMAIL_TEMPLATE_ID
        settings.NOTIFY_SMS_TEMPLATE_ID = notify_standin.SMS_TEMPLATE_ID
        yield server.state


@pytest.fixture
def log(office_manager, premises, contract):
    def _log(slug="plumbing-water", **kwargs):
        return workflow.fault_log(
            premises=premises,
            category=category(slug),
            location="Kitchen",
            description="Tap dripping",
            reported_by=kwargs.pop("by", office_manager),
            now=LOGGED,
            **kwargs,
        )

    return _log


def deliver_all(now) -> dict[int, Delivery]:
    return {
        row.pk: outbox.deliver(row.pk, now=now)
        for row in OutboxEmail.objects.filter(status=OutboxStatus.PENDING).order_by("pk")
    }


def test_emails_go_through_notify_one_notification_per_recipient(notify, log):
    fault = log()
    assert set(deliver_all(LOGGED).values()) == {Delivery.SENT}

    rows = list(fault.emails.order_by("pk"))
    sent = [(a["request"]["email_address"], a["request"]["reference"]) for a in notify.accepted]
    assert sent == [(to, f"outbox-{row.pk}") for row in rows for to in row.to]
    for row, accepted in zip(rows, notify.accepted, strict=True):
        assert accepted["request"]["template_id"] == notify_standin.EMAIL_TEMPLATE_ID
        assert accepted["request"]["personalisation"] == {
            "subject": row.subject,
            "body": row.body_text,
        }
        assert accepted["response"]["content"]["subject"] == row.subject
        assert row.delivered_to == row.to
        assert row.status == OutboxStatus.SENT
    assert fault.reference in notify.accepted[0]["request"]["personalisation"]["subject"]
    assert notify.refused == []
    assert mail.outbox == []  # nothing by SMTP

    # Delivering again sends nothing: each email once.
    assert set(deliver_all(LOGGED).values()) <= {Delivery.SKIPPED}
    assert all(outbox.deliver(r.pk, now=LOGGED) == Delivery.SKIPPED for r in rows)
    assert len(notify.accepted) == sum(len(r.to) for r in rows)


def test_the_smtp_route_stays_the_default(settings, log):
    assert settings.EMAIL_ROUTE == "smtp"
    log()
    assert set(deliver_all(LOGGED).values()) == {Delivery.SENT}
    assert len(mail.outbox) == 2


def test_a_failure_part_way_retries_only_the_recipients_notify_did_not_take(
    notify, log, regional_manager, contract
):
    fault = log()
    deliver_all(LOGGED)
    before = len(notify.accepted)
    sweep.sweep(now=LOGGED + 73 * HOUR)  # attendance and fix both overdue: levels 1 and 2
    level_two = fault.emails.get(dedupe_key=f"escalation:{fault.pk}:2")
    assert level_two.to == [contract.contractor.account_manager_email, regional_manager.email]

    first_try = LOGGED + 73 * HOUR
    accepted_first = len(notify.accepted)
    original, calls = notify.handle, []

    def second_request_fails(path, headers, raw):  # Notify answers 500 to the second address
        calls.append(path)
        if len(calls) == 2:
            notify.fail_next(500)
        return original(path, headers, raw)

    notify.handle = second_request_fails
    assert outbox.deliver(level_two.pk, now=first_try) == Delivery.RETRY
    notify.handle = original
    level_two.refresh_from_db()
    assert level_two.status == OutboxStatus.PENDING
    assert level_two.delivered_to == [contract.contractor.account_manager_email]
    assert "500" in level_two.last_error
    assert level_two.next_attempt_at == first_try + timedelta(minutes=1)
    assert len(notify.accepted) == accepted_first + 1

    assert outbox.deliver(level_two.pk, now=first_try) == Delivery.SKIPPED  # backoff not over
    later = first_try + timedelta(minutes=1)
    assert outbox.deliver(level_two.pk, now=later) == Delivery.SENT
    to_level_two = [
        a["request"]["email_address"]
        for a in notify.accepted[before:]
        if a["request"]["reference"] == f"outbox-{level_two.pk}"
    ]
    assert to_level_two == [contract.contractor.account_manager_email, regional_manager.email]


def test_a_p1_escalation_also_texts_the_regions_on_call_number(
    notify, log, region, regional_manager
):
    region.on_call_phone = ON_CALL
    region.save()
    fault = log(slug="plumbing-water", priority="P1", priority_reason="Flood", by=regional_manager)
    sweep.sweep(now=LOGGED + 2 * HOUR + timedelta(minutes=1))  # P1: attend within 2 hours
    fault.refresh_from_db()
    sms = fault.emails.get(kind=OutboxKind.ESCALATION_SMS)
    assert (sms.channel, sms.to, sms.dedupe_key) == (
        Channel.SMS,
        [ON_CALL],
        f"escalation_sms:{fault.pk}:{fault.escalation_level}",
    )
    assert outbox.deliver(sms.pk, now=LOGGED + 3 * HOUR) == Delivery.SENT
    (text,) = [a for a in notify.accepted if a["kind"] == "sms"]
    assert text["request"]["phone_number"] == ON_CALL
    assert text["request"]["template_id"] == notify_standin.SMS_TEMPLATE_ID
    body = text["request"]["personalisation"]["body"]
    assert body.startswith(f"P1 {fault.reference} escalated to level {fault.escalation_level}")
    assert f"/faults/{fault.pk}/" in body
    assert outbox.deliver(sms.pk, now=LOGGED + 3 * HOUR) == Delivery.SKIPPED


def test_no_text_for_a_p2_or_a_region_without_a_number_or_without_an_sms_template(
    notify, settings, log, region
):
    region.on_call_phone = ON_CALL
    region.save()
    log()  # P2
    sweep.sweep(now=LOGGED + 5 * HOUR)
    assert not OutboxEmail.objects.filter(channel=Channel.SMS).exists()
    settings.NOTIFY_SMS_TEMPLATE_ID = ""
    settings.EMAIL_ROUTE = "smtp"
    assert not OutboxEmail.objects.filter(kind=OutboxKind.ESCALATION_SMS).exists()


def test_notify_refusing_a_request_fails_the_row_at_once(notify, log, region, regional_manager):
    region.on_call_phone = "01632 960001"  # a landline: Notify answers 400
    region.save()
    fault = log(priority="P1", priority_reason="Flood", by=regional_manager)
    sweep.sweep(now=LOGGED + 3 * HOUR)
    sms = fault.emails.get(kind=OutboxKind.ESCALATION_SMS)
    assert outbox.deliver(sms.pk, now=LOGGED + 3 * HOUR) == Delivery.FAILED
    sms.refresh_from_db()
    assert sms.status == OutboxStatus.FAILED
    assert "Not a UK mobile number" in sms.last_error
    assert notify.refused == [(400, "phone_number Not a UK mobile number")]


def test_a_wrong_api_key_is_refused_and_the_email_fails(notify, settings, log):
    settings.NOTIFY_API_KEY = f"repairs_test-{notify_standin.SERVICE_ID}-{'0' * 8}-" + (
        "1111-2222-3333-444444444444"
    )
    fault = log()
    row = fault.emails.order_by("pk").first()
    assert outbox.deliver(row.pk, now=LOGGED) == Delivery.FAILED
    assert notify.refused[0][0] == 403


def test_the_stand_in_checks_requests_as_notify_does(notify, settings):
    client = NotificationsAPIClient(notify_standin.API_KEY, base_url=settings.NOTIFY_BASE_URL)
    ok = client.send_email_notification(
        email_address="someone@justice.example",
        template_id=notify_standin.EMAIL_TEMPLATE_ID,
        personalisation={"subject": "S", "body": "B"},
    )
    assert ok["content"] == {
        "subject": "S",
        "body": "B",
        "from_email": "repairs@notifications.service.gov.uk",
        "one_click_unsubscribe_url": None,
    }
    with pytest.raises(Exception, match="Missing personalisation: body"):
        client.send_email_notification(
            email_address="someone@justice.example",
            template_id=notify_standin.EMAIL_TEMPLATE_ID,
            personalisation={"subject": "S"},
        )
    with pytest.raises(Exception, match="Template not found"):
        client.send_sms_notification(
            phone_number="07700900982",
            template_id=notify_standin.EMAIL_TEMPLATE_ID,
            personalisation={"body": "B"},
        )
    with pytest.raises(Exception, match="was unexpected"):
        client.post(
            "/v2/notifications/email",
            data={
                "email_address": "a@b.example",
                "template_id": notify_standin.EMAIL_TEMPLATE_ID,
                "personalisation": {"subject": "S", "body": "B"},
                "subject": "not a field",
            },
        )
