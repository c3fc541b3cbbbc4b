import pytest
from django.test import Client

from wangge.people.models import PiiAccessLog

pytestmark = pytest.mark.django_db


def login(world, key) -> Client:
    client = Client()
    client.force_login(world.users[key])
    return client


def test_leader_unmasks_one_resident_with_a_reason_and_it_is_logged(world):
    client = login(world, "leader_A1")
    resident = world.residents["A1em1"][0]
    page = client.get(f"/households/?within={world.grid('A1').pk}").content.decode()
    assert "查看完整信息" in page and resident.id_number not in page
    response = client.post(f"/residents/{resident.pk}/unmask/", {"reason": "入户走访核实"})
    body = response.content.decode()
    assert response.status_code == 200
    assert resident.id_number in body and resident.phone in body and "已记录本次查看" in body
    log = PiiAccessLog.objects.get()
    assert (log.actor_id, log.resident_id, log.reason) == (world.users["leader_A1"].pk, resident.pk, "入户走访核实")


def test_a_missing_reason_is_asked_for_and_nothing_is_shown_or_logged(world):
    resident = world.residents["A1em1"][0]
    response = login(world, "leader_A1").post(f"/residents/{resident.pk}/unmask/", {"reason": ""})
    body = response.content.decode()
    assert "请说明查看事由" in body and resident.id_number not in body
    assert not PiiAccessLog.objects.exists()


def test_micro_grid_member_sees_no_unmask_and_is_refused(world):
    client = login(world, "micro_A1em1")
    resident = world.residents["A1em1"][0]
    assert "查看完整信息" not in client.get("/households/").content.decode()
    response = client.post(f"/residents/{resident.pk}/unmask/", {"reason": "看看"})
    assert response.status_code == 403 and resident.id_number not in response.content.decode()
    assert not PiiAccessLog.objects.exists()


def test_out_of_scope_resident_is_404(world):
    resident = world.residents["B1em1"][0]
    response = login(world, "leader_A1").post(f"/residents/{resident.pk}/unmask/", {"reason": "核实信息"})
    assert response.status_code == 404
    assert not PiiAccessLog.objects.exists()


def test_opening_a_resident_in_the_admin_is_logged(world):
    resident = world.residents["A1em1"][0]
    client = login(world, "admin")
    response = client.get(f"/admin/registry/resident/{resident.pk}/change/")
    assert response.status_code == 200 and resident.id_number in response.content.decode()
    log = PiiAccessLog.objects.get()
    assert (log.resident_id, log.purpose) == (resident.pk, "admin")
    assert client.get("/admin/registry/resident/").status_code == 200
    assert PiiAccessLog.objects.count() == 1  # the list shows masked numbers: not an unmask
