"""The pages of activities and venues, for the roles that use them."""

from __future__ import annotations

import pytest
from django.test import Client

from wangge.community.venues import services as venues
from wangge.community.venues.tests.conftest import at, make_venue

from .. import services
from ..models import SignUp
from .conftest import make_activity, resident_login, soon

pytestmark = pytest.mark.django_db


def client(world, key):
    c = Client()
    c.force_login(world.users[key])
    return c


def test_a_resident_signs_up_joins_the_waiting_list_and_cancels_on_the_pages(world):
    resident_login(world, "A1em1", 1, "resident2")
    a = make_activity(world, capacity=1)
    r1, r2 = client(world, "resident"), client(world, "resident2")
    page = r1.get("/activities/")
    assert page.status_code == 200 and a.title in page.content.decode()
    detail = r1.get(f"/activities/{a.pk}/").content.decode()
    assert "我要报名" in detail and "签到二维码" not in detail
    r1.post(f"/activities/{a.pk}/signup/")
    assert "您已报名" in r1.get(f"/activities/{a.pk}/").content.decode()
    response = r2.post(f"/activities/{a.pk}/signup/", follow=True)
    assert "候补名单（第1位）" in response.content.decode()
    assert "候补第1位" in r2.get("/activities/").content.decode()
    r1.post(f"/activities/{a.pk}/cancel/")
    assert SignUp.objects.get(person=world.persons["resident2"]).status == "confirmed"


def test_staff_pages_qr_and_check_in(world):
    a = make_activity(world, starts_in=0.5)
    services.signup_create(actor=world.users["resident"], activity_id=a.pk)
    staff = client(world, "committee_A")
    page = staff.get(f"/activities/{a.pk}/?find=居民").content.decode()
    assert "签到二维码" in page and a.checkin_token in page and "代报名" in page
    assert staff.get(f"/activities/{a.pk}/qr.png")["Content-Type"] == "image/png"
    assert staff.get(f"/activities/{a.pk}/qr.svg")["Content-Type"] == "image/svg+xml"
    assert client(world, "resident").get(f"/activities/{a.pk}/qr.png").status_code == 403
    assert client(world, "committee_B").get(f"/activities/{a.pk}/").status_code == 404
    s = SignUp.objects.get()
    staff.post(f"/activities/{a.pk}/checkin/", {"signup": s.pk})
    s.refresh_from_db()
    assert s.status == "attended"
    assert staff.get("/activities/new/").status_code == 200
    assert client(world, "resident").get("/activities/new/").status_code == 403
    assert staff.get("/activities/stats/").status_code == 200
    assert "党员教育" in staff.get("/activities/stats/").content.decode()


def test_the_qr_check_in_page(world):
    a = make_activity(world, starts_in=0.5)
    services.signup_create(actor=world.users["resident"], activity_id=a.pk)
    r = client(world, "resident")
    assert "签到" in r.get(f"/a/checkin/{a.checkin_token}/").content.decode()
    assert "签到成功" in r.post(f"/a/checkin/{a.checkin_token}/").content.decode()
    assert client(world, "committee_A").post(f"/a/checkin/{a.checkin_token}/").status_code == 409
    assert r.get("/a/checkin/nope/").status_code == 404
    assert Client().get(f"/a/checkin/{a.checkin_token}/").status_code == 302  # to the login


def test_create_an_activity_on_the_page(world):
    staff = client(world, "committee_A")
    form = {"grid": world.grid("A").pk, "kind": "drill", "title": "消防演练", "place": "小区广场",
            "starts_at": soon(24).strftime("%Y-%m-%dT%H:%M"), "ends_at": soon(26).strftime("%Y-%m-%dT%H:%M")}
    bad = staff.post("/activities/new/", form | {"kind": ""})
    assert bad.status_code == 422 and "请选择活动类别" in bad.content.decode()
    ok = staff.post("/activities/new/", form)
    assert ok.status_code == 302


def test_venue_pages(world):
    v = make_venue(world)
    r = client(world, "resident")
    page = r.get("/venues/").content.decode()
    assert v.name in page and "星期一" in page
    day = at(2, 9)
    form = {"purpose": "亲子阅读", "date": day.date().isoformat(), "start": "09:00", "end": "10:00", "attendees": "5"}
    assert r.post(f"/venues/{v.pk}/book/", form).status_code == 302
    clash = client(world, "committee_A").post(f"/venues/{v.pk}/book/", form | {"contact_name": "王"})
    assert clash.status_code == 422 and "冲突" in clash.content.decode()
    hours = r.post(f"/venues/{v.pk}/book/", form | {"start": "12:30", "end": "13:00"})
    assert hours.status_code == 422 and "开放时间" in hours.content.decode()
    assert "亲子阅读" in r.get("/bookings/").content.decode()
    queue = client(world, "committee_A").get("/bookings/").content.decode()
    assert "待审批 1 条" in queue
    b = v.bookings.get()
    client(world, "committee_A").post(f"/bookings/{b.pk}/decide/", {"approve": "1"})
    b.refresh_from_db()
    assert b.status == "approved"
    assert client(world, "committee_B").post(f"/bookings/{b.pk}/decide/", {"approve": "1"}).status_code == 404
    r.post(f"/bookings/{b.pk}/cancel/")
    b.refresh_from_db()
    assert b.status == "cancelled"
    assert client(world, "committee_B").get(f"/venues/{v.pk}/book/").status_code == 404
    venues.venue_update(actor=None, venue_id=v.pk, active=False)
    assert v.name not in r.get("/venues/").content.decode()
