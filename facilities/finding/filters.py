"""Which faults: the one definition of the fault list's filters.

The list page, its CSV download, the REST API and report drill-downs all narrow faults with
`FaultFilter`, so a link from any of them means the same faults everywhere. A FaultFilter
always starts from the user's scope (`facilities.access.fault_scope`, the rule that
`faults_visible_to` applies, a regional contract manager's as the premises of their regions
named; a queryset passed in is narrowed to it too): no filter value,
however crafted, reaches a fault outside it, and the choices offered are only the premises,
regions and contractors the user may see. A value that is not one of those choices matches
nothing (the form says why), rather than being silently ignored.

Without a status the list shows open faults (`status=open`, every open status); `status=all`
shows every status, and so does a search by reference, whatever the status filter says (a
closed fault is still found by its reference). The choices are read once, as plain lists,
so validating and rendering them costs no further queries.

The named slices below (`overdue`, `safety_critical`, `beds_out_of_use`, `open_over_24h`,
`without_heating`) are the conditions the home page counts with, so each number there links
to exactly the faults it counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import django_filters
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from facilities import access
from facilities.access import fault_scope, premises_visible_to
from facilities.models import Category, Fault, FaultStatus, Premises
from facilities.models.contracts import PRIORITY_CHOICES
from facilities.models.faults import (
    OPEN_STATUS_VALUES,
    FaultQuerySet,
    pk_from_reference,
)
from facilities.reports.drilldown import ReportFilter

from .slices import (
    OPEN_ONLY,
    beds_out_of_use,
    is_open,
    open_over_24h,
    overdue,
    safety_critical,
    scope_is_the_premises_seen,
    without_heating,
)
from .sorting import DEFAULT_SORT, SORT_ORDERS, SortOrder

#: `status` values beyond the single statuses.
OPEN = "open"
ALL = "all"
#: `contractor` value for faults no contract covers.
UNROUTED = "unrouted"
#: A search looks for at most this many words (each must appear somewhere).
MAX_SEARCH_WORDS = 5
#: The longest contractor's job number (`Fault.contractor_reference`).
JOB_NUMBER_MAX = Fault._meta.get_field("contractor_reference").max_length

STATUS_CHOICES = [(OPEN, "Open (not yet fixed)"), (ALL, "All statuses"), *FaultStatus.choices]


def _choice_error(what: str) -> dict[str, str]:
    return {"invalid_choice": f"Choose {what} from the list"}


class OnlyCheckbox(forms.CheckboxInput):
    """A ticked box sends "1" (or "on"); "0", "false", "no", "off" or nothing mean unticked,
    so API callers and hand-written links can say either."""

    NO = frozenset({"", "0", "false", "no", "off"})

    def value_from_datadict(self, data, files, name) -> bool:
        value = data.get(name)
        if isinstance(value, str):
            return value.strip().lower() not in self.NO
        return bool(value)


class OnlyFilter(django_filters.BooleanFilter):
    """A "show only" checkbox: ticked narrows the list to a slice; unticked leaves it alone."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", OnlyCheckbox)
        super().__init__(**kwargs)


class PremisesChoice(NamedTuple):
    """A premises the user may see, as the filters need it (no model instance to build)."""

    pk: int
    name: str
    region_id: int
    region_name: str


def _job_number_searched(data: QueryDict | dict | None, faults: QuerySet[Fault]) -> str:
    """The search text if it is exactly the contractor's job number of one of these faults
    (not a fault reference, which wins), else ""."""
    text = ((data or {}).get("q") or "").strip()
    if (
        not text
        or len(text) > JOB_NUMBER_MAX
        or not text.isprintable()  # as every job number is (and no NUL reaches the database)
        or pk_from_reference(text) is not None
    ):
        return ""
    return text if faults.filter(contractor_reference=text).exists() else ""


