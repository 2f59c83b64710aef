"""One POST per life-cycle step: `/api/v1/faults/<id>/<step>/`.

Each view checks the input's shape, finds the fault in the caller's scope (else 404) and
calls the step's workflow service, which decides whether the step is allowed (else a 409
with the reason) — the very functions the browser's buttons call. The answer is the fault
as it now is, with its new `allowed_actions`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from facilities.faults import workflow
from facilities.faults.disputes import breach_dispute
from facilities.models import Breach, Contractor, Fault, User

from . import serializers as s
from .faults import IDEMPOTENCY_PARAMETER, fault_or_404, fault_response
from .idempotency import idempotent


class NoInput(serializers.Serializer):
    pass


class DecideHoldSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)


class ReassignSerializer(serializers.Serializer):
    contractor = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    reason = serializers.CharField(max_length=5000)


def _dispute(fault: Fault, user: User, data: dict) -> None:
    breach = Breach.objects.filter(fault=fault, step=data["step"]).first()
    if breach is None:
        raise ValidationError({"step": [f"{fault.reference} has no breach for this step."]})
    breach_dispute(breach=breach, actor=user, reason=data["reason"])


def _reassign(fault: Fault, user: User, data: dict) -> None:
    contractor = Contractor.objects.filter(pk=data["contractor"]).first()
    if contractor is None:
        raise ValidationError({"contractor": ["Choose a contractor from the list."]})
    workflow.fault_reassign(fault=fault, actor=user, contractor=contractor, reason=data["reason"])


@dataclass(frozen=True)
class Step:
    summary: str
    given: type[serializers.Serializer]
    run: Callable[[Fault, User, dict], object]


W = workflow
STEPS: dict[str, Step] = {
    "acknowledge": Step(
        "Acknowledge the job (contractor)", NoInput,
        lambda f, u, d: W.fault_acknowledge(fault=f, actor=u),
    ),
    "attend": Step(
        "Record attendance (contractor)", s.NoteSerializer,
        lambda f, u, d: W.fault_attend(fault=f, actor=u, note=d["note"]),
    ),
    "make-safe": Step(
        "Record that it was made safe (contractor)", s.RequiredNoteSerializer,
        lambda f, u, d: W.fault_make_safe(fault=f, actor=u, note=d["note"]),
    ),
    "fix": Step(
        "Record the fix (contractor)", s.RequiredNoteSerializer,
        lambda f, u, d: W.fault_fix(fault=f, actor=u, note=d["note"]),
    ),
    "awaiting-parts": Step(
        "Record that parts are awaited (contractor; the clock runs)", s.RequiredNoteSerializer,
        lambda f, u, d: W.fault_awaiting_parts(fault=f, actor=u, note=d["note"]),
    ),
    "request-hold": Step(
        "Ask for the clock to stop, e.g. no access (contractor)", s.RequestHoldSerializer,
        lambda f, u, d: W.fault_request_hold(fault=f, actor=u, note=d["note"], reason=d["reason"]),
    ),
    "decide-hold": Step(
        "Approve or refuse a contractor's hold request (premises side)", DecideHoldSerializer,
        lambda f, u, d: W.fault_decide_hold(fault=f, actor=u, approve=d["approve"], note=d["note"]),
    ),
    "hold": Step(
        "Put on hold (premises side)", s.ReasonSerializer,
        lambda f, u, d: W.fault_hold(fault=f, actor=u, reason=d["reason"]),
    ),
    "resume": Step(
        "Take off hold (premises side)", s.NoteSerializer,
        lambda f, u, d: W.fault_resume(fault=f, actor=u, note=d["note"]),
    ),
    "escalate": Step(
        "Escalate to the next level (premises side)", s.ReasonSerializer,
        lambda f, u, d: W.fault_escalate(fault=f, actor=u, reason=d["reason"]),
    ),
    "confirm": Step(
        "Confirm the fix and close (premises side)", s.NoteSerializer,
        lambda f, u, d: W.fault_confirm(fault=f, actor=u, note=d["note"]),
    ),
    "reopen": Step(
        "Reopen: the repair is not done (premises side)", s.ReasonSerializer,
        lambda f, u, d: W.fault_reopen(fault=f, actor=u, reason=d["reason"]),
    ),
    "cancel": Step(
        "Cancel (premises side)", s.ReasonSerializer,
        lambda f, u, d: W.fault_cancel(fault=f, actor=u, reason=d["reason"]),
    ),
    "comment": Step(
        "Comment (anyone who can see the fault)", s.CommentSerializer,
        lambda f, u, d: W.fault_comment(fault=f, actor=u, text=d["text"]),
    ),
    "change-priority": Step(
        "Change the priority (contract managers)", s.PrioritySerializer,
        lambda f, u, d: W.fault_change_priority(
            fault=f, actor=u, priority=d["priority"], reason=d["reason"]
        ),
    ),
    "reassign": Step(
        "Send to another contractor (contract managers)", ReassignSerializer, _reassign
    ),
    "dispute": Step("Dispute a breach of this fault (contractor)", s.DisputeSerializer, _dispute),
    "contractor-reference": Step(
        "Set your own job number for the fault (contractor; a contract manager may correct it)",
        s.ContractorReferenceSerializer,
        lambda f, u, d: W.fault_set_contractor_reference(
            fault=f, actor=u, contractor_reference=d["contractor_reference"]
        ),
    ),
}  # fmt: skip


def action_view(name: str, step: Step) -> type[APIView]:
    class StepView(APIView):
        @extend_schema(
            operation_id=f"faults_{name.replace('-', '_')}",
            summary=step.summary,
            request=step.given,
            responses={200: s.FaultSerializer},
            parameters=[IDEMPOTENCY_PARAMETER],
            tags=["actions"],
        )
        @idempotent
        def post(self, request, pk: int):
            fault = fault_or_404(request, pk)
            given = step.given(data=request.data)
            given.is_valid(raise_exception=True)
            step.run(fault, request.user, given.validated_data)
            return fault_response(request, fault)

    StepView.__name__ = StepView.__qualname__ = "Fault" + name.title().replace("-", "") + "View"
    return StepView


VIEWS = {name: action_view(name, step) for name, step in STEPS.items()}
