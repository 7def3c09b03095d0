"""manage.py staff_setup_link EMAIL [--base-url URL]

Sends a member of staff or a platform operator a one-time link to set up their authenticator
app, and prints it (for an operator of a new installation, whose own link nobody else can
send). The first council admin of a council is set up this way; they send their colleagues
links from the console's Team page."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.second_factor import has_authenticator, invitation_send
from core.errors import ApplicationError


class Command(BaseCommand):
    help = "Send (and print) a one-time authenticator set-up link to a member of staff."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--base-url",
            default="",
            help="The address Kith is served at (default: KITH_BASE_URL).",
        )

    def handle(self, *args, email, base_url, **options):
        base_url = base_url or settings.KITH_BASE_URL
        if not base_url:
            raise CommandError("Give --base-url or set KITH_BASE_URL: the link must be absolute.")
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account has the address {email}.")
        if has_authenticator(user):
            raise CommandError(f"{email} has an authenticator app already.")
        try:
            link = invitation_send(actor=None, member=user, base_url=base_url)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Set-up link for {user.email} (works once, for 3 days):\n{link}")
