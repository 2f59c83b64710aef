"""First-time fix, counted in one pass: which fixes were followed by a repeat within 30 days.

A fix is "first time" if the fault was never reopened and nothing repeated it within 30 days
after the fix (inclusive) — no later fault, not cancelled, at its premises, of its category
and in the same place in the building (`facilities.locations`), and none the office manager
linked to it as a repeat (`Fault.repeat_of`). That is `drilldown.first_time_fixed`, whose
EXISTS the fault list uses. Asking it once per fixed fault costs a lookup each; a month of a
large estate has tens of thousands of fixes. So the report asks it once for all of them:

- same place: fixes and reports in one list per premises, category and location key, sorted
  latest first, and for each fix the earliest report after it is a running MIN over the rows
  before it (a window frame anchored at the start, so the database keeps one running value,
  not a scan per row);
- linked: the few faults logged with a link, looked up by the fault they name.

Times are compared as the drill-down compares them (`fixed_at + REPEAT_WINDOW` in SQL, not
epoch seconds), so a repeat exactly 30 days after a fix falls the same side for both. The
drill-down test checks that this count and the EXISTS list agree, figure by figure.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import DateTimeField, ExpressionWrapper, F, QuerySet, Value
from django.db.models.functions import Coalesce

from facilities.locations import LocationKey
from facilities.models import Fault, FaultStatus

from . import drilldown

#: (contractor key, region id, priority) → faults fixed first time in the window.
FirstTimeIndex = dict[tuple[int, int, str], int]


def first_time_fixed(faults: QuerySet[Fault], w: drilldown.Window) -> FirstTimeIndex:
    window = drilldown.REPEAT_WINDOW
    # Fixes that can be first time: a reopened fault never is.
    fixes, fix_params = (
        faults.filter(drilldown.fixed(w), reopen_count=0)
        .annotate(
            e_id=F("pk"),
            e_c=Coalesce(F("contractor_id"), Value(0)),
            e_r=F("premises__region_id"),
            e_p=F("priority"),
            e_premises=F("premises_id"),
            e_category=F("category_id"),
            e_place=LocationKey("location"),
            e_t=F("fixed_at"),
            e_until=ExpressionWrapper(F("fixed_at") + window, output_field=DateTimeField()),
        )
        .values(
            "e_id", "e_c", "e_r", "e_p", "e_premises", "e_category", "e_place", "e_t", "e_until"
        )
        .order_by()
        .query.sql_with_params()
    )
    # Every fault logged where a repeat could be: of any contractor, not cancelled.
    later = Fault.objects.filter(reported_at__gte=w.start, reported_at__lt=w.end + window).exclude(
        status=FaultStatus.CANCELLED
    )
    reports, report_params = (
        later.annotate(
            e_premises=F("premises_id"),
            e_category=F("category_id"),
            e_place=LocationKey("location"),
            e_t=F("reported_at"),
        )
        .values("e_premises", "e_category", "e_place", "e_t")
        .order_by()
        .query.sql_with_params()
    )
    linked, linked_params = (
        later.filter(repeat_of__isnull=False)
        .annotate(l_of=F("repeat_of_id"), l_t=F("reported_at"))
        .values("l_of", "l_t")
        .order_by()
        .query.sql_with_params()
    )
    sql = f"""
        WITH events AS (
               SELECT e_id, e_c, e_r, e_p, e_premises, e_category, e_place, e_t, e_until,
                      0 AS is_report
                 FROM ({fixes}) AS fixes
               UNION ALL
               SELECT NULL, NULL, NULL, NULL, e_premises, e_category, e_place, e_t, NULL, 1
                 FROM ({reports}) AS reports),
             ordered AS (
               SELECT events.*,
                      MIN(CASE WHEN is_report = 1 THEN e_t END) OVER (
                        PARTITION BY e_premises, e_category, e_place
                        ORDER BY e_t DESC, is_report
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS next_report
                 FROM events),
             linked AS (SELECT l_of, l_t FROM ({linked}) AS linked)
        SELECT e_c, e_r, e_p, COUNT(*) FROM ordered
         WHERE is_report = 0
           AND (next_report IS NULL OR next_report > e_until)
           AND NOT EXISTS (SELECT 1 FROM linked
                            WHERE l_of = e_id AND l_t > e_t AND l_t <= e_until)
         GROUP BY e_c, e_r, e_p
    """  # noqa: S608  # nosec B608 # constants and Django-compiled SQL; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [*fix_params, *report_params, *linked_params])
        return {(c, r, p): n for c, r, p, n in cursor.fetchall()}
