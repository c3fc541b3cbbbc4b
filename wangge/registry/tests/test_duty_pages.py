"""Managing duties from the grid panel: assigning (with the person picker) and ending (with its inline
confirmation), for every role of the test world, with bad input and from outside the scope.

The rules themselves (who may, what is refused) live in people.services and are tested there; these
tests check that the pages reach them, show their answers beside the right field, and write nothing
when they say no."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from wangge.people import services as people
from wangge.people.models import Duty, Person, Role
from wangge.registry import services as registry
from wangge.testing.world import add_namesakes, add_resident_without_person

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ROLES = ["admin", "leader_A1", "member_A1e", "micro_A1em1", "resident", "nobody"]


def login(world, key) -> Client:
    client = Client()
    client.force_login(world.users[key])
    return client


def assign_url(world, grid_key: str) -> str:
    return f"/grids/{world.grid(grid_key).pk}/duties/"


def end_url(duty) -> str:
    return f"/grids/{duty.grid_id}/duties/{duty.pk}/end/"


def picker_url(world, grid_key: str) -> str:
    return f"/grids/{world.grid(grid_key).pk}/persons/"


def snapshot() -> list[tuple]:
    return list(Duty.objects.order_by("pk").values_list("pk", "person_id", "role", "grid_id", "start", "end", "note"))


# -- who sees the controls, who may use them -------------------------------------------------------------

# At micro-grid A1em1: leader_A1 (two-committee member of community A) and the admin may manage people;
# the grid member and the micro-grid member serve there but may not (403); the resident lives there, so
# they know the grid and get 403 too (access.require: visible but not allowed); the user without duties
# gets 404. Off the resident's home chain (A1em2) the resident gets 404 like anyone outside.
MAY = {"admin": 200, "leader_A1": 200, "member_A1e": 403, "micro_A1em1": 403, "resident": 403, "nobody": 404}


@pytest.mark.parametrize("role", ROLES)
def test_the_panel_shows_duty_controls_only_to_those_who_may_manage_people(world, role):
    response = login(world, role).get(f"/grids/{world.grid('A1em1').pk}/panel/", **HTMX)
    if role == "nobody":
        assert response.status_code == 404
        return
    html = response.content.decode()
    controls = ("结束职责", "指派职责", "/duties/", "/persons/")
    if MAY[role] == 200:
        assert all(c in html for c in controls), role
    else:
        assert not any(c in html for c in controls), role
        assert world.persons["micro_A1em1"].name in html  # the roster itself is still there


@pytest.mark.parametrize("role", ROLES)
def test_assigning_follows_the_role(world, role):
    person = world.persons["micro_A1em2"]
    before = snapshot()
    response = login(world, role).post(assign_url(world, "A1em1"),
                                       {"person": person.pk, "role": Role.MICRO_GRID_MEMBER}, **HTMX)
    assert response.status_code == MAY[role]
    created = Duty.objects.filter(person=person, grid=world.grid("A1em1"))
    if MAY[role] == 200:
        duty = created.get()
        assert (duty.role, duty.end, duty.is_current) == (Role.MICRO_GRID_MEMBER, None, True)
        assert duty.subdistrict_id == world.grid("sub").pk
    else:
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_ending_follows_the_role(world, role):
    duty = world.duties["micro_A1em1"]
    before = snapshot()
    response = login(world, role).post(end_url(duty), {"note": "调岗"}, **HTMX)
    assert response.status_code == MAY[role]
    duty.refresh_from_db()
    if MAY[role] == 200:
        assert duty.end is not None and duty.end <= timezone.now() and "调岗" in duty.note
    else:
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_the_person_picker_follows_the_role(world, role):
    response = login(world, role).get(picker_url(world, "A1em1"), {"person_q": "micro"}, **HTMX)
    assert response.status_code == MAY[role]


@pytest.mark.parametrize("role", ["resident", "nobody", "micro_A1em1"])
def test_off_their_grids_everyone_but_managers_gets_404(world, role):
    """A1em2 is outside the resident's home chain and outside micro_A1em1's micro-grid."""
    client = login(world, role)
    before = snapshot()
    duty = world.duties["micro_A1em2"]
    assert client.post(assign_url(world, "A1em2"), {"person": world.persons["micro_A1em1"].pk,
                                                    "role": Role.MICRO_GRID_MEMBER}, **HTMX).status_code == 404
    assert client.post(end_url(duty), {}, **HTMX).status_code == 404
    assert client.get(picker_url(world, "A1em2"), {"person_q": "micro"}, **HTMX).status_code == 404
    assert snapshot() == before


def test_outside_the_scope_everything_answers_404_and_nothing_changes(world):
    client = login(world, "leader_A1")
    before = snapshot()
    far = world.duties["micro_B1em1"]
    mine = world.grid("A1em1")
    tries = [
        client.post(assign_url(world, "B1em1"), {"person": world.persons["micro_A1em1"].pk,
                                                 "role": Role.MICRO_GRID_MEMBER}, **HTMX),
        client.post(end_url(far), {}, **HTMX),
        # A duty of another community through one's own grid's address…
        client.post(f"/grids/{mine.pk}/duties/{far.pk}/end/", {}, **HTMX),
        # …and a duty of one's own community through the address of another grid.
        client.post(f"/grids/{mine.pk}/duties/{world.duties['micro_A1em2'].pk}/end/", {}, **HTMX),
        client.post("/grids/999999/duties/", {}, **HTMX),
        client.post(f"/grids/{mine.pk}/duties/999999/end/", {}, **HTMX),
        client.get(picker_url(world, "B1em1"), {"person_q": "micro"}, **HTMX),
    ]
    assert [r.status_code for r in tries] == [404] * len(tries)
    assert snapshot() == before


def test_anonymous_users_are_sent_to_log_in(world):
    client = Client()
    duty = world.duties["micro_A1em1"]
    for response in (client.post(assign_url(world, "A1em1"), {}), client.post(end_url(duty), {}),
                     client.get(picker_url(world, "A1em1"))):
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert Duty.objects.get(pk=duty.pk).end is None


def test_the_duty_pages_answer_only_their_method(world):
    client = login(world, "leader_A1")
    assert client.get(assign_url(world, "A1em1")).status_code == 405
    assert client.get(end_url(world.duties["micro_A1em1"])).status_code == 405
    assert client.post(picker_url(world, "A1em1"), {}).status_code == 405


def test_posts_need_the_csrf_token_that_the_page_carries(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["leader_A1"])
    micro = world.grid("A1em1")
    page = client.get(f"/grids/{micro.pk}/").content.decode()
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page).group(1)
    duty = world.duties["micro_A1em1"]
    assert client.post(end_url(duty), {}, **HTMX).status_code == 403
    assert Duty.objects.get(pk=duty.pk).end is None
    assert client.post(end_url(duty), {}, HTTP_X_CSRFTOKEN=token, **HTMX).status_code == 200
    assert Duty.objects.get(pk=duty.pk).end is not None


# -- what the leader sees --------------------------------------------------------------------------------


def test_ending_a_duty_shows_the_coverage_warning_and_who_served_before(world):
    duty = world.duties["micro_A1em1"]
    name = duty.person.name
    html = login(world, "leader_A1").post(end_url(duty), {"note": "调往A2小区"}, **HTMX).content.decode()
    assert "<html" not in html
    assert f"已结束{name}的微网格员职责" in html
    assert 'id="roster-empty"' in html and "无人在岗" in html
    past = html.split('class="past-duties"')[1]
    assert name in past and "调往A2小区" in past and "曾任（2 项已结束的职责）" in past  # with the world's former member
    assert 'id="duty-assign-' in html and " open>" in html.split('id="duty-assign-')[1][:40]  # nobody on duty: open


def test_ending_a_grid_leader_also_ends_the_supervisor_duty_it_carried(world):
    duty = world.duties["leader_A1"]  # a committee member, so also the property-service supervisor of A1
    client = login(world, "committee_A")
    html = client.post(end_url(duty), {}, **HTMX).content.decode()
    assert not Duty.objects.current().filter(person=duty.person, grid=duty.grid).exists()
    assert html.split('class="past-duties"')[1].count(duty.person.name) == 2


def test_ending_a_duty_twice_says_it_has_ended_and_changes_nothing(world):
    client = login(world, "leader_A1")
    duty = world.duties["micro_A1em1"]
    client.post(end_url(duty), {"note": "调岗"}, **HTMX)
    before = snapshot()
    response = client.post(end_url(duty), {"note": "再来一次"}, **HTMX)
    assert response.status_code == 200 and "该职责已结束" in response.content.decode()
    assert snapshot() == before


def test_a_reason_too_long_is_refused_beside_the_confirmation(world):
    duty = world.duties["micro_A1em1"]
    response = login(world, "leader_A1").post(end_url(duty), {"note": "很" * 201}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(rf'<p class="error" id="end-error-{duty.pk}" role="alert">[^<]+</p>', html)
    assert re.search(rf'<details class="duty-end" open>\s*<summary class="button">结束职责</summary>\s*'
                     rf'<form class="confirm" method="post" action="/grids/{duty.grid_id}/duties/{duty.pk}/end/"', html)
    duty.refresh_from_db()
    assert duty.end is None and duty.note == ""


def test_assigning_marks_the_new_duty_on_the_roster(world):
    person = world.persons["micro_A1em2"]
    micro = world.grid("A1em1")
    html = login(world, "leader_A1").post(
        assign_url(world, "A1em1"), {"person": person.pk, "role": Role.MICRO_GRID_MEMBER, "note": "临时顶岗"}, **HTMX
    ).content.decode()
    duty = Duty.objects.get(person=person, grid=micro)
    assert duty.note == "临时顶岗"
    assert f"已指派{person.name}为微网格员" in html
    row = re.search(rf'<tr id="duty-{duty.pk}" class="just-assigned">.*?</tr>', html, re.S).group(0)
    assert person.name in row and "新指派" in row and person.masked_phone in row
    assert html.count('class="just-assigned"') == 1
    assert 'autofocus' in html  # the notice takes the focus, so a phone scrolls to it


def test_a_committee_member_made_grid_leader_also_becomes_supervisor_and_both_are_marked(world):
    person = world.persons["committee_A"]
    html = login(world, "leader_A1").post(assign_url(world, "A2"), {"person": person.pk, "role": Role.GRID_LEADER},
                                          **HTMX).content.decode()
    duties = Duty.objects.filter(person=person, grid=world.grid("A2"))
    assert {d.role for d in duties} == {Role.GRID_LEADER, Role.PROPERTY_SUPERVISOR}
    for duty in duties:
        assert f'<tr id="duty-{duty.pk}" class="just-assigned">' in html


def test_dates_are_whole_days_and_a_future_duty_is_listed_as_upcoming(world):
    person = world.persons["micro_A1em2"]
    today = timezone.localdate()
    start, end = today.replace(year=today.year + 1, month=1, day=1), today.replace(year=today.year + 1, month=6, day=30)
    html = login(world, "leader_A1").post(
        assign_url(world, "A1em1"),
        {"person": person.pk, "role": Role.BUILDING_STEWARD, "start": start.isoformat(), "end": end.isoformat()},
        **HTMX,
    ).content.decode()
    duty = Duty.objects.get(person=person, grid=world.grid("A1em1"))
    local_start, local_end = timezone.localtime(duty.start), timezone.localtime(duty.end)
    assert (local_start.date(), local_start.time()) == (start, dt.time.min)
    assert (local_end.date(), local_end.time()) == (end + dt.timedelta(days=1), dt.time.min)  # the end of that day
    assert not duty.is_current
    row = re.search(rf'<tr id="duty-{duty.pk}" class="just-assigned">.*?</tr>', html, re.S).group(0)
    assert "待上岗" in row and start.isoformat() in row and f"至 {end.isoformat()}" in row
    assert "结束职责" not in row  # a duty that has not begun cannot be ended


def test_a_duty_starting_today_starts_now(world):
    person = world.persons["micro_A1em2"]
    login(world, "leader_A1").post(assign_url(world, "A1em1"), {
        "person": person.pk, "role": Role.MICRO_GRID_MEMBER, "start": timezone.localdate().isoformat()}, **HTMX)
    duty = Duty.objects.get(person=person, grid=world.grid("A1em1"))
    assert duty.is_current and timezone.now() - duty.start < dt.timedelta(minutes=1)


# -- bad input: the error beside the field it names, nothing written -----------------------------------------


def _later(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


BAD_INPUT = {
    "no person picked": ({"role": Role.MICRO_GRID_MEMBER}, "person", "请先搜索并选择人员"),
    "a person id that is not a number": ({"person": "abc", "role": Role.MICRO_GRID_MEMBER}, "person", "未找到该人员"),
    "a person outside the scope": ({"person": "micro_B1em1", "role": Role.MICRO_GRID_MEMBER}, "person", "未找到该人员"),
    "an unknown role": ({"person": "micro_A1em2", "role": "emperor"}, "role", "未知职责"),
    "no role": ({"person": "micro_A1em2", "role": ""}, "role", "未知职责"),
    "the same duty twice": ({"person": "micro_A1em1", "role": Role.MICRO_GRID_MEMBER}, "role", "已担任微网格员"),
    "an end before the start": ({"person": "micro_A1em2", "role": Role.MICRO_GRID_MEMBER, "start": _later(10),
                                 "end": _later(5)}, "end", "结束时间应晚于开始时间"),
    "an end in the past": ({"person": "micro_A1em2", "role": Role.MICRO_GRID_MEMBER, "end": _later(-3)}, "end",
                           "结束时间应晚于开始时间"),
    "a start that is not a date": ({"person": "micro_A1em2", "role": Role.MICRO_GRID_MEMBER, "start": "2025-02-30"},
                                   "start", "年-月-日"),
    "an end that is not a date": ({"person": "micro_A1em2", "role": Role.MICRO_GRID_MEMBER, "end": "明年"}, "end",
                                  "年-月-日"),
    "a note too long": ({"person": "micro_A1em2", "role": Role.MICRO_GRID_MEMBER, "note": "长" * 201}, "note", "200"),
}
ERROR_IDS = {"person": "person-error", "role": "duty-role-error", "start": "duty-start-error", "end": "duty-end-error",
             "note": "duty-note-error"}


@pytest.mark.parametrize("case", list(BAD_INPUT), ids=list(BAD_INPUT))
def test_bad_input_is_named_beside_its_field_and_nothing_is_written(world, case):
    data, field, words = BAD_INPUT[case]
    data = dict(data)
    if data.get("person") in world.persons:
        data["person"] = world.persons[data["person"]].pk
    micro = world.grid("A1em1")
    before = snapshot()
    response = login(world, "leader_A1").post(assign_url(world, "A1em1"), data, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200  # htmx swaps 2xx answers only
    error = re.search(rf'<p class="error" id="{ERROR_IDS[field]}-{micro.pk}" role="alert">([^<]+)</p>', html)
    assert error, f"no error beside {field}"
    assert words in error.group(1)
    assert html.count('role="alert"') == 1, "one error, beside its field"
    assert snapshot() == before
    # The form keeps what was typed, and stays open.
    assert re.search(rf'<details class="duty-assign" id="duty-assign-{micro.pk}" open>', html)
    if data.get("note"):
        assert f'value="{data["note"]}"' in html


def test_the_picked_person_stays_picked_after_an_error(world):
    person = world.persons["micro_A1em2"]
    micro = world.grid("A1em1")
    html = login(world, "leader_A1").post(assign_url(world, "A1em1"), {
        "person": person.pk, "role": Role.MICRO_GRID_MEMBER, "end": "明年"}, **HTMX).content.decode()
    assert re.search(rf'<input type="radio" name="person" value="{person.pk}" form="duty-form-{micro.pk}" required checked>',
                     html)
    assert "微网格员 · " + world.grid("A1em2").name in html  # with their current duties


def test_a_plain_form_post_redirects_or_shows_the_whole_page(world):
    """Without htmx the forms still work: success redirects back to the grid, errors show the page (422)."""
    client = login(world, "leader_A1")
    micro = world.grid("A1em1")
    response = client.post(assign_url(world, "A1em1"), {"person": world.persons["micro_A1em2"].pk,
                                                        "role": Role.BUILDING_STEWARD})
    assert response.status_code == 302 and response["Location"] == f"/grids/{micro.pk}/"
    assert "已指派" in client.get(response["Location"]).content.decode()
    response = client.post(assign_url(world, "A1em1"), {"role": Role.BUILDING_STEWARD})
    assert response.status_code == 422 and "<html" in response.content.decode()
    assert "请先搜索并选择人员" in response.content.decode()
    response = client.post(end_url(world.duties["micro_A1em1"]), {})
    assert response.status_code == 302 and response["Location"] == f"/grids/{micro.pk}/"


# -- the person picker -------------------------------------------------------------------------------------


def test_the_picker_finds_people_by_pinyin_initials_and_tells_namesakes_apart(world):
    resident, steward = add_namesakes(world)
    html = login(world, "leader_A1").get(picker_url(world, "A1em1"), {"person_q": "zw"}, **HTMX).content.decode()
    assert "<html" not in html
    picks = re.findall(r'<li><label class="pick">(.*?)</label></li>', html, re.S)
    assert len(picks) == 2
    by_id = {int(re.search(r'value="(\d+)"', p).group(1)): p for p in picks}
    assert set(by_id) == {resident.pk, steward.pk}
    assert resident.masked_phone in by_id[resident.pk] and "居民，暂无职责" in by_id[resident.pk]
    assert steward.masked_phone in by_id[steward.pk] and "楼栋管家 · A2小区" in by_id[steward.pk]
    for person in (resident, steward):
        assert person.phone not in html


def test_the_picker_lists_only_people_in_scope_and_at_most_ten(world):
    # Community A has ten "…人员" on duty; an eleventh makes one too many to list.
    extra = people.person_create(name="志愿者人员", grid=world.grid("A1e"))
    people.duty_assign(person=extra, role=Role.INFORMATION_OFFICER, grid=world.grid("A1e"))
    html = login(world, "leader_A1").get(picker_url(world, "A1em1"), {"person_q": "renyuan"}, **HTMX).content.decode()
    names = re.findall(r'<span class="pick-name">([^<]+)</span>', html)
    assert len(names) == 10 and "只列出前 10 位" in html
    assert not any("_b" in n for n in names), names
    html = login(world, "leader_A1").get(picker_url(world, "A1em1"), {"person_q": "micro_b"}, **HTMX).content.decode()
    assert "没有找到" in html and "pick-name" not in html


def test_the_picker_without_javascript_is_part_of_the_grid_page(world):
    add_namesakes(world)
    html = login(world, "leader_A1").get(f"/grids/{world.grid('A1em1').pk}/", {"person_q": "zhangwei"}).content.decode()
    assert html.count('class="pick-name"') == 2 and 'value="zhangwei"' in html


def test_the_picker_query_count_does_not_grow_with_results(world, django_assert_max_num_queries):
    add_namesakes(world)
    client = login(world, "leader_A1")
    url = picker_url(world, "A1em1")
    client.get(url)
    # session, user, the scope (person, duties); the node; the persons; their duties; the residents who
    # are not persons yet
    with django_assert_max_num_queries(8):
        assert client.get(url, {"person_q": "zw"}, **HTMX).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(url, {"person_q": "renyuan"}, **HTMX).status_code == 200
    with django_assert_max_num_queries(8):  # the residents of A1em1 but the one who has a login
        html = client.get(url, {"person_q": "jumin"}, **HTMX).content.decode()
    assert html.count('class="pick pick-resident"') == 3


def test_the_panel_query_count_does_not_grow_with_past_duties(world, django_assert_max_num_queries):
    micro = world.grid("A1em1")
    for key in ("micro_A1em2", "member_A2e", "micro_A2em1", "leader_A2"):
        duty = people.duty_assign(person=world.persons[key], role=Role.BUILDING_STEWARD, grid=micro,
                                  start=timezone.now() - dt.timedelta(days=30))
        people.duty_end(duty=duty, note="换届")
    client = login(world, "leader_A1")
    url = f"/grids/{micro.pk}/panel/"
    client.get(url)
    # The same 13 as test_pages.test_grid_panel_query_count_is_pinned: the duties at the node (on duty,
    # about to start, ended) come in one query, and the duty controls need none.
    with django_assert_max_num_queries(13):
        html = client.get(url, **HTMX).content.decode()
    assert html.split('class="past-duties"')[1].count("换届") == 4
    assert "指派职责" in html


def test_every_field_that_cannot_be_read_is_named_and_the_first_takes_the_focus(world):
    micro = world.grid("A1em1")
    client = login(world, "leader_A1")
    html = client.post(assign_url(world, "A1em1"), {"role": Role.MICRO_GRID_MEMBER, "start": "昨天", "end": "明年"},
                       **HTMX).content.decode()
    for field in ("person-error", "duty-start-error", "duty-end-error"):
        assert f'id="{field}-{micro.pk}"' in html, field
    assert html.count("autofocus") == 1
    assert re.search(rf'<input id="person-q-{micro.pk}" type="search"[^>]* autofocus>', html)
    # A rule of the service (here the role) is told once the form could be read.
    html = client.post(assign_url(world, "A1em1"), {"person": world.persons["micro_A1em2"].pk, "role": "emperor"},
                       **HTMX).content.decode()
    assert html.count("autofocus") == 1
    assert re.search(rf'<select id="duty-role-{micro.pk}" name="role" required autofocus', html)


# -- appointing a resident who is not a person yet ----------------------------------------------------------


def person_snapshot() -> list[tuple]:
    return list(Person.objects.order_by("pk").values_list("pk", "name", "phone", "resident_id", "grid_id"))


def test_the_picker_offers_residents_who_are_not_persons_yet_found_by_initials(world):
    resident = add_resident_without_person(world)
    add_resident_without_person(world, name="王小英", micro="A1em2", n=904)  # another micro-grid: not offered there
    html = login(world, "leader_A1").get(picker_url(world, "A1em1"), {"person_q": "wxy"}, **HTMX).content.decode()
    picks = re.findall(r'<li><label class="pick pick-resident">(.*?)</label></li>', html, re.S)
    assert len(picks) == 1 and "pick-name" in html
    pick = picks[0]
    assert f'value="resident:{resident.pk}"' in pick and '<span class="pick-name">王秀英</span>' in pick
    assert resident.household.masked_address in pick and "居民" in pick  # told apart by where they live
    assert resident.household.address not in html and resident.phone not in html and resident.id_number not in html
    # A resident who has left their household is not offered.
    registry.resident_leave(resident=resident, reason="moved_away")
    html = login(world, "leader_A1").get(picker_url(world, "A1em1"), {"person_q": "wxy"}, **HTMX).content.decode()
    assert "pick-resident" not in html
    # Up at the estate, the other micro-grid's resident is offered.
    html = login(world, "leader_A1").get(picker_url(world, "A1e"), {"person_q": "wxy"}, **HTMX).content.decode()
    assert html.count('class="pick pick-resident"') == 1 and "王小英" in html


def test_the_picker_offers_a_resident_once_they_are_a_person_as_a_person(world):
    resident = add_resident_without_person(world)
    person, _created = people.person_from_resident(resident=resident)
    html = login(world, "leader_A1").get(picker_url(world, "A1em1"), {"person_q": "wangxiuying"}, **HTMX).content.decode()
    assert "pick-resident" not in html
    assert f'value="{person.pk}"' in html and "居民，暂无职责" in html


def test_a_resident_picked_in_the_picker_is_appointed_micro_grid_member(world):
    resident = add_resident_without_person(world)
    micro = world.grid("A1em1")
    html = login(world, "leader_A1").post(assign_url(world, "A1em1"), {
        "person": f"resident:{resident.pk}", "role": Role.MICRO_GRID_MEMBER}, **HTMX).content.decode()
    person = Person.objects.get(resident=resident)
    assert (person.name, person.phone, person.subdistrict_id) == ("王秀英", resident.phone, world.grid("sub").pk)
    duty = Duty.objects.get(person=person)
    assert (duty.role, duty.grid_id, duty.is_current) == (Role.MICRO_GRID_MEMBER, micro.pk, True)
    assert "已指派王秀英为微网格员" in html
    row = re.search(rf'<tr id="duty-{duty.pk}" class="just-assigned">.*?</tr>', html, re.S).group(0)
    assert "王秀英" in row and person.masked_phone in row
    # Picked again now, they are a person: one person, two duties.
    login(world, "leader_A1").post(assign_url(world, "A1em1"), {
        "person": f"resident:{resident.pk}", "role": Role.BUILDING_STEWARD}, **HTMX)
    assert Person.objects.filter(resident=resident).count() == 1
    assert set(Duty.objects.filter(person=person).values_list("role", flat=True)) == {
        Role.MICRO_GRID_MEMBER, Role.BUILDING_STEWARD}


def test_a_refused_appointment_of_a_resident_writes_no_person_and_keeps_them_picked(world):
    resident = add_resident_without_person(world)
    micro = world.grid("A1em1")
    before, persons_before = snapshot(), person_snapshot()
    html = login(world, "leader_A1").post(assign_url(world, "A1em1"), {
        "person": f"resident:{resident.pk}", "role": "emperor"}, **HTMX).content.decode()
    assert re.search(rf'<p class="error" id="duty-role-error-{micro.pk}" role="alert">[^<]*未知职责', html)
    assert re.search(rf'<input type="radio" name="person" value="resident:{resident.pk}" form="duty-form-{micro.pk}" '
                     rf'required checked>', html)
    html = login(world, "leader_A1").post(assign_url(world, "A1em1"), {
        "person": f"resident:{resident.pk}", "role": Role.MICRO_GRID_MEMBER, "end": "明年"}, **HTMX).content.decode()
    assert f'id="duty-end-error-{micro.pk}"' in html and f'value="resident:{resident.pk}"' in html
    assert (snapshot(), person_snapshot()) == (before, persons_before)


@pytest.mark.parametrize("role", ROLES)
def test_appointing_a_resident_follows_the_role(world, role):
    resident = add_resident_without_person(world)
    before, persons_before = snapshot(), person_snapshot()
    response = login(world, role).post(assign_url(world, "A1em1"), {
        "person": f"resident:{resident.pk}", "role": Role.MICRO_GRID_MEMBER}, **HTMX)
    assert response.status_code == MAY[role]
    if MAY[role] == 200:
        assert Duty.objects.filter(person__resident=resident, grid=world.grid("A1em1")).count() == 1
    else:
        assert (snapshot(), person_snapshot()) == (before, persons_before)


@pytest.mark.parametrize("value", ["resident:B1em1", "resident:A1em2", "resident:abc", "resident:", "resident:999999"])
def test_a_resident_from_elsewhere_cannot_be_picked(world, value):
    """Residents are offered from the node's subtree only: one of another micro-grid of the leader's own
    community is refused like one of another community, beside the person field."""
    if value.removeprefix("resident:") in ("B1em1", "A1em2"):
        micro = value.removeprefix("resident:")
        value = f"resident:{add_resident_without_person(world, micro=micro).pk}"
    micro = world.grid("A1em1")
    before, persons_before = snapshot(), person_snapshot()
    html = login(world, "leader_A1").post(assign_url(world, "A1em1"), {
        "person": value, "role": Role.MICRO_GRID_MEMBER}, **HTMX).content.decode()
    error = re.search(rf'<p class="error" id="person-error-{micro.pk}" role="alert">([^<]+)</p>', html)
    assert error and "未找到该居民" in error.group(1)
    assert (snapshot(), person_snapshot()) == (before, persons_before)


def test_a_resident_picked_without_javascript_is_appointed_too(world):
    resident = add_resident_without_person(world)
    client = login(world, "leader_A1")
    micro = world.grid("A1em1")
    html = client.get(f"/grids/{micro.pk}/", {"person_q": "wxy"}).content.decode()
    assert f'value="resident:{resident.pk}"' in html
    response = client.post(assign_url(world, "A1em1"), {"person": f"resident:{resident.pk}",
                                                        "role": Role.BUILDING_STEWARD})
    assert response.status_code == 302 and response["Location"] == f"/grids/{micro.pk}/"
    assert Duty.objects.get(person__resident=resident).role == Role.BUILDING_STEWARD


# -- registering someone who is not a resident from the picker ------------------------------------------------


def new_person_url(world, grid_key: str) -> str:
    return f"/grids/{world.grid(grid_key).pk}/persons/new/"


@pytest.mark.parametrize("role", ROLES)
def test_registering_someone_follows_the_role(world, role):
    before = person_snapshot()
    response = login(world, role).post(new_person_url(world, "A1em1"), {"name": "刘洋", "phone": "13900000001"},
                                       **HTMX)
    assert response.status_code == MAY[role]
    if MAY[role] == 200:
        person = Person.objects.get(name="刘洋")
        assert (person.grid_id, person.phone, person.resident_id) == (world.grid("A1em1").pk, "13900000001", None)
    else:
        assert person_snapshot() == before


def test_someone_registered_in_the_picker_is_picked_and_appointed(world):
    micro = world.grid("A1em1")
    client = login(world, "leader_A1")
    html = client.post(new_person_url(world, "A1em1"), {"name": "刘洋", "phone": "139 0000 0001"},
                       **HTMX).content.decode()
    person = Person.objects.get(name="刘洋")
    assert person.phone == "13900000001" and person.grid_id == micro.pk
    # The form comes back blank and folded; the picks (out of band) list the new person, checked.
    form = re.search(rf'<details class="person-new" id="person-new-{micro.pk}">.*?</details>', html, re.S).group(0)
    assert 'value=""' in form and "刘洋" not in form
    picks = re.search(rf'<div id="person-picks-{micro.pk}" hx-swap-oob="innerHTML">(.*)</div>', html, re.S).group(1)
    assert re.search(rf'<input type="radio" name="person" value="{person.pk}" form="duty-form-{micro.pk}" required checked>',
                     picks)
    assert "已新增人员刘洋并选中" in picks and "139****0001" in picks and "暂无职责" in picks
    assert "13900000001" not in html
    html = client.post(assign_url(world, "A1em1"), {"person": person.pk, "role": Role.PROPERTY_STAFF},
                       **HTMX).content.decode()
    assert Duty.objects.get(person=person).role == Role.PROPERTY_STAFF
    assert "已指派刘洋为物业服务人员" in html


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"name": "", "phone": ""}, "name", "姓名不能为空"),
    ({"name": "   ", "phone": "13900000001"}, "name", "姓名不能为空"),
    ({"name": "刘洋", "phone": "12345"}, "phone", "手机号码"),
    ({"name": "刘" * 51, "phone": ""}, "name", "50"),
])
def test_registering_someone_with_bad_input_names_the_field_and_writes_nothing(world, data, field, words):
    micro = world.grid("A1em1")
    before = person_snapshot()
    response = login(world, "leader_A1").post(new_person_url(world, "A1em1"), data, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200  # htmx swaps 2xx answers only
    error = re.search(rf'<p class="error" id="person-new-{field}-error-{micro.pk}" role="alert">([^<]+)</p>', html)
    assert error and words in error.group(1), html
    assert html.count('role="alert"') == 1
    assert re.search(rf'<details class="person-new" id="person-new-{micro.pk}" open>', html)
    assert "hx-swap-oob" not in html  # the picks stay as they were
    assert html.count("autofocus") == 1 and re.search(rf'id="person-new-{field}-{micro.pk}"[^>]* autofocus', html)
    assert person_snapshot() == before


def test_registering_someone_without_javascript(world):
    client = login(world, "leader_A1")
    micro = world.grid("A1em1")
    response = client.post(new_person_url(world, "A1em1"), {"name": "刘洋", "phone": ""})
    person = Person.objects.get(name="刘洋")
    assert response.status_code == 302 and response["Location"].startswith(f"/grids/{micro.pk}/?person_q=")
    html = client.get(response["Location"]).content.decode()
    assert "已新增人员刘洋" in html and f'value="{person.pk}"' in html
    before = person_snapshot()
    response = client.post(new_person_url(world, "A1em1"), {"name": "刘洋", "phone": "abc"})
    html = response.content.decode()
    assert response.status_code == 422 and "<html" in html
    assert f'id="person-new-phone-error-{micro.pk}"' in html and 'value="abc"' in html
    assert person_snapshot() == before


def test_registering_someone_outside_the_scope_is_404(world):
    before = person_snapshot()
    client = login(world, "leader_A1")
    assert client.post(new_person_url(world, "B1em1"), {"name": "刘洋"}, **HTMX).status_code == 404
    assert client.post("/grids/999999/persons/new/", {"name": "刘洋"}, **HTMX).status_code == 404
    assert client.get(new_person_url(world, "A1em1")).status_code == 405
    assert person_snapshot() == before


def test_the_registration_form_is_in_the_duty_form_of_those_who_may_manage_people(world):
    micro = world.grid("A1em1")
    html = login(world, "leader_A1").get(f"/grids/{micro.pk}/panel/", **HTMX).content.decode()
    assert f'<details class="person-new" id="person-new-{micro.pk}">' in html
    assert f'hx-post="/grids/{micro.pk}/persons/new/"' in html
    html = login(world, "member_A1e").get(f"/grids/{micro.pk}/panel/", **HTMX).content.decode()
    assert "person-new" not in html
