"""Delivering the outbox: claim a row, send it, record the outcome; re-dispatch; daily digests.

A row is claimed with one conditional UPDATE (`pending` → `sending`): only the worker whose
update changed it sends it, so two workers never send the same email. A row that has been
tried is claimed only once its backoff is over (`next_attempt_at`), so a duplicate queue
message can neither skip the wait nor use up attempts. Rows are claimed one at a time, just
before each is sent, so a worker killed mid-batch strands at most the one it was sending.

A connection or SMTP error puts a row back to `pending` with an exponential backoff; the
periodic re-dispatch sends rows whose next attempt has come, and reclaims rows left `sending`
longer than `OUTBOX_SENDING_TIMEOUT_SECONDS` by a worker that died mid-send. The only
duplicate possible is that last case when the server had already taken the message: each
email carries a Message-ID made from its row, so mail systems can tell.
"""

from __future__ import annotations

import enum
import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from facilities import sla
from facilities.models import OutboxEmail, OutboxKind, OutboxStatus

from . import delivery, messages, morning, notify

logger = logging.getLogger(__name__)


class Delivery(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"  # not pending: sent, being sent, held or failed already


def max_attempts() -> int:
    return getattr(settings, "OUTBOX_MAX_ATTEMPTS", 12)


def sending_timeout() -> timedelta:
    """How long a claim may last before the row is taken as abandoned: well beyond one send
    (connecting, and each SMTP exchange, time out after EMAIL_TIMEOUT seconds)."""
    return timedelta(seconds=getattr(settings, "OUTBOX_SENDING_TIMEOUT_SECONDS", 120))


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after each failed attempt, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def claim(outbox_ids: list[int], *, now: datetime) -> list[OutboxEmail]:
    """Take pending rows for sending with one conditional UPDATE; the rows this caller got.

    `UPDATE ... SET status = 'sending' WHERE id IN (...) AND status = 'pending' AND (attempts
    = 0 OR next_attempt_at <= now) RETURNING id`: a row another worker has claimed (or sent) is
    not pending, and a row waiting out its backoff is not due, so neither is returned here. A
    row never tried is due at once: its `next_attempt_at` is only the re-dispatch's grace
    (`delivery.DISPATCH_GRACE`), leaving it to the task queued when it was written.
    """
    if not outbox_ids:
        return []
    quote = connection.ops.quote_name
    meta = OutboxEmail._meta
    status, claimed_at, attempts, next_attempt_at = (
        quote(meta.get_field(name).column)
        for name in ("status", "claimed_at", "attempts", "next_attempt_at")
    )
    ids = ", ".join(["%s"] * len(outbox_ids))
    when = connection.ops.adapt_datetimefield_value(now)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {status} = %s, {claimed_at} = %s, "  # noqa: S608  # nosec B608 # names quoted from the model's _meta, ids are placeholders, values parameters
        f"{attempts} = {attempts} + 1 WHERE {quote(meta.pk.column)} IN ({ids}) "
        f"AND {status} = %s AND ({attempts} = 0 OR {next_attempt_at} <= %s) "
        f"RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [OutboxStatus.SENDING, when, *outbox_ids, OutboxStatus.PENDING, when])
        taken = [row[0] for row in cursor.fetchall()]
    if not taken:
        return []
    return list(
        OutboxEmail.objects.select_related(
            "fault__premises", "fault__category", "fault__contractor"
        )
        .filter(pk__in=taken)
        .order_by("pk")
    )


def _mail_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def message_for(email: OutboxEmail, connection=None) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        connection=connection,
        headers={
            "Message-ID": f"<outbox-{email.pk}@{_mail_domain()}>",
            "X-Repairs-Outbox-Key": email.dedupe_key,
        },
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def _is_permanent(error: Exception) -> bool:
    if notify.is_permanent(error):  # GOV.UK Notify refused the request itself (400, 403)
        return True
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in error.recipients.values())
    return False


def _record_failure(email: OutboxEmail, error: Exception, now: datetime) -> Delivery:
    text = f"{type(error).__name__}: {error}"[:2000]
    if _is_permanent(error) or email.attempts >= max_attempts():
        logger.error(
            "Email %s failed permanently after %d attempt(s): %s", email.pk, email.attempts, text
        )
        OutboxEmail.objects.filter(pk=email.pk, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.FAILED, last_error=text, **_rendered(email)
        )
        return Delivery.FAILED
    wait = backoff(email.attempts)
    logger.warning(
        "Email %s not sent (attempt %d), retrying in %s: %s", email.pk, email.attempts, wait, text
    )
    OutboxEmail.objects.filter(pk=email.pk, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.PENDING,
        last_error=text,
        next_attempt_at=now + wait,
        claimed_at=None,
        **_rendered(email),
    )
    return Delivery.RETRY


def render(email: OutboxEmail) -> None:
    """Fill in the subject and bodies from the row's template and context (saved with the
    outcome of the attempt, so the row keeps what was sent)."""
    if not email.body_text:
        email.subject, email.body_text, email.body_html = messages.render(email)


def _rendered(email: OutboxEmail) -> dict[str, str]:
    return {"subject": email.subject, "body_text": email.body_text, "body_html": email.body_html}


