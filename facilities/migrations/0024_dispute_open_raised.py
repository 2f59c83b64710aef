"""The disputes awaiting a decision, in the order the home page lists them (issue 13)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0019_merge_webhooks_references_photos_prepared"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="breachdispute",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["raised_at", "id"],
                name="dispute_open_raised",
            ),
        ),
    ]
