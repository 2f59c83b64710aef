"""The fault list and its CSV download: thin views over `FaultFilter` and `faults.finding`.

Both read the same filters from the query string, so the download link on the list gives
exactly the faults on the list (all of them, not one page). Everything here works as plain
links and a GET form: no JavaScript needed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from facilities.finding.filters import ALL, FaultFilter
from facilities.finding.lists import FaultRow, csv_rows, fault_page, page_number
from facilities.finding.sorting import DEFAULT_SORT, SORT_PAIRS
from facilities.reports.drilldown import Slice

#: The "show only" checkboxes, in the order the panel shows them.
ONLY_FILTERS = ("overdue", "safety_critical", "open_over_24h", "beds", "without_heating")
#: Filters whose value is one choice, shown as one tag each.
SINGLE_CHOICE_FILTERS = ("premises", "region", "category", "status", "contractor")
#: A status's and a priority's tag, as `components/tag.html` colours them (a test holds the
#: two together): the list writes its 50 rows' tags without including that template 100 times.
STATUS_TAGS = {
    "acknowledged": "govuk-tag govuk-tag--turquoise",
    "attended": "govuk-tag govuk-tag--purple",
    "made_safe": "govuk-tag govuk-tag--yellow",
    "fixed": "govuk-tag govuk-tag--teal",
    "closed": "govuk-tag govuk-tag--green",
    "cancelled": "govuk-tag govuk-tag--grey",
}
PRIORITY_TAGS = {"P1": "govuk-tag govuk-tag--red", "P2": "govuk-tag govuk-tag--orange"}
PRIORITY_TAGS["P4"] = "govuk-tag govuk-tag--grey"


@dataclass(frozen=True)
class FilterTag:
    text: str
    href: str  # the list without this filter


@dataclass(frozen=True)
class FilterGroup:
    heading: str
    tags: list[FilterTag]


@dataclass(frozen=True)
class SortHeader:
    aria_sort: str  # "ascending", "descending" or "none"
    href: str
    next_label: str  # what following the link sorts by


_MARKER = 987654321


def url_parts(name: str, fallback: tuple[str, str]) -> tuple[str, str]:
    """A page's URL either side of its id, reversed once per page rather than once per row
    (`{% url %}` in a 50-row table costs more than the query that fills it)."""
    try:
        url = reverse(name, args=[_MARKER])
    except NoReverseMatch:
        return fallback
    before, _, after = url.partition(str(_MARKER))
    return before, after


def fault_url_parts() -> tuple[str, str]:
    """`fault_detail` is built alongside this list; until it exists, its agreed path."""
    return url_parts("fault_detail", ("/faults/", "/"))


def premises_url_parts() -> tuple[str, str]:
    return url_parts("premises_detail", ("/premises/", "/"))


def _query(request: HttpRequest, **changes: str | None) -> QueryDict:
    """The request's query string without `page`, with `changes` set (None removes)."""
    query = request.GET.copy()
    query.pop("page", None)
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None:
            query[name] = value
    return query


def _href(query: QueryDict) -> str:
    return f"?{query.urlencode()}" if query else "?"


def selected_filters(request: HttpRequest, filters: FaultFilter) -> list[FilterGroup]:
    """One group per filter in use, each value a tag whose link removes just that value."""
    form = filters.form
    form.is_valid()  # cleaned_data holds the values that are valid
    chosen = form.cleaned_data
    groups: list[FilterGroup] = []

    if chosen.get("report"):  # a link from a report figure (facilities.reports.drilldown)
        figure = Slice.parse(chosen["report"]).description
        groups.append(
            FilterGroup("Report figure", [FilterTag(figure, _href(_query(request, report=None)))])
        )
    if chosen.get("q"):
        groups.append(
            FilterGroup("Search", [FilterTag(chosen["q"], _href(_query(request, q=None)))])
        )
    if chosen.get("contractor_reference"):  # a link by job number (the API's filter)
        removed = _href(_query(request, contractor_reference=None))
        tag = FilterTag(chosen["contractor_reference"], removed)
        groups.append(FilterGroup(form.fields["contractor_reference"].label, [tag]))
    for name in SINGLE_CHOICE_FILTERS:
        value = chosen.get(name)
        if not value or (name == "status" and value == ALL):
            continue
        labels = dict(form.fields[name].choices)
        # Removing the status shows every status (without one, the list shows open faults).
        removed = (
            _query(request, status=ALL) if name == "status" else _query(request, **{name: None})
        )
        groups.append(
            FilterGroup(form.fields[name].label, [FilterTag(labels[value], _href(removed))])
        )
    if chosen.get("priority"):
        labels = dict(form.fields["priority"].choices)
        tags = []
        for value in chosen["priority"]:
            query = _query(request)
            query.setlist("priority", [p for p in query.getlist("priority") if p != value])
            tags.append(FilterTag(labels[value], _href(query)))
        groups.append(FilterGroup("Priority", tags))
    only = [
        FilterTag(form.fields[name].label, _href(_query(request, **{name: None})))
        for name in ONLY_FILTERS
        if chosen.get(name)
    ]
    if only:
        groups.append(FilterGroup("Show only", only))
    return groups