def send(email: OutboxEmail, *, connection=None, now: datetime) -> Delivery:
    """Send a row this worker has claimed, through GOV.UK Notify (text messages, and emails
    with `EMAIL_ROUTE=notify`) or Django's email settings; record the outcome."""
    try:
        render(email)
        if notify.uses_notify(email):
            notify.send(email)
        else:
            if connection is not None and getattr(connection, "connection", True) is None:
                connection.open()  # shared by a batch; reopened after an error closed it
            message_for(email, connection).send()
    except notify.ERRORS as error:
        return _record_failure(email, error, now)
    except (smtplib.SMTPException, OSError) as error:
        if connection is not None:
            connection.close()  # a broken connection is reopened for the next email
        return _record_failure(email, error, now)
    except Exception as error:  # anything else: still never leave the row claimed
        logger.exception("Unexpected error sending email %s", email.pk)
        return _record_failure(email, error, now)
    OutboxEmail.objects.filter(pk=email.pk, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.SENT, sent_at=timezone.now(), last_error="", **_rendered(email)
    )
    return Delivery.SENT


def deliver_many(outbox_ids: list[int], *, now: datetime | None = None) -> dict[str, int]:
    """Send these rows (those still pending and due) over one SMTP connection.

    Each is claimed just before it is sent and marked sent as soon as the server has taken it,
    so a worker that dies half-way strands only the email it was sending (reclaimed after
    the sending timeout); the rest are still pending for the re-dispatch.
    """
    outcomes: dict[str, int] = defaultdict(int)
    connection = get_connection()  # opened by the first send, kept open for the rest
    try:
        for outbox_id in dict.fromkeys(outbox_ids):
            claimed = claim([outbox_id], now=now or timezone.now())
            if not claimed:
                outcomes[Delivery.SKIPPED] += 1
                continue
            outcomes[send(claimed[0], connection=connection, now=now or timezone.now())] += 1
    finally:
        connection.close()
    return {str(outcome): n for outcome, n in outcomes.items() if n}


def deliver(outbox_id: int, *, now: datetime | None = None) -> Delivery:
    """Claim and send one row; SKIPPED if it was not pending (sent, taken, held or failed)."""
    now = now or timezone.now()
    claimed = claim([outbox_id], now=now)
    return send(claimed[0], now=now) if claimed else Delivery.SKIPPED


@dataclass(frozen=True)
class Redispatch:
    reclaimed: int
    queued: int
    released: int = 0  # emails held in quiet hours whose morning has come (`morning`)


def redispatch(*, now: datetime, limit: int = 5000) -> Redispatch:
    """Queue rows whose next attempt has come, after reclaiming abandoned claims and releasing
    the emails held in quiet hours whose morning has come (grouped per recipient)."""
    released = morning.release(now=now)
    reclaimed = OutboxEmail.objects.filter(
        status=OutboxStatus.SENDING, claimed_at__lt=now - sending_timeout()
    ).update(
        status=OutboxStatus.PENDING,
        next_attempt_at=F("claimed_at"),  # due again since the try that was abandoned
        claimed_at=None,
        last_error="Abandoned while sending (worker stopped); sending again.",
    )
    if reclaimed:
        logger.warning("Reclaimed %d email(s) left sending by a stopped worker", reclaimed)
    ids = list(
        OutboxEmail.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    queued = len(ids) if ids and delivery.enqueue(ids) else 0
    return Redispatch(reclaimed=reclaimed, queued=queued, released=released)


def send_digests(*, now: datetime) -> int:
    """One digest per recipient per day of the emails held for them; safe to run again."""
    day = now.astimezone(sla.LONDON).date()
    made: list[OutboxEmail] = []
    with transaction.atomic():
        held = list(
            OutboxEmail.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("fault__premises", "fault__category", "fault__contractor")
            .filter(status=OutboxStatus.HELD, created_at__lte=now)
            .order_by("created_at", "pk")
        )
        by_recipient: dict[str, list[OutboxEmail]] = defaultdict(list)
        for row in held:
            by_recipient[row.to[0]].append(row)
        for recipient, rows in sorted(by_recipient.items()):
            key = f"digest:{recipient}:{day.isoformat()}"
            if OutboxEmail.objects.filter(dedupe_key=key).exists():
                continue  # today's is made; these wait for tomorrow's
            context = {
                "service_name": settings.SERVICE_NAME,
                "day": day.strftime("%-d %B %Y"),
                "items": [
                    {
                        "subject": r.subject or messages.render(r)[0],
                        "url": messages.fault_url(r.fault_id) if r.fault_id else "",
                    }
                    for r in rows
                ],
            }
            (digest,) = messages.outbox_rows(
                kind=OutboxKind.DIGEST,
                dedupe_key=key,
                fault=None,
                people=[messages.Person(recipient)],
                template="digest",
                context=context,
                now=now,
            )
            digest.save()
            OutboxEmail.objects.filter(pk__in=[r.pk for r in rows]).update(
                status=OutboxStatus.DIGESTED, digest=digest
            )
            made.append(digest)
        delivery.send_on_commit([d.pk for d in made])
    return len(made)
