"""`manage.py export_faults --from 2026-01-01 --to 2026-12-31 [--format csv|jsonl] [--output F]`

Faults reported from the first day to the last (inclusive, London dates) with their
timelines, streamed in constant memory (`facilities.retention.exporting`), with a progress
bar on standard error. Without `--output` it writes to standard output.
"""

from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from facilities.retention import exporting
from facilities.sla import LONDON


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date like 2026-01-31.") from None


class Command(BaseCommand):
    help = "Export faults reported in a date range, with their timelines, as CSV or JSON Lines."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="last", required=True, help="Last day, YYYY-MM-DD.")
        parser.add_argument("--format", dest="fmt", choices=["csv", "jsonl"], default="jsonl")
        parser.add_argument("--output", default="-", help="A file to write (default: stdout).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, first, last, fmt, output, no_progress, **options):
        start_day, last_day = _day(first), _day(last)
        if last_day < start_day:
            raise CommandError("--to is before --from.")
        start = datetime.combine(start_day, time(0), tzinfo=LONDON)
        end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=LONDON)
        total = exporting.count(start, end)
        bar = tqdm(total=total, unit="fault", file=self.stderr._out, disable=no_progress, delay=0.5)
        try:
            if output == "-":
                written = exporting.export(
                    start=start, end=end, out=self.stdout._out, fmt=fmt, progress=bar.update
                )
            else:
                path = Path(output)
                with path.open("w", encoding="utf-8", newline="") as out:
                    written = exporting.export(
                        start=start, end=end, out=out, fmt=fmt, progress=bar.update
                    )
        finally:
            bar.close()
        self.stderr.write(f"Exported {written} fault(s) reported {start_day} to {last_day}.")
