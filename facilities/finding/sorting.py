"""The fault list's sort orders, each backed by an index."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, OrderBy

#: `status` values beyond the single statuses.
# --- Sort orders ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SortOrder:
    """One server-side order of the list; `column` is the table column it sorts."""

    value: str
    label: str
    column: str
    aria_sort: str  # "ascending" or "descending", for the column header
    order_by: tuple[str | OrderBy, ...]


SORT_ORDERS = {
    order.value: order
    for order in (
        SortOrder(
            "newest", "Reported, newest first", "reported", "descending", ("-reported_at", "-pk")
        ),
        SortOrder(
            "oldest", "Reported, oldest first", "reported", "ascending", ("reported_at", "pk")
        ),
        SortOrder(
            "fix_due",
            "Fix due, soonest first",
            "fix_due",
            "ascending",
            (F("fix_due_at").asc(nulls_last=True), "pk"),
        ),
        SortOrder(
            "fix_due_latest",
            "Fix due, latest first",
            "fix_due",
            "descending",
            (F("fix_due_at").desc(nulls_first=True), "-pk"),
        ),
        SortOrder(
            "priority",
            "Priority, highest first",
            "priority",
            "ascending",
            ("priority", "-reported_at", "-pk"),
        ),
        SortOrder(
            "priority_lowest",
            "Priority, lowest first",
            "priority",
            "descending",
            ("-priority", "reported_at", "pk"),
        ),
    )
}
DEFAULT_SORT = "newest"
#: Each column's first click, then its reverse (the whole order reversed, so each order is
#: one index read forwards or backwards).
SORT_PAIRS = {
    "reported": ("newest", "oldest"),
    "fix_due": ("fix_due", "fix_due_latest"),
    "priority": ("priority", "priority_lowest"),
}
