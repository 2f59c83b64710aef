"""Report pages: pick a month (or dates), region and contractor; see, download, issue.

Thin views over `facilities.reports`: every figure comes from `measures.build` over the faults
the user may see (`facilities.access`), narrowed to the region or contractor chosen. Everything
works with JavaScript off: the picker is a GET form, downloads are links, reissuing is a POST.
The report itself, its downloads and reissues are made by a worker, off the request: the
person waits on a "being prepared" page that refreshes itself (`prepared_views`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Min
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from facilities import access
from facilities.access import faults_visible_to, report_snapshots_visible_to
from facilities.finding import preparing, reporting
from facilities.models import User
from facilities.periods import Period
from facilities.reports import definitions, issue

#: How many months back the picker offers.
MONTHS_OFFERED = 36
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


# --- The picker -------------------------------------------------------------------------------


def first_month(user: User) -> Period | None:
    """The month of the first fault the user may see: before it, their reports are empty."""
    first = faults_visible_to(user).aggregate(first=Min("reported_at"))["first"]
    return Period.containing(first) if first else None


def _months(first: Period | None, now) -> list[tuple[str, str]]:
    """The months that have data, newest first: from the first fault the user may see to
    this month (so far), at most `MONTHS_OFFERED`."""
    if first is None:
        return []
    latest = Period.containing(now)
    months = [latest.shifted(-n) for n in range(MONTHS_OFFERED)]
    return [
        (p.slug, f"{p.label} (so far)" if p == latest else p.label) for p in months if p >= first
    ]


def landing_month(first: Period | None, now) -> Period | None:
    """Where /reports/ lands: the latest complete month with data (this month, so far, when
    the data only starts this month); None when there is no data at all."""
    if first is None:
        return None
    last_complete = Period.month_before(now)
    return last_complete if last_complete >= first else Period.containing(now)


_regions = reporting.regions_offered
_contractors = reporting.contractors_offered


class ReportForm(forms.Form):
    """Which report: a month, or from and to dates; all regions or one; all contractors or one."""

    month = forms.ChoiceField(
        label="Month",
        required=False,
        error_messages={"invalid_choice": "Choose a month from the list"},
    )
    date_from = forms.DateField(
        label="From", required=False, help_text="For example, 1/1/2026",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={"invalid": "Enter the first day as a date, like 1/1/2026"},
    )  # fmt: skip
    date_to = forms.DateField(
        label="To", required=False, help_text="For example, 31/3/2026",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={"invalid": "Enter the last day as a date, like 31/3/2026"},
    )  # fmt: skip
    region = forms.ChoiceField(
        label="Region",
        required=False,
        error_messages={"invalid_choice": "Choose a region from the list"},
    )
    contractor = forms.ChoiceField(
        label="Contractor",
        required=False,
        error_messages={"invalid_choice": "Choose a contractor from the list"},
    )

    def __init__(self, *args, user: User, now, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        self.first_month = first_month(user)
        self.fields["month"].choices = [("", "Choose a month"), *_months(self.first_month, now)]
        self.regions = _regions(user)
        self.fields["region"].choices = [("", "All regions")] + [
            (str(r.pk), r.name) for r in self.regions
        ]
        contractors = _contractors(user)
        if access.is_contractor(user):
            self.fields["contractor"].choices = contractors
        else:
            self.fields["contractor"].choices = [("", "All contractors"), *contractors]

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first or last:
            if not (first and last):
                self.add_error("date_from" if not first else "date_to", "Enter both dates")
            elif last < first:
                self.add_error("date_to", "The last day must be the same as or after the first")
            elif first > self.now.date():
                self.add_error("date_from", "Choose a period that has started")
            else:
                try:  # the same rule as a period in a URL
                    Period(first, last).checked(today=timezone.localdate(self.now))
                except ValueError as error:
                    self.add_error("date_to", str(error))
        elif not data.get("month") and not self.errors:
            self.add_error("month", "Choose a month, or enter dates")
        return data

    @property
    def period(self) -> Period:
        data = self.cleaned_data
        if data.get("date_from") and data.get("date_to"):
            return Period(data["date_from"], data["date_to"])
        return Period.from_slug(data["month"])

    def query(self) -> str:
        """The region and contractor, as the report page's query string."""
        params = {
            k: self.cleaned_data[k] for k in ("region", "contractor") if self.cleaned_data.get(k)
        }
        return urlencode(params)


# --- What the user chose ---------------------------------------------------------------------


