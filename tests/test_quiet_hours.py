"""Quiet hours: P2–P4 escalations raised at night or on a non-working day wait for 07:00 on the
next working morning and go then, one email per recipient; P1 and safety-critical go at once."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail

from facilities.escalation import sweep
from facilities.faults import workflow
from facilities.models import OutboxEmail, OutboxKind, OutboxStatus
from facilities.notifications import outbox
from facilities.notifications.quiet import QuietHours
from facilities.sla import LONDON
from tests.factories import category

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)
# Tuesday 3 March 2026, GMT (London = UTC). P2 plumbing: attendance due 4 hours after logging.
TUESDAY = datetime(2026, 3, 3, tzinfo=UTC)


def london(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def quiet_hours_on(settings):
    settings.QUIET_HOURS_ENABLED = True
    settings.QUIET_HOURS_START = "19:00"
    settings.QUIET_HOURS_END = "07:00"


@pytest.fixture
def log(office_manager, premises, contract):
    def _log(slug="plumbing-water", at=TUESDAY + 10 * HOUR, by=office_manager, **kwargs):
        return workflow.fault_log(
            premises=premises,
            category=category(slug),
            location="Kitchen",
            description="Tap dripping",
            reported_by=by,
            now=at,
            **kwargs,
        )

    return _log


def escalations(**filters) -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(kind=OutboxKind.ESCALATION, **filters).order_by("pk"))


# --- The rule, pure ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "quiet"),
    [
        (london(2026, 3, 3, 18, 59), False),  # Tuesday evening, before 19:00
        (london(2026, 3, 3, 19, 0), True),
        (london(2026, 3, 4, 6, 59), True),  # Wednesday, before 07:00
        (london(2026, 3, 4, 7, 0), False),
        (london(2026, 3, 7, 12, 0), True),  # Saturday noon
        (london(2026, 5, 4, 12, 0), True),  # Early May bank holiday (England)
        (london(2026, 7, 14, 19, 30), True),  # summer time: 18:30 UTC is 19:30 in London
        (london(2026, 7, 14, 18, 30), False),
    ],
)
def test_quiet_hours_are_evenings_nights_weekends_and_bank_holidays_in_london(at, quiet):
    assert QuietHours().is_quiet(at.astimezone(UTC), "england") is quiet


@pytest.mark.parametrize(
    ("at", "release"),
    [
        (london(2026, 3, 3, 19, 0), london(2026, 3, 4, 7, 0)),  # Tuesday night → Wednesday
        (london(2026, 3, 4, 3, 0), london(2026, 3, 4, 7, 0)),  # small hours → same morning
        (london(2026, 3, 6, 20, 0), london(2026, 3, 9, 7, 0)),  # Friday night → Monday
        (london(2026, 5, 1, 20, 0), london(2026, 5, 5, 7, 0)),  # before the May bank holiday
        (london(2026, 12, 24, 22, 0), london(2026, 12, 29, 7, 0)),  # Christmas, Boxing Day, w/e
    ],
)
def test_held_emails_go_at_seven_on_the_next_working_morning(at, release):
    assert QuietHours().release_at(at.astimezone(UTC), "england") == release


def test_the_hours_are_configurable():
    late = QuietHours(start=time(22, 0), end=time(6, 0))
    assert not late.is_quiet(london(2026, 3, 3, 21, 0), "england")
    assert late.is_quiet(london(2026, 3, 3, 22, 0), "england")
    assert late.release_at(london(2026, 3, 3, 22, 0), "england") == london(2026, 3, 4, 6, 0)


# --- Holding and releasing --------------------------------------------------------------------


def test_a_p2_escalation_raised_at_night_is_held_per_recipient_until_seven(
    log, contractor, office_manager
):
    fault = log()
    night = TUESDAY + 20 * HOUR  # 20:00: attendance (due 14:00) is overdue
    result = sweep.sweep(now=night)

    assert result.levels_raised == 1
    assert result.emails_queued == 0
    held = escalations()
    assert [(e.to, e.status) for e in held] == [
        ([contractor.helpdesk_email], OutboxStatus.QUIET),
        ([office_manager.email], OutboxStatus.QUIET),
    ]
    assert {e.dedupe_key for e in held} == {
        f"escalation:{fault.pk}:1:quiet:{contractor.helpdesk_email}",
        f"escalation:{fault.pk}:1:quiet:{office_manager.email}",
    }
    assert {e.next_attempt_at for e in held} == {london(2026, 3, 4, 7, 0)}

    # Neither a delivery task nor the re-dispatch before seven sends it.
    assert outbox.deliver(held[0].pk, now=night) == outbox.Delivery.SKIPPED
    assert outbox.redispatch(now=london(2026, 3, 4, 6, 59)).released == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("slug", "priority"),
    [("plumbing-water", "P1"), ("cctv", "P2")],  # P1 not safety-critical; safety-critical P2
)
def test_p1_and_safety_critical_escalations_go_at_once_at_night(
    log, regional_manager, slug, priority
):
    fault = log(slug=slug, priority=priority, priority_reason="Spare", by=regional_manager)
    sweep.sweep(now=TUESDAY + 23 * HOUR)
    fault.refresh_from_db()
    (email,) = escalations(fault=fault)
    assert email.status == OutboxStatus.PENDING
    assert email.dedupe_key == f"escalation:{fault.pk}:{fault.escalation_level}"


def test_an_escalation_raised_in_the_day_goes_at_once(log):
    fault = log()
    sweep.sweep(now=TUESDAY + 15 * HOUR)
    (email,) = escalations(fault=fault)
    assert email.status == OutboxStatus.PENDING


def test_quiet_hours_can_be_turned_off(log, settings):
    settings.QUIET_HOURS_ENABLED = False
    fault = log()
    sweep.sweep(now=TUESDAY + 22 * HOUR)
    assert [e.status for e in escalations(fault=fault)] == [OutboxStatus.PENDING]


def test_the_morning_sends_each_recipient_one_email_listing_their_held_escalations_once(
    log, contractor, office_manager, other_premises
):
    first = log()
    second = log(at=TUESDAY + 11 * HOUR, slug="heating-hot-water")
    sweep.sweep(now=TUESDAY + 21 * HOUR)
    assert len(escalations(status=OutboxStatus.QUIET)) == 4  # two faults × two recipients

    seven = london(2026, 3, 4, 7, 0)
    assert outbox.redispatch(now=seven).released == 2
    assert outbox.redispatch(now=seven + HOUR).released == 0  # a second run finds nothing held
    bundles = list(OutboxEmail.objects.filter(kind=OutboxKind.HELD_OVERNIGHT).order_by("pk"))
    assert sorted(b.to[0] for b in bundles) == sorted(
        [contractor.helpdesk_email, office_manager.email]
    )
    for bundle in bundles:
        assert outbox.deliver(bundle.pk, now=seven) == outbox.Delivery.SENT
        assert outbox.deliver(bundle.pk, now=seven) == outbox.Delivery.SKIPPED
    assert sorted(m.to[0] for m in mail.outbox) == sorted(b.to[0] for b in bundles)
    for message in mail.outbox:
        assert message.subject == "2 escalations raised overnight or at the weekend"
        assert first.reference in message.body
        assert second.reference in message.body
        assert f"/faults/{first.pk}/" in message.body

    held = escalations()
    assert {e.status for e in held} == {OutboxStatus.BUNDLED}
    assert {(e.to[0], e.digest_id) for e in held} == {(b.to[0], b.pk) for b in bundles}
    assert all(e.subject.startswith(e.fault.reference) for e in held)  # what the list said


def test_a_recipient_with_one_held_email_gets_that_email_itself(log, contractor, office_manager):
    fault = log()
    sweep.sweep(now=TUESDAY + 21 * HOUR)
    seven = london(2026, 3, 4, 7, 0)
    assert outbox.redispatch(now=seven).released == 2
    assert not OutboxEmail.objects.filter(kind=OutboxKind.HELD_OVERNIGHT).exists()
    for email in escalations(fault=fault):
        assert email.status == OutboxStatus.PENDING
        assert outbox.deliver(email.pk, now=seven) == outbox.Delivery.SENT
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [contractor.helpdesk_email, office_manager.email]
    )
    assert all(f"{fault.reference} escalated to level 1" in m.subject for m in mail.outbox)
