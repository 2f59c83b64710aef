from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0019_merge_webhooks_references_photos_prepared"),
    ]

    operations = [
        migrations.CreateModel(
            name="JobRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("task", models.CharField(max_length=100, unique=True)),
                ("last_completed_at", models.DateTimeField()),
                ("runs", models.PositiveBigIntegerField(default=0)),
            ],
            options={"verbose_name": "scheduled job run"},
        ),
    ]
