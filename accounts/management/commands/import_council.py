"""manage.py import_council --geojson FILE --name-property LAD24NM --code-property LAD24CD"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.services import councils_import_geojson
from core.errors import ApplicationError


class Command(BaseCommand):
    help = "Load council boundaries from a GeoJSON FeatureCollection (e.g. ONS LAD boundaries)."

    def add_arguments(self, parser):
        parser.add_argument("--geojson", required=True, type=Path, help="Path to the file.")
        parser.add_argument("--name-property", required=True, help="e.g. LAD24NM")
        parser.add_argument("--code-property", required=True, help="e.g. LAD24CD")

    def handle(self, *args, geojson, name_property, code_property, **options):
        try:
            result = councils_import_geojson(
                path=geojson, name_property=name_property, code_property=code_property
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} Nothing was imported.") from exc
        self.stdout.write(
            self.style.SUCCESS(f"Councils: {result.created} created, {result.updated} updated.")
        )
