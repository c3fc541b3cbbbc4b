"""/api/v1/visit-plans and /api/v1/visits: every endpoint, in scope, out of scope and without the
capability, and bad input that writes nothing."""

from __future__ import annotations

import pytest

from wangge.fieldwork.visits import services
from wangge.fieldwork.visits.models import Visit, VisitPlan
from wangge.matters.models import Matter

from .conftest import backdate, log

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def plan(world):
    return services.visit_plan_create(actor=world.users["leader_A1"], grid=world.grid("A1e"), period_days=60)


@pytest.fixture
def visit(world):
    return log(world, "micro_A1em1", world.households["A1em1"][0], notes="家中一切安好")


# -- plans -----------------------------------------------------------------------------------------------


def test_plan_list_and_get_are_scoped(world, api, plan):
    assert api("micro_A1em1").get("/api/v1/visit-plans").json() == {"items": [], "count": 0}
    body = api("member_A1e").get("/api/v1/visit-plans").json()
    assert body["count"] == 1 and body["items"][0]["grid"]["id"] == world.grid("A1e").pk
    assert body["items"][0]["period_days"] == 60 and body["items"][0]["care_period_days"] == 30
    assert api("leader_A1").get(f"/api/v1/visit-plans?within={world.grid('A1').pk}").json()["count"] == 1
    assert api("leader_A1").get("/api/v1/visit-plans?q=A1小区").json()["count"] == 1
    assert api("leader_A1").get("/api/v1/visit-plans?q=没有这个").json()["count"] == 0
    assert api("leader_A2").get("/api/v1/visit-plans").json()["count"] == 0
    assert api("leader_A2").get(f"/api/v1/visit-plans?within={world.grid('A1').pk}").status_code == 404
    assert api("member_A1e").get(f"/api/v1/visit-plans/{plan.pk}").status_code == 200
    assert api("leader_B1").get(f"/api/v1/visit-plans/{plan.pk}").status_code == 404
    assert api(None).get("/api/v1/visit-plans").status_code == 401


def test_plan_create_needs_the_planning_permission(world, api):
    body = {"grid": world.grid("A1e").pk, "period_days": 60, "care_period_days": 14, "care_flags": ["disabled"]}
    assert api("member_A1e").post("/api/v1/visit-plans", body, content_type=JSON).status_code == 403
    outside = api("leader_B1").post("/api/v1/visit-plans", body, content_type=JSON)
    assert outside.status_code == 422 and outside.json()["errors"][0]["field"] == "grid"
    made = api("leader_A1").post("/api/v1/visit-plans", body, content_type=JSON)
    assert made.status_code == 201, made.content
    assert made.json()["care_flags"] == ["disabled"] and made.json()["care_period_days"] == 14
    again = api("committee_A").post("/api/v1/visit-plans", body, content_type=JSON)
    assert again.status_code == 409
    bad = api("leader_A1").post("/api/v1/visit-plans", {"grid": world.grid("A1em1").pk, "period_days": 10,
                                                        "care_period_days": 20}, content_type=JSON)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "care_period_days"
    assert VisitPlan.objects.count() == 1


def test_plan_update_changes_only_the_fields_sent(world, api, plan):
    url = f"/api/v1/visit-plans/{plan.pk}"
    assert api("member_A1e").patch(url, {"active": False}, content_type=JSON).status_code == 403
    assert api("leader_B1").patch(url, {"active": False}, content_type=JSON).status_code == 404
    r = api("leader_A1").patch(url, {"active": False, "note": "改为按社区计划"}, content_type=JSON)
    assert r.status_code == 200
    assert (r.json()["active"], r.json()["period_days"], r.json()["note"]) == (False, 60, "改为按社区计划")
    bad = api("leader_A1").patch(url, {"period_days": 0}, content_type=JSON)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "period_days"
    assert VisitPlan.objects.get().period_days == 60


# -- visits ----------------------------------------------------------------------------------------------


def test_visit_create_with_matters_raised(world, api):
    h = world.households["A1em1"][0]
    r = api("micro_A1em1").post("/api/v1/visits", {
        "household": h.pk, "outcome": "met", "notes": "老人独居", "follow_up_on": None,
        "matters": [{"category": "property-repair", "description": "卫生间漏水"}],
    }, content_type=JSON)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["household"]["id"] == h.pk and "*" in body["household"]["room"]
    assert body["worker_name"] == world.persons["micro_A1em1"].name
    assert body["matters"][0]["category"] == "property-repair"
    assert Matter.objects.get(pk=body["matters"][0]["id"]).source == "visit"


