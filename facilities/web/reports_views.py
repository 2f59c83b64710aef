"""Report pages: pick a month (or dates), region and contractor; see, download, issue.

Thin views over `facilities.reports`: every figure comes from `measures.build` over the faults
the user may see (`facilities.access`), narrowed to the region or contractor chosen. Everything
works with JavaScript off: the picker is a GET form, downloads are links, reissuing is a POST.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Min, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from facilities import access
from facilities.access import faults_visible_to, premises_visible_to, report_snapshots_visible_to
from facilities.finding.dashboard import describe_scope
from facilities.models import Fault, Region, User
from facilities.periods import Period
from facilities.reports import charts, definitions, exports, issue, measures, tables
from facilities.reports.drilldown import UNROUTED

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


def _regions(user: User) -> list[Region]:
    ids = premises_visible_to(user).values("region_id")
    return list(Region.objects.filter(pk__in=ids).order_by("name"))


def _contractors(user: User) -> list[tuple[str, str]]:
    """Contractors whose contracts cover premises the user may see (as the fault list offers),
    and unrouted faults; a contractor sees only its own company."""
    named = access.contractors_offered(user)
    if access.is_contractor(user):
        return [(str(c.pk), c.name) for c in named]
    return [*((str(c.pk), c.name) for c in named), (UNROUTED, "Unrouted (no contractor)")]


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


def _chosen(request: HttpRequest, period: Period) -> tuple[QuerySet[Fault], dict, dict, ReportForm]:
    """The faults for the report (scope, then the region and contractor chosen), and the
    picker to show, filled in with this report's choices."""
    user, now = request.user, timezone.now()
    if period.start > now:
        raise Http404("This period has not started yet.")
    data = {"month": period.slug if period.is_month else ""} | {
        k: request.GET.get(k, "") for k in ("region", "contractor")
    }
    if not period.is_month:
        data |= {"date_from": period.first, "date_to": period.last}
    form = ReportForm(data, user=user, now=now)
    form.is_valid()
    if {"region", "contractor"} & set(form.errors):
        raise Http404("Choose a region and contractor from the lists.")
    faults = faults_visible_to(user)
    selection: dict[str, str] = {}
    filters: dict = {}
    region = form.cleaned_data.get("region")
    if region:
        faults = faults.filter(premises__region_id=int(region))
        selection["Region"] = dict(form.fields["region"].choices)[region]
        filters["region"] = int(region)
    contractor = form.cleaned_data.get("contractor")
    if contractor:
        faults = faults.filter(
            Q(contractor__isnull=True)
            if contractor == UNROUTED
            else Q(contractor_id=int(contractor))
        )
        selection["Contractor"] = dict(form.fields["contractor"].choices)[contractor]
        filters["contractor"] = contractor
    # The picker shows these choices without judging them (an old month is still a report).
    picker = ReportForm(None, user=user, now=now, initial=data)
    return faults, selection, filters, picker


def _report(request: HttpRequest, period: Period) -> tuple[measures.Report, ReportForm]:
    faults, selection, filters, form = _chosen(request, period)
    report = measures.build(
        faults,
        period,
        now=timezone.now(),
        scope=describe_scope(request.user),
        selection=selection,
        filters=filters,
    )
    return report, form


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
    chosen = _parse_period(period)
    report, form = _report(request, chosen)
    query = request.GET.urlencode()
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
            "report": report,
            "form": form,
            "tables": _page_tables(report),
            "charts": charts.all_charts(report),
            "downloads": downloads,
            "snapshots": snapshots.order_by("scope_label", "-version"),
            "can_reissue": issue.can_reissue(request.user),
        },
    )


def _page_tables(report: measures.Report) -> dict[str, object]:
    return {
        "headline": tables.headline_table(report),
        "total": tables.group_table(report, "total"),
        "service_levels": tables.service_level_table(report),
        "times": tables.times_table(report),
        "by_contractor": tables.group_table(report, "contractor"),
        "by_region": tables.group_table(report, "region"),
        "by_contractor_region": tables.group_table(report, "contractor_region"),
        "escalations": tables.escalations_table(report),
        "details": [
            tables.detail_table(report, level)
            for level in ("contractor", "region", "contractor_region")
        ],
    }


@login_required
@require_safe
def report_download(request: HttpRequest, period: str, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404("No such format.")
    report, _form = _report(request, _parse_period(period))
    made = timezone.localtime(report.as_of).strftime("%-d %B %Y %H:%M")
    provenance = exports.Provenance(made_at=made, app_version=issue.app_version())
    content = {
        "csv": lambda: exports.to_csv(report),
        "xlsx": lambda: exports.to_xlsx(report, provenance),
        "pdf": lambda: exports.to_pdf(report, provenance),
    }[fmt]()
    return _file(content, fmt, exports.filename(report, fmt))


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


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    snapshot = get_object_or_404(report_snapshots_visible_to(request.user), pk=pk)
    if not issue.can_reissue(request.user):
        raise PermissionDenied("Only a contract manager can reissue a report.")
    form = ReissueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        new = issue.reissue(
            snapshot, by=request.user, reason=form.cleaned_data["reason"], now=timezone.now()
        )
        messages.success(
            request,
            f"{new.period_label} report for {new.scope_label} reissued as version {new.version}",
        )
        return redirect(reverse("report_month", args=[new.period_slug]))
    return render(request, "reports/reissue.html", {"form": form, "snapshot": snapshot})
