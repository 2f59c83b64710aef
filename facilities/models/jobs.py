"""When each scheduled job last completed: the facts /healthz judges beat and workers by."""

from __future__ import annotations

from django.db import models


class JobRun(models.Model):
    """One row per scheduled task name, updated each time a run of it completes."""

    task = models.CharField(max_length=100, unique=True)
    last_completed_at = models.DateTimeField()
    runs = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "scheduled job run"

    def __str__(self) -> str:
        return f"{self.task} completed {self.last_completed_at:%Y-%m-%d %H:%M:%S}"
