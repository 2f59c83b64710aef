"""How faults, events and reference data look in the API, and the inputs it accepts.

A fault carries its service-level steps (due, done, state: `Fault.outcomes`, the one
definition in `facilities.deadlines`) and `allowed_actions` (`workflow.allowed_actions`)
for the caller, so a client never re-implements the rules.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from facilities.faults import photos as photo_checks
from facilities.faults import workflow
from facilities.models import (
    Category,
    Contractor,
    Escalation,
    Fault,
    FaultEvent,
    Premises,
)
from facilities.models.contracts import PRIORITY_CHOICES


class Moment(serializers.DateTimeField):
    """DRF's DateTimeField with the service's time zone fixed when the field is made: DRF
    otherwise asks for the "current" zone (a context-local lookup) for every time it writes,
    which was a fifth of a fault list page's CPU (nine times and three steps per fault).
    The same answers: the service never activates another zone."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("default_timezone", timezone.get_default_timezone())
        super().__init__(*args, **kwargs)


class ModelSerializer(serializers.ModelSerializer):
    """Every model's times written by `Moment`."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: Moment,
    }


class Named(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


@extend_schema_field(Named)
class NamedField(serializers.Field):
    """A related object as `Named` ({"id", "name"}), read only: a plain dict rather than a
    nested serializer, as a list page writes three for each of its faults."""

    def __init__(self, **kwargs) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> dict:
        return {"id": value.pk, "name": value.name}


class RegionSerializer(Named):
    code = serializers.CharField()


class PremisesSerializer(ModelSerializer):
    region = RegionSerializer()

    class Meta:
        model = Premises
        fields = ["id", "name", "code", "kind", "nation", "region", "postcode", "bed_capacity"]


class CategorySerializer(ModelSerializer):
    class Meta:
        model = Category
        fields = [
            "id",
            "name",
            "slug",
            "default_priority",
            "safety_critical",
            "is_heating",
            "description",
            "is_active",
            "for_offices",
            "for_approved_premises",
        ]


class ContractorSerializer(ModelSerializer):
    class Meta:
        model = Contractor
        fields = ["id", "name", "helpdesk_email", "helpdesk_phone"]


class StepSerializer(serializers.Serializer):
    step = serializers.CharField()
    state = serializers.CharField()
    due_at = Moment(allow_null=True)
    done_at = Moment(allow_null=True)
    target_minutes = serializers.IntegerField(allow_null=True)
    paused_minutes = serializers.FloatField()
    taken_minutes = serializers.FloatField(allow_null=True)
    late = serializers.BooleanField()
    points = serializers.IntegerField()


#: Writes the steps' times as every other time in the API (one field for all: a list page
#: has 150 steps, and making a field each time cost more than the rest of a step).
_WHEN = Moment()


class FaultSerializer(ModelSerializer):
    reference = serializers.CharField(read_only=True)
    premises = NamedField()
    category = NamedField()
    contractor = NamedField(allow_null=True)
    reported_by = serializers.SerializerMethodField()
    is_open = serializers.BooleanField()
    is_on_hold = serializers.BooleanField()
    steps = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Fault
        fields = [
            "id",
            "reference",
            "status",
            "priority",
            "premises",
            "category",
            "contractor",
            "contractor_reference",
            "location",
            "description",
            "beds_out_of_use",
            "reported_by",
            "reported_at",
            "acknowledged_at",
            "attended_at",
            "made_safe_at",
            "fixed_at",
            "closed_at",
            "cancelled_at",
            "reopen_count",
            "is_open",
            "is_on_hold",
            "on_hold_since",
            "hold_reason",
            "escalation_level",
            "steps",
            "allowed_actions",
            "updated_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reported_by(self, fault: Fault) -> str | None:
        return fault.reported_by.get_full_name() or None if fault.reported_by_id else None

    @extend_schema_field(StepSerializer(many=True))
    def get_steps(self, fault: Fault) -> list[dict]:
        now = self.context.get("now") or timezone.now()
        return [
            {
                "step": o.step,
                "state": o.state.value,
                "due_at": _WHEN.to_representation(o.due_at) if o.due_at else None,
                "done_at": _WHEN.to_representation(o.done_at) if o.done_at else None,
                "target_minutes": o.target_minutes,
                "paused_minutes": o.paused_minutes,
                "taken_minutes": o.taken_minutes,
                "late": o.late,
                "points": o.points,
            }
            for o in fault.outcomes(now).values()
        ]

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=list(workflow.Action)))
    )
    def get_allowed_actions(self, fault: Fault) -> list[str]:
        # Asked once per response, not once per fault (a list page has up to 200).
        if "any_contractor" not in self.context:
            self.context["any_contractor"] = Contractor.objects.exists()
        user = self.context["request"].user
        return [
            a.value
            for a in workflow.allowed_actions(
                fault, user, any_contractor=self.context["any_contractor"]
            )
        ]


class EventSerializer(ModelSerializer):
    fault = serializers.IntegerField(source="fault_id")
    fault_reference = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField()
    details = serializers.DictField()

    class Meta:
        model = FaultEvent
        fields = ["id", "fault", "fault_reference", "kind", "at", "actor", "note", "details"]

    def get_fault_reference(self, event: FaultEvent) -> str:
        return f"FLT-{event.fault_id:06d}"

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, event: FaultEvent) -> str | None:
        if event.actor_id is None:
            return None
        return event.actor.get_full_name() or event.actor.username


class EscalationSerializer(ModelSerializer):
    fault = serializers.IntegerField(source="fault_id")

    class Meta:
        model = Escalation
        fields = ["id", "fault", "level", "reason", "automatic", "raised_at"]


# --- Inputs --------------------------------------------------------------------------------


class PhotoUploads(serializers.ListField):
    """Files of a multipart request; anything else is refused in one message for `photos`."""

    child = serializers.FileField(allow_empty_file=True)

    def to_internal_value(self, data) -> list:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            raise serializers.ValidationError(
                "Send photos as files in a multipart/form-data request."
            ) from None


class FaultCreateSerializer(serializers.Serializer):
    """A new fault; as `multipart/form-data`, with any number of `photos` (JPEG or PNG)."""

    premises = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    category = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    location = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000)
    beds_out_of_use = serializers.IntegerField(min_value=0, max_value=1000, default=0)
    priority = serializers.ChoiceField(choices=PRIORITY_CHOICES, required=False)
    priority_reason = serializers.CharField(max_length=1000, required=False, default="")
    photos = PhotoUploads(
        required=False,
        default=list,
        help_text="Photos of the fault (multipart/form-data only), each a JPEG or PNG of at "
        f"most {photo_checks.MAX_MEGABYTES} MB, checked from its content as the browser "
        "form checks them.",
    )

    def validate_photos(self, uploads: list) -> list:
        """The browser form's check, file by file (`faults.photos.problems`)."""
        if problems := photo_checks.problems(uploads):
            raise serializers.ValidationError(problems)
        return uploads


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)


class RequiredNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class RequestHoldSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000)
    reason = serializers.CharField(max_length=250, required=False, default="No access")


class CommentSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class PrioritySerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=PRIORITY_CHOICES)
    reason = serializers.CharField(max_length=5000)


class DisputeSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=["attend", "make_safe", "fix"])
    reason = serializers.CharField(max_length=5000)


class ContractorReferenceSerializer(serializers.Serializer):
    contractor_reference = serializers.CharField(
        max_length=50,
        allow_blank=True,
        help_text="Your own job number for this fault (unique among your faults); an empty "
        "string removes it.",
    )
