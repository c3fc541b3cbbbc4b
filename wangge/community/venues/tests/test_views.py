"""The pages to create and change a venue (VENUES), linked from the venue list for those who may."""

from __future__ import annotations

import pytest
from django.test import Client

from ..models import Venue
from .conftest import make_venue

pytestmark = pytest.mark.django_db


def client(world, key):
    c = Client()
    c.force_login(world.users[key])
    return c


def _form(world, **extra) -> dict:
    data = {"community": str(world.grid("A").pk), "name": "党群书吧", "place": "服务中心二楼", "capacity": "30",
            "description": "藏书三千册", "needs_approval": "on", "active": "on"}
    data |= {f"hours_{d}": "08:30-12:00, 14:00-18:00" for d in range(1, 8)}
    return data | extra


def test_a_keeper_creates_a_venue_on_the_page(world):
    staff = client(world, "committee_A")
    page = staff.get("/venues/").content.decode()
    assert 'id="venue-new"' in page
    form = staff.get("/venues/new/")
    assert form.status_code == 200 and "08:30-12:00, 14:00-18:00" in form.content.decode()
    response = staff.post("/venues/new/", _form(world, hours_6="9:00-11:30", hours_7=""), follow=True)
    html = response.content.decode()
    venue = Venue.objects.get(name="党群书吧")
    assert venue.community == world.grid("A") and venue.capacity == 30 and venue.needs_approval
    assert venue.opening_hours["6"] == [["09:00", "11:30"]] and "7" not in venue.opening_hours
    assert "党群书吧" in html and "服务中心二楼" in html and "可容纳 30 人" in html


def test_bad_input_names_the_field_and_creates_nothing(world):
    staff = client(world, "committee_A")
    cases = [({"name": " "}, "name"), ({"capacity": "0"}, "capacity"), ({"capacity": "三十"}, "capacity"),
             ({"hours_2": "下午"}, "opening_hours"), ({"hours_3": "12:00-08:00"}, "opening_hours"),
             ({"hours_1": "08:00-12:00, 11:00-13:00"}, "opening_hours")]
    for change, field in cases:
        response = staff.post("/venues/new/", _form(world, **change))
        html = response.content.decode()
        assert response.status_code == 422, change
        assert f'id="error-{field}"' in html, change
        assert 'value="服务中心二楼"' in html  # what was typed is kept
    make_venue(world)
    taken = staff.post("/venues/new/", _form(world, name="妇儿微家"))
    assert taken.status_code == 422 and 'id="error-name"' in taken.content.decode()
    assert list(Venue.objects.values_list("name", flat=True)) == ["妇儿微家"]


def test_a_keeper_changes_a_venue_and_the_list_shows_it(world):
    v = make_venue(world)
    staff = client(world, "committee_A")
    assert f'href="/venues/{v.pk}/edit/"' in staff.get("/venues/").content.decode()
    form = staff.get(f"/venues/{v.pk}/edit/").content.decode()
    assert 'value="妇儿微家"' in form and "08:00-12:00, 14:00-21:00" in form and 'name="community"' not in form
    data = _form(world, name="妇儿之家", capacity="12", hours_7="", active="")
    data.pop("needs_approval")
    response = staff.post(f"/venues/{v.pk}/edit/", data, follow=True)
    html = response.content.decode()
    assert "妇儿之家" in html and "可容纳 12 人" in html and "已停用" in html
    v.refresh_from_db()
    assert (v.name, v.capacity, v.needs_approval, v.active) == ("妇儿之家", 12, False, False)
    assert "7" not in v.opening_hours
    # a bad field is named and nothing is saved
    bad = staff.post(f"/venues/{v.pk}/edit/", _form(world, name="又改名", capacity="-3"))
    assert bad.status_code == 422 and 'id="error-capacity"' in bad.content.decode()
    v.refresh_from_db()
    assert (v.name, v.capacity) == ("妇儿之家", 12)


def test_only_keepers_may_create_or_change(world):
    v = make_venue(world)
    resident = client(world, "resident")
    assert 'id="venue-new"' not in resident.get("/venues/").content.decode()
    assert f"/venues/{v.pk}/edit/" not in resident.get("/venues/").content.decode()
    assert resident.get("/venues/new/").status_code == 403
    assert resident.get(f"/venues/{v.pk}/edit/").status_code == 403
    assert resident.post(f"/venues/{v.pk}/edit/", _form(world, name="改")).status_code == 403
    member = client(world, "member_A1e")  # a grid member: no VENUES
    assert member.get("/venues/new/").status_code == 403
    inside = make_venue(world, "A1e", name="楼道会客厅")
    assert member.get(f"/venues/{inside.pk}/edit/").status_code == 403
    other = client(world, "committee_B")
    assert other.get(f"/venues/{v.pk}/edit/").status_code == 404
    assert other.post(f"/venues/{v.pk}/edit/", _form(world, name="改")).status_code == 404
    assert other.post("/venues/new/", _form(world)).status_code == 404  # community A is outside B's scope
    v.refresh_from_db()
    assert v.name == "妇儿微家" and Venue.objects.count() == 2
