"""Faults: the list (the browser list's filters, cursor pages), one fault, logging a fault."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from facilities.access import premises_visible_to, visible_fault
from facilities.faults import photos
from facilities.faults.workflow import fault_log
from facilities.finding.filters import FaultFilter
from facilities.models import Category, Fault

from .idempotency import HEADER, idempotent
from .serializers import FaultCreateSerializer, FaultSerializer

MAX_ID = 2**63 - 1

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="A unique value per request (such as a UUID): a retry with the same key "
    "within 24 hours returns the first response instead of repeating the change.",
)


class FaultPages(CursorPagination):
    """Newest first, ties broken by id: a stable order however faults change status."""

    ordering = ("-reported_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ApiFaultFilter(FaultFilter):
    """The browser list's filters; the order is the pages' own (the cursor needs it fixed)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.filters.pop("sort", None)

    def _offers(self, name: str) -> bool:
        """Nothing shows the choices here: read them only to judge a value given."""
        return name in self.data


def fault_or_404(request, pk: int) -> Fault:
    """The fault if the caller may see it; otherwise a 404, as if it did not exist."""
    fault = visible_fault(request.user, pk) if 0 < pk <= MAX_ID else None
    if fault is None:
        raise NotFound("No fault with this id is visible to you.")
    return fault


def fault_response(request, fault: Fault, status_code: int = 200, **headers) -> Response:
    fresh = fault_or_404(request, fault.pk)
    data = FaultSerializer(fresh, context={"request": request, "now": timezone.now()}).data
    return Response(data, status=status_code, headers=headers or None)


class FaultList(generics.ListCreateAPIView):
    """Faults in your scope, newest first. Without `status`, open faults only."""

    serializer_class = FaultSerializer
    pagination_class = FaultPages
    filterset_class = ApiFaultFilter

    def get_queryset(self):
        # Not narrowed to the caller's scope here: ApiFaultFilter (a FaultFilter, always
        # applied as the filterset) narrows every queryset to it. Applying it twice would
        # make PostgreSQL square its estimate of the scope and choose slow plans (a regional
        # manager's page deep into the cursor took 250 ms instead of 5).
        return Fault.objects.select_related(
            "premises", "category", "contractor", "reported_by"
        ).prefetch_related("holds")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        request={
            "application/json": FaultCreateSerializer,
            "multipart/form-data": FaultCreateSerializer,
        },
        responses={201: FaultSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def post(self, request, *args, **kwargs):
        """Log a fault (office managers and contract managers, at premises they may see).

        As JSON, or as `multipart/form-data` with one or more `photos` (JPEG or PNG, each
        checked from its content as the browser form checks them; a bad file is a 400 naming
        `photos`, and nothing is saved).
        """
        given = FaultCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        premises = premises_visible_to(request.user).filter(pk=data["premises"]).first()
        if premises is None:
            raise ValidationError({"premises": ["Choose a premises you may log faults at."]})
        category = Category.objects.filter(pk=data["category"]).first()
        if category is None:
            raise ValidationError({"category": ["Choose a category from the list."]})
        now = timezone.now()
        try:
            with transaction.atomic():  # the fault and its photos, or neither
                fault = fault_log(
                    premises=premises,
                    category=category,
                    location=data["location"],
                    description=data["description"],
                    reported_by=request.user,
                    beds_out_of_use=data["beds_out_of_use"],
                    priority=data.get("priority"),
                    priority_reason=data["priority_reason"],
                    now=now,
                )
                photos.attach_photos(
                    fault=fault, uploads=data["photos"], uploaded_by=request.user, now=now
                )
        except photos.PhotoError as error:
            raise ValidationError({"photos": [str(error)]}) from None
        location = reverse("api:fault-detail", args=[fault.pk])
        return fault_response(request, fault, status.HTTP_201_CREATED, Location=location)


class FaultDetail(generics.GenericAPIView):
    serializer_class = FaultSerializer

    @extend_schema(responses=FaultSerializer)
    def get(self, request, pk: int):
        return fault_response(request, fault_or_404(request, pk))
