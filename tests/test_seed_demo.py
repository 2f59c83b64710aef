"""manage.py seed_demo: the demo estate, its people, and a deterministic fault history that
agrees with the live rules (routing, service levels, holds, breaches, disputes, the sweep's
ladder): replayed through `facilities.deadlines`, the stored facts give the stored
due times, minutes taken and breaches."""

import hashlib
import io
import itertools
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.test import Client, RequestFactory
from django.urls import reverse

from facilities import deadlines, demo, ladder, sla
from facilities.demo.histories import Generator
from facilities.faults.store import schedule_next_check
from facilities.models import (
    Breach,
    BreachDispute,
    Category,
    Contract,
    Contractor,
    Escalation,
    EscalationStep,
    EventKind,
    Fault,
    FaultEvent,
    FaultHold,
    OutboxEmail,
    Premises,
    Region,
    Role,
    User,
)
from facilities.models.holds import intervals
from facilities.models.notifications import all_steps
from facilities.routing import covering_contract

pytestmark = pytest.mark.django_db

#: Monday 23 November 2026, noon: the demo's history runs from 23 May.
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
FAULTS = 200
#: Enough faults for the rarer turns of a life (refused hold requests, accepted disputes...).
MANY = 1500

REAL_REGIONS = {
    "North East",
    "North West",
    "Yorkshire and the Humber",
    "Greater Manchester",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "Kent, Surrey and Sussex",
    "South West",
    "South Central",
    "Wales",
}


