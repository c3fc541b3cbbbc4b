"""Incidents as their users notice them: an owner reports in their own estate and sees only their own;
staff ask for footage against cameras of the estate and a time window, hand over to the police and
record the outcome; every wrong field is named and nothing is half-written; scope on every endpoint."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wangge.fieldwork.cameras.tests.helpers import add_cameras_scene, add_property_staff
from wangge.fieldwork.incidents.models import Event, FootageReview, Incident
from wangge.notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):
    add_property_staff(world)
    return add_cameras_scene(world)


def _iso(d: dt.datetime) -> str:
    return d.isoformat()


def _report(client, **extra):
    now = timezone.now()
    data = {"kind": "lost_item", "title": "丢失黑色钱包", "description": "在1号楼门口丢失，内有身份证。",
            "occurred_from": _iso(now - dt.timedelta(hours=5)), "occurred_to": _iso(now - dt.timedelta(hours=4))}
    data.update(extra)
    return client.post("/api/v1/incidents", data, content_type="application/json")


def test_full_flow_from_report_to_solved(world, scene, api):
    resident, staff = api("resident"), api("staff_A1e")
    r = _report(resident)
    assert r.status_code == 201, r.content
    inc = r.json()
    assert inc["status"] == "reported" and inc["by_resident"] and inc["grid"]["id"] == world.grid("A1em1").pk
    assert inc["actions"] == []
    # The property staff of the estate were told.
    assert Notification.objects.filter(recipient=world.persons["staff_A1e"], event="incident.reported").exists()

    start = timezone.now() - dt.timedelta(hours=5)
    r = staff.post(f"/api/v1/incidents/{inc['id']}/footage-requests", {
        "cameras": [scene["linked"].pk, scene["near"].pk], "window_from": _iso(start),
        "window_to": _iso(start + dt.timedelta(hours=2)), "note": "重点看单元门",
    }, content_type="application/json")
    assert r.status_code == 201, r.content
    review = r.json()
    assert [c["code"] for c in review["cameras"]] == ["A-001", "A-002"]
    assert Notification.objects.filter(recipient=world.persons["staff_A1e"], event="incident.footage_requested").exists()
    detail = staff.get(f"/api/v1/incidents/{inc['id']}").json()
    assert detail["status"] == "reviewing"
    assert detail["actions"] == ["footage_request", "footage_record", "handover", "conclude"]

    r = staff.post(f"/api/v1/incidents/{inc['id']}/footage-requests/{review['id']}/record",
                   {"finding": "14:05 一名男子在单元门口捡起钱包", "found": True}, content_type="application/json")
    assert r.status_code == 200 and r.json()["found"] is True and r.json()["reviewer"] == "staff_A1e物业"
    again = staff.post(f"/api/v1/incidents/{inc['id']}/footage-requests/{review['id']}/record",
                       {"finding": "x", "found": False}, content_type="application/json")
    assert again.status_code == 409

    police = world.organisations["police"]
    r = staff.post(f"/api/v1/incidents/{inc['id']}/handover", {"police": police.pk, "police_ref": "JQ2025001"},
                   content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "handed_to_police" and r.json()["police"] == "城西派出所"

    r = staff.post(f"/api/v1/incidents/{inc['id']}/conclude", {"status": "solved", "outcome": ""},
                   content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "outcome"
    r = api("liaison_A").post(f"/api/v1/incidents/{inc['id']}/conclude",
                              {"status": "solved", "outcome": "民警联系拾得人，钱包已归还失主"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "solved"
    mine = resident.get(f"/api/v1/incidents/{inc['id']}").json()
    assert mine["outcome"] == "民警联系拾得人，钱包已归还失主"
    assert [e["action"] for e in mine["events"]] == ["report", "footage_request", "footage_record", "handover",
                                                       "conclude"]
    assert staff.post(f"/api/v1/incidents/{inc['id']}/conclude", {"status": "closed", "outcome": "x"},
                      content_type="application/json").status_code == 409


@pytest.fixture
def incident(world, scene, api):
    return _report(api("resident")).json()


@pytest.mark.parametrize("change, field", [
    ({"window_to": "from"}, "window_to"),                      # to == from
    ({"hours": 80}, "window_to"),                              # too long
    ({"shift_days": -5}, "window_from"),                       # far before the incident
    ({"camera": "other_estate"}, "cameras.0"),
    ({"camera": "missing"}, "cameras.0"),
])
def test_bad_footage_requests_are_refused_and_nothing_written(world, scene, api, incident, change, field):
    start = timezone.now() - dt.timedelta(hours=5) + dt.timedelta(days=change.get("shift_days", 0))
    end = start if change.get("window_to") == "from" else start + dt.timedelta(hours=change.get("hours", 2))
    camera = {"other_estate": scene["other_estate"].pk, "missing": 999999}.get(change.get("camera"), scene["near"].pk)
    r = api("staff_A1e").post(f"/api/v1/incidents/{incident['id']}/footage-requests", {
        "cameras": [camera], "window_from": _iso(start), "window_to": _iso(end)}, content_type="application/json")
    assert r.status_code == 422, r.content
    assert r.json()["errors"][0]["field"] == field
    assert FootageReview.objects.count() == 0
    assert Incident.objects.get(pk=incident["id"]).status == "reported"
    assert Event.objects.filter(incident_id=incident["id"]).count() == 1


@pytest.mark.parametrize("extra, field", [
    ({"title": ""}, "title"),
    ({"kind": "murder"}, "kind"),
    ({"occurred_from": "2999-01-01T00:00:00+08:00"}, "occurred_from"),
    ({"occurred_to": "2000-01-01T00:00:00+08:00"}, "occurred_to"),
    ({"lon": 112.25, "lat": 37.2}, "lon"),                   # a resident reporting in another community
])
def test_bad_reports_name_the_field(world, scene, api, extra, field):
    r = _report(api("resident"), **extra)
    assert r.status_code == 422, r.content
    assert r.json()["errors"][0]["field"] == field
    assert Incident.objects.count() == 0


def test_staff_report_in_their_grid_and_not_elsewhere(world, scene, api):
    r = _report(api("member_A1e"), grid=world.grid("A1e").pk, kind="vehicle_damage", title="车辆被划")
    assert r.status_code == 201 and not r.json()["by_resident"]
    assert _report(api("member_A1e"), grid=world.grid("B1e").pk).status_code == 404
    assert _report(api("micro_A1em1"), grid=world.grid("A1em1").pk).status_code == 403
    assert _report(api("nobody")).status_code == 403
    assert _report(api(None)).status_code == 401


@pytest.mark.parametrize("user, read", [
    ("resident", 200), ("staff_A1e", 200), ("member_A1e", 200), ("leader_A1", 200), ("liaison_A", 200),
    ("committee_A", 200), ("admin", 200), ("micro_A1em1", 403), ("leader_A2", 404), ("leader_B1", 404),
    ("member_B1e", 404), ("nobody", 404),
])
def test_scope_of_every_incident_endpoint(world, scene, api, incident, user, read):
    client = api(user)
    iid = incident["id"]
    assert client.get(f"/api/v1/incidents/{iid}").status_code == read
    ids = {i["id"] for i in client.get("/api/v1/incidents").json()["items"]}
    assert (iid in ids) == (read == 200)
    handler = read == 200 and user != "resident"
    expect = 200 if handler else 403 if user == "resident" else read
    start = timezone.now() - dt.timedelta(hours=5)
    r = client.post(f"/api/v1/incidents/{iid}/footage-requests", {
        "cameras": [scene["near"].pk], "window_from": _iso(start), "window_to": _iso(start + dt.timedelta(hours=1))},
        content_type="application/json")
    assert r.status_code == (201 if handler else expect), r.content
    r = client.post(f"/api/v1/incidents/{iid}/handover", {"police_name": "城西派出所"}, content_type="application/json")
    assert r.status_code == expect
    r = client.post(f"/api/v1/incidents/{iid}/conclude", {"status": "closed", "outcome": "失主已找回"},
                    content_type="application/json")
    assert r.status_code == expect
    assert Incident.objects.get(pk=iid).status == ("closed" if handler else "reported")


def test_resident_sees_only_their_own(world, scene, api):
    other = world.residents["A1em1"][1]
    from wangge.people import services as people

    person = people.person_create(name=other.name, resident=other)
    people.person_grant_login(person=person, username="neighbour", password="pw")
    world.users["neighbour"] = person.user
    mine = _report(api("resident")).json()
    theirs = _report(api("neighbour"), title="电动车被盗", kind="theft").json()
    listed = api("resident").get("/api/v1/incidents").json()
    assert [i["id"] for i in listed["items"]] == [mine["id"]]
    assert api("resident").get(f"/api/v1/incidents/{theirs['id']}").status_code == 404
    assert api("resident").get("/api/v1/incidents?q=电动车").json()["count"] == 0
    assert api("staff_A1e").get("/api/v1/incidents?q=电动车").json()["count"] == 1
    assert api("staff_A1e").get(f"/api/v1/incidents?within={world.grid('B1e').pk}").status_code == 404
