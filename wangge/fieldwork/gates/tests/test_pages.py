"""The pages as each role sees them: posts with today's coverage, the week roster with gaps in red and
the builder for leaders, the guard's phone page with check-in and check-out, swaps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from wangge.fieldwork.gates import services
from wangge.fieldwork.gates.models import Shift, ShiftStatus, SwapRequest

from .conftest import POST_LAT, POST_LON, full_week, next_monday

pytestmark = pytest.mark.django_db


def _client(world, key):
    c = Client()
    c.force_login(world.users[key])
    return c


def test_posts_page_per_role(world, gates):
    r = _client(world, "guard1").get("/duty/")
    assert r.status_code == 200 and "东门" in r.content.decode() and "今日空档" in r.content.decode()
    assert "南门" not in r.content.decode()
    assert "东门" not in _client(world, "guard_B").get("/duty/").content.decode()
    assert _client(world, "resident").get("/duty/").status_code == 200
    assert Client().get("/duty/").status_code == 302


def test_roster_page_shows_gaps_in_red_and_the_builder_to_leaders(world, gates):
    post, monday = gates["post"], next_monday()
    rows = full_week(post, monday, [world.persons["guard1"], world.persons["guard2"], world.persons["guard3"]])
    night = post.templates.get(name="夜班")
    rows = [r for r in rows if not (r.day == monday + dt.timedelta(days=2) and r.template == night.pk)]
    services.roster_build(actor=None, post_id=post.pk, week=monday, assignments=rows, allow_gaps=True)
    page = _client(world, "supervisor_A1e").get(f"/duty/posts/{post.pk}/?week={monday}").content.decode()
    assert "周三" in page and "00:00–08:00 无人值守" in page and "duty-cell-gap" in page
    assert 'id="roster-builder"' in page and 'id="template-editor"' in page
    guard_page = _client(world, "guard1").get(f"/duty/posts/{post.pk}/?week={monday}").content.decode()
    assert "guard1人员" in guard_page and 'id="roster-builder"' not in guard_page
    assert _client(world, "guard_B").get(f"/duty/posts/{post.pk}/").status_code == 404
    assert _client(world, "member_A1e").get(f"/duty/posts/{post.pk}/").status_code == 403


def test_the_builder_form_writes_a_week_or_names_the_gap(world, gates):
    post, monday = gates["post"], next_monday() + dt.timedelta(days=7)
    guards = [world.persons["guard1"], world.persons["guard2"], world.persons["guard3"]]
    data = {"week": str(monday)}
    for r in full_week(post, monday, guards):
        data[f"cell-{r.day}-{r.template}"] = str(r.persons[0])
    morning = post.templates.get(name="早班")
    short = {k: v for k, v in data.items() if k != f"cell-{monday}-{morning.pk}"}
    c = _client(world, "supervisor_A1e")
    r = c.post(f"/duty/posts/{post.pk}/roster/", short, follow=True)
    assert "周一 08:00–16:00 无人值守" in r.content.decode()
    assert not Shift.objects.filter(post=post).exists()
    r = c.post(f"/duty/posts/{post.pk}/roster/", data, follow=True)
    assert "已排 21 个班次" in r.content.decode()
    assert _client(world, "guard1").post(f"/duty/posts/{post.pk}/roster/", data).status_code == 403
    r = c.post(f"/duty/posts/{post.pk}/templates/", {"name": ["白班", "夜班", ""], "start": ["08:00", "20:00", ""],
                                                     "end": ["20:00", "08:00", ""]}, follow=True)
    assert "班次已保存" in r.content.decode()
    assert [t.name for t in post.templates.all()] == ["白班", "夜班"]


def test_a_guard_checks_in_and_out_on_the_phone_page(world, gates):
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=5)
    shift = services.shift_create(actor=None, post_id=gates["post"].pk, person_id=world.persons["guard1"].pk,
                                  starts_at=start, ends_at=start + dt.timedelta(hours=8))
    c = _client(world, "guard1")
    page = c.get("/duty/my/").content.decode()
    assert 'id="checkin"' in page and "签到上岗" in page
    r = c.post(f"/duty/shifts/{shift.pk}/checkin/", {"lon": POST_LON, "lat": "37.3"}, follow=True)
    assert "超出签到范围" in r.content.decode()
    r = c.post(f"/duty/shifts/{shift.pk}/checkin/", {"lon": POST_LON, "lat": POST_LAT}, follow=True)
    assert "签到成功" in r.content.decode() and 'id="checkout"' in r.content.decode()
    assert _client(world, "guard2").post(f"/duty/shifts/{shift.pk}/checkout/").status_code == 403
    r = c.post(f"/duty/shifts/{shift.pk}/checkout/", follow=True)
    assert "签退成功" in r.content.decode()
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.DONE


def test_swap_pages(world, gates):
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=1)
    shift = services.shift_create(actor=None, post_id=gates["post"].pk, person_id=world.persons["guard1"].pk,
                                  starts_at=start, ends_at=start + dt.timedelta(hours=8))
    c = _client(world, "guard1")
    page = c.get(f"/duty/shifts/{shift.pk}/swap/").content.decode()
    assert "guard2人员" in page and "guard_B人员" not in page
    r = c.post(f"/duty/shifts/{shift.pk}/swap/", {"to_person": world.persons["guard2"].pk, "reason": "看病"}, follow=True)
    assert "换班申请已提交" in r.content.decode()
    swap = SwapRequest.objects.get()
    leader = _client(world, "supervisor_A1e")
    assert "同意" in leader.get("/duty/swaps/").content.decode()
    assert 'name="approve"' not in c.get("/duty/swaps/").content.decode()
    r = leader.post(f"/duty/swaps/{swap.pk}/decide/", {"approve": "1"}, follow=True)
    assert "已同意换班" in r.content.decode()
    shift.refresh_from_db()
    assert shift.person_id == world.persons["guard2"].pk
    assert _client(world, "guard_B").get(f"/duty/shifts/{shift.pk}/swap/").status_code == 404


def test_ids_beyond_the_database_are_not_found(world, gates):
    huge = 2**70
    c = _client(world, "supervisor_A1e")
    assert c.get(f"/duty/posts/{huge}/").status_code == 404
    assert c.get(f"/duty/shifts/{huge}/swap/").status_code == 404
    assert c.post(f"/duty/shifts/{huge}/checkin/").status_code == 404
    assert c.post(f"/duty/swaps/{huge}/decide/", {"approve": "1"}).status_code == 404
