"""Reliability with real parts: each test asserts on what the SMTP server actually received.

(a) four sweeps at once over 1,000 overdue faults; (b) the SMTP server down, then back;
(c) Redis stopped while faults are logged, then restarted; (d) a worker killed with SIGKILL
in the middle of sending. In every case each email arrives exactly once, and none is lost.
"""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from facilities.escalation import sweep
from facilities.faults import lifecycle, workflow
from facilities.models import (
    Escalation,
    EventKind,
    Fault,
    FaultEvent,
    OutboxEmail,
    OutboxStatus,
)
from facilities.notifications import outbox
from tests.factories import category
from tests.integration.conftest import (
    SMTPServer,
    SubprocessWorker,
    broker_at,
    running_worker,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def log(office_manager, premises, contract):
    def _log():
        return workflow.fault_log(
            premises=premises,
            category=category("plumbing-water"),
            location="Kitchen",
            description="Tap dripping",
            reported_by=office_manager,
        )

    return _log


def all_sent(count: int):
    def check() -> bool:
        statuses = list(OutboxEmail.objects.values_list("status", flat=True))
        return len(statuses) == count and set(statuses) == {OutboxStatus.SENT}

    return check


def redispatch_later(by: timedelta, *, then=None, what: str = "condition") -> None:
    """Move the clock on, as the periodic re-dispatch would run later; with `then`, keep it
    there until that is true (an in-process worker sees the same clock, so the backoff it
    checks before claiming a row is over for it too)."""
    with time_machine.travel(timezone.now() + by, tick=True):
        outbox.redispatch(now=timezone.now())
        if then is not None:
            wait_for(then, what=what)


def received_once_each(smtp: SMTPServer) -> set[str]:
    keys = smtp.recorder.keys()
    assert set(keys.values()) == {1}, [key for key, n in keys.items() if n > 1]
    return set(keys)


def test_four_sweeps_at_once_email_every_fault_and_level_exactly_once(
    services, smtp, worker, premises, contract, office_manager, regional_manager
):
    logged = timezone.now() - timedelta(hours=80)  # P2: attend and fix both overdue
    plumbing = category("plumbing-water")
    faults = []
    for _ in range(1000):
        fault = Fault(
            premises=premises,
            category=plumbing,
            priority="P2",
            location="Kitchen",
            description="Tap dripping",
            reported_at=logged,
            contract=contract,
            contractor=contract.contractor,
        )
        lifecycle.set_targets(
            lifecycle.Life(fault=fault, nation=premises.nation),
            contract.targets_for("P2"),
            pending_only=False,
        )
        fault.next_check_at = fault.attend_due_at
        faults.append(fault)
    Fault.objects.bulk_create(faults)
    expected = {f"escalation:{f.pk}:{level}" for f in faults for level in (1, 2)}

    now = timezone.now()
    barrier = threading.Barrier(4)
    results, errors = [], []

    def one_sweep() -> None:
        try:
            barrier.wait()
            results.append(sweep.sweep(now=now, batch_size=100))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert errors == []
    assert sum(r.checked for r in results) == 1000
    assert sum(r.levels_raised for r in results) == 2000
    assert sum(r.errors for r in results) == 0
    assert Escalation.objects.count() == 2000
    assert FaultEvent.objects.filter(kind=EventKind.BREACHED).count() == 2000

    wait_for(all_sent(2000), timeout=120, what="2,000 escalation emails to be sent")
    assert received_once_each(smtp) == expected
    rcpts = {m["X-Repairs-Outbox-Key"]: set(to) for to, m in smtp.recorder.messages}
    first = faults[0].pk
    assert rcpts[f"escalation:{first}:1"] == {
        contract.contractor.helpdesk_email,
        office_manager.email,
    }
    assert rcpts[f"escalation:{first}:2"] == {
        contract.contractor.account_manager_email,
        regional_manager.email,
    }


def test_smtp_server_down_then_back_every_email_delivered_once(services, worker, log):
    server = SMTPServer()  # not started: connections are refused
    with server.settings():
        for _ in range(5):
            log()
        wait_for(
            lambda: not OutboxEmail.objects.filter(attempts=0).exists(),
            timeout=60,
            what="every email to have been tried",
        )
        assert OutboxEmail.objects.count() == 10
        assert set(OutboxEmail.objects.values_list("status", flat=True)) == {OutboxStatus.PENDING}
        assert all(
            "Connection refused" in e.last_error or "ConnectionRefused" in e.last_error
            for e in OutboxEmail.objects.all()
        )
        assert server.recorder.messages == []

        server.start()
        try:
            redispatch_later(  # past the first backoff
                timedelta(minutes=2),
                then=all_sent(10),
                what="every email to be sent once the server is back",
            )
        finally:
            server.stop()
    expected = set(OutboxEmail.objects.values_list("dedupe_key", flat=True))
    assert received_once_each(server) == expected


def test_redis_stopped_while_faults_are_logged_then_restarted_nothing_lost(
    private_redis, smtp, log, caplog
):
    with broker_at(private_redis.url):
        queued_then_lost = [log() for _ in range(2)]  # on the broker, which then dies
        private_redis.stop()
        logged_while_down = [log() for _ in range(3)]
        assert "re-dispatch will send them" in caplog.text
        assert Fault.objects.count() == 5
        assert OutboxEmail.objects.filter(status=OutboxStatus.PENDING).count() == 10

        private_redis.start()  # empty: what it held is gone
        with running_worker():
            redispatch_later(timedelta(minutes=2))
            wait_for(all_sent(10), what="every email to be sent after Redis is back")
    keys = received_once_each(smtp)
    assert keys == set(OutboxEmail.objects.values_list("dedupe_key", flat=True))
    for fault in queued_then_lost + logged_while_down:
        assert f"fault_logged:{fault.pk}:" in " ".join(keys)


def test_worker_killed_during_delivery_sends_once_after_restart(private_redis, smtp, log, tmp_path):
    smtp.recorder.delay = 60  # the server takes its time over the message
    with broker_at(private_redis.url):
        worker = SubprocessWorker(private_redis.url, smtp.port, tmp_path / "worker.log")
        worker.start()
        try:
            fault = log()
            assert smtp.recorder.data_started.wait(60), (tmp_path / "worker.log").read_text()
            worker.kill()  # SIGKILL while the server is still reading the message

            # Claimed one at a time: the worker died sending the first; the other is untouched.
            emails = list(fault.emails.order_by("pk"))
            assert [e.status for e in emails] == [OutboxStatus.SENDING, OutboxStatus.PENDING]
            assert smtp.recorder.messages == []  # never accepted: the client was gone

            smtp.recorder.delay = 0
            worker.start()
            redispatch_later(outbox.sending_timeout() + timedelta(minutes=1))
            wait_for(all_sent(2), what="both emails to be sent after the restart")
        finally:
            worker.stop()
    assert received_once_each(smtp) == {e.dedupe_key for e in emails}
    # The killed try, then one more after the claim was reclaimed; the other sent at its first.
    assert list(fault.emails.order_by("pk").values_list("attempts", flat=True)) == [2, 1]
