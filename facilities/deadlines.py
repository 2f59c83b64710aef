"""A fault's earliest deadline not yet met, as one database expression.

An open fault not on hold is overdue exactly when this moment is past (the same three tests
as `facilities.models.faults.overdue_q`: attendance not done, making safe not done and not
fixed, fix not done), and the longest overdue is the one whose earliest unmet deadline is
earliest. The expression does not depend on `now`, so it can be indexed
(`Fault.Meta.indexes`: `fault_open_first_deadline`): "the ten most overdue" then reads ten
index entries instead of every open fault. No model imports here: the model's Meta uses it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.db.models.functions import Coalesce, Least

#: Later than any due time: "no deadline unmet" (SQLite's MIN() would return NULL for NULL).
NEVER = datetime(9999, 12, 31, tzinfo=UTC)


def _unmet(not_done: Q, due: str) -> Case:
    never = Value(NEVER, output_field=DateTimeField())
    return Case(
        When(not_done, then=Coalesce(F(due), never)),
        default=never,
        output_field=DateTimeField(),
    )


def first_unmet_deadline() -> Least:
    return Least(
        _unmet(Q(attended_at__isnull=True), "attend_due_at"),
        _unmet(Q(made_safe_at__isnull=True, fixed_at__isnull=True), "make_safe_due_at"),
        _unmet(Q(fixed_at__isnull=True), "fix_due_at"),
        output_field=DateTimeField(),
    )
