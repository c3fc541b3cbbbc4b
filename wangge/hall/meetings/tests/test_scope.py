"""Every endpoint × users in and out of scope: 404 outside, 403 inside without HALL, never a leak."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wangge.hall.meetings import services

pytestmark = pytest.mark.django_db

J = "application/json"


def motion(w, method="electronic"):
    return services.meeting_motion_create(actor=w.users["committee_A"], session_id=w.session.pk,
                                          data=services.MotionIn(item=w.items[0].pk, text="表决", method=method))


def secretary_calls(w):
    s, m = w.session.pk, motion(w).pk
    hands = motion(w, "hands").pk
    due = (timezone.localdate() + dt.timedelta(days=9)).isoformat()
    return [
        ("get", f"/api/v1/hall/sessions/{s}/invitations", None),
        ("post", f"/api/v1/hall/sessions/{s}/invitations", {"persons": [w.persons["rep"].pk]}),
        ("post", f"/api/v1/hall/sessions/{s}/invitations/usual", {}),
        ("get", f"/api/v1/hall/sessions/{s}/attendance", None),
        ("post", f"/api/v1/hall/sessions/{s}/attendance", {"name": "王五"}),
        ("get", f"/api/v1/hall/sessions/{s}/quorum", None),
        ("get", f"/api/v1/hall/halls/{w.hall.pk}/quorum-rules", None),
        ("put", f"/api/v1/hall/halls/{w.hall.pk}/quorum-rules", {"min_attendees": 1}),
        ("put", f"/api/v1/hall/items/{w.items[0].pk}/minutes", {"text": "纪要"}),
        ("post", f"/api/v1/hall/sessions/{s}/motions", {"item": w.items[0].pk, "text": "x"}),
        ("post", f"/api/v1/hall/motions/{m}/open", {}),
        ("post", f"/api/v1/hall/motions/{m}/close", {}),
        ("post", f"/api/v1/hall/motions/{hands}/hands", {"votes_for": 1, "votes_against": 0}),
        ("post", f"/api/v1/hall/sessions/{s}/resolutions", {"item": w.items[1].pk, "text": "决议", "due_on": due,
                                                             "responsible_organisation": w.organisations["property"].pk}),
        ("post", f"/api/v1/hall/sessions/{s}/held", {}),
        ("post", f"/api/v1/hall/sessions/{s}/publish", {}),
    ]


def call(client, method, url, body):
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, content_type=J)


@pytest.mark.parametrize(("key", "status"), [("committee_B", 404), ("leader_B1", 404), ("member_A1e", 404),
                                             ("liaison_A", 403), ("nobody", 404), (None, 401)])
def test_secretary_endpoints_refused(mw, api, key, status):
    client = api(key)
    for method, url, body in secretary_calls(mw):
        response = call(client, method, url, body)
        assert response.status_code == status, (url, response.content)
        assert "红旗" not in response.content.decode()


def test_secretary_endpoints_allowed(mw, api):
    client = api("committee_A")
    services.meeting_invite(actor=mw.users["committee_A"], session_id=mw.session.pk, persons=[mw.persons["r1"].pk])
    services.meeting_checkin(actor=mw.users["r1"], checkin_token=services.record_for(mw.session).checkin_token)
    for method, url, body in secretary_calls(mw):
        response = call(client, method, url, body)
        assert response.status_code in (200, 201), (url, response.content)


def test_resident_reads_only_published(mw, api):
    s = mw.session.pk
    resident = api("resident")
    for url in (f"/api/v1/hall/sessions/{s}/minutes", f"/api/v1/hall/sessions/{s}/minutes.pdf",
                f"/api/v1/hall/sessions/{s}/motions"):
        assert resident.get(url).status_code == 404
    assert resident.get("/api/v1/hall/resolutions").json() == {"items": [], "count": 0}
    assert api(None).get("/api/v1/hall/resolutions").status_code == 401


def test_attendee_endpoints(mw, api):
    services.meeting_invite(actor=mw.users["committee_A"], session_id=mw.session.pk, persons=[mw.persons["r1"].pk])
    token = services.record_for(mw.session).checkin_token
    r1 = api("r1")
    r = r1.post("/api/v1/hall/checkin", {"checkin_token": token}, content_type=J)
    assert r.status_code == 200 and r.json()["created"]
    assert r1.post("/api/v1/hall/checkin", {"checkin_token": token}, content_type=J).json()["created"] is False
    assert api("r2").post("/api/v1/hall/checkin", {"checkin_token": token}, content_type=J).status_code == 403
    assert api("r2").post("/api/v1/hall/checkin", {"checkin_token": "bad"}, content_type=J).status_code == 404
    m = motion(mw)
    services.meeting_motion_open(actor=mw.users["committee_A"], motion_id=m.pk)
    assert r1.get(f"/api/v1/hall/sessions/{mw.session.pk}/motions").json()["count"] == 1
    r = r1.post(f"/api/v1/hall/motions/{m.pk}/vote", {"choice": "for"}, content_type=J)
    assert r.status_code == 200
    r = r1.post(f"/api/v1/hall/motions/{m.pk}/vote", {"choice": "for"}, content_type=J)
    assert r.status_code == 409 and "已投过票" in r.json()["detail"]
    assert api("r2").post(f"/api/v1/hall/motions/{m.pk}/vote", {"choice": "for"}, content_type=J).status_code == 403
    assert api("committee_B").post(f"/api/v1/hall/motions/{m.pk}/vote", {"choice": "for"},
                                   content_type=J).status_code == 404
    inv = mw.session.invitations.get()
    anon = api(None)
    r = anon.post(f"/api/v1/hall/rsvp/{inv.token}/checkin", {"checkin_token": token}, content_type=J)
    assert r.status_code == 200 and r.json()["created"] is False


def test_pages(mw, client):
    s = mw.session.pk
    client.force_login(mw.users["committee_A"])
    page = client.get(f"/hall/sessions/{s}/meeting/")
    assert page.status_code == 200 and "1号楼电梯维修" in page.content.decode()
    assert client.get(f"/hall/sessions/{s}/meeting/motions/").status_code == 200
    assert client.get(f"/hall/sessions/{s}/checkin-qr/").status_code == 200
    assert client.get(f"/hall/sessions/{s}/checkin-qr.png")["Content-Type"] == "image/png"
    assert client.get(f"/hall/sessions/{s}/checkin-qr.svg")["Content-Type"] == "image/svg+xml"
    assert client.get(f"/hall/sessions/{s}/checkin-qr.gif").status_code == 404
    assert client.get(f"/hall/sessions/{s}/minutes.pdf").content.startswith(b"%PDF")
    r = client.post(f"/hall/sessions/{s}/meeting/invite-usual/")
    assert r.status_code == 302
    client.post(f"/hall/sessions/{s}/meeting/items/{mw.items[0].pk}/minutes/", {"text": "会上同意"})
    assert "会上同意" in client.get(f"/hall/sessions/{s}/meeting/").content.decode()
    r = client.post(f"/hall/sessions/{s}/meeting/resolutions/", {"item": mw.items[1].pk, "text": "增设充电桩"},
                    follow=True)
    assert "请指定责任人或责任单位" in r.content.decode()
    assert client.get("/hall/resolutions/").status_code == 200
    for key, status in (("committee_B", 404), ("liaison_A", 403)):
        client.force_login(mw.users[key])
        assert client.get(f"/hall/sessions/{s}/meeting/").status_code == status
        assert client.post(f"/hall/sessions/{s}/meeting/publish/").status_code == status
        assert client.get(f"/hall/sessions/{s}/checkin-qr.png").status_code == status
    # the attendee's phone page
    services.meeting_invite(actor=mw.users["committee_A"], session_id=s, persons=[mw.persons["r1"].pk])
    client.force_login(mw.users["r1"])
    assert "尚未签到" in client.get(f"/hall/sessions/{s}/vote/").content.decode()
    token = services.record_for(mw.session).checkin_token
    assert client.post(f"/m/checkin/{token}/").status_code == 200
    m = motion(mw)
    services.meeting_motion_open(actor=mw.users["committee_A"], motion_id=m.pk)
    page = client.get(f"/hall/sessions/{s}/vote/").content.decode()
    assert "表决" in page and "vote-for" in page
    client.post(f"/hall/sessions/{s}/vote/", {"motion": m.pk, "choice": "for"})
    assert "已投票" in client.get(f"/hall/sessions/{s}/vote/").content.decode()
    client.force_login(mw.users["committee_B"])
    assert client.get(f"/hall/sessions/{s}/vote/").status_code == 404
    client.logout()
    assert client.get(f"/m/checkin/{token}/").status_code == 200
    assert client.get("/m/checkin/nope/").status_code == 404
    assert client.get("/hall/resolutions/").status_code == 302
