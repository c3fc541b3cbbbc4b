"""Write the OpenAPI document to a file (docs/api/openapi.json by default)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from wangge.config.api import api


def openapi_text() -> str:
    return json.dumps(api.get_openapi_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Export the OpenAPI 3 document of /api/v1."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="docs/api/openapi.json")

    def handle(self, *args, path, **options):
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(openapi_text(), encoding="utf-8")
        self.stdout.write(f"wrote {target}")
