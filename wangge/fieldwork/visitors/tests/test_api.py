"""/api/v1/visitors for every kind of user: gate staff and leaders of the estate see its visitors (phones
masked), the host sees their own, grid members, micro-grid members and strangers see nothing; the public
registration answers clear errors and is rate-limited."""

from __future__ import annotations

import pytest

from wangge.fieldwork.visitors.models import Status, Visitor

from .conftest import unit_of

pytestmark = pytest.mark.django_db
J = "application/json"


@pytest.fixture
def visits(gw, register):
    return {"A1e": register("A1e", name="甲访客"), "A2e": register("A2e", name="乙访客"),
            "B1e": register("B1e", name="丙访客")}


def _names(response):
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["items"]}


@pytest.mark.parametrize("user, seen", [
    ("guard_A1e", {"甲访客"}), ("super_A1e", {"甲访客"}), ("guard_A", {"甲访客", "乙访客"}),
    ("leader_A1", {"甲访客", "乙访客"}), ("committee_A", {"甲访客", "乙访客"}), ("leader_A2", {"乙访客"}),
    ("guard_B1e", {"丙访客"}), ("admin", {"甲访客", "乙访客", "丙访客"}),
    ("member_A1e", set()), ("micro_A1em1", set()), ("liaison_A", set()), ("nobody", set()),
    ("resident", {"甲访客"}),  # the household visited
])
def test_list_is_scoped(api, visits, user, seen):
    assert _names(api(user).get("/api/v1/visitors")) == seen


def test_list_masks_phones_filters_and_searches(api, visits):
    client = api("leader_A1")
    body = client.get("/api/v1/visitors").json()
    assert body["count"] == 2 and all(row["phone"] == "138****5678" for row in body["items"])
    assert "13812345678" not in str(body)
    assert _names(client.get(f"/api/v1/visitors?within={visits['A2e'].estate_id}")) == {"乙访客"}
    assert _names(client.get("/api/v1/visitors?q=jia")) == {"甲访客"}          # pinyin initials
    assert _names(client.get(f"/api/v1/visitors?q={visits['A2e'].ticket.lower()}")) == {"乙访客"}
    assert client.get(f"/api/v1/visitors?within={visits['B1e'].estate_id}").status_code == 404
    assert client.get("/api/v1/visitors?status=nope").status_code == 422


def test_the_resident_sees_only_their_visitors_without_health_data(api, visits, gw):
    rows = api("resident").get("/api/v1/visitors?mine=true").json()["items"]
    assert [r["name"] for r in rows] == ["甲访客"]
    detail = api("resident").get(f"/api/v1/visitors/{visits['A1e'].pk}").json()
    assert detail["rules"] == [] and detail["checks"] == [] and detail["phone"] == "138****5678"
    assert api("guard_A1e").get("/api/v1/visitors?mine=true").json()["count"] == 0


@pytest.mark.parametrize("user, status", [
    ("guard_A1e", 200), ("leader_A1", 200), ("resident", 200), ("guard_B1e", 404), ("member_A1e", 404),
    ("micro_A1em1", 404), ("leader_A2", 404), ("nobody", 404),
])
def test_get_is_scoped(api, visits, user, status):
    response = api(user).get(f"/api/v1/visitors/{visits['A1e'].pk}")
    assert response.status_code == status
    if status == 404:
        assert "甲访客" not in response.content.decode()


def test_anonymous_reads_need_a_login(api, visits):
    assert api(None).get("/api/v1/visitors").status_code == 401
    assert api(None).get(f"/api/v1/visitors/{visits['A1e'].pk}").status_code == 401


@pytest.mark.parametrize("user, status", [
    ("guard_A1e", 200), ("guard_B1e", 404), ("member_A1e", 404), ("micro_A1em1", 404), ("resident", 404),
])
def test_check_is_scoped(api, visits, gw, user, status):
    v = visits["A1e"]
    response = api(user).post(f"/api/v1/visitors/{v.pk}/check", {
        "post": gw.posts["A1e"].pk, "decision": "admitted", "values": {"temp": 36.4, "health_code": True}},
        content_type=J)
    assert response.status_code == status, response.content
    v.refresh_from_db()
    assert v.status == (Status.ADMITTED if status == 200 else Status.REGISTERED)
    if status == 200:
        body = response.json()
        assert body["status"] == "admitted" and body["checks"][0]["value"] == 36.4


def test_check_errors_are_clear(api, visits, gw):
    client = api("guard_A")
    url = f"/api/v1/visitors/{visits['A2e'].pk}/check"
    r = client.post(url, {"post": gw.posts["A1e"].pk, "decision": "admitted", "values": {"temp": 36.4, "health_code": True}}, content_type=J)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "post"
    assert "二维码属于其他小区" in r.json()["detail"]
    r = client.post(url, {"post": gw.posts["A2e"].pk, "decision": "admitted", "values": {"temp": 39, "health_code": True}}, content_type=J)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note"
    r = client.post(url, {"post": gw.posts["A2e"].pk, "decision": "maybe"}, content_type=J)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "decision"
    r = client.post(url, {"post": gw.posts["A2e"].pk, "decision": "refused", "values": {"temp": 39}}, content_type=J)
    assert r.status_code == 200 and r.json()["flagged"] is True
    r = client.post(url, {"post": gw.posts["A2e"].pk, "decision": "refused", "note": "x"}, content_type=J)
    assert r.status_code == 409


