"""wangge's own management commands. Command files with hyphens in their names (`demo-data`) are loaded
by Django by name; helpers that tests need are re-exported here."""

import importlib


def export_openapi_text() -> str:
    return importlib.import_module("wangge.core.management.commands.export-openapi").openapi_text()