def sort_headers(request: HttpRequest, filters: FaultFilter) -> dict[str, SortHeader]:
    """For each sortable column: its aria-sort now, and the link that sorts by it next."""
    current = filters.sort_order
    labels = dict(filters.form.fields["sort"].choices)
    headers = {}
    for column, (first, reverse_) in SORT_PAIRS.items():
        following = reverse_ if current.value == first else first
        headers[column] = SortHeader(
            aria_sort=current.aria_sort if current.column == column else "none",
            href=_href(_query(request, sort=following)),
            next_label=labels[following],
        )
    return headers


def table_rows(
    rows: list[FaultRow], fault_url: tuple[str, str], premises_url: tuple[str, str]
) -> list[dict[str, object]]:
    """Each row's cells as plain words and links: the template then looks up dictionary keys,
    the cheapest lookup it has, instead of including a template per cell (half the page's
    time before, at 50 rows)."""
    table = []
    for row in rows:
        fault = row.fault
        status = fault.status
        fix_due, late = row.fix_due, row.lateness
        table.append(
            {
                "href": f"{fault_url[0]}{fault.pk}{fault_url[1]}",
                "reference": fault.reference,
                "premises_href": f"{premises_url[0]}{fault.premises_id}{premises_url[1]}",
                "premises": fault.premises.name,
                "category": fault.category.name,
                "priority": fault.priority,
                "priority_class": PRIORITY_TAGS.get(fault.priority, "govuk-tag"),
                "status": fault.get_status_display(),
                "status_class": STATUS_TAGS.get(status, "govuk-tag"),
                "on_hold": fault.is_open and fault.is_on_hold,
                "contractor": fault.contractor.name if fault.contractor_id else "",
                "reported_day": row.reported.day,
                "reported_clock": row.reported.clock,
                "fix_due_day": fix_due.day if fix_due else "",
                "fix_due_clock": fix_due.clock if fix_due else "",
                "late": late.words if late else "",
                "late_colour": late.colour if late else "",
            }
        )
    return table


def select_options(form, names: tuple[str, ...]) -> dict[str, list[dict[str, object]]]:
    """Each select's options as (value, label, selected), from the choices the filter read
    once, marked as Django's `Select` widget marks them (the first option equal to the value
    given, as text)."""
    options = {}
    for name in names:
        value = form[name].value()
        chosen = "" if value is None else str(value)
        found = False
        listed = []
        for choice, label in form.fields[name].widget.choices:
            text = "" if choice is None else str(choice)
            selected = not found and text == chosen
            found = found or selected
            listed.append({"value": text, "label": label, "selected": selected})
        options[name] = listed
    return options


@login_required
@require_safe
def fault_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    filters = FaultFilter(request.GET, request=request, now=now)
    page = fault_page(filters.qs, page_number(request.GET.get("page")), now)
    sort = request.GET.get("sort")
    # Clearing keeps the order and shows every status (without one, the list shows open faults).
    cleared = {name: None for name in filters.filters if name != "sort"}
    clear = _query(request, **(cleared | {"status": ALL}))
    fault_url, premises_url = fault_url_parts(), premises_url_parts()
    return render(
        request,
        "faults/list.html",
        {
            "filters": filters,
            "form": filters.form,
            "page": page,
            "table_rows": table_rows(page.rows, fault_url, premises_url),
            "select_options": select_options(filters.form, SINGLE_CHOICE_FILTERS),
            "selected": selected_filters(request, filters),
            "sort_headers": sort_headers(request, filters),
            "sort_order": filters.sort_order,
            "kept_sort": sort if sort and sort != DEFAULT_SORT else "",
            "only_fields": [filters.form[name] for name in ONLY_FILTERS],
            "clear_href": _href(clear),
            "csv_href": reverse("fault_list_csv") + _href(_query(request)),
            "first_page_href": _href(_query(request)),
            "fault_url": fault_url,
            "premises_url": premises_url,
        },
    )


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterator[list[object]]) -> Iterator[str]:
    yield "\ufeff"  # a byte-order mark, so Excel reads the file as UTF-8
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)


@login_required
@require_safe
def fault_list_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every fault the list's filters match (not one page), streamed as it is read."""
    now = timezone.now()
    filters = FaultFilter(request.GET, request=request, now=now)
    response = StreamingHttpResponse(
        _csv_lines(csv_rows(filters.qs, now)), content_type="text/csv; charset=utf-8"
    )
    filename = f"faults-{timezone.localtime(now):%Y-%m-%d-%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
