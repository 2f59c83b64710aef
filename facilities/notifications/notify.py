"""GOV.UK Notify: the optional route for emails, and the route for P1 text messages.

`EMAIL_ROUTE=notify` sends every outbox email through Notify's API with its official client
(`notifications-python-client`) instead of SMTP (kept for development and the tests). Each
recipient is one Notify notification of one "blank" template whose subject and body are the
personalisation `((subject))` and `((body))`, as Notify's guidance for services that compose
their own messages suggests. A text message goes to a region's on-call number when a P1 fault
is escalated and `NOTIFY_SMS_TEMPLATE_ID` is set (template body `((body))`).

Notify has no idempotency key, so a row records each recipient Notify accepted
(`delivered_to`) the moment it answers 201, and a retry skips them: a row for three people
whose second address failed sends only the second and third again. A 400 or 403 answer is
permanent (bad address, template or key); 429, 5xx and no answer are tried again later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient
from requests import RequestException

from facilities.models import Channel, OutboxEmail

logger = logging.getLogger(__name__)

#: Notify's answers that will not change if the same request is sent again.
PERMANENT_STATUSES = frozenset({400, 403})


@dataclass(frozen=True)
class NotifySettings:
    api_key: str
    base_url: str
    email_template_id: str
    sms_template_id: str
    email_reply_to_id: str
    sms_sender_id: str
    timeout: float


def configured() -> NotifySettings:
    return NotifySettings(
        api_key=getattr(settings, "NOTIFY_API_KEY", ""),
        base_url=getattr(settings, "NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"),
        email_template_id=getattr(settings, "NOTIFY_EMAIL_TEMPLATE_ID", ""),
        sms_template_id=getattr(settings, "NOTIFY_SMS_TEMPLATE_ID", ""),
        email_reply_to_id=getattr(settings, "NOTIFY_EMAIL_REPLY_TO_ID", ""),
        sms_sender_id=getattr(settings, "NOTIFY_SMS_SENDER_ID", ""),
        timeout=float(getattr(settings, "NOTIFY_TIMEOUT_SECONDS", 10)),
    )


def emails_by_notify() -> bool:
    """Whether emails go through Notify (`EMAIL_ROUTE=notify`) rather than SMTP."""
    return getattr(settings, "EMAIL_ROUTE", "smtp") == "notify"


def sms_enabled() -> bool:
    """Whether P1 escalations also go by text message (a key and an SMS template are set)."""
    notify = configured()
    return bool(notify.api_key and notify.sms_template_id)


def uses_notify(email: OutboxEmail) -> bool:
    return email.channel == Channel.SMS or emails_by_notify()


def is_permanent(error: Exception) -> bool:
    return isinstance(error, APIError) and error.status_code in PERMANENT_STATUSES


#: What a failed Notify request raises (the outbox records it and retries or gives up).
ERRORS: tuple[type[Exception], ...] = (APIError, RequestException)


def _client(notify: NotifySettings) -> NotificationsAPIClient:
    return NotificationsAPIClient(notify.api_key, base_url=notify.base_url, timeout=notify.timeout)


def _send_one(client: NotificationsAPIClient, notify: NotifySettings, email: OutboxEmail, to: str):
    reference = f"outbox-{email.pk}"
    if email.channel == Channel.SMS:
        return client.send_sms_notification(
            phone_number=to,
            template_id=notify.sms_template_id,
            personalisation={"body": email.body_text.strip()},
            reference=reference,
            sms_sender_id=notify.sms_sender_id or None,
        )
    return client.send_email_notification(
        email_address=to,
        template_id=notify.email_template_id,
        personalisation={"subject": email.subject, "body": email.body_text},
        reference=reference,
        email_reply_to_id=notify.email_reply_to_id or None,
    )


def send(email: OutboxEmail) -> list[str]:
    """Send a claimed, rendered row to each recipient Notify has not yet accepted; the ids
    Notify gave. Raises one of `ERRORS` at the first failure, with the accepted ones kept."""
    notify = configured()
    if not notify.api_key:
        raise APIError(message="NOTIFY_API_KEY is not set")
    client = _client(notify)
    ids = []
    for to in email.to:
        if to in email.delivered_to:
            continue
        answer = _send_one(client, notify, email, to)
        email.delivered_to = [*email.delivered_to, to]
        OutboxEmail.objects.filter(pk=email.pk).update(delivered_to=email.delivered_to)
        ids.append(answer.get("id", ""))
        logger.info(
            "Notify accepted outbox %s (%s): notification %s", email.pk, email.channel, ids[-1]
        )
    return ids
