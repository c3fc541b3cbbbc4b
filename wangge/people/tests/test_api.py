import datetime as dt

import pytest
from django.utils import timezone

from wangge.people.models import ApiToken, Duty

pytestmark = pytest.mark.django_db


def test_wrong_password_is_401(world, client):
    response = client.post("/api/v1/auth/token", {"username": "leader_a1", "password": "nope"},
                           content_type="application/json")
    assert response.status_code == 401


def test_missing_password_is_422_naming_it(world, client):
    response = client.post("/api/v1/auth/token", {"username": "leader_a1"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "password"


def test_forged_and_expired_tokens_are_refused_with_a_reason(world, api, client):
    response = client.get("/api/v1/grids", HTTP_AUTHORIZATION="Bearer wg_forged")
    assert response.status_code == 401 and "令牌无效" in response.json()["detail"]
    good = api("leader_A1")
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = good.get("/api/v1/grids")
    assert response.status_code == 401 and "过期" in response.json()["detail"]


def test_duties_filter_by_role_within_a_grid(world, api):
    body = api("admin").get(f"/api/v1/duties?role=micro_grid_member&within={world.grid('A').pk}").json()
    assert body["count"] == 4
    assert {d["role"] for d in body["items"]} == {"micro_grid_member"}


def test_unknown_role_is_422(world, api):
    response = api("admin").get("/api/v1/duties?role=emperor")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "role"


def test_grid_leader_who_is_a_committee_member_is_also_property_supervisor(world):
    leader = world.persons["leader_A1"]
    roles = set(Duty.objects.current().filter(person=leader, grid=world.grid("A1")).values_list("role", flat=True))
    assert roles == {"grid_leader", "property_supervisor"}


def test_ending_a_duty_ends_access_at_once(world, api):
    micro = api("micro_A1em1")
    grid = world.grid("A1em1")
    assert micro.get(f"/api/v1/grids/{grid.pk}").status_code == 200
    leader = api("leader_A1")
    duty = world.duties["micro_A1em1"]
    ended = leader.post(f"/api/v1/duties/{duty.pk}/end", {"note": "调离"}, content_type="application/json")
    assert ended.status_code == 200 and ended.json()["is_current"] is False
    assert micro.get(f"/api/v1/grids/{grid.pk}").status_code == 404
    assert micro.get("/api/v1/grids").json()["count"] == 0


def test_assign_duty_through_the_api(world, api):
    person = world.persons["member_A1e"]
    response = api("leader_A1").post(
        "/api/v1/duties", {"person_id": person.pk, "role": "building_steward", "grid_id": world.grid("A1e").pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["role_label"] == "楼栋管家"


def test_assign_duty_outside_scope_is_404_and_writes_nothing(world, api):
    person = world.persons["member_A1e"]
    before = Duty.objects.count()
    response = api("leader_A1").post(
        "/api/v1/duties", {"person_id": person.pk, "role": "grid_member", "grid_id": world.grid("B1e").pk},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert Duty.objects.count() == before


def test_access_log_is_for_admins_only(world, api):
    assert api("leader_A1").get("/api/v1/pii-access-log").status_code == 404
    assert api("admin").get("/api/v1/pii-access-log").status_code == 200


def test_me_lists_duties(world, api):
    body = api("leader_A1").get("/api/v1/me").json()
    assert {d["role"] for d in body["duties"]} == {"two_committee_member", "grid_leader", "property_supervisor"}
