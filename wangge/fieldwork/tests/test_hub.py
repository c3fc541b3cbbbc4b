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
