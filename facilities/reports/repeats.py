"""First-time fix, counted in one pass: which fixes were followed by a repeat within 30 days.

A fix is "first time" if the fault was never reopened and no other fault of its category was
logged at its premises within 30 days after the fix (`drilldown.first_time_fixed`, whose
EXISTS the fault list uses). Asking that question once per fixed fault costs a lookup each; a
month of a large estate has tens of thousands of fixes. So the report asks it once for all of
them: fixes and reports, in one list per premises and category sorted latest first, and for
each fix the earliest report after it is a running MIN over the rows before it (a window
frame anchored at the start, so the database keeps one running value, not a scan per row).
The drill-down test checks that this count and the EXISTS list agree, figure by figure.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce

from facilities.models import Fault, FaultStatus

from . import drilldown
from .clocksql import Epoch

#: (contractor key, region id, priority) → faults fixed first time in the window.
FirstTimeIndex = dict[tuple[int, int, str], int]


def first_time_fixed(faults: QuerySet[Fault], w: drilldown.Window) -> FirstTimeIndex:
    fixes, fix_params = (
        faults.filter(drilldown.fixed(w))
        .annotate(
            e_c=Coalesce(F("contractor_id"), Value(0)),
            e_r=F("premises__region_id"),
            e_p=F("priority"),
            e_reopened=F("reopen_count"),
            e_premises=F("premises_id"),
            e_category=F("category_id"),
            e_t=Epoch("fixed_at"),
        )
        .values("e_c", "e_r", "e_p", "e_reopened", "e_premises", "e_category", "e_t")
        .order_by()
        .query.sql_with_params()
    )
    # Every fault logged where a repeat could be: of any contractor, not cancelled.
    reports, report_params = (
        Fault.objects.filter(
            reported_at__gte=w.start, reported_at__lt=w.end + drilldown.REPEAT_WINDOW
        )
        .exclude(status=FaultStatus.CANCELLED)
        .annotate(
            e_premises=F("premises_id"), e_category=F("category_id"), e_t=Epoch("reported_at")
        )
        .values("e_premises", "e_category", "e_t")
        .order_by()
        .query.sql_with_params()
    )
    window = drilldown.REPEAT_WINDOW.total_seconds()
    sql = f"""
        WITH events AS (
               SELECT e_c, e_r, e_p, e_reopened, e_premises, e_category, e_t, 0 AS is_report
                 FROM ({fixes}) AS fixes
               UNION ALL
               SELECT NULL, NULL, NULL, NULL, e_premises, e_category, e_t, 1
                 FROM ({reports}) AS reports),
             ordered AS (
               SELECT events.*,
                      MIN(CASE WHEN is_report = 1 THEN e_t END) OVER (
                        PARTITION BY e_premises, e_category ORDER BY e_t DESC, is_report
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS next_report
                 FROM events)
        SELECT e_c, e_r, e_p, COUNT(*) FROM ordered
         WHERE is_report = 0 AND e_reopened = 0
           AND (next_report IS NULL OR next_report > e_t + {window})
         GROUP BY e_c, e_r, e_p
    """  # noqa: S608 -- constants and Django-compiled SQL; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [*fix_params, *report_params])
        return {(c, r, p): n for c, r, p, n in cursor.fetchall()}
