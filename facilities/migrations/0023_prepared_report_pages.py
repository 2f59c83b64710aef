"""The report page is prepared by a worker too (issue 11): a prepared row may hold a page."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0019_merge_webhooks_references_photos_prepared"),
    ]

    operations = [
        migrations.AlterField(
            model_name="preparedreport",
            name="format",
            field=models.CharField(
                choices=[("csv", "CSV"), ("xlsx", "XLSX"), ("pdf", "PDF"), ("page", "Report page")],
                max_length=4,
            ),
        ),
    ]
