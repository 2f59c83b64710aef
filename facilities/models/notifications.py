"""Who is emailed at each escalation level, and the outbox every email goes through.

`EscalationStep` rows configure the ladder per contract, per region, or by default; the
escalation module resolves them as plain data. `OutboxEmail` rows are written in the same
transaction as the change that causes them, so an email is never lost with its cause nor
written twice (its dedupe key is unique); delivery claims a row before sending it.

A row holds its recipients, template name and what the message adds to its fault's facts
(level, reason, who was already alerted, the event's time). Subject and bodies are rendered
from those, with the fault as of that time, when the row is first sent, and kept on it: the
sweep that writes thousands of rows at once stays fast, and the row shows what was sent.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q

from facilities import ladder


class StartsAfter(models.TextChoices):
    ATTEND_DUE = ladder.StartsAfter.ATTEND_DUE.value, "Attendance due time"
    FIX_DUE = ladder.StartsAfter.FIX_DUE.value, "Fix due time"


PLUS_FIX_WINDOW_CHOICES = [
    (Decimal("0.00"), "at the due time"),
    (Decimal("0.50"), "after a further half of the fix window"),
    (Decimal("1.00"), "after a further full fix window"),
    (Decimal("2.00"), "after a further two fix windows"),
]


def validate_email_list(value: str) -> None:
    for address in split_emails(value):
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(f"{address} is not an email address.") from None


def split_emails(value: str) -> list[str]:
    """Addresses separated by commas, semicolons or new lines, in order, each once."""
    parts = value.replace(";", ",").replace("\n", ",").split(",")
    return list(dict.fromkeys(p.strip().lower() for p in parts if p.strip()))


class EscalationStep(models.Model):
    """One level of the ladder: when it falls due and whom it emails.

    Leave contract and region empty for the default ladder; a step for a region applies to
    faults at its premises, a step for a contract to that contract's faults, and the most
    specific step for a level wins (contract, then region, then default).
    """

    contract = models.ForeignKey(
        "facilities.Contract",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="escalation_steps",
    )
    region = models.ForeignKey(
        "facilities.Region",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="escalation_steps",
    )
    level = models.PositiveSmallIntegerField(choices=[(n, f"Level {n}") for n in ladder.LEVELS])
    starts_after = models.CharField(max_length=20, choices=StartsAfter.choices)
    plus_fix_windows = models.DecimalField(
        "and then",
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.00"),
        choices=PLUS_FIX_WINDOW_CHOICES,
    )
    email_contractor_helpdesk = models.BooleanField("contractor helpdesk", default=False)
    email_account_manager = models.BooleanField("contractor account manager", default=False)
    email_office_managers = models.BooleanField("the premises' office managers", default=False)
    email_regional_contract_managers = models.BooleanField(
        "the region's contract managers", default=False
    )
    email_national_contract_managers = models.BooleanField(
        "national contract managers", default=False
    )
    extra_emails = models.TextField(
        "other addresses",
        blank=True,
        validators=[validate_email_list],
        help_text="Comma-separated, such as the region's head of estates.",
    )

    AUDIENCE_FIELDS = {
        ladder.Audience.CONTRACTOR_HELPDESK: "email_contractor_helpdesk",
        ladder.Audience.ACCOUNT_MANAGER: "email_account_manager",
        ladder.Audience.OFFICE_MANAGERS: "email_office_managers",
        ladder.Audience.REGIONAL_CONTRACT_MANAGERS: "email_regional_contract_managers",
        ladder.Audience.NATIONAL_CONTRACT_MANAGERS: "email_national_contract_managers",
    }

    class Meta:
        ordering = ["contract", "region", "level"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=4), name="escalation_step_level_1_to_4"
            ),
            models.CheckConstraint(
                condition=Q(plus_fix_windows__gte=0), name="escalation_step_plus_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(contract__isnull=True) | Q(region__isnull=True),
                name="escalation_step_contract_or_region",
                violation_error_message="A step is for a contract or for a region, not both.",
            ),
            models.UniqueConstraint(
                fields=["level"],
                condition=Q(contract__isnull=True, region__isnull=True),
                name="one_default_step_per_level",
                violation_error_message="The default ladder already has this level.",
            ),
            models.UniqueConstraint(
                fields=["region", "level"],
                condition=Q(contract__isnull=True, region__isnull=False),
                name="one_region_step_per_level",
                violation_error_message="This region already has a step for this level.",
            ),
            models.UniqueConstraint(
                fields=["contract", "level"],
                condition=Q(contract__isnull=False),
                name="one_contract_step_per_level",
                violation_error_message="This contract already has a step for this level.",
            ),
        ]

    def __str__(self) -> str:
        scope = self.contract or self.region or "Default"
        return f"{scope}: level {self.level}"

    def as_step(self) -> ladder.Step:
        """The pure value the escalation module works on."""
        return ladder.Step(
            level=self.level,
            starts_after=ladder.StartsAfter(self.starts_after),
            plus_fix_windows=Decimal(self.plus_fix_windows),
            audiences=frozenset(a for a, f in self.AUDIENCE_FIELDS.items() if getattr(self, f)),
            extra_emails=tuple(split_emails(self.extra_emails)),
            contract_id=self.contract_id,
            region_id=self.region_id,
        )


def all_steps() -> list[ladder.Step]:
    """Every configured step (a small table: read once per sweep, resolved per fault)."""
    return [row.as_step() for row in EscalationStep.objects.all()]


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed permanently"
    HELD = "held", "Held for the daily digest"
    DIGESTED = "digested", "Sent in a daily digest"
    QUIET = "quiet", "Held for quiet hours"
    BUNDLED = "bundled", "Sent in the morning's held emails"


class OutboxKind(models.TextChoices):
    FAULT_LOGGED = "fault_logged", "Fault logged (contractor)"
    FAULT_RECEIPT = "fault_receipt", "Fault logged (receipt)"
    FAULT_FIXED = "fault_fixed", "Fault fixed"
    FAULT_REOPENED = "fault_reopened", "Fault reopened"
    PRIORITY_CHANGED = "priority_changed", "Priority changed"
    AT_RISK = "at_risk", "At risk"
    ESCALATION = "escalation", "Escalation"
    DIGEST = "digest", "Daily digest"
    REPORT = "report", "Monthly performance report"
    HOLD_REQUESTED = "hold_requested", "Hold requested by the contractor"
    BREACH_DISPUTED = "breach_disputed", "Breach disputed"
    DISPUTE_DECIDED = "dispute_decided", "Dispute decided"
    HELD_OVERNIGHT = "held_overnight", "Escalations held in quiet hours"
    ESCALATION_SMS = "escalation_sms", "Escalation text message (P1)"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


class OutboxEmail(models.Model):
    """One email, written with its cause and sent by a worker that claims it first."""

    kind = models.CharField(max_length=20, choices=OutboxKind.choices)
    dedupe_key = models.CharField(
        max_length=320, unique=True, help_text="The same message can never be written twice."
    )
    fault = models.ForeignKey(
        "facilities.Fault",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="emails",
    )
    channel = models.CharField(max_length=5, choices=Channel.choices, default=Channel.EMAIL)
    to = models.JSONField(
        default=list, help_text="Recipient addresses (phone numbers for a text message)."
    )
    delivered_to = models.JSONField(
        default=list,
        blank=True,
        help_text="Recipients GOV.UK Notify has accepted this message for (never sent again).",
    )
    subject = models.CharField(max_length=250, blank=True, help_text="Rendered when first sent.")
    template = models.CharField(
        max_length=50, help_text="emails/<template>-subject.txt, -body.txt and -body.html."
    )
    context = models.JSONField(
        default=dict, blank=True, help_text="What the email says, as of the event that caused it."
    )
    body_text = models.TextField(blank=True, help_text="Rendered when first sent, then kept.")
    body_html = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    digest = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="digested",
        help_text="The daily digest (or morning email) a held email went out in.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "outbox email"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="outbox_pending_by_next_attempt",
            ),
            models.Index(
                fields=["claimed_at"], condition=Q(status="sending"), name="outbox_sending_since"
            ),
            models.Index(fields=["created_at"], condition=Q(status="held"), name="outbox_held"),
            models.Index(
                fields=["next_attempt_at"], condition=Q(status="quiet"), name="outbox_quiet"
            ),
            models.Index(fields=["fault", "created_at"], name="outbox_fault_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="outbox_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject or self.dedupe_key}"
