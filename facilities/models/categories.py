"""Categories of fault: the kind of fault, its default priority, and where it applies."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from .contracts import PRIORITY_CHOICES

#: Which kinds of premises (`PremisesKind` values) a category applies to, by its field.
KIND_FIELDS = {"office": "for_offices", "approved_premises": "for_approved_premises"}


class CategoryQuerySet(models.QuerySet):
    def for_kinds(self, kinds) -> CategoryQuerySet:
        """Categories that apply to at least one of these kinds of premises."""
        query = Q(pk__in=[])
        for kind in kinds:
            query |= Q(**{KIND_FIELDS[kind]: True})
        return self.filter(query)


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    default_priority = models.CharField(max_length=2, choices=PRIORITY_CHOICES)
    safety_critical = models.BooleanField(
        default=False, help_text="Logged at P1; only a contract manager can lower it."
    )
    is_heating = models.BooleanField(
        default=False, help_text="Open faults here count as premises without heating."
    )
    description = models.CharField(max_length=250, blank=True)
    is_active = models.BooleanField(default=True)
    # Which kinds of premises it can be logged at ("Approved premises beds": not offices).
    for_offices = models.BooleanField(
        "probation offices", default=True, help_text="Can be logged at probation offices."
    )
    for_approved_premises = models.BooleanField(
        "approved premises", default=True, help_text="Can be logged at approved premises."
    )

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"
        constraints = [
            models.CheckConstraint(
                condition=Q(for_offices=True) | Q(for_approved_premises=True),
                name="category_applies_somewhere",
                violation_error_message="A category must apply to offices, approved premises "
                "or both.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def applies_to(self, kind: str) -> bool:
        """Whether faults of this kind can be logged at premises of this kind."""
        return bool(getattr(self, KIND_FIELDS[kind]))

    @property
    def kinds_words(self) -> str:
        """ "Approved premises only", "Probation offices only" or "" (every premises)."""
        if self.for_offices and self.for_approved_premises:
            return ""
        return "Probation offices only" if self.for_offices else "Approved premises only"
