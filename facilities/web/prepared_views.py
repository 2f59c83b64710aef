"""Report downloads and reissues prepared by a worker: the requests that never build a file.

`report_download` serves a file already built for the same choices and data, or asks a worker
for it and sends the person (303) to a page that refreshes itself without JavaScript until the
file is ready (`<meta http-equiv="refresh">`), then links it. The report page itself is
prepared the same way (`reports_views.report_month`): once it is ready, the waiting page sends
the person to the report, pinned to the figures it waited for. Only the person who asked sees
the page or the file; anyone else gets a 404. A failed build says so, with a "try again"
button. Reissuing works the same way (`reports.reissuing`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from facilities.access import report_snapshots_visible_to
from facilities.finding import preparing, reporting
from facilities.models import PreparationStatus, PreparedReport
from facilities.periods import Period
from facilities.reports import issue, reissuing

from .reports_views import CONTENT_TYPES, ReissueForm, _parse_period
from .reports_views import see_other as _see_other

#: Seconds between the "being prepared" page's refreshes (settings.REPORTS_REFRESH_SECONDS
#: changes it: the browser tests need longer to check the page before it reloads).
REFRESH_SECONDS = 5


def _refresh(request: HttpRequest, status: str) -> dict[str, object]:
    """Whether the waiting page refreshes itself, and how often. A page that reloads itself
    is a time limit (WCAG 2.2.1): the month page says beforehand that it will, and the page
    itself has a link that stops it (`?refresh=off`), then "check again" by hand."""
    waiting = status == PreparationStatus.PREPARING
    stopped = request.GET.get("refresh") == "off"
    seconds = int(getattr(settings, "REPORTS_REFRESH_SECONDS", REFRESH_SECONDS))
    return {
        "refresh": seconds if waiting and not stopped else None,
        "every": seconds,
        "stopped": stopped,
    }


@login_required
@require_safe
def report_download(request: HttpRequest, period: str, fmt: str) -> HttpResponse:
    """The stored file if it is ready (a lookup, no building), else to the waiting page."""
    if fmt not in CONTENT_TYPES:
        raise Http404("No such format.")
    wanted = preparing.Wanted(
        request.user,
        _parse_period(period),
        region=request.GET.get("region", ""),
        contractor=request.GET.get("contractor", ""),
    )
    try:
        row = preparing.ask(wanted, fmt)
    except reporting.Unavailable as unavailable:
        raise Http404(str(unavailable)) from None
    if row.status == PreparationStatus.READY:
        return _prepared_file(row)
    return _see_other(reverse("report_prepared", args=[row.pk]))


def _prepared_file(row: PreparedReport) -> StreamingHttpResponse:
    """The stored file, read from its row a slice at a time: a month's CSV at a million faults
    is over 100 MB, which the web process never holds whole."""
    response = StreamingHttpResponse(
        preparing.slices(row.pk, row.size), content_type=CONTENT_TYPES[row.format]
    )
    response["Content-Length"] = str(row.size)
    response["Content-Disposition"] = f'attachment; filename="{row.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report_prepared(request: HttpRequest, pk: int) -> HttpResponse:
    """The waiting page, "Your report is being prepared": refreshes itself until the file is
    ready, then links it; "try again" (POST) after a failure."""
    row = get_object_or_404(preparing.prepared_for(request.user), pk=pk)
    if request.method == "POST":
        preparing.retry(row)
        return _see_other(reverse("report_prepared", args=[row.pk]))
    is_page = row.format == preparing.PAGE
    if is_page and row.status == PreparationStatus.READY:  # the report page: show it
        return _see_other(_report_url(row, pinned=True))
    if row.status == PreparationStatus.PREPARING:
        preparing.nudge(row)  # the broker lost it, or its worker died: ask again
    return render(
        request,
        "reports/prepared.html",
        {
            "row": row,
            "page": is_page,
            "asked": preparing.described(row),
            **_refresh(request, row.status),
            "file_url": reverse("report_prepared_file", args=[row.pk]),
            # Back from a report still being prepared is to the picker: its own address
            # would only send the person here again.
            "report_url": reverse("report_choose") if is_page else _report_url(row),
        },
    )


def _report_url(row: PreparedReport, *, pinned: bool = False) -> str:
    """The report page these figures came from, with the same choices (and, `pinned`, this
    row's figures, even if the data has moved on while the person waited)."""
    url = reverse("report_month", args=[Period(row.period_first, row.period_last).slug])
    params = {k: v for k in ("region", "contractor") if (v := getattr(row, k))}
    query = urlencode(params | ({"prepared": row.pk} if pinned else {}))
    return f"{url}?{query}" if query else url


@login_required
@require_safe
def report_prepared_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The prepared file, to the person who asked for it only; back to the page if not ready."""
    row = get_object_or_404(preparing.prepared_for(request.user), pk=pk)
    if row.status != PreparationStatus.READY or row.format == preparing.PAGE:
        return _see_other(reverse("report_prepared", args=[row.pk]))
    return _prepared_file(row)


# --- Reissuing ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    """The reason for a reissue; the POST asks a worker to make the new version."""
    snapshot = get_object_or_404(report_snapshots_visible_to(request.user), pk=pk)
    if not issue.can_reissue(request.user):
        raise PermissionDenied("Only a contract manager can reissue a report.")
    form = ReissueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        asked = reissuing.ask(snapshot, by=request.user, reason=form.cleaned_data["reason"])
        return _see_other(reverse("report_reissuing", args=[asked.pk]))
    return render(request, "reports/reissue.html", {"form": form, "snapshot": snapshot})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report_reissuing(request: HttpRequest, pk: int) -> HttpResponse:
    """The waiting page for a reissue: refreshes itself until the new version is made."""
    asked = get_object_or_404(reissuing.requests_of(request.user), pk=pk)
    if request.method == "POST":
        reissuing.retry(asked)
        return _see_other(reverse("report_reissuing", args=[asked.pk]))
    if asked.status == PreparationStatus.PREPARING:
        reissuing.nudge(asked)
    return render(
        request,
        "reports/reissuing.html",
        {
            "asked": asked,
            "snapshot": asked.snapshot,
            "made": asked.made,
            **_refresh(request, asked.status),
        },
    )
