import pytest

pytestmark = pytest.mark.django_db


def test_token_then_grids_scoped_to_the_duty(world, api):
    body = api("member_A1e").get("/api/v1/grids").json()
    codes = {item["code"] for item in body["items"]}
    assert codes == {world.grid(k).code for k in ("A1e", "A1em1", "A1em2")}
    assert body["count"] == 3
    # A two-committee member's duty is at the community: the whole community, nothing of B.
    codes = {item["code"] for item in api("leader_A1").get("/api/v1/grids").json()["items"]}
    assert world.grid("A2em1").code in codes and world.grid("B").code not in codes


def test_list_envelope_pagination_and_page_size_limit(world, api):
    client = api("admin")
    first = client.get("/api/v1/grids?page=1&page_size=3").json()
    assert len(first["items"]) == 3 and first["count"] > 3
    second = client.get("/api/v1/grids?page=2&page_size=3").json()
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})
    too_big = client.get("/api/v1/grids?page_size=501")
    assert too_big.status_code == 422
    assert too_big.json()["errors"][0]["field"] == "page_size"


def test_parent_gives_direct_children_and_within_the_whole_subtree(world, api):
    client = api("admin")
    a = world.grid("A")
    children = client.get(f"/api/v1/grids?parent={a.pk}").json()["items"]
    assert {c["level"] for c in children} == {"area_grid"}
    subtree = client.get(f"/api/v1/grids?within={a.pk}&level=micro_grid").json()
    assert subtree["count"] == 4
    assert client.get(f"/api/v1/grids/{a.pk}/children").json()["count"] == 2


def test_unknown_level_is_422_naming_the_field(world, api):
    response = api("admin").get("/api/v1/grids?level=galaxy")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "level"


def test_search_is_insensitive_to_traditional_characters_and_finds_pinyin(world, api):
    client = api("admin")
    found = {i["code"] for i in client.get("/api/v1/grids?q=新华社区").json()["items"]}  # stored as 新華
    assert world.grid("B").code in found and world.grid("A").code not in found
    assert client.get("/api/v1/grids?q=紅旗社區").json()["count"] >= 1
    assert client.get("/api/v1/grids?q=hongqi").json()["count"] >= 1
    residents = client.get("/api/v1/residents?q=jumin1").json()
    assert residents["count"] >= 1


def test_locate_finds_the_micro_grid_and_its_ancestors(world, api):
    client = api("resident")
    body = client.get("/api/v1/grids/locate?lon=112.12&lat=37.15").json()
    assert body["grid"]["code"] == world.grid("A1em1").code
    assert [a["level"] for a in body["ancestors"]] == [
        "district", "subdistrict", "community", "area_grid", "estate_grid",
    ]


def test_locate_converts_gcj02(world, api):
    from wangge.core.geo import wgs84_to_gcj02

    lon, lat = wgs84_to_gcj02(112.12, 37.15)
    body = api("admin").get(f"/api/v1/grids/locate?lon={lon}&lat={lat}&crs=gcj02").json()
    assert body["grid"]["code"] == world.grid("A1em1").code
    assert abs(body["wgs84"][0] - 112.12) < 1e-6


def test_locate_outside_every_grid_is_404_with_a_message(world, api):
    response = api("admin").get("/api/v1/grids/locate?lon=100&lat=30")
    assert response.status_code == 404
    assert "不在任何网格内" in response.json()["detail"]


@pytest.mark.parametrize(("query", "field"), [("lon=abc&lat=37", "lon"), ("lon=112&lat=91", "lat"),
                                              ("lon=112&lat=37&crs=mars", "crs")])
def test_locate_bad_numbers_are_422_naming_the_field(world, api, query, field):
    response = api("admin").get(f"/api/v1/grids/locate?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_geojson_is_a_feature_collection_of_visible_grids(world, api):
    body = api("micro_A1em1").get("/api/v1/grids.geojson").json()
    assert body["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in body["features"]] == [world.grid("A1em1").code]


def test_residents_are_masked_and_unmask_is_logged(world, api):
    from wangge.people.models import PiiAccessLog

    client = api("leader_A1")
    resident = world.residents["A1em1"][0]
    listed = client.get(f"/api/v1/residents/{resident.pk}").json()
    assert listed["id_number"] == resident.id_number[:6] + "********" + resident.id_number[-4:]
    assert listed["phone"] == resident.phone[:3] + "****" + resident.phone[-4:]
    assert "*" in listed["address"]
    assert PiiAccessLog.objects.count() == 0
    full = client.post(f"/api/v1/residents/{resident.pk}/unmask", {"reason": "入户走访核实"},
                       content_type="application/json")
    assert full.status_code == 200
    assert full.json()["id_number"] == resident.id_number
    log = PiiAccessLog.objects.get()
    assert (log.actor, log.resident_id, log.reason) == (world.users["leader_A1"], resident.pk, "入户走访核实")


def test_unmask_needs_the_permission(world, api):
    resident = world.residents["A1em1"][0]
    response = api("micro_A1em1").post(f"/api/v1/residents/{resident.pk}/unmask", {"reason": "看看"},
                                       content_type="application/json")
    assert response.status_code == 403


def test_unmask_needs_a_reason(world, api):
    resident = world.residents["A1em1"][0]
    response = api("leader_A1").post(f"/api/v1/residents/{resident.pk}/unmask", {"reason": ""},
                                     content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"


def test_set_boundary_refuses_a_self_intersecting_polygon_and_keeps_the_old_one(world, api):
    grid = world.grid("A1e")
    before = grid.boundary
    bowtie = {"type": "Polygon", "coordinates": [[[112.1, 37.1], [112.15, 37.3], [112.15, 37.1], [112.1, 37.3], [112.1, 37.1]]]}
    response = api("leader_A1").put(f"/api/v1/grids/{grid.pk}/boundary", {"boundary": bowtie},
                                    content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "boundary"
    grid.refresh_from_db()
    assert grid.boundary == before


def test_healthz(client, db):
    assert client.get("/healthz").json()["status"] == "ok"
