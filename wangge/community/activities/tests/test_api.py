"""/api/v1/activities: every endpoint with users in and out of scope (404 outside, 403 inside without
ACTIVITIES), sign-up over capacity answering the waiting list, bad input naming the field."""

from __future__ import annotations

import datetime as dt

import pytest

from .. import services
from ..models import Activity
from .conftest import make_activity, resident_login, soon

pytestmark = pytest.mark.django_db


def iso(value: dt.datetime) -> str:
    return value.isoformat()


def test_list_and_get_are_scoped(world, api):
    a = make_activity(world, "A", title="不忘初心主题党日")
    a2 = make_activity(world, "A2", title="A2乒乓球", kind="culture_sports")
    draft = make_activity(world, "A", title="草稿活动", status="draft")
    b = make_activity(world, "B", title="新华健身操", kind="culture_sports")

    def titles(key, **params):
        r = api(key).get("/api/v1/activities", params)
        assert r.status_code == 200, r.content
        return {i["title"] for i in r.json()["items"]}

    assert titles("resident") == {a.title}
    assert titles("committee_A") == {a.title, a2.title, draft.title}
    assert titles("leader_A2") == {a.title, a2.title}
    assert titles("committee_B") == {b.title}
    assert titles("nobody") == set()
    assert titles("committee_A", kind="culture_sports") == {a2.title}
    assert titles("committee_A", q="乒乓") == {a2.title}
    assert titles("committee_A", within=world.grid("A2").pk) == {a2.title}
    assert api("committee_A").get("/api/v1/activities", {"within": world.grid("B").pk}).status_code == 404
    assert api("committee_A").get("/api/v1/activities", {"kind": "x"}).json()["errors"][0]["field"] == "kind"
    assert api("resident").get(f"/api/v1/activities/{a.pk}").json()["checkin_url"] is None
    assert api("committee_A").get(f"/api/v1/activities/{a.pk}").json()["checkin_url"].endswith(
        f"/a/checkin/{a.checkin_token}/")
    for key, pk in [("resident", a2.pk), ("resident", draft.pk), ("committee_B", a.pk), ("leader_A2", draft.pk),
                    ("nobody", a.pk)]:
        assert api(key).get(f"/api/v1/activities/{pk}").status_code == 404, (key, pk)
    assert api(None).get("/api/v1/activities").status_code == 401


def test_create_and_update_need_activities_over_the_grid(world, api):
    body = {"grid": world.grid("A").pk, "kind": "volunteer", "title": "我是党员我先行 志愿服务", "place": "小区广场",
            "starts_at": iso(soon(24)), "ends_at": iso(soon(27)), "capacity": 20}
    assert api("committee_B").post("/api/v1/activities", body, content_type="application/json").status_code == 404
    assert api("resident").post("/api/v1/activities", body, content_type="application/json").status_code == 403
    assert api("leader_A2").post("/api/v1/activities", body, content_type="application/json").status_code == 404
    r = api("committee_A").post("/api/v1/activities", body, content_type="application/json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["kind_label"] == "志愿服务" and r.json()["free"] == 20
    bad = api("committee_A").post("/api/v1/activities", body | {"kind": ""}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "kind"
    assert Activity.objects.count() == 1
    patch = {"capacity": 30}
    assert api("committee_B").patch(f"/api/v1/activities/{pk}", patch, content_type="application/json").status_code == 404
    assert api("leader_A2").patch(f"/api/v1/activities/{pk}", patch, content_type="application/json").status_code == 403
    assert api("resident").patch(f"/api/v1/activities/{pk}", patch, content_type="application/json").status_code == 403
    r = api("committee_A").patch(f"/api/v1/activities/{pk}", patch, content_type="application/json")
    assert r.status_code == 200 and r.json()["capacity"] == 30


def test_sign_up_cancel_and_the_staff_list(world, api):
    resident_login(world, "A1em1", 1, "resident2")
    a = make_activity(world, "A", capacity=1)
    url = f"/api/v1/activities/{a.pk}/signups"
    r = api("resident").post(url, {}, content_type="application/json")
    assert r.status_code == 201 and r.json()["status"] == "confirmed"
    r = api("resident2").post(url, {}, content_type="application/json")
    assert r.status_code == 201 and r.json()["status"] == "waiting" and r.json()["waiting_rank"] == 1
    assert "候补" in r.json()["message"]
    again = api("resident").post(url, {}, content_type="application/json")
    assert again.status_code == 409 and "已报名" in again.json()["detail"]
    assert api("committee_B").post(url, {}, content_type="application/json").status_code == 404
    assert api("committee_A").post(url, {}, content_type="application/json").status_code == 403  # not a resident
    mine = api("resident2").get(f"/api/v1/activities/{a.pk}").json()["mine"]
    assert mine["status"] == "waiting" and mine["waiting_rank"] == 1

    assert api("resident").get(url).status_code == 403
    assert api("leader_A2").get(url).status_code == 403
    assert api("committee_B").get(url).status_code == 404
    listed = api("committee_A").get(url).json()
    assert listed["count"] == 2 and [i["status"] for i in listed["items"]] == ["confirmed", "waiting"]

    cancel = f"/api/v1/activities/{a.pk}/signups/cancel"
    assert api("committee_B").post(cancel, {}, content_type="application/json").status_code == 404
    r = api("resident").post(cancel, {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert api("resident2").get(f"/api/v1/activities/{a.pk}").json()["mine"]["status"] == "confirmed"
    other = listed["items"][1]["id"]
    assert api("leader_A2").post(cancel, {"signup": other}, content_type="application/json").status_code == 403
    assert api("committee_A").post(cancel, {"signup": other}, content_type="application/json").status_code == 200


def test_check_in_by_token_and_by_staff(world, api):
    a = make_activity(world, "A", starts_in=0.5)
    s = services.signup_create(actor=world.users["resident"], activity_id=a.pk).signup
    url = f"/api/v1/activities/{a.pk}/checkin"
    assert api("committee_B").post(url, {"signup": s.pk}, content_type="application/json").status_code == 404
    assert api("leader_A2").post(url, {"signup": s.pk}, content_type="application/json").status_code == 403
    r = api("resident").post(url, {"token": a.checkin_token}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "attended"
    walk = api("committee_A").post(url, {"resident": world.residents["A2em1"][0].pk}, content_type="application/json")
    assert walk.status_code == 200 and walk.json()["walk_in"] is True
    none = api("committee_A").post(url, {}, content_type="application/json")
    assert none.status_code == 422 and none.json()["errors"][0]["field"] == "resident"


def test_stats_are_scoped(world, api):
    a = make_activity(world, "A", starts_in=0.5, capacity=None)
    services.checkin_by_staff(actor=None, activity_id=a.pk, resident=world.residents["A1em1"][0].pk)
    r = api("committee_A").get("/api/v1/activities/stats")
    assert r.status_code == 200 and r.json()["attended"] == 1
    assert {g["grid"] for g in r.json()["by_grid"]} >= {world.grid("A").pk, world.grid("A1em1").pk}
    assert world.grid("sub").pk not in {g["grid"] for g in r.json()["by_grid"]}
    assert api("committee_B").get("/api/v1/activities/stats").json()["attended"] == 0
    assert api("committee_B").get("/api/v1/activities/stats", {"within": world.grid("A").pk}).status_code == 404
    assert api("resident").get("/api/v1/activities/stats").json()["by_grid"] == []
    bad = api("committee_A").get("/api/v1/activities/stats", {"since": "2025-02-01", "until": "2025-01-01"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "until"
