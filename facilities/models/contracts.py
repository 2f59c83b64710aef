"""Contractors, their contracts, and the service levels those contracts promise."""

from decimal import Decimal

from django.db import models
from django.db.models import Q

from facilities.sla import DEFAULT_TARGETS, Clock, Priority, Targets

PRIORITY_CHOICES = [
    ("P1", "P1 emergency"),
    ("P2", "P2 urgent"),
    ("P3", "P3 routine"),
    ("P4", "P4 planned"),
]
CLOCK_CHOICES = [(Clock.CALENDAR.value, "Calendar hours"), (Clock.WORKING.value, "Working hours")]


class Contractor(models.Model):
    name = models.CharField(max_length=150, unique=True)
    helpdesk_email = models.EmailField()
    helpdesk_phone = models.CharField(max_length=30, blank=True)
    account_manager_name = models.CharField(max_length=150, blank=True)
    account_manager_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contract(models.Model):
    """What a contractor has agreed to cover: premises and/or whole regions, and categories."""

    contractor = models.ForeignKey(Contractor, on_delete=models.PROTECT, related_name="contracts")
    reference = models.CharField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    regions = models.ManyToManyField("facilities.Region", blank=True, related_name="contracts")
    premises = models.ManyToManyField("facilities.Premises", blank=True, related_name="contracts")
    categories = models.ManyToManyField(
        "facilities.Category",
        blank=True,
        related_name="contracts",
        help_text="Leave empty to cover every category.",
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Inclusive; empty if open-ended.")
    pounds_per_point = models.DecimalField(
        "£ per service-credit point",
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
    )

    class Meta:
        ordering = ["contractor__name", "reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="contract_valid_to_after_from",
                violation_error_message="A contract cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} – {self.contractor}"

    def targets_for(self, priority: str) -> Targets:
        """The contract's own service level for a priority, else the national default."""
        for level in self.service_levels.all():
            if level.priority == priority:
                return level.targets
        return DEFAULT_TARGETS[Priority(priority)]


class ServiceLevel(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="service_levels")
    priority = models.CharField(max_length=2, choices=PRIORITY_CHOICES)
    attend_minutes = models.PositiveIntegerField()
    make_safe_minutes = models.PositiveIntegerField(null=True, blank=True)
    fix_minutes = models.PositiveIntegerField()
    clock = models.CharField(max_length=10, choices=CLOCK_CHOICES)

    class Meta:
        ordering = ["contract", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "priority"], name="one_service_level_per_priority"
            ),
            models.CheckConstraint(
                condition=Q(fix_minutes__gte=models.F("attend_minutes")),
                name="service_level_fix_not_before_attend",
                violation_error_message="The fix target cannot be shorter than the attend target.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference} {self.priority}"

    @property
    def targets(self) -> Targets:
        return Targets(
            attend_minutes=self.attend_minutes,
            make_safe_minutes=self.make_safe_minutes,
            fix_minutes=self.fix_minutes,
            clock=Clock(self.clock),
        )
