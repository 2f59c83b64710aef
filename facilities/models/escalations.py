"""Escalations: a fault raised to a level of the ladder, at most once per level."""

from django.conf import settings
from django.db import models
from django.db.models import Q

ESCALATION_LEVELS = (1, 2, 3, 4)


class Escalation(models.Model):
    fault = models.ForeignKey(
        "facilities.Fault", on_delete=models.PROTECT, related_name="escalations"
    )
    level = models.PositiveSmallIntegerField()
    reason = models.TextField()
    automatic = models.BooleanField(default=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalations_raised",
    )
    raised_at = models.DateTimeField()

    class Meta:
        ordering = ["fault", "level"]
        constraints = [
            models.UniqueConstraint(fields=["fault", "level"], name="one_escalation_per_level"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=4), name="escalation_level_1_to_4"
            ),
        ]
        indexes = [models.Index(fields=["raised_at"], name="escalation_raised_at")]

    def __str__(self) -> str:
        return f"{self.fault} level {self.level}"
