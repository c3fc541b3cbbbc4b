"""The 外勤 page offers each worker the parts of field work their duties allow, and nothing else."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def tiles(world, key) -> set[str]:
    client = Client()
    client.force_login(world.users[key])
    response = client.get("/fieldwork/")
    assert response.status_code == 200
    grid = re.search(r'<ul class="hub-tiles">(.*?)</ul>', response.content.decode(), re.S).group(1)
    return set(re.findall(r'href="([^"]+)"', grid))


def test_each_role_sees_its_own_tiles(world):
    micro = tiles(world, "micro_A1em1")
    assert micro == {"/visits/", "/visits/coverage/", "/cameras/", "/cameras/coverage/", "/emergencies/"}
    member = tiles(world, "member_A1e")
    assert {"/disputes/", "/incidents/"} <= member and "/visits/plans/" not in member and "/duty/" not in member
    leader = tiles(world, "leader_A1")
    assert {"/visits/plans/", "/disputes/", "/duty/", "/duty/my/", "/visitors/", "/incidents/"} <= leader
    assert tiles(world, "resident") == set() and tiles(world, "nobody") == set()
    # Every tile opens for the user it is offered to.
    client = Client()
    client.force_login(world.users["leader_A1"])
    for href in leader:
        assert client.get(href).status_code == 200, href


def test_the_hub_needs_a_login(client):
    assert client.get("/fieldwork/").status_code == 302


def _page(world, key) -> str:
    client = Client()
    client.force_login(world.users[key])
    return client.get("/fieldwork/").content.decode()


def test_a_worker_sees_how_many_households_are_due_today(world):
    from wangge.fieldwork.visits import selectors as visits

    due = len(visits.due_list(actor=world.users["micro_A1em1"]))
    assert due == len(world.households["A1em1"])  # nobody has been visited yet
    assert f"待走访 {due} 户" in _page(world, "micro_A1em1")
    # A leader over a whole community reads the coverage page instead of a count.
    assert 'id="hub-visits-due"' not in _page(world, "leader_A1")


def test_an_emergency_under_way_is_shown_to_the_workers_of_its_buildings(world):
    from wangge.fieldwork.emergencies import services as emergencies

    building = world.households["A1em1"][0].unit.building
    emergency = emergencies.emergency_declare(actor=world.users["leader_A1"], kind="fire", drill=True,
                                              buildings=[building.pk])
    page = _page(world, "micro_A1em1")
    assert f'href="/emergencies/{emergency.pk}/"' in page and "演练进行中" in page
    assert "hub-emergency" not in _page(world, "leader_B1")  # another community's leader
    emergencies.emergency_clear(actor=world.users["leader_A1"], emergency_id=emergency.pk, report="演练结束：各户均已确认安全，疏散用时八分钟，消防通道畅通。")
    assert "hub-emergency" not in _page(world, "micro_A1em1")
