"""A contractor's webhook deliveries: what was sent to its system and how it went; replays.

`GET /api/v1/webhook-deliveries/` lists the deliveries to the caller's company's endpoints,
newest first, in cursor pages (anyone else gets an empty list). `POST .../<id>/replay/`
sends a message again — the same `webhook-id` and body, a new timestamp and signature — as
a new delivery (202); one still waiting to be sent is a 409, anyone else's a 404.
"""

from __future__ import annotations

import json

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from facilities import webhooks
from facilities.access import webhook_deliveries_visible_to
from facilities.models import WebhookDelivery
from facilities.models.faults import reference_for

from .errors import problem
from .faults import IDEMPOTENCY_PARAMETER, MAX_ID
from .idempotency import idempotent


class DeliveryPages(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class EndpointSummary(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()


class WebhookDeliverySerializer(serializers.ModelSerializer):
    message_id = serializers.CharField(source="msg_id")
    endpoint = EndpointSummary()
    fault = serializers.IntegerField(source="fault_id", allow_null=True)
    fault_reference = serializers.SerializerMethodField()
    replay_of = serializers.IntegerField(source="replay_of_id", allow_null=True)
    payload = serializers.SerializerMethodField()

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "message_id",
            "event_type",
            "endpoint",
            "fault",
            "fault_reference",
            "status",
            "attempts",
            "last_response_status",
            "last_error",
            "created_at",
            "delivered_at",
            "replay_of",
            "payload",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_fault_reference(self, delivery: WebhookDelivery) -> str | None:
        return reference_for(delivery.fault_id) if delivery.fault_id else None

    @extend_schema_field(serializers.DictField())
    def get_payload(self, delivery: WebhookDelivery) -> dict:
        """The message as sent (its body parsed)."""
        return json.loads(delivery.body)


class WebhookDeliveryList(generics.ListAPIView):
    """Webhook deliveries to your company's endpoints, newest first."""

    serializer_class = WebhookDeliverySerializer
    pagination_class = DeliveryPages

    def get_queryset(self):
        return webhook_deliveries_visible_to(self.request.user)


class WebhookDeliveryReplay(APIView):
    @extend_schema(
        summary="Send a webhook message again (same id and body; new timestamp and signature)",
        request=None,
        responses={202: WebhookDeliverySerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def post(self, request, pk: int):
        delivery = (
            webhook_deliveries_visible_to(request.user).filter(pk=pk).first()
            if 0 < pk <= MAX_ID
            else None
        )
        if delivery is None:
            raise NotFound("No webhook delivery with this id is visible to you.")
        try:
            made = webhooks.replay(delivery, request.user)
        except webhooks.ReplayRefused as refused:
            return problem(409, str(refused), title="The message cannot be replayed now")
        return Response(WebhookDeliverySerializer(made).data, status=status.HTTP_202_ACCEPTED)
