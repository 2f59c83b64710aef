"""Finding faults: selectors for the fault list, its CSV download and the premises page.

They take faults already narrowed by `facilities.finding.filters.FaultFilter` (which starts
from the user's scope) or by `facilities.access`, and return plain data for the pages:

- `fault_page` reads one page of the list without counting every matching row: it fetches
  one row more than a page, which is enough to know whether there is a next page;
- `lateness` says how late an open fault is, or that it is at risk, in words;
- `csv_rows` streams the same faults as rows for a spreadsheet, guarded against formulas;
- `premises_overview` gathers a premises page: open faults, beds out of use, history.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

from django.core.paginator import Paginator
from django.db.models import QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from facilities import ladder
from facilities.access import faults_visible_to
from facilities.finding.dashboard import late_fault
from facilities.models import Fault, FaultStatus, Premises, User
from facilities.spreadsheets import safe_text
from facilities.timewords import LONDON, MONTHS_SHORT, describe_lateness

PAGE_SIZE = 50
PREMISES_OPEN_LIMIT = 50
PREMISES_HISTORY = 20
HISTORY_STATUSES = [FaultStatus.CLOSED.value, FaultStatus.CANCELLED.value]
CLOSED_OR_CANCELLED_AT = Coalesce("closed_at", "cancelled_at")

# --- How late ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lateness:
    """An open fault past a deadline (red), or past 75% of its fix window (orange)."""

    words: str
    overdue: bool

    @property
    def colour(self) -> str:
        return "red" if self.overdue else "orange"


def lateness(fault: Fault, now: datetime) -> Lateness | None:
    """How late an open, running fault is: "Fix overdue by 3 days 4 hours", or at risk.

    Overdue uses the same tests as `FaultQuerySet.overdue` (via `dashboard.late_fault`);
    "at risk" the same moment the sweep warns at (`ladder.at_risk_time`: 75% of the fix
    window in the fault's own clock). Faults on hold or no longer open are neither.
    """
    if not fault.is_open or fault.is_on_hold:
        return None
    late = late_fault(fault, now)
    if late is not None:
        return Lateness(words=late.summary, overdue=True)
    if fault.fixed_at is None and fault.fix_due_at is not None:
        warn_at = ladder.at_risk_time(fault, fault.premises.nation, fault.paused_minutes)
        if warn_at <= now:
            left = describe_lateness(max(fault.fix_due_at - now, timedelta(0)))
            return Lateness(words=f"At risk: fix due in {left}", overdue=False)
    return None


@dataclass(frozen=True)
class LondonTime:
    """A moment as shown in a table, in Europe/London: "4 Mar 2025" and "10:00"."""

    day: str
    clock: str


def london_time(value: datetime | None) -> LondonTime | None:
    """Formatted once here: the template `date` filter costs ~50 µs a call, 200 a page."""
    if value is None:
        return None
    local = timezone.localtime(value, LONDON)
    return LondonTime(f"{local.day} {MONTHS_SHORT[local.month - 1]} {local.year}", f"{local:%H:%M}")


@dataclass(frozen=True)
class FaultRow:
    """A fault as a row of a table: the fault, how late it is, its times in London."""

    fault: Fault
    lateness: Lateness | None
    reported: LondonTime
    fix_due: LondonTime | None


def rows_for(faults: list[Fault], now: datetime) -> list[FaultRow]:
    return [
        FaultRow(
            fault,
            lateness(fault, now),
            london_time(fault.reported_at),
            london_time(fault.fix_due_at),
        )
        for fault in faults
    ]


# --- One page of the list ---------------------------------------------------------------------


@dataclass
class FaultPage:
    """One page of faults found without counting them all.

    Shaped like a Django `Page` as far as `components/pagination.html` needs (numbers,
    next/previous, `paginator.ELLIPSIS`), with the page range given by `page_range`.
    """

    rows: list[FaultRow]
    number: int
    per_page: int
    more: bool  # there is at least one more matching fault after this page
    paginator: SimpleNamespace = field(
        default_factory=lambda: SimpleNamespace(ELLIPSIS=Paginator.ELLIPSIS)
    )

    def has_next(self) -> bool:
        return self.more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def start_index(self) -> int:
        """The 1-based number of the first fault on this page (0 when the page is empty)."""
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.rows)

    @property
    def page_range(self) -> list[int | str]:
        """The first page, the pages either side of this one and the gap between.

        The last page is unknown (nothing counts the rows), so no number is shown beyond
        the next page; "Next" carries on from there.
        """
        numbers = sorted(
            {1, self.number - 1, self.number} | ({self.number + 1} if self.more else set())
        )
        shown: list[int | str] = []
        for number in (n for n in numbers if n >= 1):
            if shown and number - shown[-1] > 1:
                shown.append(Paginator.ELLIPSIS)
            shown.append(number)
        return shown


def page_number(raw: str | None) -> int:
    """The `page` query parameter as a page number; anything odd is the first page."""
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return max(number, 1)


#: What a list row shows and what its lateness reads (`deadlines.overdue_steps`,
#: `ladder.at_risk_time`): a third of a fault's columns, and not its long texts. Anything
#: else would cost a query per row (tests/web/test_fault_list.py counts them).
ROW_COLUMNS = (
    *("premises_id", "category_id", "contractor_id", "priority", "status", "reported_at"),
    *("on_hold_since", "paused", "clock", "fix_target_minutes"),
    *("attended_at", "made_safe_at", "fixed_at", "attend_due_at", "make_safe_due_at"),
    "fix_due_at",
    *("premises__name", "premises__nation", "category__name", "contractor__name"),
)


def fault_page(
    faults: QuerySet[Fault], number: int, now: datetime, per_page: int = PAGE_SIZE
) -> FaultPage:
    """One page of already filtered and ordered faults, in one query whatever the page size."""
    offset = (number - 1) * per_page
    found = list(
        faults.select_related("premises", "category", "contractor").only(*ROW_COLUMNS)[
            offset : offset + per_page + 1
        ]
    )
    return FaultPage(
        rows=rows_for(found[:per_page], now),
        number=number,
        per_page=per_page,
        more=len(found) > per_page,
    )


# --- CSV ---------------------------------------------------------------------------------------

CSV_HEADER = [
    "Reference",
    "Premises",
    "Region",
    "Category",
    "Priority",
    "Status",
    "Contractor",
    "Location",
    "Description",
    "Reported at",
    "Attend due",
    "Attended at",
    "Fix due",
    "Fixed at",
    "Overdue",
    "How late",
    "Beds out of use",
    "Escalation level",
]
CSV_CHUNK = 2000


def _london(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def csv_rows(faults: QuerySet[Fault], now: datetime) -> Iterator[list[object]]:
    """The header, then one row per fault, read in chunks so memory stays flat."""
    yield CSV_HEADER
    chosen = faults.select_related("premises__region", "category", "contractor")
    for fault in chosen.iterator(chunk_size=CSV_CHUNK):
        late = late_fault(fault, now) if fault.is_open and not fault.is_on_hold else None
        row = [
            fault.reference,
            fault.premises.name,
            fault.premises.region.name,
            fault.category.name,
            fault.priority,
            fault.get_status_display(),
            fault.contractor.name if fault.contractor else "Unrouted",
            fault.location,
            fault.description,
            _london(fault.reported_at),
            _london(fault.attend_due_at),
            _london(fault.attended_at),
            _london(fault.fix_due_at),
            _london(fault.fixed_at),
            "yes" if late else "no",
            late.summary if late else "",
            fault.beds_out_of_use,
            fault.escalation_level,
        ]
        yield [safe_text(value) for value in row]


# --- A premises page --------------------------------------------------------------------------


@dataclass(frozen=True)
class PremisesOverview:
    premises: Premises
    open_rows: list[FaultRow]
    more_open: bool  # more open faults than shown: the fault list has them all
    beds_out_of_use: int
    awaiting_confirmation: list[Fault]
    history: list[Fault]

    @property
    def beds_in_use(self) -> int | None:
        if not self.premises.is_approved_premises:
            return None
        return max(self.premises.bed_capacity - self.beds_out_of_use, 0)


def premises_overview(premises: Premises, user: User, now: datetime) -> PremisesOverview:
    """A premises' open faults (with how late), beds out of use now and recent history.

    Only faults in the user's scope: a contractor sees its own jobs at the premises.
    """
    faults = faults_visible_to(user).filter(premises=premises)
    open_faults = list(
        faults.open()
        .select_related("premises", "category", "contractor")
        .order_by("-reported_at", "-pk")[: PREMISES_OPEN_LIMIT + 1]
    )
    shown = open_faults[:PREMISES_OPEN_LIMIT]
    if len(open_faults) > PREMISES_OPEN_LIMIT:
        beds = faults.with_beds_out_of_use().aggregate(total=Sum("beds_out_of_use", default=0))[
            "total"
        ]
    else:
        beds = sum(fault.beds_out_of_use for fault in shown)
    fixed = list(
        faults.filter(status=FaultStatus.FIXED)
        .select_related("category", "contractor")
        .order_by("-fixed_at", "-pk")[:PREMISES_OPEN_LIMIT]
    )
    # A closed fault has closed_at, a cancelled one cancelled_at: the index
    # `fault_premises_history` is on exactly this expression.
    history = list(
        faults.filter(status__in=HISTORY_STATUSES)
        .select_related("category", "contractor")
        .order_by(CLOSED_OR_CANCELLED_AT.desc(), "-pk")[:PREMISES_HISTORY]
    )
    return PremisesOverview(
        premises=premises,
        open_rows=rows_for(shown, now),
        more_open=len(open_faults) > PREMISES_OPEN_LIMIT,
        beds_out_of_use=beds,
        awaiting_confirmation=fixed,
        history=history,
    )
