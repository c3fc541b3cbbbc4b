"""/api/v1/duty: every endpoint for users in and out of scope — 404 outside, 403 inside without the
capability, never a leak — and the shapes a client relies on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wangge.fieldwork.gates import services
from wangge.fieldwork.gates.models import Shift

from .conftest import POST_LAT, POST_LON, full_week, next_monday

pytestmark = pytest.mark.django_db


@pytest.fixture
def duty(world, gates):
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=10)
    shift = services.shift_create(actor=None, post_id=gates["post"].pk, person_id=world.persons["guard1"].pk,
                                  starts_at=start, ends_at=start + dt.timedelta(hours=8))
    later = services.shift_create(actor=None, post_id=gates["post"].pk, person_id=world.persons["guard1"].pk,
                                  starts_at=start + dt.timedelta(days=1), ends_at=start + dt.timedelta(days=1, hours=8))
    return {**gates, "shift": shift, "later": later}


def _ids(response):
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"items", "count"}
    return sorted(row["id"] for row in body["items"])


def test_post_list_is_scoped(api, world, duty):
    a, b = duty["post"].pk, duty["post_b"].pk
    assert _ids(api("guard1").get("/api/v1/duty/posts")) == [a]
    assert _ids(api("supervisor_A1e").get("/api/v1/duty/posts")) == [a]
    assert _ids(api("committee_B").get("/api/v1/duty/posts")) == [b]
    assert _ids(api("admin").get("/api/v1/duty/posts")) == [a, b]
    assert _ids(api("micro_A1em1").get("/api/v1/duty/posts")) == []
    assert _ids(api("resident").get("/api/v1/duty/posts")) == []
    assert _ids(api("leader_A1").get(f"/api/v1/duty/posts?within={world.grid('A1e').pk}&q=东")) == [a]
    assert api("leader_A1").get(f"/api/v1/duty/posts?within={world.grid('B1e').pk}").status_code == 404
    assert api(None).get("/api/v1/duty/posts").status_code == 401


def test_post_get_create_update_templates_coverage(api, world, duty):
    a = duty["post"].pk
    body = api("guard1").get(f"/api/v1/duty/posts/{a}").json()
    assert [t["end"] for t in body["templates"]] == ["16:00", "24:00", "08:00"] and body["day_gaps"] == []
    assert api("guard_B").get(f"/api/v1/duty/posts/{a}").status_code == 404
    assert api("member_A1e").get(f"/api/v1/duty/posts/{a}").status_code == 403
    assert api("micro_A1em1").get(f"/api/v1/duty/posts/{a}").status_code == 404
    new = {"estate": world.grid("A1e").pk, "name": "北门", "lon": 112.13, "lat": 37.21}
    assert api("guard1").post("/api/v1/duty/posts", new, content_type="application/json").status_code == 403
    assert api("leader_B1").post("/api/v1/duty/posts", new, content_type="application/json").status_code == 404
    r = api("supervisor_A1e").post("/api/v1/duty/posts", new, content_type="application/json")
    assert r.status_code == 201 and len(r.json()["templates"]) == 3
    patch = {"checkin_radius_m": 300}
    assert api("guard1").patch(f"/api/v1/duty/posts/{a}", patch, content_type="application/json").status_code == 403
    assert api("leader_B1").patch(f"/api/v1/duty/posts/{a}", patch, content_type="application/json").status_code == 404
    r = api("leader_A1").patch(f"/api/v1/duty/posts/{a}", patch, content_type="application/json")
    assert r.status_code == 200 and r.json()["checkin_radius_m"] == 300 and r.json()["lon"] == POST_LON
    two = {"templates": [{"name": "白班", "start": "08:00", "end": "20:00"}, {"name": "夜班", "start": "20:00", "end": "08:00"}]}
    url = f"/api/v1/duty/posts/{a}/templates"
    assert api("guard1").put(url, two, content_type="application/json").status_code == 403
    r = api("leader_A1").put(url, two, content_type="application/json")
    assert r.status_code == 200 and [t["minutes"] for t in r.json()["templates"]] == [720, 720]
    bad = {"templates": [{"name": "白班", "start": "8点", "end": "20:00"}]}
    assert api("leader_A1").put(url, bad, content_type="application/json").status_code == 422
    cov = api("guard1").get(f"/api/v1/duty/posts/{a}/coverage")
    assert cov.status_code == 200 and cov.json()["covered"] is False and cov.json()["gaps"]
    assert api("guard_B").get(f"/api/v1/duty/posts/{a}/coverage").status_code == 404
    r = api("guard1").get(f"/api/v1/duty/posts/{a}/coverage?start=2025-01-02T00:00:00%2B08:00&end=2025-01-01T00:00:00%2B08:00")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "end"


def test_roster_build_through_the_api(api, world, duty):
    post, monday = duty["post"], next_monday() + dt.timedelta(days=7)
    guards = [world.persons[k] for k in ("guard2", "guard3")]
    rows = [{"day": str(r.day), "template": r.template, "persons": r.persons} for r in full_week(post, monday, guards)]
    url = f"/api/v1/duty/posts/{post.pk}/roster"
    payload = {"week": str(monday + dt.timedelta(days=3)), "assignments": rows[:-1]}
    assert api("guard1").post(url, payload, content_type="application/json").status_code == 403
    assert api("leader_B1").post(url, payload, content_type="application/json").status_code == 404
    r = api("supervisor_A1e").post(url, payload, content_type="application/json")
    assert r.status_code == 422
    assert "周日 00:00–08:00 无人值守" in r.json()["detail"] and r.json()["errors"][0]["field"] == "assignments"
    payload["assignments"] = rows
    r = api("supervisor_A1e").post(url, payload, content_type="application/json")
    assert r.status_code == 201 and r.json()["created"] == 21 and r.json()["gaps"] == []


def test_shift_endpoints_are_scoped(api, world, duty):
    shift, later = duty["shift"], duty["later"]
    assert _ids(api("guard1").get("/api/v1/duty/shifts?mine=true")) == [shift.pk, later.pk]
    assert _ids(api("guard2").get(f"/api/v1/duty/shifts?post={duty['post'].pk}")) == [shift.pk, later.pk]
    assert _ids(api("guard_B").get("/api/v1/duty/shifts")) == []
    assert _ids(api("leader_A1").get("/api/v1/duty/shifts?q=guard1")) == [shift.pk, later.pk]
    assert api("guard1").get(f"/api/v1/duty/shifts/{shift.pk}").json()["status"] == "planned"
    assert api("guard_B").get(f"/api/v1/duty/shifts/{shift.pk}").status_code == 404
    new = {"post": duty["post"].pk, "person": world.persons["guard2"].pk,
           "starts_at": (shift.starts_at + dt.timedelta(days=3)).isoformat(),
           "ends_at": (shift.starts_at + dt.timedelta(days=3, hours=8)).isoformat()}
    assert api("guard1").post("/api/v1/duty/shifts", new, content_type="application/json").status_code == 403
    assert api("leader_B1").post("/api/v1/duty/shifts", new, content_type="application/json").status_code == 404
    r = api("supervisor_A1e").post("/api/v1/duty/shifts", new, content_type="application/json")
    assert r.status_code == 201
    clash = {**new, "post": duty["post"].pk}
    r = api("supervisor_A1e").post("/api/v1/duty/shifts", clash, content_type="application/json")
    assert r.status_code == 422 and "重叠" in r.json()["detail"]
    created = r.json()
    assert api("guard1").post(f"/api/v1/duty/shifts/{later.pk}/cancel").status_code == 403
    assert api("guard_B").post(f"/api/v1/duty/shifts/{later.pk}/cancel").status_code == 404
    assert api("leader_A1").post(f"/api/v1/duty/shifts/{later.pk}/cancel").json()["status"] == "cancelled"
    assert created


def test_checkin_and_checkout_through_the_api(api, world, duty):
    shift = duty["shift"]
    url = f"/api/v1/duty/shifts/{shift.pk}"
    here = {"lon": POST_LON, "lat": POST_LAT}
    assert api("guard_B").post(f"{url}/checkin", here, content_type="application/json").status_code == 404
    assert api("guard2").post(f"{url}/checkin", here, content_type="application/json").status_code == 403
    r = api("guard1").post(f"{url}/checkin", {"lon": POST_LON, "lat": 37.3}, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "position"
    r = api("guard1").post(f"{url}/checkin", {}, content_type="application/json")
    assert r.status_code == 422 and "定位" in r.json()["detail"]
    r = api("guard1").post(f"{url}/checkin", here, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "checked_in" and r.json()["checkin_distance_m"] == 0
    assert api("guard2").post(f"{url}/checkout").status_code == 403
    r = api("guard1").post(f"{url}/checkout")
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert api("guard1").post(f"{url}/checkout").status_code == 409
    later = f"/api/v1/duty/shifts/{duty['later'].pk}/checkin"
    r = api("guard1").post(later, here, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "time"


def test_swap_endpoints_are_scoped(api, world, duty):
    later = duty["later"]
    ask = {"shift": later.pk, "to_person": world.persons["guard2"].pk, "reason": "看病"}
    assert api("guard2").post("/api/v1/duty/swaps", ask, content_type="application/json").status_code == 403
    assert api("guard_B").post("/api/v1/duty/swaps", ask, content_type="application/json").status_code == 404
    r = api("guard1").post("/api/v1/duty/swaps", ask, content_type="application/json")
    assert r.status_code == 201 and r.json()["status"] == "pending"
    swap_id = r.json()["id"]
    assert _ids(api("guard1").get("/api/v1/duty/swaps")) == [swap_id]
    assert _ids(api("guard2").get("/api/v1/duty/swaps")) == [swap_id]
    assert _ids(api("guard3").get("/api/v1/duty/swaps")) == []
    assert _ids(api("supervisor_A1e").get("/api/v1/duty/swaps?status=pending")) == [swap_id]
    assert _ids(api("leader_B1").get("/api/v1/duty/swaps")) == []
    url = f"/api/v1/duty/swaps/{swap_id}/decision"
    assert api("guard1").post(url, {"approve": True}, content_type="application/json").status_code == 403
    assert api("leader_B1").post(url, {"approve": True}, content_type="application/json").status_code == 404
    r = api("supervisor_A1e").post(url, {"approve": True}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert Shift.objects.get(pk=later.pk).person_id == world.persons["guard2"].pk
    assert api("supervisor_A1e").post(url, {"approve": True}, content_type="application/json").status_code == 409
