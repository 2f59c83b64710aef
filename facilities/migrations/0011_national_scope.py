"""National scope is explicit: `User.is_national`.

Until now a contract manager with no region saw the whole estate, so forgetting to tick a
region granted national access. From here a contract manager with neither regions nor the
flag sees nothing; the contract managers who are national today (no region) keep it.
"""

from django.db import migrations, models


def keep_national_users_national(apps, schema_editor):
    User = apps.get_model("facilities", "User")
    User.objects.filter(role="contract_manager", regions__isnull=True).update(is_national=True)


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0010_holds_breaches_disputes"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="is_national",
            field=models.BooleanField(
                default=False,
                help_text="National contract manager: sees every region. A contract manager with neither regions nor this sees nothing.",
                verbose_name="national",
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="regions",
            field=models.ManyToManyField(
                blank=True,
                help_text="Regional contract managers: their regions.",
                related_name="contract_managers",
                to="facilities.region",
            ),
        ),
        migrations.RunPython(keep_national_users_national, migrations.RunPython.noop),
    ]
