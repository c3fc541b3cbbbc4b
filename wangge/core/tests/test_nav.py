import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def nav_links(world, key) -> set[str]:
    client = Client()
    client.force_login(world.users[key])
    page = client.get("/my-household/").content.decode()
    nav = re.search(r'<nav class="nav" id="site-nav">(.*?)</nav>', page, re.S).group(1)
    return set(re.findall(r'<a href="([^"]+)"', nav))


def test_menu_shows_each_user_what_they_may_use(world):
    assert nav_links(world, "leader_A1") >= {"/grids/", "/households/", "/imports/", "/coverage/"}
    assert "/dispatch/" in nav_links(world, "leader_A1")
    micro = nav_links(world, "micro_A1em1")
    assert "/grids/" in micro and "/workbench/" in micro
    assert "/imports/" not in micro and "/dispatch/" not in micro
    resident = nav_links(world, "resident")
    assert resident == {"/my-household/", "/report/", "/my/matters/", "/inbox/", "/public/matters/", "/my/incidents/",
                        "/visitors/mine/", "/community/", "/transparency/"}
    assert "/fieldwork/" in micro and "/fieldwork/" not in resident
    assert "/admin/" in nav_links(world, "admin")


def test_households_page_offers_exports_by_permission(world):
    client = Client()
    client.force_login(world.users["leader_A1"])
    grid = world.grid("A1")
    page = client.get(f"/households/?within={grid.pk}").content.decode()
    assert f"/households/export/?within={grid.pk}" in page and "unmask=1" in page
    client.force_login(world.users["micro_A1em1"])
    page = client.get(f"/households/?within={world.grid('A1em1').pk}").content.decode()
    assert "/households/export/" in page and "unmask=1" not in page
