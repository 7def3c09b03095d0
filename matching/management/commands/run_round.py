"""manage.py run_round --council SLUG — compute a matching round for staff review."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Council
from matching.rounds import round_run


class Command(BaseCommand):
    help = "Compute an optimal matching round for a council and store it for staff review."

    def add_arguments(self, parser):
        parser.add_argument("--council", required=True, help="The council's slug.")

    def handle(self, *args, **options):
        council = Council.objects.filter(slug=options["council"]).first()
        if council is None:
            raise CommandError(f"No council with the slug {options['council']!r}.")
        rnd = round_run(council=council)
        s = rnd.summary
        self.stdout.write(
            self.style.SUCCESS(
                f"Round {rnd.pk} for {council.name}: {s['needs']} needs, {s['offers']} offers, "
                f"{s['pairs_considered']} possible pairs, {s['seconds']} s."
            )
        )
        self.stdout.write(
            f"  optimal: {s['optimal']['needs_met']} needs met, "
            f"total score {s['optimal']['total_score']}"
        )
        self.stdout.write(
            f"  greedy:  {s['greedy']['needs_met']} needs met, "
            f"total score {s['greedy']['total_score']}"
        )
        self.stdout.write("The proposals wait for staff review.")
