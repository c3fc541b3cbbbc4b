"""Refresh the translation catalogues after changing page or model text (needs gettext's xgettext).

Source strings are written in simplified Chinese. zh-Hant is derived from them with OpenCC (simplified
→ traditional) and never edited by hand; English is translated by hand in locale/en. Untranslated
English entries are listed so they are not forgotten.
"""

import os
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from wangge.core.text import to_traditional


class Command(BaseCommand):
    help = "Run makemessages for en and zh_Hant, fill zh_Hant by OpenCC, list untranslated English."

    def handle(self, *args, **options):
        package = Path(settings.PACKAGE_DIR)
        os.chdir(package)  # makemessages scans the current folder and writes to its locale/
        call_command(
            "makemessages", locale=["en", "zh_Hant"], no_obsolete=True, no_location=True,
            ignore_patterns=["static/vendor/*", "tests/*", "browser_tests/*", "testing/*"], verbosity=0,
        )
        hant = polib.pofile(str(package / "locale/zh_Hant/LC_MESSAGES/django.po"))
        for entry in hant:
            entry.msgstr = to_traditional(entry.msgid)
            if entry.msgid_plural:
                entry.msgstr_plural = {0: to_traditional(entry.msgid_plural)}
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        english = polib.pofile(str(package / "locale/en/LC_MESSAGES/django.po"))
        for catalogue, language in ((hant, "zh-Hant"), (english, "en")):
            catalogue.header = f"wangge translation catalogue: {language}. Source strings are simplified Chinese."
            catalogue.metadata_is_fuzzy = False
            catalogue.metadata.update({"Project-Id-Version": "wangge", "Language": language})
            for stale in ("Report-Msgid-Bugs-To", "POT-Creation-Date", "PO-Revision-Date", "Last-Translator",
                          "Language-Team"):
                catalogue.metadata.pop(stale, None)
        hant.save()
        english.save()
        missing = [e.msgid for e in english if not e.translated()]
        for msgid in missing:
            self.stdout.write(f"untranslated (en): {msgid}")
        self.stdout.write(f"zh_Hant: {len(hant)} entries; en: {len(english) - len(missing)}/{len(english)} translated")
        call_command("compile-translations")
