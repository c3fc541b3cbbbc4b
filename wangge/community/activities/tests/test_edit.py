"""Changing and calling off an activity after it was created: the edit page (the create form, prefilled),
the capacity rule of the service, and the call-off button of the detail page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from wangge.core.errors import Conflict, PermissionDenied
from wangge.notify.models import Notification

from .. import services
from ..models import Activity, SignUp
from .conftest import make_activity, soon

pytestmark = pytest.mark.django_db


def client(world, key):
    c = Client()
    c.force_login(world.users[key])
    return c


def _form(activity: Activity, **extra) -> dict:
    local = timezone.localtime
    data = {"kind": activity.kind, "title": activity.title, "description": activity.description,
            "venue": str(activity.venue_id or ""), "place": activity.place,
            "starts_at": local(activity.starts_at).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": local(activity.ends_at).strftime("%Y-%m-%dT%H:%M"),
            "capacity": "" if activity.capacity is None else str(activity.capacity), "signup_closes": ""}
    return data | extra


def test_the_edit_page_is_the_create_form_prefilled_and_saves(world, residents2):
    a = make_activity(world, capacity=1)
    services.signup_create(actor=world.users["resident"], activity_id=a.pk)
    waiting = services.signup_create(actor=world.users["resident2"], activity_id=a.pk).signup
    staff = client(world, "committee_A")
    detail = staff.get(f"/activities/{a.pk}/").content.decode()
    assert f'href="/activities/{a.pk}/edit/"' in detail
    page = staff.get(f"/activities/{a.pk}/edit/")
    html = page.content.decode()
    assert page.status_code == 200 and "修改活动" in html
    assert f'value="{a.title}"' in html and 'name="capacity" inputmode="numeric" value="1"' in html
    assert 'name="grid"' not in html and "先存为草稿" not in html  # published: the grid and status stay
    response = staff.post(f"/activities/{a.pk}/edit/", _form(a, title="我是党员我先行", capacity="2"), follow=True)
    html = response.content.decode()
    assert "我是党员我先行" in html and "已报名 2/2" in html
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"  # raising the capacity moved the waiting list up
    told = Notification.objects.get(event="activity.promoted")
    assert told.recipient == world.persons["resident2"] and "名额已增加" in told.body


def test_capacity_below_the_places_taken_is_refused_at_the_field_and_nothing_saved(world, residents2):
    a = make_activity(world, capacity=3)
    services.signup_create(actor=world.users["resident"], activity_id=a.pk)
    services.signup_create(actor=world.users["resident2"], activity_id=a.pk)
    staff = client(world, "committee_A")
    response = staff.post(f"/activities/{a.pk}/edit/", _form(a, title="新主题", capacity="1"))
    html = response.content.decode()
    assert response.status_code == 422 and 'id="error-capacity"' in html and "名额不能少于2" in html
    assert 'value="新主题"' in html  # what was typed is kept
    a.refresh_from_db()
    assert (a.title, a.capacity) == ("不忘初心、牢记使命 主题党日", 3)
    for change, field in [({"kind": ""}, "kind"), ({"title": " "}, "title"), ({"capacity": "两个"}, "capacity"),
                          ({"ends_at": soon(20).strftime("%Y-%m-%dT%H:%M")}, "ends_at"),
                          ({"starts_at": "明天"}, "starts_at"), ({"place": ""}, "place")]:
        bad = staff.post(f"/activities/{a.pk}/edit/", _form(a, **change))
        assert bad.status_code == 422 and f'id="error-{field}"' in bad.content.decode(), change
    a.refresh_from_db()
    assert a.title == "不忘初心、牢记使命 主题党日" and a.place == "社区党群服务中心"


def test_a_draft_is_published_from_the_edit_page(world):
    a = make_activity(world, status="draft")
    staff = client(world, "committee_A")
    html = staff.get(f"/activities/{a.pk}/edit/").content.decode()
    assert 'name="status" value="draft" checked' in html
    staff.post(f"/activities/{a.pk}/edit/", _form(a, status="draft", title="草稿改名"))
    a.refresh_from_db()
    assert (a.title, a.status) == ("草稿改名", "draft")
    staff.post(f"/activities/{a.pk}/edit/", _form(a))
    a.refresh_from_db()
    assert a.status == "published"
    assert "我要报名" in client(world, "resident").get(f"/activities/{a.pk}/").content.decode()


def test_only_those_who_manage_the_activity_may_edit_or_call_it_off(world):
    a = make_activity(world)
    resident = client(world, "resident")
    page = resident.get(f"/activities/{a.pk}/").content.decode()
    assert "/edit/" not in page and "取消活动" not in page
    assert resident.get(f"/activities/{a.pk}/edit/").status_code == 403
    assert resident.post(f"/activities/{a.pk}/edit/", _form(a, title="改")).status_code == 403
    assert resident.post(f"/activities/{a.pk}/cancel-activity/").status_code == 403
    above = client(world, "leader_A2")  # sees the community's activity, manages only A2
    assert above.get(f"/activities/{a.pk}/edit/").status_code == 403
    other = client(world, "committee_B")
    assert other.get(f"/activities/{a.pk}/edit/").status_code == 404
    assert other.post(f"/activities/{a.pk}/edit/", _form(a, title="改")).status_code == 404
    assert other.post(f"/activities/{a.pk}/cancel-activity/").status_code == 404
    a.refresh_from_db()
    assert a.title == "不忘初心、牢记使命 主题党日" and a.status == "published"


def test_calling_off_an_activity_tells_those_signed_up(world, residents2):
    a = make_activity(world, capacity=1)
    services.signup_create(actor=world.users["resident"], activity_id=a.pk)
    services.signup_create(actor=world.users["resident2"], activity_id=a.pk)
    staff = client(world, "committee_A")
    assert 'id="call-off"' in staff.get(f"/activities/{a.pk}/").content.decode()
    response = staff.post(f"/activities/{a.pk}/cancel-activity/", {"reason": "暴雨预警"}, follow=True)
    html = response.content.decode()
    assert "已取消" in html and 'id="call-off"' not in html and f"/activities/{a.pk}/edit/" not in html
    a.refresh_from_db()
    assert a.status == "cancelled"
    told = Notification.objects.filter(event="activity.cancelled")
    assert {n.recipient_id for n in told} == {world.persons["resident"].pk, world.persons["resident2"].pk}
    assert all(n.body == "暴雨预警" for n in told)
    assert SignUp.objects.filter(activity=a).count() == 2
    again = staff.post(f"/activities/{a.pk}/cancel-activity/", follow=True)
    assert "该活动已取消" in again.content.decode()
    assert staff.get(f"/activities/{a.pk}/edit/").status_code == 302  # nothing left to change


def test_activity_cancel_service_rules(world):
    past = make_activity(world, starts_in=-5)
    with pytest.raises(Conflict, match="已结束"):
        services.activity_cancel(actor=world.users["committee_A"], activity_id=past.pk)
    a = make_activity(world)
    with pytest.raises(PermissionDenied):
        services.activity_cancel(actor=world.users["leader_A2"], activity_id=a.pk)
    services.activity_cancel(actor=world.users["committee_A"], activity_id=a.pk)
    with pytest.raises(Conflict, match="已取消"):
        services.activity_cancel(actor=world.users["committee_A"], activity_id=a.pk)


def test_an_unchanged_venue_that_was_closed_since_does_not_block_an_edit(world):
    from wangge.community.venues import services as venues
    from wangge.community.venues.tests.conftest import make_venue

    v = make_venue(world)
    a = make_activity(world, venue=v.pk)
    venues.venue_update(actor=None, venue_id=v.pk, active=False)
    staff = client(world, "committee_A")
    html = staff.get(f"/activities/{a.pk}/edit/").content.decode()
    assert f'<option value="{v.pk}" selected>' in html
    assert staff.post(f"/activities/{a.pk}/edit/", _form(a, title="场地照旧")).status_code == 302
    a.refresh_from_db()
    assert a.title == "场地照旧" and a.venue_id == v.pk
