"""manage.py publish_open_data --month 2026-11 [--council E08000035] [--reason "…"]

For operators: publish a closed month (and its weeks) for one council or all of them. Without
`--reason`, periods already published are left as they are (as the beat job does). With it,
the figures are counted again and, where they differ from those published, stored as the next
version with the reason as its note; the earlier version stays published. Every publication
writes its audit row (`open_data.published`) and a log line.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Council
from insights.publication import MONTH, WEEK, publish, weeks_of


class Command(BaseCommand):
    help = "Publish (or correct) a closed month's open data for one council or every council."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="The month, YYYY-MM (Europe/London).")
        parser.add_argument("--council", help="A council's ONS code or slug; all when left out.")
        parser.add_argument(
            "--reason", default="", help="Why the month is published again (a correction)."
        )

    def handle(self, *args, month, council=None, reason="", **options):
        try:
            first = dt.datetime.strptime(month, "%Y-%m").date()  # noqa: DTZ007 – a local month
        except ValueError as exc:
            raise CommandError("Give the month as YYYY-MM, like 2026-11.") from exc
        councils = Council.objects.filter(is_active=True).defer("boundary").order_by("pk")
        if council:
            councils = councils.filter(code=council) | councils.filter(slug=council)
            if not councils.exists():
                raise CommandError(f"No active council has the code or slug {council}.")
        periods = [(WEEK, start) for start, _end in weeks_of(first)] + [(MONTH, first)]
        for each in councils:
            for kind, start in periods:
                try:
                    result = publish(council=each, kind=kind, period_start=start, reason=reason)
                except ValueError as exc:
                    raise CommandError(f"Not published: {exc}.") from exc
                publication = result.publication
                state = "published" if result.created else "unchanged"
                self.stdout.write(
                    f"{each.code} {kind} {start}: version {publication.version}, {state}"
                )