def test_visit_create_refuses_a_household_outside_the_grid_and_writes_nothing(world, api):
    before = Matter.objects.count()
    r = api("micro_A1em1").post("/api/v1/visits", {
        "household": world.households["B1em1"][0].pk, "outcome": "met",
        "matters": [{"category": "property-repair", "description": "卫生间漏水"}],
    }, content_type=JSON)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "household"
    assert "不在您负责的网格内" in r.json()["detail"]
    # Inside the scope without the capability to visit.
    r = api("liaison_A").post("/api/v1/visits", {"household": world.households["A1em1"][0].pk, "outcome": "met"},
                              content_type=JSON)
    assert r.status_code == 403
    assert Visit.objects.count() == 0 and Matter.objects.count() == before


def test_visit_create_rolls_back_when_one_matter_is_refused(world, api):
    before = Matter.objects.count()
    r = api("micro_A1em1").post("/api/v1/visits", {
        "household": world.households["A1em1"][0].pk, "outcome": "met",
        "matters": [{"category": "property-repair", "description": "卫生间漏水"}, {"description": "没选类别"}],
    }, content_type=JSON)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "matters[1].category"
    assert Visit.objects.count() == 0 and Matter.objects.count() == before
    r = api("micro_A1em1").post("/api/v1/visits", {"household": world.households["A1em1"][0].pk, "outcome": "x"},
                                content_type=JSON)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "outcome"


def test_visit_list_and_get_are_scoped(world, api, visit):
    log(world, "micro_B1em1", world.households["B1em1"][0], outcome="nobody_home")
    mine = api("micro_A1em1").get("/api/v1/visits").json()
    assert mine["count"] == 1 and mine["items"][0]["id"] == visit.pk
    assert api("committee_A").get("/api/v1/visits").json()["count"] == 1
    assert api("admin").get("/api/v1/visits").json()["count"] == 2
    assert api("admin").get("/api/v1/visits?outcome=nobody_home").json()["count"] == 1
    assert api("admin").get(f"/api/v1/visits?within={world.grid('B').pk}").json()["count"] == 1
    assert api("admin").get(f"/api/v1/visits?household={world.households['A1em1'][0].pk}").json()["count"] == 1
    assert api("admin").get("/api/v1/visits?q=安好").json()["count"] == 1
    assert api("micro_A1em1").get(f"/api/v1/visits?within={world.grid('B').pk}").status_code == 404
    assert api("micro_A1em1").get(f"/api/v1/visits/{visit.pk}").json()["notes"] == "家中一切安好"
    assert api("liaison_A").get(f"/api/v1/visits/{visit.pk}").status_code == 200
    assert api("micro_A1em2").get(f"/api/v1/visits/{visit.pk}").status_code == 404
    assert api("leader_B1").get(f"/api/v1/visits/{visit.pk}").status_code == 404
    assert api("resident").get("/api/v1/visits").json()["count"] == 0
    assert api(None).get("/api/v1/visits").status_code == 401


def test_visit_due_lists_the_workers_households_in_walking_order(world, api, visit):
    body = api("member_A1e").get("/api/v1/visits/due").json()
    # Visited today: A1em1's first household is no longer due.
    assert body["count"] == 3
    assert [(i["household"]["unit"], i["household"]["floor"]) for i in body["items"]] == [
        ("1单元", 2), ("2单元", 1), ("2单元", 2)]
    assert all(i["status"] == "never" for i in body["items"])
    assert api("member_A1e").get(f"/api/v1/visits/due?within={world.grid('A1em2').pk}").json()["count"] == 2
    assert api("member_A1e").get(f"/api/v1/visits/due?within={world.grid('B1').pk}").status_code == 404
    assert api("liaison_A").get("/api/v1/visits/due").status_code == 403
    assert api("resident").get("/api/v1/visits/due").status_code == 403


def test_visit_coverage_per_grid_and_worker(world, api, visit):
    old = log(world, "micro_A1em2", world.households["A1em2"][0])
    backdate(old, 100)
    body = api("leader_A1").get(f"/api/v1/visits/coverage?within={world.grid('A1e').pk}").json()
    assert body["grid"]["id"] == world.grid("A1e").pk
    assert body["total"]["households"] == 4 and body["total"]["in_period"] == 1
    assert body["total"]["overdue"] == 1 and body["total"]["never"] == 2 and body["total"]["share"] == 0.25
    rows = {i["grid"]["id"]: i for i in body["items"]}
    assert rows[world.grid("A1em1").pk]["share"] == 0.5 and rows[world.grid("A1em2").pk]["share"] == 0
    workers = {w["name"]: w for w in body["workers"]}
    micro = workers[world.persons["micro_A1em1"].name]
    assert (micro["households"], micro["in_period"], micro["visits_30d"]) == (2, 1, 1)
    # Default: the actor's own grid.
    assert api("micro_A1em1").get("/api/v1/visits/coverage").json()["grid"]["id"] == world.grid("A1em1").pk
    assert api("micro_A1em1").get(f"/api/v1/visits/coverage?within={world.grid('A1e').pk}").status_code == 404
    assert api("nobody").get("/api/v1/visits/coverage").status_code == 403
