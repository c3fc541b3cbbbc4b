"""The page to change a draft notice (the editor of `new`, prefilled), linked from the notice page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from wangge.community.notices import services
from wangge.community.notices.models import Notice
from wangge.notify.models import Notification

pytestmark = pytest.mark.django_db

FMT = "%Y-%m-%dT%H:%M"


def client(world, key):
    c = Client()
    c.force_login(world.users[key])
    return c


def draft(world, **kw):
    kw.setdefault("grids", [world.grid("A1em1").pk])
    return services.notice_create(actor=world.users["committee_A"], title="停水通知", body="明日停水。",
                                  expires_at=timezone.now() + dt.timedelta(days=7), **kw)


def _form(world, **extra) -> dict:
    return {"title": "停水通知（更正）", "body": "后天停水。\n\n- 请储水", "grids": [str(world.grid("A1em1").pk)],
            "audience": "everyone", "publish_at": "", "expires_at": ""} | extra


def test_staff_change_a_draft_and_the_notice_page_shows_it(world):
    n = draft(world)
    staff = client(world, "committee_A")
    assert f'href="/notices/{n.pk}/edit/"' in staff.get(f"/notices/{n.pk}/").content.decode()
    page = staff.get(f"/notices/{n.pk}/edit/")
    html = page.content.decode()
    assert page.status_code == 200 and "修改公告草稿" in html and 'value="停水通知"' in html and "明日停水。" in html
    assert f'value="{world.grid("A1em1").pk}" checked' in html
    assert timezone.localtime(n.expires_at).strftime(FMT) in html
    building = world.households["A2em1"][0].unit.building
    response = staff.post(f"/notices/{n.pk}/edit/", _form(world, buildings=[str(building.pk)], pinned="on",
                                                          audience="owners"), follow=True)
    html = response.content.decode()
    assert "停水通知（更正）" in html and "<li>请储水</li>" in html and "业主" in html and building.name in html
    n.refresh_from_db()
    assert n.status == "draft" and n.pinned and n.expires_at is None  # an emptied expiry is removed
    assert set(n.buildings.all()) == {building}
    assert not Notification.objects.filter(event="notice.published").exists()  # a draft tells no one


def test_bad_input_is_named_at_its_field_and_nothing_saved(world):
    n = draft(world)
    staff = client(world, "committee_A")
    publish_at = timezone.localtime() + dt.timedelta(days=2)
    cases = [({"title": " "}, "title"), ({"body": ""}, "body"), ({"grids": []}, "grids"),
             ({"audience": "everybody"}, "audience"), ({"publish_at": "明天"}, "publish_at"),
             ({"publish_at": publish_at.strftime(FMT),
               "expires_at": (publish_at - dt.timedelta(hours=1)).strftime(FMT)}, "expires_at")]
    for change, field in cases:
        r = staff.post(f"/notices/{n.pk}/edit/", _form(world, **change))
        assert r.status_code == 422, change
        assert f'id="error-{field}"' in r.content.decode(), change
    n.refresh_from_db()
    assert n.title == "停水通知" and n.expires_at is not None and list(n.grids.all()) == [world.grid("A1em1")]


def test_only_drafts_and_only_their_publishers(world):
    n = draft(world)
    assert client(world, "resident").get(f"/notices/{n.pk}/edit/").status_code == 404  # residents see no drafts
    micro = client(world, "micro_A1em1")  # sees the draft, may not publish
    assert "/edit/" not in micro.get(f"/notices/{n.pk}/").content.decode()
    assert micro.get(f"/notices/{n.pk}/edit/").status_code == 403
    assert micro.post(f"/notices/{n.pk}/edit/", _form(world)).status_code == 403
    other = client(world, "committee_B")
    assert other.get(f"/notices/{n.pk}/edit/").status_code == 404
    assert other.post(f"/notices/{n.pk}/edit/", _form(world)).status_code == 404
    n.refresh_from_db()
    assert n.title == "停水通知"
    staff = client(world, "committee_A")
    services.notice_publish(actor=world.users["committee_A"], notice_id=n.pk)
    assert "/edit/" not in staff.get(f"/notices/{n.pk}/").content.decode()
    r = staff.post(f"/notices/{n.pk}/edit/", _form(world), follow=True)
    assert "只有草稿可以在此修改" in r.content.decode()
    assert Notice.objects.get(pk=n.pk).title == "停水通知"


def test_expires_at_none_removes_the_expiry_but_other_none_fields_stay(world):
    n = draft(world)
    services.notice_update(actor=world.users["committee_A"], notice_id=n.pk, title=None, expires_at=None)
    n.refresh_from_db()
    assert n.title == "停水通知" and n.expires_at is None
