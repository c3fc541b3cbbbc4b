"""/api/v1/emergencies: each endpoint × users in and out of scope — 404 outside, 403 inside without the
capability, nothing leaked."""

import pytest

from wangge.fieldwork.emergencies import services
from wangge.fieldwork.emergencies.models import Emergency

pytestmark = pytest.mark.django_db


@pytest.fixture
def fire(world):
    return services.emergency_declare(actor=world.users["leader_A1"], kind="fire", grid=world.grid("A1e").pk,
                                      title="1号楼起火")


def test_declare_through_the_api(world, api):
    r = api("leader_A1").post("/api/v1/emergencies", {"kind": "gas_leak", "drill": True,
                                                      "buildings": [world.households["A1em1"][0].unit.building_id]},
                              content_type="application/json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["drill"] and body["kind_label"] == "燃气泄漏" and body["grid"]["id"] == world.grid("A1e").pk
    assert body["counts"] == {"total": 4, "safe": 0, "needs_help": 0, "not_reached": 4, "confirmed": 0, "percent": 0}
    assert body["title"] == "A1小区1号楼燃气泄漏"


@pytest.mark.parametrize(("user", "payload", "status"), [
    ("micro_A1em1", {"grid": "A1em1"}, 403),
    ("member_A1e", {"grid": "A1e"}, 403),
    ("leader_B1", {"grid": "A1e"}, 404),
    ("nobody", {"grid": "A1e"}, 404),
    ("leader_A1", {"grid": "A1e", "kind": "meteor"}, 422),
    ("leader_A1", {}, 422),
    ("admin", {"grid": "sub"}, 422),
])
def test_declare_refusals(world, api, user, payload, status):
    body = {"kind": payload.get("kind", "fire")}
    if "grid" in payload:
        body["grid"] = world.grid(payload["grid"]).pk
    r = api(user).post("/api/v1/emergencies", body, content_type="application/json")
    assert r.status_code == status, r.content
    assert not Emergency.objects.exists()


def test_declare_needs_a_login(world, api):
    r = api(None).post("/api/v1/emergencies", {"kind": "fire", "grid": world.grid("A1e").pk},
                       content_type="application/json")
    assert r.status_code == 401


@pytest.mark.parametrize(("user", "count"), [
    ("leader_A1", 1), ("committee_A", 1), ("micro_A1em1", 1), ("member_A1e", 1), ("admin", 1),
    ("micro_B1em1", 0), ("leader_A2", 0), ("leader_B1", 0), ("resident", 0), ("nobody", 0),
])
def test_list_and_get_scope(world, api, fire, user, count):
    r = api(user).get("/api/v1/emergencies")
    assert r.status_code == 200 and r.json()["count"] == count
    r = api(user).get(f"/api/v1/emergencies/{fire.pk}")
    assert r.status_code == (200 if count else 404)


def test_list_filters(world, api, fire):
    client = api("leader_A1")
    assert client.get("/api/v1/emergencies?status=active").json()["count"] == 1
    assert client.get("/api/v1/emergencies?status=cleared").json()["count"] == 0
    assert client.get("/api/v1/emergencies?drill=true").json()["count"] == 0
    assert client.get(f"/api/v1/emergencies?within={world.grid('A1em2').pk}").json()["count"] == 1
    assert client.get(f"/api/v1/emergencies?within={world.grid('A2').pk}").json()["count"] == 0
    assert client.get("/api/v1/emergencies?q=起火").json()["count"] == 1
    assert client.get("/api/v1/emergencies?q=huozai").json()["count"] == 1  # 火灾 in pinyin
    assert client.get(f"/api/v1/emergencies?within={world.grid('B').pk}").status_code == 404


@pytest.mark.parametrize(("user", "count"), [
    ("leader_A1", 4), ("micro_A1em1", 2), ("micro_A1em2", 2), ("admin", 4),
    ("micro_B1em1", None), ("resident", None), ("nobody", None),
])
def test_households_scope(world, api, fire, user, count):
    r = api(user).get(f"/api/v1/emergencies/{fire.pk}/households")
    if count is None:
        assert r.status_code == 404
        return
    body = r.json()
    assert r.status_code == 200 and body["count"] == count
    assert all("*" in res["phone"] for item in body["items"] for res in item["residents"])


def test_households_filter(world, api, fire):
    client = api("leader_A1")
    h = world.households["A1em1"][0]
    client.post(f"/api/v1/emergencies/{fire.pk}/households/{h.pk}", {"status": "needs_help", "note": "老人"},
                content_type="application/json")
    body = client.get(f"/api/v1/emergencies/{fire.pk}/households?status=needs_help").json()
    assert body["count"] == 1 and body["items"][0]["household"] == h.pk and body["items"][0]["note"] == "老人"
    assert client.get(f"/api/v1/emergencies/{fire.pk}/households?status=bad").status_code == 422


@pytest.mark.parametrize(("user", "household", "status"), [
    ("micro_A1em1", "A1em1", 200), ("leader_A1", "A1em2", 200), ("member_A1e", "A1em2", 200),
    ("micro_A1em1", "A1em2", 404), ("micro_B1em1", "A1em1", 404), ("resident", "A1em1", 404),
    ("nobody", "A1em1", 404), ("leader_A2", "A1em1", 404),
])
def test_set_status_scope(world, api, fire, user, household, status):
    h = world.households[household][0]
    r = api(user).post(f"/api/v1/emergencies/{fire.pk}/households/{h.pk}", {"status": "safe"},
                       content_type="application/json")
    assert r.status_code == status, r.content
    assert fire.households.get(household=h).status == ("safe" if status == 200 else "not_reached")
    if status == 200:
        assert r.json()["status_label"] == "安全" and r.json()["confirmed_by"]


def test_set_status_of_a_household_outside_the_emergency(world, api, fire):
    h = world.households["A2em1"][0]
    r = api("admin").post(f"/api/v1/emergencies/{fire.pk}/households/{h.pk}", {"status": "safe"},
                          content_type="application/json")
    assert r.status_code == 404


@pytest.mark.parametrize(("user", "status"), [
    ("micro_A1em1", 403), ("member_A1e", 403), ("leader_B1", 404), ("resident", 404), ("leader_A1", 200),
    ("committee_A", 200),
])
def test_clear_scope(world, api, fire, user, status):
    r = api(user).post(f"/api/v1/emergencies/{fire.pk}/clear", {"report": "火已扑灭，全部住户安全，无人员伤亡。"},
                       content_type="application/json")
    assert r.status_code == status, r.content
    fire.refresh_from_db()
    assert fire.status == ("cleared" if status == 200 else "active")


def test_clear_needs_a_report_and_happens_once(world, api, fire):
    client = api("leader_A1")
    r = client.post(f"/api/v1/emergencies/{fire.pk}/clear", {"report": "好了"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "report"
    r = client.post(f"/api/v1/emergencies/{fire.pk}/clear", {"report": "火已扑灭，全部住户安全，无人员伤亡。"},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "cleared"
    assert r.json()["summary"]["counts"]["not_reached"] == 4
    r = client.post(f"/api/v1/emergencies/{fire.pk}/clear", {"report": "火已扑灭，全部住户安全，无人员伤亡。"},
                    content_type="application/json")
    assert r.status_code == 409
    h = world.households["A1em1"][0]
    r = client.post(f"/api/v1/emergencies/{fire.pk}/households/{h.pk}", {"status": "safe"},
                    content_type="application/json")
    assert r.status_code == 409


def test_list_query_count_stays_flat(world, api, fire, django_assert_max_num_queries):
    for _ in range(3):
        services.emergency_declare(actor=world.users["leader_A1"], kind="flood", grid=world.grid("A1e").pk)
    client = api("leader_A1")
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/emergencies").json()["count"] == 4
