"""The staff pages of key small matters, as the people in them use them: the matter page (reporter, micro-grid
member, grid member, leaders), the workbench (my queue) and the dispatch console with its map."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from wangge.matters import services
from wangge.matters.models import Comment, Event, Matter, Photo

from .conftest import A1EM1, B1EM1, REPORT

pytestmark = pytest.mark.django_db

A1EM2 = {"lon": 112.125, "lat": 37.25}
HTMX = {"HTTP_HX_REQUEST": "true"}


def report(world, key: str | None = "resident", **fields) -> Matter:
    data = {**REPORT, **A1EM1, **fields}
    actor = world.users[key] if key else None
    matter, _created = services.matter_report(actor=actor, report=services.Report(**data))
    return matter


def step(world, key: str, matter: Matter, *actions: str, **extra) -> Matter:
    for action in actions:
        matter = services.matter_transition(actor=world.users[key], matter_id=matter.pk, action=action, **extra)
    return matter


def client_for(world, key: str) -> Client:
    client = Client()
    client.force_login(world.users[key])
    return client


def page(world, key: str, matter: Matter) -> str:
    response = client_for(world, key).get(f"/matters/{matter.pk}/")
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def state_of(matter: Matter) -> str:
    return Matter.objects.get(pk=matter.pk).state


def event_actions(html: str) -> list[str]:
    timeline = html.split('id="matter-timeline"', 1)[1]
    return re.findall(r'class="event[^"]*" data-event="([a-z]+)"', timeline)


def set_deadline(matter: Matter, delta: dt.timedelta, *, since: dt.timedelta = dt.timedelta(0)) -> None:
    """Put the running deadline `delta` from now (the clock having started `since` ago): the SLA sweep and
    real time are what move deadlines otherwise."""
    now = timezone.now()
    Matter.objects.filter(pk=matter.pk).update(deadline=now + delta, updated_at=now - since)


# -- the matter page ---------------------------------------------------------------------------------------


def test_the_reporter_sees_public_steps_and_no_internal_comments(world):
    matter = report(world)
    step(world, "micro_A1em1", matter, "accept")
    services.comment_add(actor=world.users["member_A1e"], matter_id=matter.pk, body="内部：联系物业张经理", internal=True)
    services.comment_add(actor=world.users["micro_A1em1"], matter_id=matter.pk, body="已联系环卫，今天清运")

    html = page(world, "resident", matter)
    assert event_actions(html) == ["report", "accept"]  # the internal "assign" is not shown
    assert "已联系环卫，今天清运" in html
    assert "内部：联系物业张经理" not in html
    assert 'name="internal"' not in html  # the reporter cannot write internal comments
    assert world.persons["micro_A1em1"].name + "</span>" not in html.split('id="matter-timeline"', 1)[1]
    assert 'data-action="withdraw"' in html  # the reporter may withdraw while it is open
    assert 'data-action="accept"' not in html

    staff = page(world, "micro_A1em1", matter)
    assert event_actions(staff) == ["report", "assign", "accept"]
    assert "内部：联系物业张经理" in staff and 'name="internal"' in staff
    assert world.persons["micro_A1em1"].name in staff.split('id="matter-timeline"', 1)[1]
    # Staff see who reported it, with the phone masked.
    assert world.persons["resident"].name in staff
    assert world.residents["A1em1"][0].phone not in staff


def test_the_micro_grid_member_gets_the_accept_button_and_nothing_a_dispatcher_has(world):
    matter = report(world)
    html = page(world, "micro_A1em1", matter)
    assert 'data-action="accept"' in html
    assert 'id="matter-state">已上报<' in html
    assert 'id="matter-timer"' in html
    for box in ("assign-box", "supervise-box", "merge-box", "rate-form"):
        assert f'id="{box}"' not in html
    assert 'data-action="reject"' not in html  # rejecting is a dispatcher's call


def test_the_grid_member_dispatches_and_the_leader_also_supervises(world):
    matter = report(world)
    member = page(world, "member_A1e", matter)
    assert 'data-action="reject"' in member and 'id="assign-box"' in member
    assert 'id="supervise-box"' not in member  # grid members dispatch but do not supervise
    leader = page(world, "leader_A1", matter)
    assert 'id="supervise-box"' in leader


def test_posting_an_action_moves_the_state_and_shows_it(world):
    matter = report(world)
    client = client_for(world, "micro_A1em1")
    response = client.post(f"/matters/{matter.pk}/act/", {"action": "accept"})
    assert response.status_code == 302 and response["Location"] == f"/matters/{matter.pk}/"
    assert state_of(matter) == "accepted"
    html = client.get(response["Location"]).content.decode()
    assert 'id="matter-state">已受理<' in html and "已受理，事项现为“已受理”" in html
    assert 'data-action="dispatch"' in html

    # With htmx the section comes back in place, already showing the new state and the next step.
    response = client.post(f"/matters/{matter.pk}/act/", {"action": "dispatch"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="matter-state">已派遣<' in html and 'data-action="start"' in html
    assert state_of(matter) == "dispatched"


def test_an_illegal_action_says_why_and_changes_nothing(world):
    matter = report(world)
    events = Event.objects.filter(matter=matter).count()
    client = client_for(world, "micro_A1em1")
    response = client.post(f"/matters/{matter.pk}/act/", {"action": "resolve"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "事项可能刚被其他人处理过" in html and "“已上报”状态下不能处置完成" in html
    assert 'id="matter-state">已上报<' in html
    # Someone else accepted it first: the second tap is refused, the page shows the state as it is now.
    step(world, "member_A1e", matter, "accept")
    response = client.post(f"/matters/{matter.pk}/act/", {"action": "accept"}, **HTMX)
    assert response.status_code == 200  # htmx swaps only 2xx answers
    html = response.content.decode()
    assert 'data-status="409"' in html and 'id="matter-state">已受理<' in html
    assert state_of(matter) == "accepted"
    assert Event.objects.filter(matter=matter).count() == events + 1


def test_a_required_note_and_a_role_that_may_not(world):
    matter = report(world)
    leader = client_for(world, "leader_A1")
    response = leader.post(f"/matters/{matter.pk}/act/", {"action": "reject", "note": "  "})
    assert response.status_code == 422
    html = response.content.decode()
    assert "说明：请填写" in html
    assert re.search(r'<details class="act act-note" open>\s*<summary[^>]*data-action="reject"', html)
    assert state_of(matter) == "reported"

    resident = client_for(world, "resident")
    response = resident.post(f"/matters/{matter.pk}/act/", {"action": "accept"})
    assert response.status_code == 403 and "您不能对该事项进行“受理”" in response.content.decode()
    assert client_for(world, "leader_B1").post(f"/matters/{matter.pk}/act/", {"action": "accept"}).status_code == 404
    assert client_for(world, "leader_B1").get(f"/matters/{matter.pk}/").status_code == 404
    assert state_of(matter) == "reported"

    response = leader.post(f"/matters/{matter.pk}/act/", {"action": "reject", "note": "不属于本社区"})
    assert response.status_code == 302 and state_of(matter) == "rejected"


def test_start_and_resolve_take_a_photo_and_a_bad_photo_is_refused(world, tiny_jpeg):
    matter = report(world)
    step(world, "micro_A1em1", matter, "accept", "dispatch")
    client = client_for(world, "micro_A1em1")
    html = page(world, "micro_A1em1", matter)
    assert 'capture="environment"' in html and "拍处置前照片" in html

    not_a_photo = SimpleUploadedFile("x.jpg", b"hello", content_type="image/jpeg")
    response = client.post(f"/matters/{matter.pk}/act/", {"action": "start", "photo": not_a_photo})
    assert response.status_code == 422 and "照片：" in response.content.decode()
    assert state_of(matter) == "dispatched" and not Photo.objects.filter(matter=matter).exists()

    photo = SimpleUploadedFile("before.jpg", tiny_jpeg, content_type="image/jpeg")
    assert client.post(f"/matters/{matter.pk}/act/", {"action": "start", "photo": photo}).status_code == 302
    photo = SimpleUploadedFile("after.jpg", tiny_jpeg, content_type="image/jpeg")
    response = client.post(f"/matters/{matter.pk}/act/", {"action": "resolve", "note": "已清运", "photo": photo},
                           **HTMX)
    assert response.status_code == 200 and 'id="matter-state">已处置<' in response.content.decode()
    assert sorted(Photo.objects.filter(matter=matter).values_list("kind", flat=True)) == ["after", "before"]
    assert "处置后" in response.content.decode()


def test_the_rating_form_is_for_the_reporter_once_closed(world):
    matter = report(world)
    assert 'id="rate-form"' not in page(world, "resident", matter)
    step(world, "micro_A1em1", matter, "accept", "dispatch", "start", "resolve")
    step(world, "member_A1e", matter, "verify", "close")
    assert 'id="rate-form"' in page(world, "resident", matter)
    assert 'data-action="withdraw"' not in page(world, "resident", matter)
    assert 'id="rate-form"' not in page(world, "member_A1e", matter)

    client = client_for(world, "resident")
    response = client.post(f"/matters/{matter.pk}/rate/", {"rating": "unsatisfied", "comment": ""})
    assert response.status_code == 422 and "评价意见：请填写" in response.content.decode()
    assert state_of(matter) == "closed"
    response = client.post(f"/matters/{matter.pk}/rate/", {"rating": "satisfied"}, follow=True)
    assert "谢谢您的评价" in response.content.decode()
    assert state_of(matter) == "evaluated"


def test_comments_internal_only_for_staff(world):
    matter = report(world)
    member = client_for(world, "member_A1e")
    response = member.post(f"/matters/{matter.pk}/comments/", {"body": "请物业配合", "internal": "1"}, **HTMX)
    assert response.status_code == 200 and "已发表内部留言" in response.content.decode()
    response = client_for(world, "resident").post(f"/matters/{matter.pk}/comments/", {"body": "谢谢", "internal": "1"})
    assert response.status_code == 403 and "只有工作人员可以写内部留言" in response.content.decode()
    response = client_for(world, "resident").post(f"/matters/{matter.pk}/comments/", {"body": "   "})
    assert response.status_code == 422 and "留言内容：请填写" in response.content.decode()
    assert list(Comment.objects.filter(matter=matter).values_list("body", "internal")) == [("请物业配合", True)]


def test_the_dispatcher_picks_a_person_to_dispatch_or_reassign(world):
    matter = report(world)
    step(world, "micro_A1em1", matter, "accept")
    leader = client_for(world, "leader_A1")
    picks = leader.get("/matters/people/", {"person_q": "micro", "form": "assign-form"}, **HTMX).content.decode()
    for key in ("micro_A1em1", "micro_A1em2", "micro_A2em1"):
        assert world.persons[key].name in picks
    assert world.persons["micro_B1em1"].name not in picks  # outside the leader's scope
    assert 'form="assign-form"' in picks
    # The same search without JavaScript: the page lists them.
    html = leader.get(f"/matters/{matter.pk}/", {"person_q": "micro_a1em2"}).content.decode()
    assert world.persons["micro_A1em2"].name in html and '<details class="act-box" id="assign-box" open>' in html
    assert client_for(world, "micro_A1em1").get("/matters/people/", {"person_q": "micro"}).status_code == 403

    target = world.persons["micro_A1em2"].pk
    response = leader.post(f"/matters/{matter.pk}/assign/", {"op": "dispatch", "assignee": target}, **HTMX)
    assert "已交给" in response.content.decode()
    matter.refresh_from_db()
    assert (matter.state, matter.assignee_id) == ("dispatched", target)

    # A reassignment needs its reason; a person outside the scope cannot be chosen.
    response = leader.post(f"/matters/{matter.pk}/assign/", {"op": "reassign", "assignee": world.persons["micro_A1em1"].pk})
    assert response.status_code == 422 and "改派理由：请填写" in response.content.decode()
    response = leader.post(f"/matters/{matter.pk}/assign/",
                           {"op": "reassign", "assignee": world.persons["micro_B1em1"].pk, "note": "换人"})
    assert response.status_code == 422 and "处置人：" in response.content.decode()
    response = leader.post(f"/matters/{matter.pk}/assign/", {"op": "reassign", "note": "换人"})
    assert response.status_code == 422 and "请先查找并选择处置人" in response.content.decode()
    matter.refresh_from_db()
    assert matter.assignee_id == target
    response = leader.post(f"/matters/{matter.pk}/assign/",
                           {"op": "reassign", "assignee": world.persons["micro_A1em1"].pk, "note": "回到本网格"})
    assert response.status_code == 302
    matter.refresh_from_db()
    assert matter.assignee_id == world.persons["micro_A1em1"].pk


def test_supervise_and_merge_from_the_matter_page(world):
    first = report(world)
    second = report(world, description="门口垃圾堆满了")
    leader = client_for(world, "leader_A1")
    html = page(world, "leader_A1", second)
    assert 'id="merge-box"' in html and f'data-merge="{first.pk}"' in html
    response = leader.post(f"/matters/{second.pk}/supervise/", {"note": ""})
    assert response.status_code == 422
    response = leader.post(f"/matters/{second.pk}/supervise/", {"note": "今天内处理"}, follow=True)
    assert "已督办" in response.content.decode()
    assert Matter.objects.get(pk=second.pk).supervised_at is not None
    response = client_for(world, "member_A1e").post(f"/matters/{second.pk}/supervise/", {"note": "快"})
    assert response.status_code == 403

    response = leader.post(f"/matters/{second.pk}/merge/", {"into": first.pk}, follow=True)
    assert f"已合并到 #{first.pk}" in response.content.decode()
    assert state_of(second) == "merged"
    response = leader.post(f"/matters/{second.pk}/merge/", {"into": "abc"})
    assert response.status_code == 422


def test_user_text_is_escaped_everywhere(world):
    matter = report(world, description="<script>alert('x')</script>路灯坏了")
    services.comment_add(actor=world.users["resident"], matter_id=matter.pk, body="<img src=x onerror=alert(1)>")
    for key, url in [("resident", f"/matters/{matter.pk}/"), ("micro_A1em1", "/workbench/"),
                     ("leader_A1", "/dispatch/"), ("leader_A1", "/workbench/?tab=grid")]:
        html = client_for(world, key).get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(" in html, url


# -- the workbench ---------------------------------------------------------------------------------------------


def test_the_workbench_lists_my_queue_by_deadline_with_lights(world):
    later = report(world, description="第一件")
    late = report(world, description="第二件")
    soon = report(world, description="第三件")
    report(world, description="别人的", **A1EM2)  # micro-grid A1em2's member has it
    set_deadline(later, dt.timedelta(days=3, hours=1), since=dt.timedelta(hours=1))
    set_deadline(late, -dt.timedelta(hours=2, minutes=5))
    set_deadline(soon, dt.timedelta(hours=1, minutes=5))

    html = client_for(world, "micro_A1em1").get("/workbench/").content.decode()
    cards = re.findall(r'<li class="mcard light-(\w+)" id="card-(\d+)"', html)
    assert cards == [("red", str(late.pk)), ("yellow", str(soon.pk)), ("green", str(later.pk))]
    assert "超时2小时" in html and "还剩1小时" in html and "还剩3天" in html
    assert re.search(r'id="count-overdue">1<', html) and re.search(r'id="count-total">3<', html)
    # Every card offers its next step, one tap away.
    assert html.count('data-action="accept"') == 3


def test_time_left_reads_like_a_person_would_say_it(world):
    matter = report(world)
    set_deadline(matter, dt.timedelta(hours=3, minutes=10))
    html = client_for(world, "micro_A1em1").get("/workbench/").content.decode()
    assert "还剩3小时" in html


def test_a_tap_on_the_card_moves_the_matter_and_offers_the_next_step(world, tiny_jpeg):
    matter = report(world)
    client = client_for(world, "micro_A1em1")
    labels = []
    for action in ("accept", "dispatch", "start", "resolve"):
        data = {"action": action, "view": "card", "next": "/workbench/"}
        if action == "resolve":
            data["photo"] = SimpleUploadedFile("after.jpg", tiny_jpeg, content_type="image/jpeg")
        response = client.post(f"/matters/{matter.pk}/act/", data, **HTMX)
        html = response.content.decode()
        assert response.status_code == 200 and html.startswith("<li") and "<html" not in html
        labels.append(re.search(r'class="state state-\w+">([^<]+)<', html).group(1))
        nxt = re.search(r'data-action="(\w+)"', html)
        labels.append(nxt.group(1) if nxt else None)
    assert labels == ["已受理", "dispatch", "已派遣", "start", "处置中", "resolve", "已处置", None]
    # Without JavaScript the tap goes back to the workbench.
    other = report(world)
    response = client.post(f"/matters/{other.pk}/act/", {"action": "accept", "view": "card", "next": "/workbench/"})
    assert response.status_code == 302 and response["Location"] == "/workbench/"
    response = client.post(f"/matters/{other.pk}/act/", {"action": "accept", "next": "https://evil.example/"})
    assert response.status_code == 409  # already accepted; and never sent off the site


def test_the_grid_tab_lists_my_grids_open_matters_read_only(world):
    mine = report(world)
    neighbour = report(world, description="隔壁微网格的事", **A1EM2)
    html = client_for(world, "member_A1e").get("/workbench/?tab=grid").content.decode()
    assert f'id="card-{mine.pk}"' in html and f'id="card-{neighbour.pk}"' in html
    assert "data-action=" not in html.split('id="grid-matters"', 1)[1]  # read-only
    html = client_for(world, "micro_A1em1").get("/workbench/?tab=grid").content.decode()
    assert f'id="card-{mine.pk}"' in html and f'id="card-{neighbour.pk}"' not in html


def test_the_workbench_is_for_staff(world):
    for key in ("resident", "nobody"):
        response = client_for(world, key).get("/workbench/")
        assert response.status_code == 403 and "工作台供在岗的网格工作人员使用" in response.content.decode()
    assert Client().get("/workbench/").status_code == 302


def test_workbench_query_count_does_not_grow_with_the_queue(world, django_assert_max_num_queries):
    client = client_for(world, "micro_A1em1")
    report(world)
    client.get("/workbench/")  # warm up the session
    # session, user, person, duties (scope); the menu's unread count; the queue
    with django_assert_max_num_queries(6):
        assert client.get("/workbench/").status_code == 200
    for i in range(20):
        report(world, description=f"第{i}件")
    with django_assert_max_num_queries(6):
        html = client.get("/workbench/").content.decode()
    assert html.count('class="mcard ') == 21


# -- the dispatch console -----------------------------------------------------------------------------------


@pytest.fixture
def spread(world):
    """Matters across the world: two in A1em1, one in A1em2, one in community B."""
    return {
        "a1": report(world, description="A1em1 第一件"),
        "a2": report(world, description="A1em1 第二件"),
        "a3": report(world, description="A1em2 的事", **A1EM2),
        "b": report(world, None, description="B 社区的事", **B1EM1),
    }


def listed(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'<tr class="light-\w+" data-matter="(\d+)"', html)}


def test_the_console_lists_the_scope_and_filters(world, spread):
    a1, a2, a3, b = spread["a1"], spread["a2"], spread["a3"], spread["b"]
    leader = client_for(world, "leader_A1")
    assert listed(leader.get("/dispatch/").content.decode()) == {a1.pk, a2.pk, a3.pk}
    assert listed(client_for(world, "leader_B1").get("/dispatch/").content.decode()) == {b.pk}
    assert listed(client_for(world, "member_A1e").get("/dispatch/").content.decode()) == {a1.pk, a2.pk, a3.pk}

    step(world, "micro_A1em1", a2, "accept")
    assert listed(leader.get("/dispatch/", {"state": "accepted"}).content.decode()) == {a2.pk}
    both = leader.get("/dispatch/", {"state": ["accepted", "reported"]}).content.decode()
    assert listed(both) == {a1.pk, a2.pk, a3.pk}
    set_deadline(a3, -dt.timedelta(hours=1))
    assert listed(leader.get("/dispatch/", {"overdue": "1"}).content.decode()) == {a3.pk}
    assert listed(leader.get("/dispatch/", {"within": world.grid("A1em2").pk}).content.decode()) == {a3.pk}
    assert leader.get("/dispatch/", {"within": world.grid("B").pk}).status_code == 404
    services.matter_supervise(actor=world.users["leader_A1"], matter_id=a1.pk, note="抓紧")
    assert listed(leader.get("/dispatch/", {"supervised": "1"}).content.decode()) == {a1.pk}
    assert listed(leader.get("/dispatch/", {"category": "environment"}).content.decode()) == {a1.pk, a2.pk, a3.pk}
    assert listed(leader.get("/dispatch/", {"category": "property"}).content.decode()) == set()

    response = leader.get("/dispatch/", {"state": "flying"})
    assert response.status_code == 422 and "未知状态" in response.content.decode()


def test_the_console_sorts_by_deadline_and_pages(world, spread):
    a1, a2, a3 = spread["a1"], spread["a2"], spread["a3"]
    set_deadline(a1, dt.timedelta(hours=5))
    set_deadline(a2, dt.timedelta(hours=1))
    set_deadline(a3, dt.timedelta(hours=9))
    leader = client_for(world, "leader_A1")
    order = re.findall(r'data-matter="(\d+)" data-state', leader.get("/dispatch/").content.decode())
    assert order == [str(a2.pk), str(a1.pk), str(a3.pk)]
    order = re.findall(r'data-matter="(\d+)" data-state',
                       leader.get("/dispatch/", {"sort": "-deadline"}).content.decode())
    assert order == [str(a3.pk), str(a1.pk), str(a2.pk)]
    html = leader.get("/dispatch/", {"page": "99"}).content.decode()
    assert listed(html) == {a1.pk, a2.pk, a3.pk}  # past the end: the last page


def test_the_console_is_for_dispatchers(world):
    for key in ("micro_A1em1", "resident", "nobody"):
        response = client_for(world, key).get("/dispatch/")
        assert response.status_code == 403 and "派遣台供有派遣权限" in response.content.decode(), key
        assert client_for(world, key).get("/dispatch/matters.geojson").status_code == 403
        assert client_for(world, key).post("/dispatch/bulk/", {"ids": ["1"]}).status_code == 403
    nav = client_for(world, "micro_A1em1").get("/workbench/").content.decode()
    assert 'href="/workbench/"' in nav and 'href="/dispatch/"' not in nav
    assert 'href="/dispatch/"' in client_for(world, "member_A1e").get("/workbench/").content.decode()


def test_bulk_dispatch_reports_per_matter(world, spread):
    a1, a2, a3, b = spread["a1"], spread["a2"], spread["a3"], spread["b"]
    step(world, "micro_A1em1", a2, "accept")
    step(world, "micro_A1em2", a3, "accept", "dispatch", "start")
    events = {m.pk: Event.objects.filter(matter=m).count() for m in (a3, b)}
    leader = client_for(world, "leader_A1")
    response = leader.post("/dispatch/bulk/", {"ids": [a1.pk, a2.pk, a3.pk, b.pk], "q": "state=reported"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    results = dict(re.findall(r'data-result="(\d+)" data-ok="(\d)"', html))
    assert results == {str(a1.pk): "1", str(a2.pk): "1", str(a3.pk): "0", str(b.pk): "0"}
    assert "已受理、派遣" in html and "“处置中”状态下不能派遣" in html and "未找到该事项" in html
    assert [state_of(m) for m in (a1, a2, a3, b)] == ["dispatched", "dispatched", "in_progress", "reported"]
    assert {m.pk: Event.objects.filter(matter=m).count() for m in (a3, b)} == events  # nothing half-done
    assert listed(html) == set()  # the list is filtered as before (state=reported): both left it


def test_bulk_dispatch_to_a_chosen_person_and_without_javascript(world, spread):
    a1, a3 = spread["a1"], spread["a3"]
    member = client_for(world, "member_A1e")
    target = world.persons["member_A1e"].pk
    response = member.post("/dispatch/bulk/", {"ids": [a1.pk, a3.pk], "assignee": target, "q": "overdue=1"})
    assert response.status_code == 302 and response["Location"] == "/dispatch/?overdue=1"
    html = member.get(response["Location"]).content.decode()
    assert f"#{a1.pk}：已受理、派遣，处置人：{world.persons['member_A1e'].name}" in html
    assert set(Matter.objects.filter(pk__in=[a1.pk, a3.pk]).values_list("assignee_id", flat=True)) == {target}
    response = member.post("/dispatch/bulk/", {"q": ""}, **HTMX)
    assert "请先勾选要派遣的事项" in response.content.decode()


def test_supervise_from_the_console(world, spread):
    a1 = spread["a1"]
    leader = client_for(world, "leader_A1")
    assert 'action="/dispatch/supervise/"' in leader.get("/dispatch/").content.decode()
    assert 'action="/dispatch/supervise/"' not in client_for(world, "member_A1e").get("/dispatch/").content.decode()
    response = leader.post("/dispatch/supervise/", {"matter": a1.pk, "note": "", "q": ""}, **HTMX)
    assert "说明：请填写" in response.content.decode()
    response = leader.post("/dispatch/supervise/", {"matter": a1.pk, "note": "今天办完", "q": "supervised=1"}, **HTMX)
    html = response.content.decode()
    assert f"已督办 #{a1.pk}" in html and listed(html) == {a1.pk}
    member = client_for(world, "member_A1e")
    response = member.post("/dispatch/supervise/", {"matter": a1.pk, "note": "快"})
    assert response.status_code == 302
    assert "只有网格长或社区两委成员可以督办" in member.get(response["Location"]).content.decode()


def test_the_map_geojson_follows_scope_and_filters(world, spread):
    a1, a2, a3, b = spread["a1"], spread["a2"], spread["a3"], spread["b"]
    unit = world.households["A1em1"][0].unit
    no_point = report(world, "member_A1e", lon=None, lat=None, unit=unit.pk, source="patrol")
    leader = client_for(world, "leader_A1")
    body = leader.get("/dispatch/matters.geojson").json()
    assert {f["id"] for f in body["features"]} == {a1.pk, a2.pk, a3.pk}  # no point, no dot
    assert no_point.pk not in {f["id"] for f in body["features"]}
    feature = next(f for f in body["features"] if f["id"] == a1.pk)
    assert feature["geometry"] == {"type": "Point", "coordinates": [A1EM1["lon"], A1EM1["lat"]]}
    assert set(feature["properties"]) >= {"id", "category", "state", "light", "assignee", "deadline"}
    assert feature["properties"]["assignee"] == world.persons["micro_A1em1"].name
    assert {f["id"] for f in client_for(world, "leader_B1").get("/dispatch/matters.geojson").json()["features"]} == {b.pk}
    within = leader.get("/dispatch/matters.geojson", {"within": world.grid("A1em2").pk}).json()
    assert [f["id"] for f in within["features"]] == [a3.pk]
    assert leader.get("/dispatch/matters.geojson", {"within": world.grid("B").pk}).status_code == 404
    # Closed matters are not on the map, whatever the filter says.
    step(world, "member_A1e", a1, "withdraw")
    closed = leader.get("/dispatch/matters.geojson", {"state": "withdrawn"}).json()
    assert closed["features"] == []


def test_console_query_count_does_not_grow_with_rows(world, django_assert_max_num_queries):
    leader = client_for(world, "leader_A1")
    report(world)
    leader.get("/dispatch/")
    # session, user, person, duties (scope); the menu; count, the page (its ids, rows and the scope's nodes
    # in one query); categories; grids
    with django_assert_max_num_queries(10):
        assert leader.get("/dispatch/").status_code == 200
    for i in range(20):
        report(world, description=f"第{i}件", **(A1EM1 if i % 2 else A1EM2))
    with django_assert_max_num_queries(10):
        html = leader.get("/dispatch/").content.decode()
    assert len(listed(html)) == 21
    # session, user, person, duties (scope); the matters (the scope's nodes within)
    with django_assert_max_num_queries(5):
        assert len(leader.get("/dispatch/matters.geojson").json()["features"]) == 21


def test_matter_page_query_count_does_not_grow_with_its_history(world, django_assert_max_num_queries, tiny_jpeg):
    matter = report(world)
    leader = client_for(world, "leader_A1")
    leader.get(f"/matters/{matter.pk}/")
    # scope (4); the matter (the scope's nodes within); attributes; events and their photos; photos;
    # comments; near-duplicates; the menu; the category's group
    with django_assert_max_num_queries(13):
        assert leader.get(f"/matters/{matter.pk}/").status_code == 200
    step(world, "micro_A1em1", matter, "accept", "dispatch")
    step(world, "micro_A1em1", matter, "start", photos=[tiny_jpeg, tiny_jpeg])
    for i in range(10):
        services.comment_add(actor=world.users["micro_A1em1"], matter_id=matter.pk, body=f"进展{i}", internal=i % 2 == 0)
    with django_assert_max_num_queries(13):
        html = leader.get(f"/matters/{matter.pk}/").content.decode()
    assert html.count('<li class="comment') == 10 and html.count("<img ") == 4


def test_ids_no_database_can_hold_are_refused_plainly(world, spread):
    a1 = spread["a1"]
    leader = client_for(world, "leader_A1")
    huge = "9" * 25
    assert leader.get(f"/matters/{huge}/").status_code == 404
    assert leader.post(f"/matters/{huge}/act/", {"action": "accept"}).status_code == 404
    for within in (huge, "²", "-1", "abc"):
        response = leader.get("/dispatch/", {"within": within})
        assert response.status_code == 422 and "网格编号应为正整数" in response.content.decode(), within
    assert leader.get("/dispatch/matters.geojson", {"within": huge}).status_code == 422
    response = leader.post(f"/matters/{a1.pk}/merge/", {"into": huge})
    assert response.status_code == 422 and "合并目标：" in response.content.decode()
    response = leader.post(f"/matters/{a1.pk}/act/", {"action": "dispatch", "assignee": huge})
    assert response.status_code == 422 and "处置人：" in response.content.decode()
    response = leader.post("/dispatch/bulk/", {"ids": [huge, "x"], "q": ""}, **HTMX)
    assert "请先勾选要派遣的事项" in response.content.decode()
    response = leader.post("/dispatch/bulk/", {"ids": [a1.pk], "assignee": huge, "q": ""}, **HTMX)
    assert "处置人：" in response.content.decode() and state_of(a1) == "reported"
    response = leader.post("/dispatch/supervise/", {"matter": huge, "note": "快", "q": ""}, **HTMX)
    assert response.status_code == 200 and 'data-status="422"' in response.content.decode()


def test_the_assignee_unmasks_the_callers_phone_from_the_matter_page(world):
    from wangge.people.models import PiiAccessLog

    matter, _created = services.matter_report(actor=world.users["member_A1e"], report=services.Report(
        category="env-garbage", description="来电：垃圾没清", lon=112.125, lat=37.15, source="hotline",
        reporter_name="李先生", reporter_phone="13812345678"))
    client = Client()
    client.force_login(world.users["micro_A1em1"])
    page = client.get(f"/matters/{matter.pk}/").content.decode()
    assert "138****5678" in page and "13812345678" not in page and "查看完整电话" in page
    answer = client.post(f"/matters/{matter.pk}/reporter/unmask/", {"reason": "回访"}, HTTP_HX_REQUEST="true")
    assert 'href="tel:13812345678"' in answer.content.decode()
    assert PiiAccessLog.objects.filter(actor=world.users["micro_A1em1"], subject_name="李先生").count() == 1
    refused = client.post(f"/matters/{matter.pk}/reporter/unmask/", {"reason": ""}, HTTP_HX_REQUEST="true")
    assert "13812345678" not in refused.content.decode() and 'role="alert"' in refused.content.decode()
    client.force_login(world.users["resident"])
    assert client.post(f"/matters/{matter.pk}/reporter/unmask/", {"reason": "x1"}).status_code == 404


def row_of(html: str, matter: Matter) -> str:
    return re.search(rf'<tr class="light-\w+" data-matter="{matter.pk}".*?</tr>', html, re.S).group(0)


def test_a_list_page_is_the_querysets_own_slice_in_one_query(world, django_assert_num_queries):
    """KeysFirst (the console, the workbench's grid tab, the API's pages) gives each page exactly what slicing
    the queryset gives, in its order, whatever the order, with ties on the deadline broken by id."""
    from django.db.models import F

    from wangge.matters import selectors
    from wangge.people.access import scope_for

    for i in range(12):
        report(world, description=f"第{i}件", **(A1EM1 if i % 2 else A1EM2))
    scope = scope_for(world.users["leader_A1"])
    selectors.categories_by_id()
    for ordering in (["-id"], [F("deadline").asc(nulls_last=True), "id"], ["state", "-created_at", "id"]):
        qs = selectors.matter_list(actor=scope).order_by(*ordering)
        everything = [m.pk for m in qs]
        assert len(everything) >= 12
        for start in (0, 5, 10):
            with django_assert_num_queries(1):
                page = selectors.KeysFirst(qs)[start:start + 5]
            assert [m.pk for m in page] == everything[start:start + 5]
            assert all(m.grid.name and m.category.name for m in page)


def test_list_rows_show_a_category_renamed_here_at_once_and_from_elsewhere_within_the_minute(world, monkeypatch):
    from wangge.core import kept
    from wangge.matters import selectors
    from wangge.matters.models import Category

    matter = report(world)
    leader = client_for(world, "leader_A1")
    category = Category.objects.get(pk=matter.category_id)
    assert category.name in row_of(leader.get("/dispatch/").content.decode(), matter)
    # Saved in this process (the admin, the taxonomy services): the next page shows it.
    category.name = "楼道照明改名"
    category.save()
    assert "楼道照明改名" in row_of(leader.get("/dispatch/").content.decode(), matter)
    # Written by another process: this one's copy is kept for the minute, then read again.
    Category.objects.filter(pk=category.pk).update(name="另一进程改名")
    assert "楼道照明改名" in row_of(leader.get("/dispatch/").content.decode(), matter)
    later = kept.time.monotonic() + selectors.kept_categories.ttl_s + 1
    monkeypatch.setattr(kept.time, "monotonic", lambda: later)
    assert "另一进程改名" in row_of(leader.get("/dispatch/").content.decode(), matter)


def test_a_matter_in_a_category_added_elsewhere_is_listed_with_it(world):
    from wangge.matters.models import Category

    leader = client_for(world, "leader_A1")
    first = report(world)
    leader.get("/dispatch/")  # this process now holds the categories
    original = Category.objects.get(pk=first.category_id)
    # Another process adds a category (no signal here) and a matter in it.
    added = Category.objects.bulk_create([Category(
        code="added-elsewhere", name="他处新增类别", parent=original.parent, handler_role=original.handler_role,
        handler_level=original.handler_level,
    )])[0]
    second = report(world, description="新类别的事项")
    Matter.objects.filter(pk=second.pk).update(category=added)
    html = leader.get("/dispatch/").content.decode()
    assert listed(html) == {first.pk, second.pk}
    assert "他处新增类别" in row_of(html, second)
