"""`manage.py seed_demo`: the demo estate, people and a deterministic fault history."""

import argparse
import sys
from datetime import UTC, datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from facilities import demo
from facilities.models import Fault


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date and time: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


class Command(BaseCommand):
    help = (
        "Create the demo estate (12 regions, ~60 premises, 4 contractors, people of every role) "
        "and a realistic, deterministic history of faults; then print the demo logins."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help="Random seed (default 2026)."
        )
        parser.add_argument(
            "--faults",
            type=int,
            default=demo.DEFAULT_FAULTS,
            help="How many faults to generate (default 3000; 0 for the estate only).",
        )
        parser.add_argument(
            "--months",
            type=_positive,
            default=demo.DEFAULT_MONTHS,
            help="Spread the faults over this many months before now (default 6).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="If any fault exists already, do nothing but print the demo logins.",
        )
        parser.add_argument(
            "--workers",
            type=_positive,
            default=None,
            help="Processes generating and writing faults at once (PostgreSQL only; "
            "default: one per CPU there, else one). The data is the same whatever the number.",
        )
        parser.add_argument(
            "--batch-size", type=_positive, default=demo.BATCH_SIZE, help=argparse.SUPPRESS
        )
        # A fixed "now" makes runs comparable (tests); ISO 8601, UTC if no offset is given.
        parser.add_argument("--now", type=_instant, default=None, help=argparse.SUPPRESS)

    def handle(self, *args, **options) -> None:
        verbosity = options["verbosity"]
        if settings.SETTINGS_MODULE.endswith(".production"):
            raise CommandError(
                "seed_demo creates people with a published password: "
                "it will not run with production settings."
            )
        if options["faults"] < 0:
            raise CommandError("--faults cannot be negative.")
        if (options["workers"] or 1) > 1 and connection.vendor != "postgresql":
            raise CommandError("--workers above 1 needs PostgreSQL.")
        existing = Fault.objects.count()
        if existing:
            if options["if_empty"]:
                self.stdout.write(f"{existing:,} faults exist already: nothing seeded.")
                self._print_logins()
                return
            raise CommandError(
                f"The database already has {existing:,} faults; seed_demo only adds faults to a "
                "database without any. Use a fresh database (or flush this one), or pass "
                "--if-empty to just print the demo logins."
            )

        now = options["now"]
        if isinstance(now, str):  # call_command(now="...") skips the argument parser's type
            now = _instant(now)
        with tqdm(
            total=options["faults"],
            unit=" faults",
            unit_scale=True,
            file=sys.stderr,
            disable=verbosity < 1 or not options["faults"],
            dynamic_ncols=True,
        ) as bar:
            summary = demo.seed_demo(
                seed=options["seed"],
                faults=options["faults"],
                months=options["months"],
                now=now,
                batch_size=options["batch_size"],
                progress=bar.update,
                workers=options["workers"],
            )
        if verbosity >= 1:
            for line in summary.lines():
                self.stdout.write(line)
            self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo logins (every one has the password {demo.DEMO_PASSWORD}):")
        self.stdout.write(demo.format_logins())
