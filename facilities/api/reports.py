"""Report figures: `GET /api/v1/reports/<period>/`, the report page's figures as JSON.

The period is written as in the report pages' addresses (`2026-10`, or
`2026-10-01_2026-10-31`) and judged by the same rule (`Period.from_slug`); the figures are
those of the page for the same person, region and contractor (`finding.reporting`, one
computation), in the shape an issued report keeps them (`reports.issue.figures_json`). A
period that is not one, has not started, or a region or contractor not offered to the
caller is a 404, as on the pages.

At a million faults a month's figures take tens of seconds to build, so, as the page does,
the API never builds them in the request: the first ask queues the build on a worker
(`finding.preparing`, one build per choice however many ask) and answers 202 with
`Retry-After`; asking again once it is built answers 200 with the figures.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from facilities.finding import preparing, reporting
from facilities.models import PreparationStatus
from facilities.periods import Period
from facilities.reports.issue import figures_json

#: The parts of the answer, each documented loosely: their fields are the report's measures.
_OBJECT = serializers.DictField()
_LIST = serializers.ListField(child=serializers.DictField())

FIGURES = inline_serializer(
    "ReportFigures",
    {
        "period": inline_serializer(
            "ReportPeriod", {"first": serializers.DateField(), "last": serializers.DateField()}
        ),
        "as_of": serializers.DateTimeField(),
        "cutoff": serializers.DateTimeField(),
        "scope": serializers.CharField(),
        "total": _OBJECT,
        "by_contractor": _LIST,
        "by_region": _LIST,
        "by_contractor_region": _LIST,
        "trend": _LIST,
        "selection": serializers.DictField(child=serializers.CharField()),
        "filters": _OBJECT,
    },
)

PREPARING = inline_serializer(
    "ReportPreparing",
    {
        "status": serializers.ChoiceField(choices=["preparing"]),
        "detail": serializers.CharField(),
        "retry_after": serializers.IntegerField(),
    },
)

#: Seconds to wait before asking again, as the "being prepared" page refreshes.
RETRY_AFTER = 5


class ReportFiguresView(APIView):
    @extend_schema(
        summary="A period's contractor performance figures, as the report page shows them",
        description="The same figures as the report page `/reports/<period>/` for you: your "
        "scope, narrowed to a region or contractor from your lists. Each group has the counts "
        "(logged, fixed, open and overdue at the end, breaches, service credits …) and, per "
        "priority, each step's done/on time/waived counts and times.",
        parameters=[
            OpenApiParameter("region", int, description="A region id from your list."),
            OpenApiParameter(
                "contractor",
                str,
                description='A contractor id from your list, or "unrouted".',
            ),
        ],
        responses={
            200: FIGURES,
            202: OpenApiResponse(
                PREPARING,
                description="Being prepared by a worker: ask again after `Retry-After` seconds.",
            ),
        },
        tags=["reports"],
    )
    def get(self, request, period: str):
        try:
            chosen_period = Period.from_slug(period, today=timezone.localdate())
        except ValueError:
            raise NotFound(
                "No such report period: give a month (2026-10) or a run of days of a year or "
                "less (2026-10-01_2026-10-31)."
            ) from None
        wanted = preparing.Wanted(
            request.user,
            chosen_period,
            region=request.query_params.get("region", ""),
            contractor=request.query_params.get("contractor", ""),
        )
        try:
            shown = preparing.page_for(wanted)
        except reporting.Unavailable as unavailable:
            raise NotFound(str(unavailable)) from None
        if shown.figures is not None:
            return Response(figures_json(shown.figures.report))
        if shown.row.status == PreparationStatus.FAILED:
            preparing.retry(shown.row)  # as "Try again" on the page: asking again is trying
        else:
            preparing.nudge(shown.row)  # a lost task is asked for again
        return Response(
            {
                "status": "preparing",
                "detail": "The figures are being prepared. Ask again in a few seconds.",
                "retry_after": RETRY_AFTER,
            },
            status=202,
            headers={"Retry-After": str(RETRY_AFTER)},
        )