class FaultFilter(django_filters.FilterSet):
    """Filters for faults in the user's scope; see the module docstring."""

    q = django_filters.CharFilter(
        method="search",
        label="Search",
        help_text="A reference such as FLT-000123, the contractor's job number, or words "
        "from the description, location or premises name",
        max_length=200,
    )
    contractor_reference = django_filters.CharFilter(
        field_name="contractor_reference",
        label="Contractor's job number",
        help_text="Exactly as the contractor gave it",
        max_length=50,
    )
    premises = django_filters.ChoiceFilter(
        field_name="premises_id",
        label="Premises",
        empty_label="All premises",
        error_messages=_choice_error("a premises"),
    )
    region = django_filters.ChoiceFilter(
        method="in_region",
        label="Region",
        empty_label="All regions",
        error_messages=_choice_error("a region"),
    )
    category = django_filters.ChoiceFilter(
        field_name="category_id",
        label="Category",
        empty_label="All categories",
        error_messages=_choice_error("a category"),
    )
    priority = django_filters.MultipleChoiceFilter(
        choices=PRIORITY_CHOICES,
        label="Priority",
        widget=forms.CheckboxSelectMultiple,
        distinct=False,  # a fault has one priority: no DISTINCT over the whole row
        error_messages={"invalid_choice": "Choose priorities from P1 to P4"},
    )
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES,
        method="only_status",
        label="Status",
        empty_label=None,
        error_messages=_choice_error("a status"),
    )
    contractor = django_filters.ChoiceFilter(
        field_name="contractor_id",
        label="Contractor",
        empty_label="All contractors",
        null_label="Unrouted (no contractor)",
        null_value=UNROUTED,
        error_messages=_choice_error("a contractor"),
    )
    overdue = OnlyFilter(method="only_overdue", label="Overdue")
    safety_critical = OnlyFilter(method="only_safety_critical", label="Safety-critical")
    open_over_24h = OnlyFilter(
        method="only_open_over_24h", label="Safety-critical, open longer than 24 hours"
    )
    beds = OnlyFilter(method="only_beds", label="Beds out of use")
    without_heating = OnlyFilter(method="only_without_heating", label="Heating faults (open)")
    # The faults behind one report figure (`report=<measure>.<period>`): see reports.drilldown.
    report = ReportFilter()
    sort = django_filters.ChoiceFilter(
        choices=[(order.value, order.label) for order in SORT_ORDERS.values()],
        method="sort_by",
        label="Sort by",
        empty_label=None,
        error_messages=_choice_error("an order"),
    )

    class Meta:
        model = Fault
        fields: list[str] = []

    def __init__(
        self,
        data: QueryDict | dict | None = None,
        queryset: QuerySet[Fault] | None = None,
        *,
        request=None,
        prefix: str | None = None,
        user=None,
        now: datetime | None = None,
    ) -> None:
        user = user if user is not None else getattr(request, "user", None)
        self.user = user if user is not None else AnonymousUser()  # sees nothing
        self.now = now or timezone.now()
        self.premises_choices: list[PremisesChoice] = [
            PremisesChoice(*row)
            for row in premises_visible_to(self.user)
            .order_by("name", "pk")
            .values_list("pk", "name", "region_id", "region__name")
        ]
        if scope_is_the_premises_seen(self.user):
            # The scope's premises are exactly those just read: named, instead of read again
            # (an office manager's) or joined to their regions *and* named (which PostgreSQL
            # counted twice, so it read every open fault of the region, 9 ms, for a page it
            # finds in 1 ms).
            rule: Q | None = Q(premises_id__in=self._visible_premises_ids)
        else:
            rule = fault_scope(self.user)  # the rule `faults_visible_to` applies
        self.sees_everything = rule is None
        scoped = Fault.objects.all() if rule is None else Fault.objects.filter(rule)
        queryset = scoped if queryset is None else queryset & scoped
        #: The search, when it is exactly the contractor's job number of a fault in scope.
        self.job_number = _job_number_searched(data, scoped)
        data = self._with_defaults(data, bool(self.job_number))
        super().__init__(data, queryset, request=request, prefix=prefix)
        self._offer_only_what_the_user_may_see()

    @staticmethod
    def _with_defaults(data: QueryDict | dict | None, job_number: bool) -> QueryDict | dict:
        """Open faults, newest first, unless asked otherwise.

        A search by reference, or by a contractor's job number of a fault in scope, looks at
        every status, even with the list's status filter set (as the filter form always sends
        it): a closed fault is found by its reference, and a job by its number.
        """
        data = QueryDict(mutable=True) if data is None else data.copy()
        if job_number or pk_from_reference(data.get("q") or "") is not None:
            data["status"] = ALL
        elif not data.get("status"):
            data["status"] = OPEN
        if not data.get("sort"):
            data["sort"] = DEFAULT_SORT
        return data

    def _offer_only_what_the_user_may_see(self) -> None:
        """Each choice as plain (value, label) strings, read once: the form, its validation
        and the page all use these lists."""
        regions = {p.region_id: p.region_name for p in self.premises_choices}
        self.filters["premises"].extra["choices"] = [
            (str(p.pk), p.name) for p in self.premises_choices
        ]
        self.filters["region"].extra["choices"] = [
            (str(pk), name) for pk, name in sorted(regions.items(), key=lambda r: r[1])
        ]
        if self._offers("category"):
            self.filters["category"].extra["choices"] = [
                (str(pk), name)
                for pk, name in Category.objects.order_by("name").values_list("pk", "name")
            ]
        if self._offers("contractor"):
            offered = access.contractors_offered(
                self.user, Premises.objects.filter(pk__in=self._visible_premises_ids)
            )
            self.filters["contractor"].extra["choices"] = [
                (str(pk), name) for pk, name in offered.values_list("pk", "name")
            ]
        if self._is_contractor:
            # A contractor sees only its own jobs, never unrouted ones.
            self.filters["contractor"].extra["null_label"] = None

    def _offers(self, name: str) -> bool:
        """Whether to read the choices of this filter: the list page shows them all."""
        return True

    @property
    def _visible_premises_ids(self) -> list[int]:
        return [p.pk for p in self.premises_choices]

    @property
    def _premises_cover_scope(self) -> bool:
        """Every fault in scope is at a premises the user may see, as for every role but
        a contractor (whose faults can be anywhere a job was reassigned to them)."""
        return not self._is_contractor

    @property
    def _is_contractor(self) -> bool:
        return access.is_contractor(self.user)

    # --- Filtering ----------------------------------------------------------------------------

    def filter_queryset(self, queryset: QuerySet[Fault]) -> QuerySet[Fault]:
        """Nothing for a value the user could not have chosen; otherwise every filter applies."""
        if not self.form.is_valid():
            return queryset.none()
        return super().filter_queryset(queryset)

    def search(self, queryset: FaultQuerySet, name: str, value: str) -> FaultQuerySet:
        """By reference (`FLT-000123`, `123`), else every word somewhere in the fault."""
        pk = pk_from_reference(value)
        if pk is not None:  # "123" may be a fault's id or a contractor's job number
            return queryset.filter(Q(pk=pk) | Q(contractor_reference=value.strip()))
        if self.job_number and value.strip() == self.job_number:
            return queryset.filter(contractor_reference=self.job_number)
        for word in value.split()[:MAX_SEARCH_WORDS]:
            matches = (
                Q(description__icontains=word)
                | Q(location__icontains=word)
                | Q(contractor_reference__icontains=word)
            )
            # Premises names are matched in the list already read for the choices: no join.
            folded = word.casefold()
            named = [p.pk for p in self.premises_choices if folded in p.name.casefold()]
            if named:
                matches |= Q(premises_id__in=named)
            queryset = queryset.filter(matches)
        return queryset

    def in_region(self, queryset: FaultQuerySet, name: str, value: str) -> FaultQuerySet:
        """By the premises in the region when they are all known (index-friendly), else a join."""
        if not self._premises_cover_scope:
            return queryset.filter(premises__region_id=value)
        return queryset.filter(
            premises_id__in=[p.pk for p in self.premises_choices if str(p.region_id) == value]
        )

    def only_status(self, queryset: FaultQuerySet, name: str, value: str) -> FaultQuerySet:
        """The status, and "open" once for the slices that only open faults can be in."""
        open_slice = any(self.form.cleaned_data.get(only) for only in OPEN_ONLY)
        if value == OPEN or (value == ALL and open_slice):
            return queryset.filter(is_open())
        if value == ALL:
            return queryset
        if open_slice and value not in OPEN_STATUS_VALUES:
            return queryset.none()  # e.g. closed and overdue
        return queryset.filter(status=value)

    def only_overdue(self, queryset: FaultQuerySet, name: str, value: bool) -> FaultQuerySet:
        return queryset.filter(overdue(self.now)) if value else queryset

    def only_safety_critical(
        self, queryset: FaultQuerySet, name: str, value: bool
    ) -> FaultQuerySet:
        return queryset.filter(safety_critical()) if value else queryset

    def only_open_over_24h(self, queryset: FaultQuerySet, name: str, value: bool) -> FaultQuerySet:
        return queryset.filter(open_over_24h(self.now)) if value else queryset

    def only_beds(self, queryset: FaultQuerySet, name: str, value: bool) -> FaultQuerySet:
        return queryset.filter(beds_out_of_use()) if value else queryset

    def only_without_heating(
        self, queryset: FaultQuerySet, name: str, value: bool
    ) -> FaultQuerySet:
        return queryset.filter(without_heating()) if value else queryset

    def sort_by(self, queryset: FaultQuerySet, name: str, value: str) -> FaultQuerySet:
        return queryset.order_by(*SORT_ORDERS[value].order_by)

    # --- For the page ---------------------------------------------------------------------

    @property
    def sort_order(self) -> SortOrder:
        value = self.form.cleaned_data.get("sort") if self.form.is_valid() else None
        return SORT_ORDERS.get(value or DEFAULT_SORT, SORT_ORDERS[DEFAULT_SORT])
