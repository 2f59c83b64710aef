"""`manage.py anonymise_closed_faults [--dry-run] [--days N]`

Removes the personal data of faults closed (or cancelled) more than `RETENTION_DAYS` ago
(`facilities.retention.anonymising`); beat runs the same daily. `--dry-run` says what would
change and changes nothing.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from facilities.retention import anonymising


class Command(BaseCommand):
    help = "Anonymise closed faults past the retention period (personal data only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would change; change nothing."
        )
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Retention period in days (default: the RETENTION_DAYS setting).",
        )

    def handle(self, *args, dry_run, days, **options):
        if days is not None and days < 1:
            raise CommandError("--days must be 1 or more.")
        period = anonymising.retention_days() if days is None else days
        outcome = anonymising.anonymise_closed_faults(
            now=timezone.now(), days=period, dry_run=dry_run
        )
        verb = "Would anonymise" if dry_run else "Anonymised"
        self.stdout.write(f"{verb} {outcome.faults} fault(s) closed more than {period} days ago.")
        for what, count in sorted(outcome.as_dict().items()):
            if what != "faults":
                self.stdout.write(f"  {what.replace('_', ' ')}: {count}")