def seed(**options) -> str:
    out = io.StringIO()
    options = {"faults": FAULTS, "seed": 1, "now": NOW.isoformat(), **options}
    call_command("seed_demo", stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def digest() -> str:
    """Every fact the demo generates, by natural keys (primary keys differ between runs)."""
    h = hashlib.sha256()
    faults = Fault.objects.select_related(
        "premises", "category", "reported_by", "contract", "contractor"
    ).order_by("reported_at", "premises__code", "pk")
    skip = {"id", "updated_at", "premises", "category", "reported_by", "contract", "contractor"}
    names = [f.attname for f in Fault._meta.concrete_fields if f.name not in skip]
    for fault in faults:
        row = [fault.premises.code, fault.category.slug, fault.reported_by.username]
        row += [fault.contract.reference if fault.contract else None, str(fault.contractor)]
        row += [getattr(fault, name) for name in names]
        events = fault.events.select_related("actor").order_by("at", "pk")
        row += [(e.kind, str(e.actor), e.at, e.note, _details(e)) for e in events]
        escalations = fault.escalations.select_related("raised_by").order_by("level")
        row += [
            (x.level, x.reason, x.automatic, str(x.raised_by), x.raised_at) for x in escalations
        ]
        row += [_facts(x, "fault") for x in fault.holds.order_by("started_at", "pk")]
        for breach in fault.breaches.order_by("step"):
            row.append(_facts(breach, "fault"))
            row += [_facts(d, "breach") for d in breach.disputes.order_by("raised_at", "pk")]
        h.update(repr(row).encode())
    return h.hexdigest()


def _facts(obj, parent: str) -> list:
    """A row's columns but its id and its parent's (which differ between runs)."""
    skip = {"id", f"{parent}_id"}
    return [getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname not in skip]


def _details(event: FaultEvent) -> list:
    """An event's details, with the ids of breaches and disputes they name left out."""
    return sorted((k, v) for k, v in event.details.items() if k not in {"breach", "dispute"})


def forget_faults() -> None:
    BreachDispute.objects.all().delete()
    Breach.objects.all().delete()
    FaultHold.objects.all().delete()
    FaultEvent.objects.all().delete()
    Escalation.objects.all().delete()
    Fault.objects.all().delete()


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """The demo as `make run` seeds it (FAULTS faults): what seed_demo printed. Seeded once
    for the class, in a transaction rolled back after its last test; each test runs in a
    savepoint of its own inside it, so sees the data as seeded, whatever another changed."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed()
        transaction.set_rollback(True)


@pytest.fixture(scope="class")
def history(django_db_setup, django_db_blocker):
    """A longer history (MANY faults), for the rarer turns a fault's life can take; seeded
    once for the class, as `seeded` is."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed(faults=MANY, seed=3)
        transaction.set_rollback(True)


# Each class's tests read data seeded once for them (once in each xdist worker that runs any).
class TestTheSeededDemo:
    # --- The estate and its people ------------------------------------------------------------

    def test_estate_has_the_twelve_regions_about_sixty_premises_and_four_contractors(self, seeded):
        assert set(Region.objects.values_list("name", flat=True)) == REAL_REGIONS
        premises = Premises.objects.all()
        assert 55 <= premises.count() <= 65
        aps = premises.filter(kind="approved_premises")
        assert 12 <= aps.count() <= 18
        assert all(20 <= ap.bed_capacity <= 30 for ap in aps)
        assert not premises.filter(kind="office", bed_capacity__isnull=False).exists()
        assert all(p.postcode and p.address for p in premises)
        welsh = premises.filter(region__name="Wales")
        assert welsh.exists()
        assert set(welsh.values_list("nation", flat=True)) == {"wales"}
        assert set(premises.exclude(region__name="Wales").values_list("nation", flat=True)) == {
            "england"
        }
        assert Contractor.objects.count() == 4
        assert all(c.helpdesk_email and c.account_manager_name for c in Contractor.objects.all())

    def test_contracts_have_custom_service_levels_a_rate_premises_contracts_and_a_gap(self, seeded):
        custom = Contract.objects.filter(service_levels__isnull=False).distinct()
        assert custom.filter(pounds_per_point__gt=0).exists()
        assert Contract.objects.filter(premises__isnull=False).exists()
        lifts = Category.objects.get(slug="lifts")
        london = Premises.objects.filter(region__name="London")
        assert all(covering_contract(p, lifts, NOW.date()) is None for p in london)
        other = Category.objects.get(slug="other")
        assert all(covering_contract(p, other, NOW.date()) for p in Premises.objects.all())

    def test_every_demo_login_exists_with_its_role_and_signs_in_with_the_printed_password(
        self, seeded
    ):
        logins = demo.demo_logins()
        assert f"password {demo.DEMO_PASSWORD}" in seeded
        for login in logins:
            assert login.username in seeded
        users = {u.username: u for u in User.objects.all()}
        assert {x.username for x in logins} <= set(users)
        roles = Counter(users[x.username].role for x in logins)
        assert set(roles) == set(Role)
        assert roles[Role.CONTRACTOR] == 4
        assert roles[Role.CONTRACT_MANAGER] == 13  # national + one per region
        admin = users["admin"]
        assert admin.is_superuser
        assert admin.is_staff
        assert not users["national"].regions.exists()
        assert users["manager.wales"].regions.get().name == "Wales"
        assert all(users[f"helpdesk.{c.key}"].contractor.name == c.name for c in demo.CONTRACTORS)

        office_managers = [users[x.username] for x in logins if x.role == "Office manager"]
        managed = [set(u.premises.values_list("pk", flat=True)) for u in office_managers]
        assert all(1 <= len(pks) <= 3 for pks in managed)
        assert set().union(*managed) == set(Premises.objects.values_list("pk", flat=True))
        assert any(u.premises.filter(kind="approved_premises").exists() for u in office_managers)

        request = RequestFactory().post(reverse("login"))  # django-axes wants the request
        for login in logins:
            validate_password(login.password, users[login.username])
            client = Client()
            assert client.login(request=request, username=login.username, password=login.password)
        response = Client().post(reverse("login"), {"username": "admin", "password": "x" * 12})
        assert response.status_code == 200  # a wrong password is still refused

    # --- Faults -------------------------------------------------------------------------------

    def test_faults_each_have_a_logged_event_and_come_from_the_premises_office_managers(
        self, seeded
    ):
        faults = Fault.objects.select_related("premises", "category")
        assert faults.count() == FAULTS
        logged = FaultEvent.objects.filter(fault=OuterRef("pk"), kind=EventKind.LOGGED)
        assert not faults.filter(~Exists(logged)).exists()
        start = NOW - timedelta(days=190)
        assert all(start <= f.reported_at <= NOW for f in faults)
        not_a_manager = faults.exclude(premises__managers=OuterRef("reported_by"))
        assert not faults.filter(Exists(not_a_manager.filter(pk=OuterRef("pk")))).exists()
        for fault in faults:
            events = list(fault.events.order_by("at", "pk"))
            assert events[0].kind == EventKind.LOGGED
            assert events[0].at == fault.reported_at
            assert all(a.at <= b.at for a, b in itertools.pairwise(events))
            assert all(e.at <= NOW for e in events)
            routing = {e.kind for e in events} & {EventKind.ROUTED, EventKind.UNROUTED}
            assert routing == {EventKind.ROUTED if fault.contract_id else EventKind.UNROUTED}
        assert not OutboxEmail.objects.exists()  # history sends no emails
        assert f"Faults: {FAULTS} (" in seeded
        assert "Overdue now: " in seeded
        assert "beds out of use now: " in seeded

    def test_targets_are_the_service_level_for_the_priority_set_when_each_step_was_to_do(
        self, seeded
    ):
        for fault in Fault.objects.select_related("contract"):
            if fault.contract_id:
                targets = fault.contract.targets_for(fault.priority)
            else:
                targets = sla.DEFAULT_TARGETS[sla.Priority(fault.priority)]
            assert fault.clock == targets.clock
            assert fault.fix_target_minutes == targets.fix_minutes or fault.fixed_at is not None
            if not fault.events.filter(kind=EventKind.PRIORITY_CHANGED).exists():
                assert (fault.attend_target_minutes, fault.fix_target_minutes) == (
                    targets.attend_minutes,
                    targets.fix_minutes,
                )

    def test_routing_agrees_with_covering_contract(self, seeded):
        faults = list(
            Fault.objects.select_related("premises", "category", "contract").order_by("pk")
        )
        for fault in faults[:: len(faults) // 30][:30]:
            expected = covering_contract(fault.premises, fault.category, fault.reported_at.date())
            assert fault.contract == expected
            if expected:
                assert fault.contractor_id == expected.contractor_id
        routing = demo.ContractMap.load()
        categories = list(Category.objects.all())
        for premises in Premises.objects.all():
            for category in categories:
                expected = covering_contract(premises, category, NOW.date())
                assert routing.covering(premises, category, NOW.date()) == expected
        lifts, before = Category.objects.get(slug="lifts"), date(2025, 1, 15)
        for premises in Premises.objects.filter(region__name="London"):  # their lift contract ran
            expected = covering_contract(premises, lifts, before)
            assert expected is not None
            assert routing.covering(premises, lifts, before) == expected

    def test_history_has_unrouted_overdue_reopened_on_hold_and_cancelled_faults(self, seeded):
        faults = Fault.objects.all()
        assert faults.filter(events__kind=EventKind.UNROUTED).exists()  # London's lifts
        assert faults.filter(events__kind=EventKind.REASSIGNED).exists()  # as spot orders
        assert faults.overdue(NOW).exists()
        assert faults.filter(reopen_count__gt=0).exists()
        assert faults.filter(status="cancelled").exists()
        assert faults.filter(status="closed").count() > FAULTS / 2
        assert faults.filter(category__safety_critical=True, priority="P1").exists()
        kinds = set(FaultEvent.objects.values_list("kind", flat=True))
        assert kinds >= {
            "logged",
            "routed",
            "unrouted",
            "acknowledged",
            "attended",
            "made_safe",
            "fixed",
            "closed",
            "reopened",
            "on_hold",
            "resumed",
            "breached",
            "escalated",
            "comment",
        }
        assert faults.filter(beds_out_of_use__gt=0).exists()
        assert not faults.filter(beds_out_of_use__gt=0, premises__kind="office").exists()

    def test_open_faults_never_have_more_beds_out_of_use_than_the_premises_has(self, seeded):
        out = (
            Premises.objects.filter(faults__status__in=["reported", "acknowledged", "attended"])
            .annotate(out=Sum("faults__beds_out_of_use"))
            .values_list("out", "bed_capacity")
        )
        assert all(taken <= (capacity or 0) for taken, capacity in out)
        open_ = Fault.objects.open()
        by_premises = open_.values("premises").annotate(out=Sum("beds_out_of_use"))
        capacity = dict(Premises.objects.values_list("pk", "bed_capacity"))
        assert all(row["out"] <= (capacity[row["premises"]] or 0) for row in by_premises)

    def test_breaches_and_escalations_are_what_the_sweep_would_have_recorded(self, seeded):
        steps = all_steps()
        faults = Fault.objects.select_related("premises", "category")
        for fault in faults:
            nation, safety = fault.premises.nation, fault.category.safety_critical
            flagged = Counter(
                fault.events.filter(kind=EventKind.BREACHED).values_list("details__step", flat=True)
            )
            assert all(n == 1 for n in flagged.values()), fault.reference  # each recorded once
            recorded = set(fault.breaches.values_list("step", flat=True))
            for step in deadlines.STEPS:
                breached = getattr(fault, f"{step}_breached_at")
                # Recorded by the sweep when it fell overdue, or when it was done late.
                assert (breached is not None) == (step in flagged or step in recorded), (
                    fault.reference,
                    step,
                )
            levels = list(fault.escalations.values_list("level", flat=True))
            assert len(levels) == len(set(levels))
            assert fault.escalation_level == max(levels, default=0)
            fault_steps = ladder.resolve_ladder(
                steps, contract_id=fault.contract_id, region_id=fault.premises.region_id
            )
            if fault.is_open:  # nothing left for the sweep to do, and it knows when to look next
                assert not ladder.breaches_due(fault, nation, fault.paused_minutes, NOW)
                assert not ladder.levels_due(fault, nation, safety, NOW, fault_steps)
                assert fault.next_check_at is None or fault.next_check_at > NOW
                for step in fault.overdue_steps(NOW):
                    assert step in flagged
            else:
                assert fault.next_check_at is None
        per_fault = Escalation.objects.values("fault", "level").annotate(n=Count("id"))
        assert all(row["n"] == 1 for row in per_fault)
        assert Escalation.objects.filter(automatic=True).exists()
        assert Escalation.objects.filter(level=4).exists()
        assert (
            FaultEvent.objects.filter(kind=EventKind.ESCALATED).count()
            == Escalation.objects.count()
        )

    def test_next_check_is_where_the_workflow_would_put_it(self, seeded):
        for fault in Fault.objects.open().select_related("premises", "category")[:30]:
            stored = fault.next_check_at
            schedule_next_check(fault)
            assert fault.next_check_at == stored

    def test_escalation_levels_follow_the_ladder_with_safety_critical_one_higher(self, seeded):
        automatic = Escalation.objects.filter(automatic=True).select_related("fault__category")
        assert automatic.exists()
        rungs = {"Attendance is overdue.": 1, "The fix is overdue.": 2}
        for raised in automatic:
            bump = 1 if raised.fault.category.safety_critical else 0
            if raised.reason in rungs:
                assert raised.level == rungs[raised.reason] + bump
            else:
                assert raised.reason.startswith("The fix is overdue by a further")
                assert raised.level >= 3
        manual = Escalation.objects.filter(automatic=False)
        assert all(x.raised_by.role == Role.OFFICE_MANAGER for x in manual)

    # --- Seeding again ------------------------------------------------------------------------

    def test_if_empty_does_nothing_once_there_are_faults_but_prints_the_logins(self, seeded):
        events = FaultEvent.objects.count()
        out = seed(if_empty=True, faults=50)
        assert Fault.objects.count() == FAULTS
        assert FaultEvent.objects.count() == events
        assert "helpdesk.acme" in out
        assert demo.DEMO_PASSWORD in out

    def test_seeding_again_without_if_empty_is_refused_with_a_clear_message(self, seeded):
        with pytest.raises(CommandError, match="already has 200 faults"):
            seed()


# --- The histories obey the real rules --------------------------------------------------------


def _by_fault(model, faults, order=("pk",)) -> dict[int, list]:
    rows: dict[int, list] = {f.pk: [] for f in faults}
    for row in model.objects.filter(fault__in=faults).order_by(*order):
        rows[row.fault_id].append(row)
    return rows


def _clock_changed_after(fault: Fault, events: list[FaultEvent], step: str) -> bool:
    """Whether a priority change moved the fault to another clock after this step was done
    (the step keeps the due time and minutes it was judged by, on its old clock)."""
    done = deadlines.done_at(fault, step)
    changes = [
        e for e in events if e.kind == EventKind.PRIORITY_CHANGED and e.at > fault.reported_at
    ]
    return done is not None and any(done <= e.at for e in changes)


def _judged_again(breach: Breach, events: list[FaultEvent]) -> bool:
    """Whether a hold request approved after the late step reached back before it."""
    return any(
        e.kind == EventKind.HOLD_APPROVED
        and datetime.fromisoformat(e.details["requested_at"]) < breach.done_at <= e.at
        for e in events
    )


class TestALongerHistory:
    def test_winter_heating_faults_are_raised_to_p1_and_some_faults_wait_unrouted(self, history):
        assert Fault.objects.unrouted().open().exists()  # some still wait for a contractor
        winter = Q(reported_at__month__in=[11, 12, 1, 2, 3])
        raised = Fault.objects.filter(winter, category__slug="heating-hot-water", priority="P1")
        assert raised.exists()
        assert all(
            f.events.filter(kind=EventKind.PRIORITY_CHANGED, details__to="P1").exists()
            for f in raised
        )

    def test_stored_due_times_and_minutes_taken_replay_through_deadlines(self, history):
        """Worked out afresh from the stored facts and holds, by the one definition of a step's
        outcome, every fault's due times and minutes taken are the ones it stored."""
        faults = list(Fault.objects.select_related("premises", "category").order_by("pk"))
        holds = _by_fault(FaultHold, faults, ("started_at", "pk"))
        events = _by_fault(FaultEvent, faults, ("at", "pk"))
        seen = Counter()
        for fault in faults:
            nation = fault.premises.nation
            outcomes = deadlines.outcomes(
                fault, nation, intervals(holds[fault.pk]), NOW, stored=False
            )
            for step, outcome in outcomes.items():
                if _clock_changed_after(fault, events[fault.pk], step):
                    seen["clock changed after the step"] += 1
                    continue
                where = (fault.reference, step)
                assert outcome.due_at == getattr(fault, f"{step}_due_at"), where
                taken = getattr(fault, f"{step}_taken_minutes")
                assert (taken is None) == (outcome.taken_minutes is None), where
                if taken is not None:
                    assert taken == pytest.approx(outcome.taken_minutes, abs=1e-6), where
            seen["held"] += bool(intervals(holds[fault.pk]))
            seen["reopened"] += fault.reopen_count > 0
            kinds = {e.kind for e in events[fault.pk]}
            if fault.priority == "P1" and fault.fixed_at and EventKind.MADE_SAFE not in kinds:
                seen["made safe by the fix"] += 1
            if fault.clock == "working" and fault.attended_at:
                local = fault.attended_at.astimezone(sla.LONDON)
                working = sla.is_working_day(local.date(), nation) and 8 <= local.hour < 18
                seen["attended out of hours"] += not working
        # The sample covers the turns that make the sums hard.
        for turn in ("held", "reopened", "made safe by the fix", "attended out of hours"):
            assert seen[turn] >= 5, (turn, seen)

    def test_every_breach_is_a_late_step_and_every_late_step_a_breach(self, history):
        faults = list(Fault.objects.select_related("premises", "contract").order_by("pk"))
        holds = _by_fault(FaultHold, faults, ("started_at", "pk"))
        events = _by_fault(FaultEvent, faults, ("at", "pk"))
        breaches = {(b.fault_id, b.step): b for b in Breach.objects.all()}
        assert breaches
        for fault in faults:
            outcomes = fault.outcomes(NOW, holds=holds[fault.pk])
            for step, outcome in outcomes.items():
                breach = breaches.get((fault.pk, step))
                if outcome.late:
                    assert breach is not None, (fault.reference, step)
                if breach is None:
                    continue
                # The breach says how late, and what it costs, as the step's outcome does.
                assert breach.done_at > breach.due_at
                assert breach.points == deadlines.points(
                    breach.priority, breach.taken_minutes, breach.target_minutes
                )
                assert breach.multiplier == deadlines.multiplier(
                    breach.taken_minutes, breach.target_minutes
                )
                assert breach.contractor_id is not None or fault.contractor_id is None
                rate = fault.contract.pounds_per_point if fault.contract_id else 0
                assert breach.pounds_per_point == rate
                if fault.reopen_count or _clock_changed_after(fault, events[fault.pk], step):
                    continue  # judged by the first fix, or on the old clock
                if _judged_again(breach, events[fault.pk]):
                    # An approved hold request reached back before it: waived if no longer late
                    # (else the breach stands as first recorded, the step's due time moved on).
                    assert breach.is_waived != outcome.late
                    assert breach.due_at <= outcome.due_at
                    continue
                assert outcome.late, (fault.reference, step)
                assert (breach.due_at, breach.done_at) == (outcome.due_at, outcome.done_at)
                assert breach.taken_minutes == pytest.approx(outcome.taken_minutes)
                assert breach.paused_minutes == pytest.approx(outcome.paused_minutes)
        waived_by_holds = Breach.objects.filter(waived_reason__startswith="The clock was stopped")
        assert waived_by_holds.exists()

    def test_holds_are_the_intervals_their_events_say(self, history):
        faults = list(Fault.objects.select_related("premises").order_by("pk"))
        holds = _by_fault(FaultHold, faults, ("started_at", "pk"))
        events = _by_fault(FaultEvent, faults, ("at", "pk"))
        for fault in faults:
            mine, timeline = holds[fault.pk], events[fault.pk]
            at = {kind: [e for e in timeline if e.kind == kind] for kind in EventKind.values}
            office = [h for h in mine if not h.by_contractor]
            requests = [h for h in mine if h.by_contractor]
            assert all(h.status == "approved" for h in office)
            assert [h.started_at for h in office] == [e.at for e in at["on_hold"]]
            assert [h.started_at for h in requests] == [e.at for e in at["hold_requested"]]
            approved = [h for h in requests if h.status == "approved"]
            refused = [h for h in requests if h.status == "refused"]
            assert [h.decided_at for h in approved] == [e.at for e in at["hold_approved"]]
            assert [h.decided_at for h in refused] == [e.at for e in at["hold_refused"]]
            assert all(h.ended_at == h.decided_at for h in refused)  # stopping nothing
            for hold in approved:  # the clock stopped from the request, not the decision
                event = next(e for e in at["hold_approved"] if e.at == hold.decided_at)
                assert event.details["requested_at"] == hold.started_at.isoformat()
            # Each approved hold ends when the fault resumes (or is fixed or cancelled).
            stopped = [h for h in mine if h.status == "approved"]
            ends = {e.at for e in at["resumed"] + at["fixed"] + at["cancelled"]}
            assert all(h.ended_at is None or h.ended_at in ends for h in stopped)
            assert {e.at for e in at["resumed"]} <= {h.ended_at for h in stopped}
            live = [h for h in stopped if h.ended_at is None]
            assert len(live) <= 1
            assert fault.on_hold_since == (live[0].started_at if live else None)
            # Time on hold so far: the ended holds, on the fault's clock.
            ended = [h.interval for h in stopped if h.ended_at is not None]
            nation = fault.premises.nation
            assert fault.paused == deadlines.paused(ended, None, fault.clock, nation)
        kinds = Counter(h.status for f in faults for h in holds[f.pk] if h.by_contractor)
        assert kinds["approved"]
        assert kinds["refused"]

    def test_disputes_waive_breaches_when_accepted_and_leave_them_when_rejected(self, history):
        disputes = BreachDispute.objects.select_related("breach__fault", "raised_by", "decided_by")
        statuses = Counter(disputes.values_list("status", flat=True))
        assert min(statuses[s] for s in ("open", "accepted", "rejected")) > 0, statuses
        for dispute in disputes:
            breach, fault = dispute.breach, dispute.breach.fault
            assert dispute.raised_by.contractor_id == breach.contractor_id
            assert dispute.raised_at >= breach.recorded_at
            raised = fault.events.get(kind=EventKind.DISPUTED, details__dispute=dispute.pk)
            assert (raised.at, raised.details["breach"], raised.note) == (
                dispute.raised_at,
                breach.pk,
                dispute.reason,
            )
            if dispute.status == "open":
                assert dispute.decided_at is None
                continue
            assert dispute.decided_by.role == Role.CONTRACT_MANAGER
            assert dispute.decided_at >= dispute.raised_at
            kind = (
                EventKind.DISPUTE_ACCEPTED if dispute.status == "accepted" else "dispute_rejected"
            )
            decided = fault.events.get(kind=kind, details__dispute=dispute.pk)
            assert (decided.at, decided.details["breach"]) == (dispute.decided_at, breach.pk)
            if dispute.status == "accepted":
                assert (breach.waived_at, breach.waived_reason) == (
                    dispute.decided_at,
                    dispute.decision_reason,
                )
            else:
                assert breach.waived_at is None
        assert FaultEvent.objects.filter(kind=EventKind.DISPUTED).count() == disputes.count()

    def test_history_has_the_whole_mix_of_turns(self, history):
        faults = Fault.objects.all()
        changes = FaultEvent.objects.filter(kind=EventKind.PRIORITY_CHANGED)
        assert changes.filter(details__to="P1").exists()
        assert changes.filter(details__to__in=["P3", "P4"], details__from="P2").exists()
        assert faults.filter(events__kind=EventKind.ON_HOLD).exists()  # office manager holds
        assert faults.filter(on_hold_since__isnull=False).exists()  # some still on hold
        assert faults.filter(reopen_count__gt=0, made_safe_at__isnull=False).exists()
        assert faults.filter(reopen_count=2).exists()
        assert Breach.objects.filter(step="make_safe").exists()
        assert Breach.objects.filter(multiplier=3).exists()
        assert Breach.objects.filter(pounds_per_point__gt=0).exists()
        assert (
            faults.filter(awaiting_parts_since__isnull=False).exists()
            or FaultEvent.objects.filter(kind=EventKind.AWAITING_PARTS).exists()
        )
        assert Escalation.objects.filter(automatic=False).exists()  # by hand


# --- Seeding an empty database, determinism and the writers -----------------------------------


def test_reference_data_can_be_seeded_again_without_duplicates():
    seed(faults=0)
    counts = [
        m.objects.count() for m in (Region, Premises, Contractor, Contract, User, EscalationStep)
    ]
    seed(faults=0)
    assert counts == [
        m.objects.count() for m in (Region, Premises, Contractor, Contract, User, EscalationStep)
    ]
    assert Fault.objects.count() == 0


def test_workers_share_out_the_premises_without_changing_any_fault():
    """Each premises has its own random stream, so two workers make what one makes."""
    estate = demo.ensure_estate()

    def facts(part: int, parts: int) -> dict:
        generator = Generator(estate, seed=7, now=NOW, months=2, part=part, parts=parts)
        histories = {}
        for g in generator.faults(300):
            fault = g.fault
            row = [getattr(fault, f.attname) for f in Fault._meta.concrete_fields]
            row += [(e.kind, e.actor_id, e.at, e.note, e.details) for e in g.events]
            row += [(h.status, h.started_at, h.ended_at) for h in g.holds]
            row += [(b.step, b.points, b.waived_at) for b in g.breaches]
            histories[(fault.reported_at, fault.premises_id)] = row
        return histories

    whole = facts(0, 1)
    first, second = facts(0, 2), facts(1, 2)
    assert first
    assert second
    assert not set(first) & set(second)
    assert first | second == whole


def test_same_seed_and_now_give_the_same_data_and_another_seed_does_not():
    seed(faults=120)
    first = digest()
    forget_faults()
    seed(faults=120)
    assert digest() == first
    forget_faults()
    seed(faults=120, seed=2)
    assert digest() != first


def test_if_empty_seeds_an_empty_database():
    seed(if_empty=True, faults=30)
    assert Fault.objects.count() == 30


def test_logins_can_be_listed_without_the_database():
    table = demo.format_logins()
    assert table.splitlines()[0].split() == ["Username", "Role", "Scope", "Password"]
    usernames = [x.username for x in demo.demo_logins()]
    assert len(usernames) == len(set(usernames))
    assert {"admin", "national", "manager.northeast", "office.newcastle", "helpdesk.acme"} <= set(
        usernames
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="requires PostgreSQL (COPY)")
def test_copy_and_bulk_create_write_the_same_rows():
    demo.seed_demo(faults=150, seed=4, now=NOW, writer=demo.CopyWriter())
    copied = digest()
    forget_faults()
    demo.seed_demo(faults=150, seed=4, now=NOW, writer=demo.BulkCreateWriter())
    assert digest() == copied


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="requires PostgreSQL (its workers run side by side)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_write_what_one_writes():
    demo.seed_demo(faults=400, seed=5, now=NOW, workers=1)
    alone = digest()
    forget_faults()
    summary = demo.seed_demo(faults=400, seed=5, now=NOW, workers=2)
    assert summary.faults == 400
    assert digest() == alone
