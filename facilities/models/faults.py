"""Faults, their categories and their append-only timeline.

A fault stores facts (when each step happened, its targets and due times, time
paused) plus one `next_check_at` for the sweep. Whether it is overdue is derived
from those facts and a `now` passed in, never hand-maintained.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from facilities import deadlines, lateness
from facilities.lateness import first_unmet_deadline

from .categories import Category
from .contracts import CLOCK_CHOICES, PRIORITY_CHOICES


class FaultStatus(models.TextChoices):
    REPORTED = "reported", "Reported"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ATTENDED = "attended", "Attended"
    MADE_SAFE = "made_safe", "Made safe"
    FIXED = "fixed", "Fixed – awaiting confirmation"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


#: The contractor still has work to do: service-level clocks run.
OPEN_STATUSES = (
    FaultStatus.REPORTED,
    FaultStatus.ACKNOWLEDGED,
    FaultStatus.ATTENDED,
    FaultStatus.MADE_SAFE,
)
OPEN_STATUS_VALUES = [s.value for s in OPEN_STATUSES]


class FaultQuerySet(models.QuerySet):
    """The named slices of faults every page, report and sweep agrees on."""

    def open(self) -> FaultQuerySet:
        return self.filter(status__in=OPEN_STATUS_VALUES)

    def overdue(self, now: datetime) -> FaultQuerySet:
        """Open, not on hold, and past a due time for a step not yet done."""
        return self.filter(lateness.overdue(now))

    def safety_critical(self) -> FaultQuerySet:
        return self.filter(category__safety_critical=True)

    def with_beds_out_of_use(self) -> FaultQuerySet:
        """Beds stay out of use until the fault is fixed."""
        return self.open().filter(beds_out_of_use__gt=0)

    def unrouted(self) -> FaultQuerySet:
        return self.filter(contractor__isnull=True)


class Fault(models.Model):
    premises = models.ForeignKey(
        "facilities.Premises", on_delete=models.PROTECT, related_name="faults"
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="faults")
    priority = models.CharField(max_length=2, choices=PRIORITY_CHOICES)
    location = models.CharField("location in the building", max_length=200)
    description = models.TextField()
    beds_out_of_use = models.PositiveSmallIntegerField(default=0)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="faults_reported",
    )
    reported_at = models.DateTimeField()

    # Routing: empty when no contract covers the premises and category (unrouted).
    contractor = models.ForeignKey(
        "facilities.Contractor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="faults",
    )
    contract = models.ForeignKey(
        "facilities.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="faults",
    )
    #: The contractor's own job number for this fault, so both systems can be reconciled:
    #: set by the contractor (`faults.job_numbers`), unique per contractor, cleared when the
    #: fault goes to another contractor.
    contractor_reference = models.CharField(
        "contractor's job number", max_length=50, blank=True, default=""
    )

    # Life cycle.
    status = models.CharField(
        max_length=20, choices=FaultStatus.choices, default=FaultStatus.REPORTED
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    attended_at = models.DateTimeField(null=True, blank=True)
    made_safe_at = models.DateTimeField(null=True, blank=True)
    fixed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    on_hold_since = models.DateTimeField(null=True, blank=True)
    hold_reason = models.CharField(max_length=250, blank=True)
    paused = models.DurationField(
        default=timedelta(0), help_text="Clock time on hold so far, in the fault's own clock."
    )
    awaiting_parts_since = models.DateTimeField(null=True, blank=True)
    #: The office manager's link to an earlier fault this one repeats (first-time fix).
    repeat_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="repeats"
    )

    # Service level: targets copied at logging (so every due time can be explained).
    clock = models.CharField(max_length=10, choices=CLOCK_CHOICES)
    attend_target_minutes = models.PositiveIntegerField()
    make_safe_target_minutes = models.PositiveIntegerField(null=True, blank=True)
    fix_target_minutes = models.PositiveIntegerField()
    attend_due_at = models.DateTimeField(null=True, blank=True)
    make_safe_due_at = models.DateTimeField(null=True, blank=True)
    fix_due_at = models.DateTimeField(null=True, blank=True)

    # Each step's minutes taken (less time on hold) and minutes on hold, stored when it is done
    # (facilities.deadlines), so reports aggregate them without recomputing clocks.
    attend_taken_minutes = models.FloatField(null=True, blank=True)
    make_safe_taken_minutes = models.FloatField(null=True, blank=True)
    fix_taken_minutes = models.FloatField(null=True, blank=True)
    attend_paused_minutes = models.FloatField(null=True, blank=True)
    make_safe_paused_minutes = models.FloatField(null=True, blank=True)
    fix_paused_minutes = models.FloatField(null=True, blank=True)

    # When the sweep first saw each step overdue (drives escalation, once each).
    attend_breached_at = models.DateTimeField(null=True, blank=True)
    make_safe_breached_at = models.DateTimeField(null=True, blank=True)
    fix_breached_at = models.DateTimeField(null=True, blank=True)
    at_risk_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)

    #: When the sweep should look at this fault again; empty when nothing can fall due.
    next_check_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: When its personal data was removed after the retention period (facilities.retention).
    anonymised_at = models.DateTimeField(null=True, blank=True)

    objects = FaultQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at"]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                condition=Q(next_check_at__isnull=False),
                name="fault_due_for_check",
            ),
            models.Index(
                fields=["fix_due_at"],
                condition=Q(status__in=OPEN_STATUS_VALUES),
                name="fault_open_by_fix_due",
            ),
            models.Index(fields=["premises", "status"], name="fault_premises_status"),
            models.Index(fields=["contractor", "status"], name="fault_contractor_status"),
            models.Index(fields=["reported_at"], name="fault_reported_at"),
            models.Index(fields=["status", "priority"], name="fault_status_priority"),
            # The fault list (facilities.finding.filters): open faults newest first, walked in
            # order until a page is found, whatever the filter; by premises (and category:
            # safety-critical, heating) for office and regional managers; by priority for that
            # sort and filter; the rare slices (beds out of use, unrouted) on their own.
            models.Index(
                fields=["-reported_at", "-id"],
                condition=Q(status__in=OPEN_STATUS_VALUES),
                name="fault_open_newest",
            ),
            models.Index(
                fields=["premises", "category", "-reported_at", "-id"],
                condition=Q(status__in=OPEN_STATUS_VALUES),
                name="fault_open_premises_category",
            ),
            models.Index(
                fields=["priority", "-reported_at", "-id"],
                condition=Q(status__in=OPEN_STATUS_VALUES),
                name="fault_open_priority",
            ),
            models.Index(
                fields=["-reported_at", "-id"],
                condition=Q(status__in=OPEN_STATUS_VALUES, beds_out_of_use__gt=0),
                name="fault_open_beds",
            ),
            models.Index(
                fields=["-reported_at", "-id"],
                condition=Q(status__in=OPEN_STATUS_VALUES, contractor__isnull=True),
                name="fault_open_unrouted",
            ),
            # The list at any status sorted by fix due or by priority.
            models.Index(fields=["fix_due_at", "id"], name="fault_fix_due"),
            models.Index(fields=["priority", "-reported_at", "-id"], name="fault_priority_newest"),
            # A premises' faults of any status, newest first (the list's premises filter).
            models.Index(fields=["premises", "-reported_at"], name="fault_premises_reported"),
            # The home page's "most overdue": open faults not on hold by their earliest
            # unmet deadline (facilities.lateness), read ten at a time.
            models.Index(
                first_unmet_deadline(),
                condition=Q(status__in=OPEN_STATUS_VALUES, on_hold_since__isnull=True),
                name="fault_open_first_deadline",
            ),
            # A premises page's recent history: the most recently closed or cancelled.
            models.Index(
                F("premises"),
                Coalesce("closed_at", "cancelled_at").desc(),
                condition=Q(status__in=["closed", "cancelled"]),
                name="fault_premises_history",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(priority__in=["P1", "P2", "P3", "P4"]), name="fault_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(contract__isnull=True) | Q(contractor__isnull=False),
                name="fault_contract_has_contractor",
            ),
            # One fault per job number at each contractor. The job number leads the index,
            # so it also answers the `contractor_reference=` filter across contractors.
            models.UniqueConstraint(
                fields=["contractor_reference", "contractor"],
                condition=~Q(contractor_reference=""),
                name="fault_contractor_reference_unique",
                violation_error_message="Another fault of this contractor already has this "
                "contractor's job number.",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return reference_for(self.pk) if self.pk else "FLT-(new)"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_unrouted(self) -> bool:
        return self.contractor_id is None

    @property
    def paused_minutes(self) -> float:
        """Clock minutes on hold in holds that have ended (what pending due times include)."""
        return self.paused.total_seconds() / 60

    @property
    def is_on_hold(self) -> bool:
        return self.on_hold_since is not None

    def outcomes(self, now: datetime, holds=None) -> dict[str, deadlines.Outcome]:
        """Each step's outcome at `now` (`facilities.deadlines`, the one definition)."""
        from .holds import intervals

        if holds is None:
            holds = self.holds.all()
        return deadlines.outcomes(self, self.premises.nation, intervals(holds), now)

    def overdue_steps(self, now: datetime) -> list[str]:
        """Steps past their due time now (`deadlines.overdue_steps`, over stored due times)."""
        return [step for step, _due in deadlines.overdue_steps(self, now)]

    def attend_overdue(self, now: datetime) -> bool:
        return "attend" in self.overdue_steps(now)

    def make_safe_overdue(self, now: datetime) -> bool:
        return "make_safe" in self.overdue_steps(now)

    def fix_overdue(self, now: datetime) -> bool:
        return "fix" in self.overdue_steps(now)

    def is_overdue(self, now: datetime) -> bool:
        return bool(self.overdue_steps(now))


