"""/api/v1/hall: every endpoint for users in and out of scope (404 outside, 403 inside without HALL),
residents see their own community only and never other residents' names."""

from __future__ import annotations

import pytest

from wangge.hall.agenda import services
from wangge.hall.agenda.models import Item, Session

from .conftest import report

pytestmark = pytest.mark.django_db

RUN = ["committee_A", "leader_A1", "admin"]
SEE_NO_HALL = ["member_A1e", "leader_A2", "micro_A1em1", "liaison_A"]   # see hall A, may not run it
OUTSIDE = ["leader_B1", "member_B1e", "committee_B", "nobody"]


def _writes(hall, session, item):
    return [
        ("patch", f"/api/v1/hall/halls/{hall.pk}", {"place": "新地点"}),
        ("get", f"/api/v1/hall/halls/{hall.pk}/suggestions", None),
        ("post", f"/api/v1/hall/halls/{hall.pk}/suggestions/accept", {"key": "urgent:1:1"}),
        ("patch", f"/api/v1/hall/sessions/{session.pk}", {"cancel": True, "cancel_reason": "x"}),
        ("patch", f"/api/v1/hall/items/{item.pk}", {"action": "decline", "reason": "x"}),
        ("post", "/api/v1/hall/items", {"hall": hall.pk, "kind": "urgent", "title": "t", "session": session.pk}),
    ]


def _call(client, method, url, body):
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, content_type="application/json")


@pytest.fixture
def setup(world, hall, hall_b):
    session = hall.sessions.order_by("starts_at").first()
    item = services.item_create(actor=world.users["resident"], hall_id=hall.pk, kind="urgent", title="楼道灯")
    return hall, session, item


@pytest.mark.parametrize("user", SEE_NO_HALL + OUTSIDE)
def test_writes_refused(world, api, setup, user):
    hall, session, item = setup
    client = api(user)
    see = user in SEE_NO_HALL
    for method, url, body in _writes(hall, session, item):
        response = _call(client, method, url, body)
        expected = 403 if see else 404
        if url == "/api/v1/hall/items":
            expected = 403 if see else 404
        assert response.status_code == expected, (user, url, response.content)
    assert Item.objects.count() == 1 and Session.objects.get(pk=session.pk).status == "planned"
    halls = client.get("/api/v1/hall/halls").json()
    assert (hall.pk in [h["id"] for h in halls["items"]]) == see
    for url in (f"/api/v1/hall/halls/{hall.pk}", f"/api/v1/hall/sessions/{session.pk}", f"/api/v1/hall/items/{item.pk}"):
        assert client.get(url).status_code == (200 if see else 404), (user, url)
    sessions = client.get("/api/v1/hall/sessions").json()
    assert (hall.pk in {s["hall_id"] for s in sessions["items"]}) == see
    items = client.get("/api/v1/hall/items").json()
    assert (item.pk in {i["id"] for i in items["items"]}) == see


