"""Regions and premises: where faults happen, and which bank holidays apply there."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from facilities.sla import Nation


class Region(models.Model):
    name = models.CharField(max_length=100, unique=True)
    code = models.SlugField(max_length=20, unique=True)
    on_call_phone = models.CharField(
        "on-call mobile number",
        max_length=20,
        blank=True,
        validators=[
            RegexValidator(
                r"^\+?[0-9][0-9 ]{9,18}$",
                "Enter a mobile number, like 07700 900 982 or +44 7700 900 982.",
            )
        ],
        help_text="P1 escalations are also sent here by text message when GOV.UK Notify is on.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PremisesKind(models.TextChoices):
    OFFICE = "office", "Probation office"
    APPROVED_PREMISES = "approved_premises", "Approved premises"


class Premises(models.Model):
    name = models.CharField(max_length=150)
    code = models.SlugField(max_length=30, unique=True)
    kind = models.CharField(max_length=20, choices=PremisesKind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="premises")
    nation = models.CharField(
        max_length=20,
        choices=[(n.value, n.value.replace("_", " ").title()) for n in Nation],
        default=Nation.ENGLAND.value,
        help_text="Decides which bank holidays the working-hours clock skips.",
    )
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    bed_capacity = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Approved premises only."
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "premises"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="office", bed_capacity__isnull=True)
                | Q(kind="approved_premises", bed_capacity__gt=0),
                name="premises_beds_only_at_approved_premises",
                violation_error_message="Approved premises need a bed capacity; offices have none.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_approved_premises(self) -> bool:
        return self.kind == PremisesKind.APPROVED_PREMISES
