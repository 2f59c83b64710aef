"""Reference data in the caller's scope: premises, categories, contractors, escalations."""

from __future__ import annotations

from rest_framework import generics
from rest_framework.pagination import CursorPagination

from facilities.access import contractors_offered, faults_visible_to, premises_visible_to
from facilities.models import Category, Escalation

from .serializers import (
    CategorySerializer,
    ContractorSerializer,
    EscalationSerializer,
    PremisesSerializer,
)


class PremisesList(generics.ListAPIView):
    """Premises you may see (a contractor: where its contracts apply)."""

    serializer_class = PremisesSerializer
    filterset_class = None
    filter_backends = []

    def get_queryset(self):
        return premises_visible_to(self.request.user).order_by("name", "pk")


class PremisesDetail(generics.RetrieveAPIView):
    serializer_class = PremisesSerializer
    filter_backends = []

    def get_queryset(self):
        return premises_visible_to(self.request.user)


class CategoryList(generics.ListAPIView):
    serializer_class = CategorySerializer
    filter_backends = []
    queryset = Category.objects.order_by("name")


class ContractorList(generics.ListAPIView):
    """Contractors covering premises you may see (a contractor: its own company)."""

    serializer_class = ContractorSerializer
    filter_backends = []

    def get_queryset(self):
        return contractors_offered(self.request.user).order_by("name", "pk")


class EscalationPages(CursorPagination):
    ordering = ("-raised_at", "-id")
    page_size = 50


class EscalationList(generics.ListAPIView):
    """Escalations of faults in your scope, newest first."""

    serializer_class = EscalationSerializer
    pagination_class = EscalationPages
    filter_backends = []

    def get_queryset(self):
        return Escalation.objects.filter(
            fault__in=faults_visible_to(self.request.user).values("pk")
        )
