"""Joins the four branches made side by side: webhooks, contractors' job numbers, photo copies
and prepared reports."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0015_webhooks"),
        ("facilities", "0016_fault_contractor_reference"),
        ("facilities", "0017_photo_copies"),
        ("facilities", "0018_prepared_reports"),
    ]

    operations = []
