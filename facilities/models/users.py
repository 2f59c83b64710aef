"""People and their roles; what each may see is decided in facilities.access."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    OFFICE_MANAGER = "office_manager", "Office manager"
    CONTRACTOR = "contractor", "Contractor"
    CONTRACT_MANAGER = "contract_manager", "MoJ contract manager"
    ADMINISTRATOR = "administrator", "Administrator"


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.OFFICE_MANAGER)
    premises = models.ManyToManyField(
        "facilities.Premises",
        blank=True,
        related_name="managers",
        help_text="Office managers: the premises they manage.",
    )
    contractor = models.ForeignKey(
        "facilities.Contractor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text="Contractor users: their company.",
    )
    regions = models.ManyToManyField(
        "facilities.Region",
        blank=True,
        related_name="contract_managers",
        help_text="Regional contract managers: their regions.",
    )
    is_national = models.BooleanField(
        "national",
        default=False,
        help_text="National contract manager: sees every region. A contract manager with "
        "neither regions nor this sees nothing.",
    )
    job_title = models.CharField(max_length=100, blank=True)
    wants_daily_digest = models.BooleanField(
        default=False, help_text="One email a day instead of one per fault."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="contractor") | Q(contractor__isnull=False),
                name="user_contractor_has_company",
                violation_error_message="A contractor user must belong to a contractor.",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_office_manager(self) -> bool:
        return self.role == Role.OFFICE_MANAGER

    @property
    def is_contractor(self) -> bool:
        return self.role == Role.CONTRACTOR

    @property
    def is_contract_manager(self) -> bool:
        return self.role == Role.CONTRACT_MANAGER

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR or self.is_superuser
