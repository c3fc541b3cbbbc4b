"""Pages of the hall for every role that may see them; forms refuse bad input beside the form."""

from __future__ import annotations

import pytest
from django.test import Client

from wangge.hall.agenda import services
from wangge.hall.agenda.models import Item

from .conftest import report

pytestmark = pytest.mark.django_db


def _client(world, key):
    client = Client()
    client.force_login(world.users[key])
    return client


def test_staff_home_lists_halls_with_next_session_and_waiting_proposals(world, hall):
    services.item_create(actor=world.users["resident"], hall_id=hall.pk, kind="urgent", title="楼道灯不亮")
    page = _client(world, "committee_A").get("/hall/")
    text = page.content.decode()
    assert page.status_code == 200 and hall.name in text and "楼道灯不亮" in text and "议事规则" in text
    assert "居民1" in text   # staff see who proposed
    page = _client(world, "member_A1e").get("/hall/")
    assert page.status_code == 200 and hall.name in text and "议事规则" not in page.content.decode()


def test_resident_home_shows_upcoming_sessions_and_propose(world, hall, hall_b):
    text = _client(world, "resident").get("/hall/").content.decode()
    assert hall.sessions.order_by("starts_at").first().title in text and "提议一个议题" in text
    assert hall_b.name not in text
    assert _client(world, "nobody").get("/hall/").status_code == 403


def test_propose_page(world, hall):
    client = _client(world, "resident")
    assert client.get("/hall/propose/").status_code == 200
    r = client.post("/hall/propose/", {"hall": hall.pk, "title": "加装座椅"})
    assert r.status_code == 422 and "议题类别" in r.content.decode()
    assert not Item.objects.exists()
    r = client.post("/hall/propose/", {"hall": hall.pk, "title": "加装座椅", "kind": "major"})
    assert r.status_code == 302 and Item.objects.get().status == "proposed"
    assert _client(world, "member_B1e").get("/hall/propose/").status_code == 403


def test_session_page_and_editor(world, hall, hall_b):
    session = hall.sessions.order_by("starts_at").first()
    matter = report(world, "A1em1", 0)
    client = _client(world, "committee_A")
    r = client.post(f"/hall/sessions/{session.pk}/items/", {"title": "无类别"})
    assert r.status_code == 422 and "议题类别" in r.content.decode()
    for title, minutes in (("甲", "90"), ("乙", "45")):
        r = client.post(f"/hall/sessions/{session.pk}/items/", {"title": title, "kind": "urgent",
                                                               "minutes_planned": minutes, "matters": str(matter.pk)})
        assert r.status_code == 302
    page = client.get(f"/hall/sessions/{session.pk}/").content.decode()
    assert "甲" in page and "议程超出会议结束时间15分钟" in page and "编排议程" in page and f"#{matter.pk}" in page
    second = Item.objects.get(title="乙")
    client.post(f"/hall/items/{second.pk}/action/", {"action": "up", "next": f"/hall/sessions/{session.pk}/"})
    items = list(Item.objects.filter(session=session).order_by("position"))
    assert [i.title for i in items] == ["乙", "甲"]
    # Residents see the agenda, not the editor, and no one outside sees it.
    text = _client(world, "resident").get(f"/hall/sessions/{session.pk}/").content.decode()
    assert "甲" in text and "编排议程" not in text and "session_extra" not in text
    assert _client(world, "leader_B1").get(f"/hall/sessions/{session.pk}/").status_code == 404
    r = _client(world, "member_A1e").post(f"/hall/sessions/{session.pk}/items/", {"title": "x", "kind": "urgent"})
    assert r.status_code == 403
    assert _client(world, "resident").get(f"/hall/sessions/{hall_b.sessions.first().pk}/").status_code == 404


def test_suggestions_page_accept_and_settings(world, hall):
    for micro, n in (("A1em1", 0), ("A1em1", 1), ("A1em2", 0)):
        report(world, micro, n)
    client = _client(world, "committee_A")
    page = client.get(f"/hall/halls/{hall.pk}/suggestions/").content.decode()
    assert "3户" in page and "采纳为议题" in page
    key = page.split('name="key" value="')[1].split('"')[0]
    session = hall.sessions.order_by("starts_at").first()
    r = client.post(f"/hall/halls/{hall.pk}/suggestions/accept/", {"key": key, "session": session.pk})
    assert r.status_code == 302 and r["Location"] == f"/hall/sessions/{session.pk}/"
    assert Item.objects.get().matters.count() == 3
    assert _client(world, "member_A1e").get(f"/hall/halls/{hall.pk}/suggestions/").status_code == 403
    assert _client(world, "resident").get(f"/hall/halls/{hall.pk}/suggestions/").status_code == 403
    assert _client(world, "leader_B1").get(f"/hall/halls/{hall.pk}/suggestions/").status_code == 404
    assert client.get(f"/hall/halls/{hall.pk}/settings/").status_code == 200
    form = {"name": hall.name, "place": "新地点", "day_of_month": "15", "start_time": "14:30",
            "duration_minutes": "90", "on_non_working_day": "next", "months_ahead": "4",
            "collective_min_households": "4", "collective_window_days": "20", "collective_level": "micro_grid"}
    r = client.post(f"/hall/halls/{hall.pk}/settings/", {**form, "day_of_month": "31"})
    assert r.status_code == 422 and "每月议事日" in r.content.decode()
    r = client.post(f"/hall/halls/{hall.pk}/settings/", form)
    assert r.status_code == 302
    hall.refresh_from_db()
    assert hall.day_of_month == 15 and hall.collective_level == "micro_grid"
    days = sorted(s.scheduled_for for s in hall.sessions.all())
    assert len(days) == 4 and len({(d.year, d.month) for d in days}) == 4 and days[-1].day == 15
