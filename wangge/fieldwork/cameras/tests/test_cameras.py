"""The camera registry as its users notice it: registering and changing cameras with clear refusals,
coverage of building entrances and gates with exact gaps, the count over time, and scope on every
endpoint."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wangge.fieldwork.cameras import selectors, services
from wangge.fieldwork.cameras.models import Camera

from .helpers import add_cameras_scene, add_property_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):
    add_property_staff(world)
    return add_cameras_scene(world)


def _body(**extra):
    data = {"code": "A-100", "name": "新摄像头", "lon": 112.125, "lat": 37.15,
            "installed_on": str(timezone.localdate() - dt.timedelta(days=3))}
    data.update(extra)
    return data


# -- coverage ------------------------------------------------------------------------------------------


def test_coverage_lists_exactly_the_uncovered_building_and_gate(world, scene):
    cov = selectors.coverage(actor=None, within=scene["estate"].pk)
    covered = {t.name: t.covered for t in cov.targets}
    assert covered == {"1号楼": True, "2号楼": True, "3号楼": False, "东门": False}
    assert sorted(t.name for t in cov.gaps) == ["3号楼", "东门"]
    by_name = {t.name: t for t in cov.targets}
    assert by_name["1号楼"].linked == [scene["linked"].pk]
    assert by_name["2号楼"].nearby == [scene["near"].pk] and by_name["2号楼"].linked == []
    # the faulty linked camera and the one 50 m away do not cover 3号楼
    assert by_name["3号楼"].cameras == [] and 45 < by_name["3号楼"].nearest_m < 55
    assert by_name["东门"].cameras == [] and by_name["东门"].linked == []


def test_a_wider_radius_closes_a_gap_and_removing_a_camera_opens_one(world, scene):
    services.camera_update(actor=None, camera_id=scene["far"].pk, radius_m=60)
    services.camera_update(actor=None, camera_id=scene["linked"].pk, status="removed")
    gaps = sorted(t.name for t in selectors.coverage(actor=None, within=scene["estate"].pk).gaps)
    assert gaps == ["1号楼", "东门"]


def test_coverage_api_and_scope(world, scene, api):
    body = api("staff_A1e").get(f"/api/v1/cameras/coverage?within={scene['estate'].pk}").json()
    assert body["targets"] == 4 and body["covered"] == 2 and body["percent"] == 50.0
    assert sorted(g["name"] for g in body["gaps"]) == ["3号楼", "东门"]
    assert {g["kind"] for g in body["gaps"]} == {"building", "gate"}
    # Outside the scope: 404; the whole scope of a B leader holds only B's building.
    assert api("leader_B1").get(f"/api/v1/cameras/coverage?within={scene['estate'].pk}").status_code == 404
    b = api("leader_B1").get("/api/v1/cameras/coverage").json()
    assert [t["estate"]["name"] for t in b["items"]] == ["B1小区"]
    # A resident sees the grids above their household (who serves them), but no camera in them.
    mine = api("resident").get(f"/api/v1/cameras/coverage?within={scene['estate'].pk}")
    assert mine.status_code == 200 and mine.json()["targets"] == 0 and mine.json()["gaps"] == []
    assert api("resident").get(f"/api/v1/cameras/coverage?within={world.grid('B1e').pk}").status_code == 404
    assert api(None).get("/api/v1/cameras/coverage").status_code == 401


# -- timeline --------------------------------------------------------------------------------------------


def test_timeline_counts_cameras_in_place_at_each_month_end(world):
    today = dt.date(2025, 6, 15)
    for n, (installed, removed) in enumerate([
        (dt.date(2024, 1, 5), None), (dt.date(2025, 3, 1), None), (dt.date(2025, 3, 31), dt.date(2025, 5, 2)),
        (dt.date(2025, 6, 10), None),
    ]):
        Camera.objects.create(grid=world.grid("A1e"), subdistrict=world.grid("sub"), code=f"T{n}", name=f"T{n}",
                              lon=112.12, lat=37.15, installed_on=installed, removed_on=removed,
                              status="removed" if removed else "in_service")
    rows = selectors.timeline(actor=None, within=world.grid("A").pk, months=4, today=today)
    assert [(m.month, m.in_service, m.installed, m.removed) for m in rows] == [
        ("2025-03", 3, 2, 0), ("2025-04", 3, 0, 0), ("2025-05", 2, 0, 1), ("2025-06", 3, 1, 0),
    ]
    assert rows[-1].end == today
    assert selectors.timeline(actor=None, within=world.grid("B").pk, months=2, today=today)[-1].in_service == 0


def test_timeline_api(world, scene, api):
    body = api("member_A1e").get(f"/api/v1/cameras/timeline?within={world.grid('A1e').pk}&months=3").json()
    assert body["count"] == 3 and body["items"][-1]["in_service"] == 4  # faulty ones are installed
    assert api("member_A1e").get("/api/v1/cameras/timeline?months=0").status_code == 422
    assert api("leader_B1").get(f"/api/v1/cameras/timeline?within={world.grid('A').pk}").status_code == 404


# -- the registry -----------------------------------------------------------------------------------------


def test_create_links_to_the_building_estate_and_lists(world, scene, api):
    client = api("staff_A1e")
    r = client.post("/api/v1/cameras", _body(building=scene["b2"].pk, lon=112.13, lat=37.1501), content_type="application/json")
    assert r.status_code == 201, r.content
    cam = r.json()
    assert cam["grid"]["id"] == scene["estate"].pk and cam["building"]["name"] == "2号楼"
    assert cam["status"] == "in_service" and cam["radius_m"] == 30
    listed = client.get("/api/v1/cameras?q=a-100").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == cam["id"]
    assert client.get(f"/api/v1/cameras?within={scene['estate'].pk}&status=faulty").json()["count"] == 1


@pytest.mark.parametrize("extra, field", [
    ({"code": ""}, "code"),
    ({"code": "A-001"}, "code"),                          # taken in the subdistrict
    ({"lon": 113.5}, "lon"),                              # outside every grid
    ({"radius_m": 500}, "radius_m"),
    ({"installed_on": "2999-01-01"}, "installed_on"),
    ({"status": "removed", "removed_on": "2000-01-01"}, "removed_on"),
    ({"removed_on": "2024-01-01"}, "removed_on"),         # in service with a removal date
    ({"kind": "laser"}, "kind"),
])
def test_bad_camera_input_names_the_field_and_writes_nothing(world, scene, api, extra, field):
    before = Camera.objects.count()
    r = api("staff_A1e").post("/api/v1/cameras", _body(**extra), content_type="application/json")
    assert r.status_code == 422, r.content
    assert field in [e["field"] for e in r.json()["errors"]]
    assert Camera.objects.count() == before


def test_a_camera_far_from_the_building_it_watches_is_refused(world, scene, api):
    r = api("staff_A1e").post("/api/v1/cameras", _body(building=scene["b1"].pk, lat=37.15), content_type="application/json")
    assert r.status_code == 422 and "超过300米" in r.json()["detail"]


def test_building_and_gate_of_another_estate_or_scope(world, scene, api):
    other = world.grid("B1e").buildings.get()
    r = api("staff_A1e").post("/api/v1/cameras", _body(building=other.pk), content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "building"
    r = api("staff_A1e").post("/api/v1/cameras", _body(building=scene["b2"].pk, gate=scene["gate"].pk),
                              content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "gate"


def test_update_marks_faulty_and_removes(world, scene, api):
    client = api("staff_A1e")
    cam = scene["near"]
    r = client.patch(f"/api/v1/cameras/{cam.pk}", {"status": "faulty", "note": "镜头被遮挡"},
                     content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "faulty" and r.json()["note"] == "镜头被遮挡"
    r = client.patch(f"/api/v1/cameras/{cam.pk}", {"status": "removed"}, content_type="application/json")
    assert r.json()["removed_on"] == str(timezone.localdate())
    r = client.patch(f"/api/v1/cameras/{cam.pk}", {"status": "in_service"}, content_type="application/json")
    assert r.json()["removed_on"] is None
    r = client.patch(f"/api/v1/cameras/{cam.pk}", {"radius_m": 0}, content_type="application/json")
    assert r.status_code == 422


@pytest.mark.parametrize("user, read, write", [
    ("staff_A1e", 200, 201), ("member_A1e", 200, 403), ("micro_A1em1", 404, 403), ("leader_A1", 200, 201),
    ("committee_A", 200, 201), ("leader_B1", 404, 404), ("member_B1e", 404, 404), ("resident", 404, 403),
    ("nobody", 404, 404), ("admin", 200, 201),
])
def test_scope_of_every_camera_endpoint(world, scene, api, user, read, write):
    client = api(user)
    cam = scene["linked"]
    assert client.get(f"/api/v1/cameras/{cam.pk}").status_code == read
    listed = client.get("/api/v1/cameras").json()
    ids = {c["id"] for c in listed["items"]}
    assert (cam.pk in ids) == (read == 200)
    if user not in ("admin",):
        assert scene["other_estate"].pk not in ids or user in ("leader_B1", "member_B1e")
    r = client.post("/api/v1/cameras", _body(lon=112.125, lat=37.15, code=f"N-{user}"), content_type="application/json")
    assert r.status_code == write, r.content
    patched = client.patch(f"/api/v1/cameras/{cam.pk}", {"note": "x"}, content_type="application/json").status_code
    assert patched == (200 if write == 201 else 404 if read == 404 else 403)
    cam.refresh_from_db()
    assert (cam.note == "x") == (write == 201)
