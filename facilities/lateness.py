"""The database twin of `facilities.deadlines`: lateness as query expressions.

The life cycle stores, for every step, the due time `deadlines` gives it (frozen when the
step is done, moved only by holds and by new targets for steps still to do) and the time it
was done. So in the database a step is late exactly when its done time is after its stored
due time, and overdue when it is not done, the fault is open and not on hold, and its due time
has passed. These are the only query expressions that say so; the fault list, dashboard,
sweep and reports use them, and `tests/faults/test_lateness.py` checks them against
`deadlines.outcomes` over thousands of generated faults.

No model imports here: the model's Meta uses `first_unmet_deadline` for an index.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.db.models.functions import Coalesce, Least

#: Later than any due time: "no deadline unmet" (SQLite's MIN() would return NULL for NULL).
NEVER = datetime(9999, 12, 31, tzinfo=UTC)

#: The column a step's done time is read from (a fix also makes safe).
DONE = {
    "attend": F("attended_at"),
    "make_safe": Coalesce("made_safe_at", "fixed_at"),
    "fix": F("fixed_at"),
}
_NOT_DONE = {
    "attend": Q(attended_at__isnull=True),
    "make_safe": Q(made_safe_at__isnull=True, fixed_at__isnull=True),
    "fix": Q(fixed_at__isnull=True),
}
OPEN_STATUS_VALUES = ["reported", "acknowledged", "attended", "made_safe"]


def not_done(step: str) -> Q:
    return _NOT_DONE[step]


def done(step: str) -> Q:
    return ~_NOT_DONE[step]


def late(step: str) -> Q:
    """The step was done after its due time (a breach)."""
    return (
        Q(**{f"{step}_due_at__isnull": False})
        & Q(**{f"{step}_due_at__lt": DONE[step]})
        & done(step)
    )


def on_time(step: str) -> Q:
    return (
        Q(**{f"{step}_due_at__isnull": False})
        & Q(**{f"{step}_due_at__gte": DONE[step]})
        & done(step)
    )


def unmet_by(step: str, instant) -> Q:
    """Still to do at `instant` and due before it (open and hold are for the caller)."""
    return not_done(step) & Q(**{f"{step}_due_at__lt": instant})


def overdue_steps(now: datetime) -> Q:
    """Some step not done is past its due time (the fault's status is for the caller)."""
    return unmet_by("attend", now) | unmet_by("make_safe", now) | unmet_by("fix", now)


def overdue(now: datetime) -> Q:
    """Open, not on hold, and past a due time for a step not yet done."""
    return Q(status__in=OPEN_STATUS_VALUES, on_hold_since__isnull=True) & overdue_steps(now)


def _not_before(field: str, instant) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": instant})


def overdue_as_of(instant: datetime) -> Q:
    """A step not done by `instant` was past its due time then, and no hold was running.

    For a past instant (a report's period end); whether the fault was open then is for the
    caller. With `instant` now and an open fault this is `overdue(now)`.
    """
    return _not_before("on_hold_since", instant) & (
        (Q(attend_due_at__lt=instant) & _not_before("attended_at", instant))
        | (Q(make_safe_due_at__lt=instant) & _not_before("made_safe_at", instant))
        | Q(fix_due_at__lt=instant)
    )


def _unmet(not_done: Q, due: str) -> Case:
    never = Value(NEVER, output_field=DateTimeField())
    return Case(
        When(not_done, then=Coalesce(F(due), never)),
        default=never,
        output_field=DateTimeField(),
    )


def first_unmet_deadline() -> Least:
    """The earliest due time of a step not yet done, independent of `now` so it can be indexed.

    An open fault not on hold is overdue exactly when this moment is past, and "the ten most
    overdue" reads ten entries of the index on it (`Fault.Meta`: fault_open_first_deadline).
    """
    return Least(
        *(_unmet(not_done(step), f"{step}_due_at") for step in ("attend", "make_safe", "fix")),
        output_field=DateTimeField(),
    )
