"""The 社区 page: everyone reaches the hall and community life from it; residents see their community's next
sittings, and the parts that need a duty are offered only to those who hold it."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from wangge.hall.agenda.models import Hall, Session

pytestmark = pytest.mark.django_db


def _page(world, key) -> str:
    client = Client()
    client.force_login(world.users[key])
    response = client.get("/community/")
    assert response.status_code == 200
    return response.content.decode()


def _tiles(page: str) -> set[str]:
    grid = re.search(r'<ul class="hub-tiles">(.*?)</ul>', page, re.S).group(1)
    return set(re.findall(r'href="([^"]+)"', grid))


def test_residents_see_their_next_sitting_and_staff_the_parts_they_run(world):
    community = world.grid("A")
    hall = Hall.objects.create(community=community, name="红旗社区议事厅", subdistrict=world.grid("sub"))
    start = timezone.now() + dt.timedelta(days=5)
    session = Session.objects.create(hall=hall, title="十二月议事会", starts_at=start,
                                     ends_at=start + dt.timedelta(hours=2), subdistrict=world.grid("sub"))
    resident = _page(world, "resident")
    assert f'href="/hall/sessions/{session.pk}/"' in resident and "十二月议事会" in resident
    assert "/my/consultations/" in _tiles(resident) and "/consultations/" not in _tiles(resident)
    assert "十二月议事会" not in _page(world, "leader_B1")  # another community's leader
    leader = _tiles(_page(world, "leader_A1"))
    assert {"/hall/", "/consultations/", "/activities/stats/", "/elections/", "/notices/"} <= leader
    # Every tile opens for the user it is offered to.
    client = Client()
    client.force_login(world.users["resident"])
    for href in _tiles(resident):
        assert client.get(href).status_code == 200, href


def test_the_community_page_needs_a_login(client):
    assert client.get("/community/").status_code == 302
