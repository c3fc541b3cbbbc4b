"""/api/v1/venues and /api/v1/bookings: every endpoint with users in and out of scope."""

from __future__ import annotations

import pytest

from .. import services
from .conftest import ALL_DAY, at, make_venue

pytestmark = pytest.mark.django_db
J = "application/json"


def test_venues_are_scoped(world, api):
    v = make_venue(world)
    vb = make_venue(world, "B", name="党群书吧")
    off = make_venue(world, name="旧活动室", active=False)

    def names(key, **params):
        r = api(key).get("/api/v1/venues", params)
        assert r.status_code == 200
        return {i["name"] for i in r.json()["items"]}

    assert names("resident") == {v.name}
    assert names("committee_A") == {v.name, off.name}
    assert names("committee_B") == {vb.name}
    assert names("nobody") == set()
    assert api("committee_A").get("/api/v1/venues", {"within": world.grid("B").pk}).status_code == 404
    r = api("resident").get(f"/api/v1/venues/{v.pk}")
    assert r.status_code == 200 and r.json()["can_manage"] is False and r.json()["hours"][0].startswith("周一")
    for key, pk in [("resident", vb.pk), ("resident", off.pk), ("committee_B", v.pk), ("nobody", v.pk)]:
        assert api(key).get(f"/api/v1/venues/{pk}").status_code == 404


def test_venue_create_and_update(world, api):
    body = {"community": world.grid("A").pk, "name": "多功能活动室", "capacity": 60, "opening_hours": ALL_DAY}
    assert api("committee_B").post("/api/v1/venues", body, content_type=J).status_code == 404
    assert api("member_A1e").post("/api/v1/venues", body | {"community": world.grid("A1e").pk},
                                  content_type=J).status_code == 403
    assert api("resident").post("/api/v1/venues", body, content_type=J).status_code == 403
    r = api("committee_A").post("/api/v1/venues", body, content_type=J)
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    bad = api("committee_A").post("/api/v1/venues", body | {"name": "x", "opening_hours": {"1": [["9", "8"]]}},
                                  content_type=J)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "opening_hours"
    assert api("resident").patch(f"/api/v1/venues/{pk}", {"capacity": 5}, content_type=J).status_code == 403
    assert api("committee_B").patch(f"/api/v1/venues/{pk}", {"capacity": 5}, content_type=J).status_code == 404
    r = api("committee_A").patch(f"/api/v1/venues/{pk}", {"capacity": 5}, content_type=J)
    assert r.status_code == 200 and r.json()["capacity"] == 5


def test_bookings_through_the_api(world, api):
    v = make_venue(world)
    body = {"venue": v.pk, "purpose": "亲子阅读", "starts_at": at(2, 9).isoformat(), "ends_at": at(2, 10).isoformat(),
            "attendees": 6}
    assert api("committee_B").post("/api/v1/bookings", body, content_type=J).status_code == 404
    r = api("resident").post("/api/v1/bookings", body, content_type=J)
    assert r.status_code == 201 and r.json()["status"] == "pending" and r.json()["mine"] is True
    pk = r.json()["id"]
    clash = api("committee_A").post("/api/v1/bookings", body | {"organisation": world.organisations["A_party"].pk},
                                    content_type=J)
    assert clash.status_code == 409 and "亲子阅读" in clash.json()["detail"]
    hours = api("resident").post("/api/v1/bookings", body | {"starts_at": at(2, 12, 30).isoformat(),
                                                              "ends_at": at(2, 13).isoformat()}, content_type=J)
    assert hours.status_code == 422 and hours.json()["errors"][0]["field"] == "starts_at"
    other_org = api("resident").post("/api/v1/bookings", body | {"starts_at": at(3, 9).isoformat(),
                                                                  "ends_at": at(3, 10).isoformat(),
                                                                  "organisation": world.organisations["police"].pk},
                                     content_type=J)
    assert other_org.status_code == 422 and other_org.json()["errors"][0]["field"] == "organisation"

    assert api("resident").get("/api/v1/bookings").json()["count"] == 1
    assert api("committee_A").get("/api/v1/bookings").json()["count"] == 1
    assert api("committee_A").get("/api/v1/bookings", {"mine": True}).json()["count"] == 0
    assert api("committee_B").get("/api/v1/bookings").json()["count"] == 0
    assert api("member_A1e").get("/api/v1/bookings").json()["count"] == 0
    staff_view = api("committee_A").get(f"/api/v1/bookings/{pk}").json()
    assert "****" in staff_view["contact_phone"]
    for key in ("committee_B", "member_A1e", "nobody"):
        assert api(key).get(f"/api/v1/bookings/{pk}").status_code == 404

    decide = f"/api/v1/bookings/{pk}/decide"
    assert api("resident").post(decide, {"approve": True}, content_type=J).status_code == 403
    assert api("committee_B").post(decide, {"approve": True}, content_type=J).status_code == 404
    r = api("leader_A1").post(decide, {"approve": True}, content_type=J)
    assert r.status_code == 200 and r.json()["status"] == "approved"

    cancel = f"/api/v1/bookings/{pk}/cancel"
    assert api("committee_B").post(cancel, {}, content_type=J).status_code == 404
    r = api("resident").post(cancel, {}, content_type=J)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert api("resident").post(cancel, {}, content_type=J).status_code == 409


def test_residents_see_a_taken_slot_not_who_took_it(world, api):
    v = make_venue(world)
    services.booking_create(actor=world.users["committee_A"], venue_id=v.pk, purpose="两委会议", starts_at=at(1, 9),
                            ends_at=at(1, 10), organisation=world.organisations["A_party"].pk)
    week = api("resident").get(f"/api/v1/venues/{v.pk}").json()["week"]
    assert [s["label"] for s in week] == ["已预约"]
    assert [s["label"] for s in api("committee_A").get(f"/api/v1/venues/{v.pk}").json()["week"]] == ["两委会议"]
