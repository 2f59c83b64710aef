"""Categories say which kinds of premises they apply to.

Every category applies to offices and approved premises alike, except "Approved premises
beds", which only an approved premises has: the log form no longer offers it at an office,
and logging one there is refused.
"""

from django.db import migrations, models

APPROVED_PREMISES_ONLY = ["ap-beds"]


def mark_approved_premises_only(apps, schema_editor):
    Category = apps.get_model("facilities", "Category")
    Category.objects.filter(slug__in=APPROVED_PREMISES_ONLY).update(
        for_offices=False, for_approved_premises=True
    )


def apply_everywhere(apps, schema_editor):
    Category = apps.get_model("facilities", "Category")
    Category.objects.filter(slug__in=APPROVED_PREMISES_ONLY).update(for_offices=True)


class Migration(migrations.Migration):
    dependencies = [("facilities", "0010_holds_breaches_disputes")]

    operations = [
        migrations.AddField(
            model_name="category",
            name="for_offices",
            field=models.BooleanField(
                default=True,
                help_text="Can be logged at probation offices.",
                verbose_name="probation offices",
            ),
        ),
        migrations.AddField(
            model_name="category",
            name="for_approved_premises",
            field=models.BooleanField(
                default=True,
                help_text="Can be logged at approved premises.",
                verbose_name="approved premises",
            ),
        ),
        migrations.AddConstraint(
            model_name="category",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("for_offices", True), ("for_approved_premises", True), _connector="OR"
                ),
                name="category_applies_somewhere",
                violation_error_message="A category must apply to offices, approved premises or both.",
            ),
        ),
        migrations.RunPython(mark_approved_premises_only, apply_everywhere),
    ]
