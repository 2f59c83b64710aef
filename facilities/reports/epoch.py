"""Seconds since 1970 of a datetime, in SQL, for durations the report adds up in the database.

Service-level clock time (working hours, bank holidays) is not evaluated in SQL: the life
cycle stores each step's minutes taken when it is done (`facilities.deadlines`).
Plain elapsed time — beds out of use, days without heating, gaps between faults — is a
difference of epoch seconds.
"""

from __future__ import annotations

from django.db.models import FloatField, Func


class Epoch(Func):
    """Seconds since 1970 (UTC) of a datetime expression, as a float."""

    output_field = FloatField()
    arity = 1

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="date_part('epoch', %(expressions)s)",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores datetimes on SQLite as UTC text, which julianday() reads.
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
            **extra,
        )
