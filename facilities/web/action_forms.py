"""Forms for the steps on a fault's page: notes, priority, reassignment, hold and dispute
decisions, disputes. Each is checked again by the life cycle, whose refusals land on the form."""

from __future__ import annotations

from django import forms

from facilities.models import Contractor
from facilities.models.contracts import PRIORITY_CHOICES

from .forms import PRIORITY_NAMES, _text, priority_words

# --- Actions on a fault ------------------------------------------------------------------------


class TextForm(forms.Form):
    """One piece of text an action takes: a note, a reason or a comment."""

    def __init__(self, *args, name: str, label: str, hint: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields[name] = _text(label, hint)


class NoInputForm(forms.Form):
    """An action that is just a button."""


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(
        label="New priority",
        choices=[(code, priority_words(code, with_fix=True)) for code, _ in PRIORITY_CHOICES],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the new priority"},
    )

    def __init__(self, *args, current: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["priority"].help_text = f"It is {PRIORITY_NAMES[current]} now."
        self.fields["reason"] = _text("Why is the priority changing?")


class ReassignForm(forms.Form):
    contractor = forms.ModelChoiceField(
        queryset=Contractor.objects.all(),
        label="Contractor",
        empty_label="Choose a contractor",
        error_messages={
            "required": "Choose the contractor to send the fault to",
            "invalid_choice": "Choose one of the contractors in the list",
        },
    )

    def __init__(self, *args, current: Contractor | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contractor"].help_text = (
            f"It is with {current} now." if current else "No contractor has it now."
        )
        self.fields["reason"] = _text("Why is the fault being reassigned?")


class JobNumberForm(forms.Form):
    """The contractor's own job number; how long it may be and whether it is free is the
    workflow's rule (`faults.job_numbers`), whose refusals land on this field."""

    contractor_reference = forms.CharField(
        label="Contractor's job number",
        help_text="Your own reference for this job, so your records and this service can be "
        "matched. Leave it empty to remove it.",
        required=False,
    )

    def __init__(self, *args, current: str = "", **kwargs) -> None:
        kwargs.setdefault("initial", {"contractor_reference": current})
        super().__init__(*args, **kwargs)


class DecisionForm(forms.Form):
    """A yes-or-no decision with the reason for it (a hold request, a disputed breach).

    The fault's page sends the decision from one of two buttons (`name="decision"`); the
    decision's own page asks it as radios. Whether the reason is needed is the workflow's rule.
    """

    def __init__(
        self,
        *args,
        choices: list[tuple[str, str]],
        legend: str,
        required: str,
        reason_name: str,
        reason_label: str,
        hint: str = "",
        reason_hint: str = "",
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"] = forms.ChoiceField(
            label=legend,
            help_text=hint,
            choices=choices,
            widget=forms.RadioSelect,
            error_messages={"required": required, "invalid_choice": required},
        )
        self.fields[reason_name] = _text(reason_label, reason_hint)


def hold_decision_form(data: dict | None, *, hint: str = "") -> DecisionForm:
    return DecisionForm(
        data,
        choices=[
            ("approve", "Approve hold – the clock stops from the time of the request"),
            ("refuse", "Refuse hold – the clock keeps running"),
        ],
        legend="Do you approve the hold request?",
        hint=hint,
        required="Choose whether to approve or refuse the hold request",
        reason_name="note",
        reason_label="Reason",
        reason_hint="Needed if you refuse the request. The contractor can see it.",
    )


def dispute_decision_form(data: dict | None, *, prefix: str | None = None) -> DecisionForm:
    return DecisionForm(
        data,
        prefix=prefix,
        choices=[("accept", "Accept (waive the breach)"), ("reject", "Reject")],
        legend="Do you accept the dispute?",
        required="Choose whether to accept or reject the dispute",
        reason_name="reason",
        reason_label="Reason for your decision",
        reason_hint="The contractor can see it. Accepting waives the breach.",
    )


class DisputeForm(forms.Form):
    reason = _text(
        "Why should this breach not count?",
        "For example, the premises were closed when the engineer arrived. "
        "A contract manager will accept or reject the dispute.",
    )
