"""manage.py seed_demo — deterministic, idempotent demo data for the quick start.

Each app contributes its own part (demo/people.py, listings.py, matches.py, ongoing.py);
this command runs them in order inside one transaction and prints the demo accounts.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from demo import listings as marketplace_demo
from demo import matches as matching_demo
from demo import offline as offline_demo
from demo import ongoing as arrangements_demo
from demo import partners as partners_demo
from demo import people as accounts_demo


class Command(BaseCommand):
    help = "Create or refresh the demo council, postcodes, accounts and listings."

    def handle(self, *args, **options):
        with transaction.atomic():
            council = accounts_demo.seed_council()
            postcodes = marketplace_demo.seed_postcodes(council=council)
            accounts_demo.seed_accounts(council=council)
            extra = [
                marketplace_demo.seed_listings(council=council),
                matching_demo.seed_matches(council=council),
                arrangements_demo.seed_arrangements(council=council),
                offline_demo.seed_offline_person(council=council),
                partners_demo.seed_partner(council=council, base_url=settings.KITH_BASE_URL),
            ]
        self.stdout.write(
            self.style.SUCCESS(f"Demo council: {council.name} ({postcodes} postcodes)")
        )
        for line in extra:
            if line:
                self.stdout.write(str(line))
        self.stdout.write("\nDemo accounts (email / password):")
        for account in accounts_demo.DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.role:<18} {account.email:<28} {account.password}")
        links = accounts_demo.staff_setup_links(base_url=settings.KITH_BASE_URL)
        if links:
            self.stdout.write(
                "\nCouncil staff set up an authenticator app (any TOTP app) before the console "
                "opens, from a one-time link\n(sign in, then open it; a new `seed_demo` makes "
                "new links):"
            )
            for email, link in links:
                self.stdout.write(f"  {email:<28} {link}")
        self.stdout.write("Kith is served at http://127.0.0.1:8000 by `make run`.")
