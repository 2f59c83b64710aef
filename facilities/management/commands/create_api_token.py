"""`manage.py create_api_token <username> [--read-only] [--days N] [--name NAME]`

Issues an API token for a person and prints it once: only its SHA-256 digest is stored.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from facilities.models import ApiToken


class Command(BaseCommand):
    help = "Issue an API token for a person and print it (once: it is stored hashed)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--read-only", action="store_true", help="Only GET requests.")
        parser.add_argument("--days", type=int, default=None, help="Expires after N days.")
        parser.add_argument("--name", default="API", help="What the token is for.")

    def handle(self, *args, username, read_only, days, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No person with the username {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username} is not active.")
        if days is not None and days < 1:
            raise CommandError("--days must be 1 or more.")
        token, raw = ApiToken.issue(user, name=name, read_only=read_only, days=days)
        expires = f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if days else "never expires"
        access = "read-only" if read_only else "read-write"
        self.stderr.write(f"Token {token.prefix}… for {username}: {access}, {expires}.")
        self.stderr.write("Store it now: it cannot be shown again.")
        self.stdout.write(raw)
