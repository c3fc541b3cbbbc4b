"""`wangge import-boundaries FILE.geojson [--skip-invalid] [--crs wgs84|gcj02|bd09] [--user USERNAME]`

A FeatureCollection whose features carry properties.code (a grid code) and a Polygon or MultiPolygon.
Exit 0 on success, 1 when features had errors, 2 for an unreadable file (wangge.cli).
"""

import importlib

from django.core.management.base import BaseCommand

from wangge.core import geo
from wangge.registry import importing

_common = importlib.import_module("wangge.registry.management.commands.import-households")


class Command(BaseCommand):
    help = "Set grid boundaries from a GeoJSON FeatureCollection (properties.code = grid code)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .geojson file")
        parser.add_argument("--crs", default="wgs84", choices=geo.CRS_CHOICES,
                            help="coordinate system of the file (converted to WGS84); default wgs84")
        parser.add_argument("--skip-invalid", action="store_true", help="write the valid features, report the rest")
        parser.add_argument("--user", help="act as this user (their scope applies); default: the system")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, file, crs="wgs84", skip_invalid=False, user=None, **options):
        actor = _common.acting_user(user)
        data = _common.read_file(file)
        _common.run_import(
            self,
            lambda progress: importing.boundaries_import(
                actor=actor, data=data, crs=crs, skip_invalid=skip_invalid, progress=progress
            ),
            as_json=options["json"],
        )