@pytest.mark.parametrize("user", RUN)
def test_runners_can_do_everything(world, api, setup, user):
    hall, session, item = setup
    client = api(user)
    assert client.patch(f"/api/v1/hall/halls/{hall.pk}", {"place": "新地点"}, content_type="application/json").json()["place"] == "新地点"
    r = client.patch(f"/api/v1/hall/items/{item.pk}", {"action": "schedule", "session": session.pk},
                     content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "scheduled" and r.json()["proposer"] == "居民1"
    r = client.post("/api/v1/hall/items", {"hall": hall.pk, "kind": "difficult", "title": "电梯", "session": session.pk,
                                           "minutes_planned": 30}, content_type="application/json")
    assert r.status_code == 201 and r.json()["position"] == 2
    detail = client.get(f"/api/v1/hall/sessions/{session.pk}").json()
    assert [i["title"] for i in detail["items"]] == ["楼道灯", "电梯"]
    assert detail["hall_id"] == hall.pk and "T" in detail["starts_at"]
    assert detail["items"][1]["planned_start"] > detail["items"][0]["planned_start"]
    assert client.get(f"/api/v1/hall/halls/{hall.pk}/suggestions").json() == {"items": [], "count": 0}
    r = client.patch(f"/api/v1/hall/sessions/{session.pk}", {"cancel": True}, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cancel_reason"


def test_hall_create_scope(world, api):
    body = {"community": world.grid("A").pk, "name": "议事厅", "place": "党群中心"}
    assert api("member_A1e").post("/api/v1/hall/halls", body, content_type="application/json").status_code == 403
    assert api("leader_B1").post("/api/v1/hall/halls", body, content_type="application/json").status_code == 404
    bad = {**body, "community": world.grid("A1").pk}
    r = api("committee_A").post("/api/v1/hall/halls", bad, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "community"
    r = api("committee_A").post("/api/v1/hall/halls", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["day_of_month"] == 10 and r.json()["start_time"].startswith("09:00")
    assert api("committee_A").get("/api/v1/hall/sessions", {"hall": r.json()["id"]}).json()["count"] == 3


def test_item_without_kind_api(world, api, hall):
    r = api("committee_A").post("/api/v1/hall/items", {"hall": hall.pk, "title": "停车"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
    assert not Item.objects.exists()


def test_resident_sees_own_community_without_names_or_others_declined(world, api, setup):
    hall, session, item = setup
    other_resident_item = item
    staff_item = services.item_create(actor=world.users["committee_A"], hall_id=hall.pk, kind="major", title="停车规划",
                                      session_id=session.pk, matters=[report(world, "A1em1", 1).pk])
    client = api("resident")
    mine = client.post("/api/v1/hall/items", {"hall": hall.pk, "kind": "urgent", "title": "我的提议"},
                       content_type="application/json")
    assert mine.status_code == 201 and mine.json()["proposer"] == "我"
    # Another resident's proposal, declined: hidden from residents.
    item_b = Item.objects.create(hall=hall, kind="urgent", title="别人的提议", status="declined",
                                 proposed_by=world.users["committee_A"], origin="resident")
    listed = client.get("/api/v1/hall/items").json()
    titles = {i["title"] for i in listed["items"]}
    assert "别人的提议" not in titles and {"楼道灯", "停车规划", "我的提议"} <= titles
    assert client.get(f"/api/v1/hall/items/{item_b.pk}").status_code == 404
    detail = client.get(f"/api/v1/hall/sessions/{session.pk}").json()
    [on_agenda] = [i for i in detail["items"] if i["id"] == staff_item.pk]
    assert on_agenda["matters"][0]["description"] == "" and on_agenda["proposer"] == "社区"
    assert "committee_a" not in str(listed) and other_resident_item.pk in {i["id"] for i in listed["items"]}
    upcoming = client.get("/api/v1/hall/sessions", {"upcoming": True}).json()
    assert upcoming["count"] == 3 and {s["hall_id"] for s in upcoming["items"]} == {hall.pk}
    r = client.post("/api/v1/hall/items", {"hall": hall.pk + 1, "kind": "urgent", "title": "x"},
                    content_type="application/json")
    assert r.status_code == 404
    assert client.patch(f"/api/v1/hall/items/{item.pk}", {"action": "decline", "reason": "x"},
                        content_type="application/json").status_code == 403


def test_anonymous_needs_login(api, hall):
    client = api(None)
    for url in ("/api/v1/hall/halls", "/api/v1/hall/sessions", "/api/v1/hall/items"):
        assert client.get(url).status_code == 401


def test_lists_do_not_grow_queries_per_row(world, api, hall, django_assert_max_num_queries):
    session = hall.sessions.order_by("starts_at").first()
    for n in range(6):
        services.item_create(actor=world.users["committee_A"], hall_id=hall.pk, kind="major", title=f"议题{n}",
                             session_id=session.pk, matters=[report(world, "A1em1", n % 2).pk])
    client = api("committee_A")
    with django_assert_max_num_queries(14):
        assert client.get("/api/v1/hall/items").json()["count"] == 6
    with django_assert_max_num_queries(14):
        assert len(client.get(f"/api/v1/hall/sessions/{session.pk}").json()["items"]) == 6
