# Joins the migrations written side by side: quiet hours, Notify, audit history and retention
# (0020-0022), report pages prepared by the worker (0023), the open-disputes index (0024) and
# the record of completed scheduled jobs (0025). None touches another's tables.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0022_fault_anonymised_at"),
        ("facilities", "0023_prepared_report_pages"),
        ("facilities", "0024_dispute_open_raised"),
        ("facilities", "0025_job_runs"),
    ]

    operations = []
