"""Held escalation emails, released by four re-dispatches at once at 07:00, reach the SMTP
server on loopback exactly once each: one email per recipient, through a real worker."""

import threading
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from facilities.escalation import sweep
from facilities.faults import workflow
from facilities.models import OutboxEmail, OutboxKind, OutboxStatus
from facilities.notifications import outbox
from facilities.notifications.quiet import QuietHours
from facilities.sla import LONDON
from tests.factories import category
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_four_releases_at_once_send_each_recipient_one_morning_email(
    services, smtp, worker, settings, premises, contract, office_manager
):
    settings.QUIET_HOURS_ENABLED = True
    # Last Friday at 20:00 in London: held until 07:00 on the next working day.
    today = timezone.now().astimezone(LONDON).date()
    friday = today - timedelta(days=(today.weekday() - 4) % 7 or 7)
    night = datetime.combine(friday, time(20, 0), tzinfo=LONDON)
    faults = [
        workflow.fault_log(
            premises=premises,
            category=category("plumbing-water"),
            location=f"Room {n}",
            description="Tap dripping",
            reported_by=office_manager,
            now=night - timedelta(hours=6),
        )
        for n in range(3)
    ]
    sweep.sweep(now=night)
    held = OutboxEmail.objects.filter(kind=OutboxKind.ESCALATION, status=OutboxStatus.QUIET)
    assert held.count() == 6  # three faults × (helpdesk, office manager)
    morning = QuietHours().release_at(night, premises.nation)
    assert morning.astimezone(LONDON).weekday() in range(5)

    def mornings() -> list:
        with smtp.recorder.lock:
            return [
                (to, m)
                for to, m in smtp.recorder.messages
                if m["X-Repairs-Outbox-Key"].startswith("held_overnight:")
            ]

    results, errors = [], []
    barrier = threading.Barrier(4)

    def release() -> None:
        try:
            barrier.wait()
            results.append(outbox.redispatch(now=morning))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    with time_machine.travel(morning, tick=True):
        threads = [threading.Thread(target=release) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert sum(r.released for r in results) == 2
        wait_for(lambda: len(mornings()) >= 2, what="the two morning emails")
        outbox.redispatch(now=morning + timedelta(minutes=5))  # nothing more to send

    keys = smtp.recorder.keys()
    assert set(keys.values()) == {1}  # every email (the faults' own too) exactly once
    assert not any(key.startswith("escalation:") for key in keys)
    recipients = sorted(to[0] for to, _ in mornings())
    assert recipients == sorted([contract.contractor.helpdesk_email, office_manager.email])
    for _, message in mornings():
        (text,) = [
            part.get_payload(decode=True).decode()
            for part in message.walk()
            if part.get_content_type() == "text/plain"
        ]
        assert all(f.reference in text for f in faults)
    assert set(held.values_list("status", flat=True)) == set()
    assert set(
        OutboxEmail.objects.filter(kind=OutboxKind.ESCALATION).values_list("status", flat=True)
    ) == {OutboxStatus.BUNDLED}