@pytest.mark.parametrize("user, status", [
    ("resident", 200), ("guard_A1e", 404), ("leader_A1", 404), ("micro_A1em1", 404), ("nobody", 404),
])
def test_confirm_is_for_the_host(api, visits, user, status):
    r = api(user).post(f"/api/v1/visitors/{visits['A1e'].pk}/confirm", {"confirmed": False}, content_type=J)
    assert r.status_code == status
    visits["A1e"].refresh_from_db()
    assert visits["A1e"].host_confirmed is (False if status == 200 else None)


@pytest.mark.parametrize("user, status", [
    ("leader_A1", 200), ("committee_A", 200), ("guard_A1e", 403), ("super_A1e", 403), ("member_A1e", 404),
    ("micro_A1em1", 404), ("guard_B1e", 404), ("resident", 404),
])
def test_unmask_is_scoped(api, visits, user, status):
    r = api(user).post(f"/api/v1/visitors/{visits['A1e'].pk}/unmask", {"reason": "联系访客"}, content_type=J)
    assert r.status_code == status
    assert ("13812345678" in r.content.decode()) is (status == 200)


@pytest.mark.parametrize("user, status", [
    ("guard_A1e", 200), ("super_A1e", 200), ("leader_A1", 200), ("member_A1e", 403), ("micro_A1em1", 404),
    ("guard_B1e", 404), ("resident", 403), ("nobody", 404),  # the resident sees their estate, not its rules
])
def test_rules_get_is_scoped(api, gw, user, status):
    r = api(user).get(f"/api/v1/visitors/rules/{gw.grid('A1e').pk}")
    assert r.status_code == status
    if status == 200:
        body = r.json()
        assert body["source"] == gw.grid("sub").pk and body["own"] is False
        assert [i["code"] for i in body["items"]] == ["temp", "health_code", "id_card"]


@pytest.mark.parametrize("user, status", [
    ("leader_A1", 200), ("super_A1e", 200), ("guard_A1e", 403), ("member_A1e", 403), ("micro_A1em1", 404),
    ("leader_B1", 404), ("nobody", 404),
])
def test_rules_set_is_scoped(api, gw, user, status):
    r = api(user).put(f"/api/v1/visitors/rules/{gw.grid('A1e').pk}",
                      {"items": [{"code": "id_card", "label": "身份证", "kind": "check"}]}, content_type=J)
    assert r.status_code == status, r.content
    if status == 200:
        assert r.json()["own"] is True and [i["code"] for i in r.json()["items"]] == ["id_card"]


def test_rules_set_errors_name_the_item(api, gw):
    r = api("leader_A1").put(f"/api/v1/visitors/rules/{gw.grid('A1e').pk}",
                             {"items": [{"code": "temp", "label": "体温", "kind": "measure", "min": 38, "max": 36}]},
                             content_type=J)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "items.0.max"


# -- the public side -----------------------------------------------------------------------------------


def test_gate_info_is_public_and_lists_units_not_rooms(api, gw):
    r = api(None).get(f"/api/v1/visitors/gate/{gw.posts['A1e'].qr_token}")
    assert r.status_code == 200
    body = r.json()
    assert body["post_name"] == "东门" and body["estate_name"] == "A1小区"
    assert {u["name"] for u in body["units"]} == {"1单元", "2单元"}
    assert "101" not in r.content.decode() and "room" not in r.content.decode()
    assert api(None).get("/api/v1/visitors/gate/unknown").status_code == 404


def _register(client, gw, **fields):
    body = {"token": gw.posts["A1e"].qr_token, "name": "李四", "phone": "139 1234 5678", "purpose": "送货",
            "unit": unit_of(gw, "A1em1").pk, "room": "101", **fields}
    return client.post("/api/v1/visitors/register", body, content_type=J)


def test_register_without_login(api, gw):
    r = _register(api(None), gw)
    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) == {"ticket", "name", "post_name", "estate_name", "registered_at"}
    assert Visitor.objects.get().phone == "13912345678"
    # A room that exists and one that does not answer alike: rooms stay private.
    other = _register(api(None), gw, room="999").json()
    assert set(other) == set(body)


def test_register_errors_are_clear_and_write_nothing(api, gw):
    r = _register(api(None), gw, phone="12345")
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "phone", "message": r.json()["errors"][0]["message"]}]
    assert "手机号" in r.json()["detail"]
    r = _register(api(None), gw, unit=unit_of(gw, "B1em1").pk)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "unit"
    r = _register(api(None), gw, token="not-a-gate")
    assert r.status_code == 404
    assert not Visitor.objects.exists()


def test_register_is_rate_limited(api, gw, settings):
    settings.VISITOR_REGISTER_PER_IP = 2
    client = api(None)
    assert [_register(client, gw).status_code for _ in range(3)] == [201, 201, 429]
    r = _register(client, gw)
    assert r.status_code == 429 and "频繁" in r.json()["detail"]
    assert Visitor.objects.count() == 2
