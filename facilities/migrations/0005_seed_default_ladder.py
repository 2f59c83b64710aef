"""The default escalation ladder (facilities/ladder.py); administrators override it per contract or region.

Level 4 goes to the head of estates for the region: add a level-4 step for each region with
that person's address under "other addresses". Until then it goes to the national contract
managers, so the top of the ladder is never silent.
"""

from decimal import Decimal

from django.db import migrations

DEFAULT_LADDER = [
    # level, starts after, plus fix windows, audiences
    (1, "attend_due", "0.00", ["email_contractor_helpdesk", "email_office_managers"]),
    (2, "fix_due", "0.00", ["email_account_manager", "email_regional_contract_managers"]),
    (3, "fix_due", "0.50", ["email_national_contract_managers"]),
    (4, "fix_due", "1.00", ["email_national_contract_managers"]),
]


def seed(apps, schema_editor):
    EscalationStep = apps.get_model("facilities", "EscalationStep")
    for level, starts_after, plus, audiences in DEFAULT_LADDER:
        EscalationStep.objects.get_or_create(
            contract=None,
            region=None,
            level=level,
            defaults={
                "starts_after": starts_after,
                "plus_fix_windows": Decimal(plus),
                **dict.fromkeys(audiences, True),
            },
        )


def unseed(apps, schema_editor):
    EscalationStep = apps.get_model("facilities", "EscalationStep")
    EscalationStep.objects.filter(contract=None, region=None).delete()


class Migration(migrations.Migration):
    dependencies = [("facilities", "0004_escalation_steps_and_outbox")]

    operations = [migrations.RunPython(seed, unseed)]