def reference_for(pk: int) -> str:
    return f"FLT-{pk:06d}"


def pk_from_reference(text: str) -> int | None:
    """`FLT-000123`, `flt123` or `123` → 123; anything else → None."""
    cleaned = text.strip().upper().removeprefix("FLT").lstrip("-").strip()
    return int(cleaned) if cleaned.isdigit() and len(cleaned) < 12 else None


class EventKind(models.TextChoices):
    LOGGED = "logged", "Logged"
    ROUTED = "routed", "Routed to contractor"
    UNROUTED = "unrouted", "No contract covers this fault"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ATTENDED = "attended", "Attended"
    MADE_SAFE = "made_safe", "Made safe"
    FIXED = "fixed", "Fixed"
    CLOSED = "closed", "Confirmed and closed"
    REOPENED = "reopened", "Reopened"
    CANCELLED = "cancelled", "Cancelled"
    ON_HOLD = "on_hold", "On hold"
    RESUMED = "resumed", "Resumed"
    AWAITING_PARTS = "awaiting_parts", "Awaiting parts"
    PRIORITY_CHANGED = "priority_changed", "Priority changed"
    REASSIGNED = "reassigned", "Reassigned"
    BREACHED = "breached", "Service level breached"
    AT_RISK = "at_risk", "At risk"
    ESCALATED = "escalated", "Escalated"
    COMMENT = "comment", "Comment"
    HOLD_REQUESTED = "hold_requested", "Hold requested (no access)"
    HOLD_APPROVED = "hold_approved", "Hold request approved"
    HOLD_REFUSED = "hold_refused", "Hold request refused"
    DISPUTED = "disputed", "Breach disputed"
    DISPUTE_ACCEPTED = "dispute_accepted", "Dispute accepted: breach waived"
    DISPUTE_REJECTED = "dispute_rejected", "Dispute rejected"
    JOB_NUMBER = "job_number", "Contractor's job number"


class FaultEvent(models.Model):
    """One entry in a fault's timeline: the MoJ's evidence trail, so never changed."""

    fault = models.ForeignKey(Fault, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fault_events",
        help_text="Empty for the system (the sweep).",
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    #: When the row was written, by the database's clock (the API's events feed serves only
    #: rows written a settle delay ago: facilities.api.events).
    recorded_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["fault", "at"], name="event_fault_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {timezone.localtime(self.at):%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise TypeError("Timeline events are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Timeline events are append-only and cannot be deleted.")
