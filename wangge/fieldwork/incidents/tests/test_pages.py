"""The pages of cameras and incidents render for the roles that use them and refuse the others."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from wangge.fieldwork.cameras.tests.helpers import add_cameras_scene, add_property_staff
from wangge.fieldwork.incidents.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):
    add_property_staff(world)
    return add_cameras_scene(world)


def _client(world, key):
    c = Client()
    c.force_login(world.users[key])
    return c


def test_camera_pages(world, scene):
    staff = _client(world, "staff_A1e")
    page = staff.get("/cameras/")
    assert page.status_code == 200 and "A-001" in page.content.decode() and "登记摄像头" in page.content.decode()
    cov = staff.get(f"/cameras/coverage/?within={scene['estate'].pk}").content.decode()
    assert "3号楼" in cov and "东门" in cov and "摄像头数量变化" in cov
    assert staff.get(f"/cameras/{scene['linked'].pk}/").status_code == 200
    r = staff.post("/cameras/new/", {"code": "P-1", "name": "东门车牌", "lon": "112.11", "lat": "37.1201",
                                     "gate": scene["gate"].pk, "kind": "plate", "owner_kind": "property",
                                     "status": "in_service", "radius_m": "30", "installed_on": str(timezone.localdate())})
    assert r.status_code == 302
    assert "东门" not in [g.name for g in __import__("wangge.fieldwork.cameras.selectors", fromlist=["x"]).coverage(
        actor=None, within=scene["estate"].pk).gaps]
    bad = staff.post("/cameras/new/", {"code": "", "name": "x", "lon": "112.11", "lat": "37.12", "installed_on": ""})
    assert bad.status_code == 422 and "编号" in bad.content.decode()
    assert _client(world, "leader_B1").get(f"/cameras/{scene['linked'].pk}/").status_code == 404
    assert _client(world, "resident").get("/cameras/").status_code == 403
    assert _client(world, "member_A1e").post(f"/cameras/{scene['linked'].pk}/", {"code": "x"}).status_code == 403


def test_incident_pages_resident_and_staff(world, scene):
    resident = _client(world, "resident")
    assert resident.get("/incidents/new/").status_code == 200
    when = timezone.localtime(timezone.now() - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    bad = resident.post("/incidents/new/", {"kind": "lost_item", "title": "", "description": "x", "occurred_from": when})
    assert bad.status_code == 422 and "标题" in bad.content.decode()
    r = resident.post("/incidents/new/", {"kind": "lost_item", "title": "钥匙丢失", "description": "在2号楼门口",
                                          "occurred_from": when, "place": "2号楼"})
    assert r.status_code == 302
    incident = Incident.objects.get()
    assert "钥匙丢失" in resident.get("/my/incidents/").content.decode()
    assert resident.get("/incidents/").status_code == 302  # residents go to their own list
    page = resident.get(f"/incidents/{incident.pk}/").content.decode()
    assert "钥匙丢失" in page and "incident-actions" not in page

    staff = _client(world, "staff_A1e")
    assert "钥匙丢失" in staff.get("/incidents/").content.decode()
    detail = staff.get(f"/incidents/{incident.pk}/").content.decode()
    assert "申请调阅监控" in detail and "A-002" in detail and "B-001" not in detail
    start = timezone.localtime(timezone.now() - dt.timedelta(hours=3))
    r = staff.post(f"/incidents/{incident.pk}/act/", {
        "action": "footage_request", "cameras": [scene["near"].pk], "window_from": start.strftime("%Y-%m-%dT%H:%M"),
        "window_to": start.strftime("%Y-%m-%dT%H:%M")}, follow=True)
    assert "调阅结束：调阅时段的结束时间应晚于开始时间" in r.content.decode()
    r = staff.post(f"/incidents/{incident.pk}/act/", {"action": "conclude", "status": "solved", "outcome": ""},
                   follow=True)
    assert "结果说明：请填写" in r.content.decode()
    r = staff.post(f"/incidents/{incident.pk}/act/", {"action": "conclude", "status": "solved",
                                                      "outcome": "保洁员拾到钥匙，已归还"}, follow=True)
    assert "已办结" in r.content.decode()
    assert Incident.objects.get().status == "solved"
    assert _client(world, "leader_B1").get(f"/incidents/{incident.pk}/").status_code == 404
    assert _client(world, "micro_A1em1").get(f"/incidents/{incident.pk}/").status_code == 403
    assert _client(world, "nobody").get("/incidents/new/").status_code == 403
