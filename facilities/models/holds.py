"""Holds: the intervals in which a fault's service-level clock stands still.

Only causes on the premises' side stop the clock ("awaiting access"). An office manager or
contract manager puts a fault on hold directly; a contractor who cannot get in *requests* a
hold, which stops the clock from the time of the request only once the premises side approves
it. A refused request is kept as evidence and stops nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from facilities.deadlines import Interval


class HoldStatus(models.TextChoices):
    REQUESTED = "requested", "Requested by the contractor"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class FaultHold(models.Model):
    fault = models.ForeignKey("facilities.Fault", on_delete=models.PROTECT, related_name="holds")
    status = models.CharField(max_length=10, choices=HoldStatus.choices)
    #: When the clock stops (the request's time, for an approved contractor request).
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=250)
    note = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="holds_requested",
    )
    by_contractor = models.BooleanField(default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="holds_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            # One live hold or request per fault at a time.
            models.UniqueConstraint(
                fields=["fault"],
                condition=Q(ended_at__isnull=True, status__in=["requested", "approved"]),
                name="one_live_hold_per_fault",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="hold_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} hold from {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def interval(self) -> Interval:
        return Interval(self.started_at, self.ended_at)


def intervals(holds) -> list[Interval]:
    """The approved holds of a fault as clock intervals (requests and refusals stop nothing)."""
    return [h.interval for h in holds if h.status == HoldStatus.APPROVED]
