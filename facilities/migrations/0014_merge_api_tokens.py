"""Merges the branches that each started from 0010 (national scope, API tokens, kinds)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0011_national_scope"),
        ("facilities", "0012_api_tokens"),
        ("facilities", "0013_category_premises_kinds"),
    ]

    operations = []
