from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client

LOCALE = Path(settings.PACKAGE_DIR) / "locale"


def test_every_english_entry_is_translated():
    catalogue = polib.pofile(str(LOCALE / "en/LC_MESSAGES/django.po"))
    missing = [e.msgid for e in catalogue if not e.translated() or "fuzzy" in e.flags]
    assert not missing, f"translate these in locale/en (then `wangge update-translations`): {missing}"


def test_traditional_catalogue_follows_the_simplified_source():
    from wangge.core.text import to_traditional

    catalogue = polib.pofile(str(LOCALE / "zh_Hant/LC_MESSAGES/django.po"))
    english = {e.msgid for e in polib.pofile(str(LOCALE / "en/LC_MESSAGES/django.po"))}
    assert {e.msgid for e in catalogue} == english
    assert all(e.msgstr == to_traditional(e.msgid) for e in catalogue if not e.msgid_plural)


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "text"), [("zh-hans", "住户名册"), ("zh-hant", "住戶名冊"), ("en", "Household roll")])
def test_pages_speak_the_chosen_language(world, language, text):
    client = Client()
    client.force_login(world.users["leader_A1"])
    client.post("/i18n/setlang/", {"language": language, "next": "/households/"})
    page = client.get("/households/").content.decode()
    assert text in page
    assert f'lang="{language}"' in page


@pytest.mark.django_db
def test_simplified_chinese_is_the_default_whatever_the_browser_asks(world):
    client = Client()
    client.force_login(world.users["leader_A1"])
    page = client.get("/households/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in page and "住户名册" in page
