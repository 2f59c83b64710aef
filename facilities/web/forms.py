"""Forms for one fault: logging it, and the notes and choices its actions take.

Forms check the *shape* of what was typed (something chosen, a whole number, a photo that
is really a JPEG or PNG); `facilities.faults.workflow` decides the rules and its WorkflowError
names the field at fault, which `add_workflow_error` puts back on the form.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cached_property

from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import Case, Q, QuerySet, When
from django.utils import timezone

from facilities import sla
from facilities.faults import photos as photo_checks
from facilities.faults.intake import category_refusal
from facilities.faults.workflow import WorkflowError
from facilities.locations import LocationKey, location_key
from facilities.models import Category, Fault, FaultStatus, Premises
from facilities.models.contracts import PRIORITY_CHOICES
from facilities.models.faults import OPEN_STATUS_VALUES

DESCRIPTION_MAX = 2000
NOTE_MAX = 2000
PRIORITY_NAMES = dict(PRIORITY_CHOICES)
PHOTOS_NOT_KEPT = "Add the photos again – they are not kept when something else needs fixing"
#: The "No, this is a new fault" answer to "Is this a repeat of an earlier fault?".
REPEAT_NEW = "new"
#: Faults logged or fixed this recently (or still open) are offered as what a fault repeats.
REPEAT_LOOKBACK = timedelta(days=90)
#: At most this many are offered, the most alike first.
REPEAT_CHOICES = 10


# --- Words for service levels --------------------------------------------------------------


def target_words(minutes: int, clock: sla.Clock) -> str:
    """A service-level target as people say it: "2 hours", "3 days", "10 working days"."""
    if clock == sla.Clock.WORKING:
        days, rest = divmod(minutes, sla.WORKING_MINUTES_PER_DAY)
        if not rest and days:
            return f"{days} working day{'s' if days != 1 else ''}"
        return f"{minutes / 60:g} working hours"
    if minutes % 1440 == 0 and minutes >= 2880:
        return f"{minutes // 1440} days"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minutes"


def priority_words(priority: str, *, with_fix: bool = False) -> str:
    """ "P1 emergency – attend within 2 hours" from the national default service levels."""
    targets = sla.DEFAULT_TARGETS[sla.Priority(priority)]
    words = (
        f"{PRIORITY_NAMES[priority]} – attend within "
        f"{target_words(targets.attend_minutes, targets.clock)}"
    )
    if with_fix:
        words += f", fix within {target_words(targets.fix_minutes, targets.clock)}"
    return words


# --- Fields ---------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Any number of photos, each checked from its content (facilities.faults.photos)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None) -> list:
        uploads = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if problems := photo_checks.problems(uploads):
            raise forms.ValidationError(f"{'. '.join(problems)}. Add the photos again")
        return uploads


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.name


class RepeatOfField(forms.ModelChoiceField):
    """The earlier fault this one repeats, by id; `REPEAT_NEW` (or nothing) means none."""

    def to_python(self, value):
        return None if value == REPEAT_NEW else super().to_python(value)


class PremisesChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Premises) -> str:
        return obj.name


def _text(label: str, hint: str = "", limit: int = NOTE_MAX) -> forms.CharField:
    """Optional text: whether it is needed is the workflow's rule, not the form's."""
    return forms.CharField(
        label=label,
        help_text=hint,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[
            MaxLengthValidator(limit, message=f"{label} must be {limit} characters or fewer")
        ],
    )


# --- Logging a fault --------------------------------------------------------------------------


class FaultLogForm(forms.Form):
    premises = PremisesChoiceField(
        queryset=Premises.objects.none(),
        label="Premises",
        empty_label="Choose premises",
        error_messages={
            "required": "Choose the premises where the fault is",
            "invalid_choice": "Choose one of the premises you look after",
        },
    )
    category = CategoryChoiceField(
        queryset=Category.objects.filter(is_active=True),
        label="What kind of fault is it?",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Choose what kind of fault it is",
            "invalid_choice": "Choose what kind of fault it is",
        },
    )
    location = forms.CharField(
        label="Where in the building is it?",
        help_text="For example, first floor kitchen or interview room 3",
        max_length=200,
        error_messages={
            "required": "Enter where in the building the fault is",
            "max_length": "Where in the building must be 200 characters or fewer",
        },
    )
    # Asked only once the premises and kind of fault are known and a recent fault there is of
    # the same kind (`earlier_faults`): the page is shown again to ask it before logging.
    repeat_of = RepeatOfField(
        queryset=Fault.objects.none(),
        required=False,
        label="Is this a repeat of an earlier fault?",
        error_messages={
            "invalid_choice": "Choose one of the faults listed, or say this is a new fault",
        },
    )
    # The premises and kind of fault the question was asked for ("premises:category").
    repeat_asked = forms.CharField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(
        label="What is wrong?",
        help_text="Say what does not work and anything that makes it unsafe",
        widget=forms.Textarea(attrs={"rows": 5}),
        validators=[
            MaxLengthValidator(
                DESCRIPTION_MAX,
                message=f"Description must be {DESCRIPTION_MAX} characters or fewer",
            )
        ],
        error_messages={"required": "Enter a description of the fault"},
    )
    beds_out_of_use = forms.IntegerField(
        label="How many beds are out of use because of this fault?",
        required=False,
        widget=forms.TextInput,
        error_messages={"invalid": "Beds out of use must be a whole number, like 2"},
    )
    photos = PhotosField(
        label="Photos (optional)",
        required=False,
        help_text=(
            f"JPEG or PNG, up to {photo_checks.MAX_MEGABYTES} MB each. "
            "You can choose more than one."
        ),
    )

    def __init__(
        self,
        *args,
        premises: QuerySet[Premises],
        faults: QuerySet[Fault] | None = None,
        now: datetime | None = None,
        preselected: Premises | None = None,
        **kwargs,
    ) -> None:
        """`faults`: those the user may see, of which a repeat may name one. `preselected`:
        the premises chosen before the form (its page's "Log a fault here", a poster)."""
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        self.fields["repeat_of"].queryset = (
            Fault.objects.none() if faults is None else faults
        ).exclude(status=FaultStatus.CANCELLED)
        self.premises_choices = list(premises)
        self.preselected = next((p for p in self.premises_choices if p == preselected), None)
        field = self.fields["premises"]
        field.queryset = premises
        if self.fixed_premises is not None:
            # Nothing to choose: a hidden field, and the page shows the name.
            field.widget = forms.HiddenInput()
            field.initial = self.fixed_premises.pk
        self.offered_premises = (
            [self.fixed_premises] if self.fixed_premises else self.premises_choices
        )
        # Only the kinds of fault that apply to the premises offered (or the one chosen).
        self.kinds = {p.kind for p in self.offered_premises}
        self.fields["category"].queryset = Category.objects.filter(is_active=True).for_kinds(
            self.kinds
        )
        self.approved_premises = [p for p in self.offered_premises if p.is_approved_premises]
        if not self.approved_premises:
            del self.fields["beds_out_of_use"]

    @property
    def only_premises(self) -> Premises | None:
        return self.premises_choices[0] if len(self.premises_choices) == 1 else None

    @property
    def fixed_premises(self) -> Premises | None:
        """The premises the fault is at, if there is nothing to choose (the only one, or the
        one chosen before the form)."""
        return self.only_premises or self.preselected

    @property
    def mixed_kinds(self) -> bool:
        """The categories offered are for offices and approved premises alike, so each says
        where it applies (without JavaScript the list cannot follow the premises chosen)."""
        return len(self.kinds) > 1

    @property
    def asks_beds_for_all(self) -> bool:
        """Every premises is an approved premises, so the beds question always applies."""
        return len(self.approved_premises) == len(self.offered_premises)

    def chosen_premises(self) -> Premises | None:
        """The premises chosen so far (or the only one), for hints about its beds."""
        if self.only_premises:
            return self.only_premises
        value = self["premises"].value()
        return next((p for p in self.premises_choices if str(p.pk) == str(value)), None)

    def chosen_category(self) -> Category | None:
        value = self["category"].value()
        if not value:
            return None
        return next((c for c in self.fields["category"].queryset if str(c.pk) == str(value)), None)

    # --- Is this a repeat of an earlier fault? ---

    def repeat_key(self) -> str:
        """The premises and kind of fault chosen so far, as `repeat_asked` records them."""
        premises, category = self.chosen_premises(), self.chosen_category()
        return f"{premises.pk}:{category.pk}" if premises and category else ""

    @cached_property
    def earlier_faults(self) -> list[Fault]:
        """Recent faults at the chosen premises this one may repeat, the most alike first.

        Not cancelled, and logged or fixed in the last 90 days or still open; of the chosen
        kind and in the same place first (`facilities.locations`), then of the chosen kind,
        then the rest; newest first within each. Each has `alike`: 0, 1 or 2 in that order.
        """
        premises, category = self.chosen_premises(), self.chosen_category()
        if premises is None or category is None:
            return []
        since = self.now - REPEAT_LOOKBACK
        place = location_key(str(self["location"].value() or ""))
        return list(
            self.fields["repeat_of"]
            .queryset.filter(premises=premises, reported_at__lte=self.now)
            .filter(
                Q(reported_at__gte=since)
                | Q(fixed_at__gte=since)
                | Q(status__in=OPEN_STATUS_VALUES)
            )
            .alias(place=LocationKey("location"))
            .annotate(
                alike=Case(
                    When(category=category, place=place, then=0),
                    When(category=category, then=1),
                    default=2,
                )
            )
            .select_related("category")
            .order_by("alike", "-reported_at", "-pk")[:REPEAT_CHOICES]
        )

    @property
    def asks_repeat(self) -> bool:
        """Show the question: a recent fault here is of the same kind (or it was answered
        wrongly)."""
        alike = bool(self.earlier_faults) and self.earlier_faults[0].alike < 2
        return alike or bool(self.is_bound and self.errors.get("repeat_of"))

    @property
    def repeat_was_asked(self) -> bool:
        """The page just sent asked the question for the premises and kind chosen now."""
        key = self.repeat_key()
        return bool(self.is_bound and key and self.data.get("repeat_asked") == key)

    def needs_repeat_check(self) -> bool:
        """The question applies but was not on the page just sent: ask it before logging."""
        return self.asks_repeat and not self.repeat_was_asked

    def clean(self):
        data = super().clean()
        earlier, premises = data.get("repeat_of"), data.get("premises")
        category = data.get("category")
        if category and premises and not category.applies_to(premises.kind):
            self.add_error("category", category_refusal(category, premises))
        if earlier is not None and premises is not None and earlier.premises_id != premises.pk:
            self.add_error(
                "repeat_of", f"Choose a fault at {premises.name}, or say this is a new fault"
            )
        elif self.repeat_was_asked and self.asks_repeat and not self.data.get("repeat_of"):
            self.add_error("repeat_of", "Select whether this is a repeat of an earlier fault")
        return data

    @property
    def photos_sent(self) -> bool:
        return self.is_bound and any(upload for upload in self.files.getlist("photos"))

    def ask_again_for_photos(self) -> None:
        """Browsers cannot keep chosen files over a re-shown page: say so next to the field."""
        if not self.is_bound or not self.errors or "photos" in self.errors:
            return
        if any(upload for upload in self.files.getlist("photos")):
            self.add_error("photos", PHOTOS_NOT_KEPT)


def add_workflow_error(form: forms.Form, error: WorkflowError) -> None:
    """Show the workflow's refusal next to the field it names (or above the form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