def _parse_period(slug: str) -> Period:
    """The period in the URL (`periods.Period.from_slug` judges it), or 404."""
    try:
        return Period.from_slug(slug, today=timezone.localdate())
    except ValueError:
        raise Http404("No such report period.") from None


def _picker(user: User, period: Period, choices: dict[str, str], now) -> ReportForm:
    """The picker, filled in with this report's choices, without judging them (an old month
    is still a report)."""
    data = {"month": period.slug if period.is_month else "", **choices}
    if not period.is_month:
        data |= {"date_from": period.first, "date_to": period.last}
    return ReportForm(None, user=user, now=now, initial=data)


def _pinned(request: HttpRequest) -> int | None:
    """The prepared row the "being prepared" page sent the person back with, if any."""
    value = request.GET.get("prepared", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def see_other(url: str) -> HttpResponseRedirect:
    """303 See Other: the next request is a GET (after a POST, and to a "being prepared"
    page, so that page is never mistaken for what was asked for)."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


# --- Pages ------------------------------------------------------------------------------------


@login_required
@require_safe
def report_index(request: HttpRequest) -> HttpResponse:
    """Lands on the latest complete month with data (the user's own figures: a contract
    manager's regions, an office manager's premises); with a choice from the picker, goes
    to that report; with none, shows the picker."""
    if not request.GET:
        landing = landing_month(first_month(request.user), timezone.now())
        if landing is not None:
            return redirect("report_month", period=landing.slug)
    return report_choose(request)


@login_required
@require_safe
def report_choose(request: HttpRequest) -> HttpResponse:
    """The picker, and the issued monthly reports the user may see."""
    now = timezone.now()
    form = ReportForm(request.GET or None, user=request.user, now=now)
    if request.GET and form.is_valid():
        url = reverse("report_month", args=[form.period.slug])
        query = form.query()
        return redirect(f"{url}?{query}" if query else url)
    if not request.GET:
        landing = landing_month(form.first_month, now)
        form = ReportForm(
            None, user=request.user, now=now, initial={"month": landing.slug if landing else ""}
        )
    snapshots = report_snapshots_visible_to(request.user).order_by(
        "-period_first", "scope_label", "-version"
    )[:48]
    return render(request, "reports/index.html", {"form": form, "snapshots": snapshots})


@login_required
@require_safe
def report_month(request: HttpRequest, period: str) -> HttpResponse:
    """The report (`finding.reporting`, as the API's figures and the downloads) if it is built
    for these choices and this data, else to the "being prepared" page: a month's report takes
    tens of seconds to build at a million faults, so a worker builds it (`finding.preparing`),
    once per key however many ask, and every later view reads what it stored. 404 for a
    period not started or a choice not offered."""
    chosen = _parse_period(period)
    choices = {k: request.GET.get(k, "") for k in ("region", "contractor")}
    wanted = preparing.Wanted(request.user, chosen, **choices)
    try:
        shown = preparing.page_for(wanted, pinned=_pinned(request))
    except reporting.Unavailable as unavailable:
        raise Http404(str(unavailable)) from None
    if shown.figures is None:
        return see_other(reverse("report_prepared", args=[shown.row.pk]))
    figures = shown.figures
    query = urlencode({k: v for k, v in choices.items() if v})
    downloads = [
        (
            fmt.upper(),
            reverse("report_download", args=[chosen.slug, fmt]) + (f"?{query}" if query else ""),
        )
        for fmt in ("csv", "xlsx", "pdf")
    ]
    snapshots = report_snapshots_visible_to(request.user).filter(
        period_first=chosen.first, period_last=chosen.last
    )
    return render(
        request,
        "reports/month.html",
        {
            "report": figures.report,
            "form": _picker(request.user, chosen, choices, timezone.now()),
            "tables": figures.tables,
            "charts": figures.charts,
            "downloads": downloads,
            "snapshots": snapshots.order_by("scope_label", "-version"),
            "can_reissue": issue.can_reissue(request.user),
        },
    )


def _file(content: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def report_definitions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reports/definitions.html",
        {"general": definitions.GENERAL, "measures": definitions.MEASURES},
    )


# --- Issued reports -------------------------------------------------------------------------------


@login_required
@require_safe
def report_snapshot_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404("No such format.")
    snapshot = get_object_or_404(report_snapshots_visible_to(request.user), pk=pk)
    return _file(bytes(getattr(snapshot, fmt)), fmt, snapshot.filename(fmt))


class ReissueForm(forms.Form):
    reason = forms.CharField(
        label="Why are you reissuing this report?",
        help_text="This is kept with the new version and sent with it.",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why you are reissuing this report"},
    )
