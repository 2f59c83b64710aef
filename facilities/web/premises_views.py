"""A premises page: its open faults and how late they are, beds out of use, recent history,
"Log a fault here" and its QR poster."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from facilities import access
from facilities.access import premises_visible_to
from facilities.finding.lists import PremisesOverview, premises_overview

from .fault_list import fault_url_parts


@login_required
@require_safe
def premises_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """404 for a premises outside the user's scope: not even its name is given away."""
    premises = get_object_or_404(premises_visible_to(request.user), pk=pk)
    overview = premises_overview(premises, request.user, timezone.now())
    list_url = reverse("fault_list")
    return render(
        request,
        "premises/detail.html",
        {
            "overview": overview,
            "premises": premises,
            "summary_rows": summary_rows(overview),
            "fault_url": fault_url_parts(),
            "open_list_href": f"{list_url}?{urlencode({'premises': premises.pk})}",
            "all_list_href": f"{list_url}?{urlencode({'premises': premises.pk, 'status': 'all'})}",
            # "Log a fault here" and the premises' QR poster, for those who may log faults.
            "can_log": not access.is_contractor(request.user),
            "log_here_href": f"{reverse('fault_log')}?{urlencode({'premises': premises.pk})}",
            "region_posters_href": reverse("region_posters", args=[premises.region_id])
            if access.is_manager(request.user)
            else "",
        },
    )


def summary_rows(overview: PremisesOverview) -> list[dict[str, object]]:
    """The premises' summary list: region, kind, address and, at approved premises, beds."""
    premises = overview.premises
    address_lines = [line for line in premises.address.splitlines() if line.strip()]
    if premises.postcode:
        address_lines.append(premises.postcode)
    rows: list[dict[str, object]] = [
        {"key": "Region", "value": premises.region.name},
        {"key": "Kind", "value": premises.get_kind_display()},
        {
            "key": "Address",
            "value": format_html_join(
                mark_safe("<br>"),  # nosec B308 # a constant tag; each line is escaped by format_html_join
                "{}",
                ((line,) for line in address_lines),
            ),
        },
    ]
    if premises.is_approved_premises:
        rows += [
            {"key": "Beds", "value": premises.bed_capacity},
            {
                "key": "Beds out of use now",
                "value": f"{overview.beds_out_of_use} of {premises.bed_capacity}",
            },
        ]
    return rows
