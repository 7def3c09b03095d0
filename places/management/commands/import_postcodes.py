"""manage.py import_postcodes FILE — ONS Postcode Directory or OS Code-Point Open CSV."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from places.importer import postcodes_import_csv


class Command(BaseCommand):
    help = "Load postcodes from an ONSPD CSV (header row) or an OS Code-Point Open CSV."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, nargs="+")

    def handle(self, *args, file, **options):
        for path in file:
            started = time.monotonic()
            try:
                result = postcodes_import_csv(path=path)
            except ApplicationError as exc:
                raise CommandError(f"{exc.message} Nothing was imported from {path}.") from exc
            self.stdout.write(
                self.style.SUCCESS(
                    f"{path.name} ({result.format}): {result.imported} postcodes imported "
                    f"({result.terminated} terminated, kept and flagged), "
                    f"{result.skipped_no_location} without a location and "
                    f"{result.skipped_invalid} malformed skipped, "
                    f"in {time.monotonic() - started:.1f} s."
                )
            )
