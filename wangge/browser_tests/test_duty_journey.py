"""A grid leader on a phone manages the duties of a micro-grid in the grid browser's panel.

Handing it over from one micro-grid member to another: end the duty (confirmed inline, with a reason), see
the coverage warning, pick the successor by pinyin initials among two 张伟, and see them on the roster.
Appointing from the households: a resident who is no person yet, found by initials and told by where they
live, becomes one as they are appointed; someone who is not a resident (a property worker) is registered
in the picker and appointed in the same form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from wangge.people.models import Duty, Person, Role
from wangge.testing.world import add_namesakes, add_resident_without_person

from .conftest import PHONE
from .test_journeys import assert_tap_targets, no_horizontal_scroll, panel_node

pytestmark = pytest.mark.browser


def test_grid_leader_hands_a_micro_grid_over_on_a_phone(world, browsing):
    successor, namesake = add_namesakes(world)
    micro = world.grid("A1em1")
    leaving = world.duties["micro_A1em1"]
    b = browsing(PHONE)
    page = b.login("leader_a1")
    expect(page).to_have_url(re.compile(r"/grids/$"))
    page.evaluate("window.__sameDocument = true")

    # Down to the micro-grid through the panel's list of lower grids: community → area → estate → micro.
    for key in ("A1", "A1e", "A1em1"):
        node = world.grid(key)
        with page.expect_response(re.compile(rf"/grids/{node.pk}/panel/")):
            page.locator(f"#panel .children a[data-grid='{node.pk}']").tap()
        expect(panel_node(page)).to_have_attribute("data-node", str(node.pk))
    expect(page).to_have_url(re.compile(rf"/grids/{micro.pk}/$"))

    # The roster names the micro-grid member; the duty controls are there, folded.
    row = page.locator(f"#panel tr#duty-{leaving.pk}")
    expect(row).to_contain_text(world.persons["micro_A1em1"].name)
    expect(row).to_contain_text("微网格员")
    end = row.locator("details.duty-end")
    confirm = end.locator("form.confirm")
    expect(confirm).to_be_hidden()
    expect(page.locator("#panel details.duty-assign")).not_to_have_attribute("open", "")
    assert_tap_targets(page, "#panel summary.button, #panel .children a")
    no_horizontal_scroll(page)

    # Ending asks first, in the page: a reason may be given, and cancelling changes nothing.
    end.locator("summary").tap()
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("权限随即失效")
    confirm.get_by_role("button", name="取消").tap()
    expect(confirm).to_be_hidden()
    end.locator("summary").tap()
    confirm.get_by_label("原因").fill("调往A2小区")
    assert_tap_targets(page, f"#panel tr#duty-{leaving.pk} button")
    no_horizontal_scroll(page)
    b.screenshot("6a-leader-phone-end-duty-confirm")
    with page.expect_response(re.compile(rf"/grids/{micro.pk}/duties/{leaving.pk}/end/$")):
        confirm.get_by_role("button", name="确认结束").tap()

    # Nobody is on duty now: the panel says so, and lists who served before.
    notice = page.locator("#panel .notice")
    expect(notice).to_contain_text(f"已结束{world.persons['micro_A1em1'].name}的微网格员职责")
    expect(notice).to_be_focused()
    expect(page.locator("#roster-empty")).to_contain_text("该网格当前无人在岗")
    expect(page.locator("#stat-on-duty")).to_have_text("0")
    past = page.locator("#panel details.past-duties")
    expect(past.locator("summary")).to_contain_text("曾任（2 项已结束的职责）")
    past.locator("summary").tap()
    expect(past.locator(f"tr#duty-{leaving.pk}")).to_contain_text("调往A2小区")
    leaving.refresh_from_db()
    assert leaving.end is not None and "调往A2小区" in leaving.note

    # The duty form is open when nobody is on duty. Two 张伟 answer "zw": told apart by phone and duties.
    form = page.locator("#panel details.duty-assign")
    expect(form).to_have_attribute("open", "")
    expect(form.locator("select[name=role]")).to_have_value(Role.MICRO_GRID_MEMBER)
    search = form.get_by_role("searchbox")
    with page.expect_response(re.compile(rf"/grids/{micro.pk}/persons/\?person_q=zw$")):
        search.press_sequentially("zw", delay=50)
    picks = form.locator(".pick")
    expect(picks).to_have_count(2)
    mine = picks.filter(has_text="居民，暂无职责")
    other = picks.filter(has_text="楼栋管家 · A2小区")
    expect(mine).to_contain_text(successor.masked_phone)
    expect(other).to_contain_text(namesake.masked_phone)
    assert_tap_targets(page, "#panel .pick, #panel .duty-form button")
    no_horizontal_scroll(page)
    mine.tap()
    expect(mine.locator("input[type=radio]")).to_be_checked()
    b.screenshot("6b-leader-phone-person-picker")
    with page.expect_response(re.compile(rf"/grids/{micro.pk}/duties/$")):
        form.get_by_role("button", name="指派", exact=True).tap()

    # The successor is on the roster, marked as new; the warning is gone.
    duty = Duty.objects.current().get(person=successor, grid=micro)
    assert duty.role == Role.MICRO_GRID_MEMBER
    new_row = page.locator(f"#panel tr#duty-{duty.pk}")
    expect(new_row).to_have_class(re.compile(r"\bjust-assigned\b"))
    expect(new_row).to_contain_text("张伟")
    expect(new_row).to_contain_text("新指派")
    expect(new_row).to_contain_text(successor.masked_phone)
    expect(page.locator("#panel .notice")).to_contain_text("已指派张伟为微网格员")
    expect(page.locator("#roster-empty")).to_have_count(0)
    expect(page.locator("#stat-on-duty")).to_have_text("1")
    expect(page.locator("#panel details.duty-assign")).not_to_have_attribute("open", "")
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded"
    no_horizontal_scroll(page)
    b.screenshot("6c-leader-phone-duty-assigned")


def test_grid_leader_appoints_a_resident_and_a_property_worker_on_a_phone(world, browsing):
    resident = add_resident_without_person(world)  # 王秀英 of micro-grid A1em1: no person, no duty
    micro = world.grid("A1em1")
    assert not Person.objects.filter(resident=resident).exists()
    b = browsing(PHONE)
    page = b.login("leader_a1")
    page.goto(f"/grids/{micro.pk}/")
    page.evaluate("window.__sameDocument = true")

    # Someone is on duty, so the duty form is folded; open it and search by the resident's initials.
    form = page.locator("#panel details.duty-assign")
    expect(form).not_to_have_attribute("open", "")
    form.locator(":scope > summary").tap()
    expect(form.locator("select[name=role]")).to_have_value(Role.MICRO_GRID_MEMBER)
    with page.expect_response(re.compile(rf"/grids/{micro.pk}/persons/\?person_q=wxy$")):
        form.get_by_role("searchbox").press_sequentially("wxy", delay=50)
    pick = form.locator(".pick-resident")
    expect(pick).to_have_count(1)
    expect(pick).to_contain_text("王秀英")
    expect(pick).to_contain_text("居民")
    expect(pick).to_contain_text(resident.household.masked_address)  # where they live, the door masked
    expect(form).not_to_contain_text(resident.household.address)
    assert_tap_targets(page, "#panel .pick, #panel .duty-form button, #panel .person-new > summary")
    no_horizontal_scroll(page)
    pick.tap()
    expect(pick.locator("input[type=radio]")).to_be_checked()
    b.screenshot("6d-leader-phone-pick-resident")
    with page.expect_response(re.compile(rf"/grids/{micro.pk}/duties/$")):
        form.get_by_role("button", name="指派", exact=True).tap()

    # The resident is a person now, on the roster as micro-grid member, marked as new.
    person = Person.objects.get(resident=resident)
    duty = Duty.objects.current().get(person=person, grid=micro)
    assert (duty.role, person.name, person.phone) == (Role.MICRO_GRID_MEMBER, "王秀英", resident.phone)
    row = page.locator(f"#panel tr#duty-{duty.pk}")
    expect(row).to_have_class(re.compile(r"\bjust-assigned\b"))
    expect(row).to_contain_text("王秀英")
    expect(row).to_contain_text(person.masked_phone)
    expect(page.locator("#panel .notice")).to_contain_text("已指派王秀英为微网格员")

    # A property worker is not a resident: registered in the picker (a wrong phone is named first)…
    form = page.locator("#panel details.duty-assign")
    form.locator(":scope > summary").tap()
    new = form.locator("details.person-new")
    new.locator("summary").tap()
    new.get_by_label("姓名").fill("刘洋")
    new.get_by_label("手机号码").fill("12345")
    with page.expect_response(re.compile(rf"/grids/{micro.pk}/persons/new/$")):
        new.get_by_role("button", name="登记并选中").tap()
    phone = form.locator("details.person-new").get_by_label("手机号码")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_be_focused()
    expect(form.locator("details.person-new .error")).to_contain_text("手机号码")
    assert not Person.objects.filter(name="刘洋").exists()
    phone.fill("139 0000 0001")
    with page.expect_response(re.compile(rf"/grids/{micro.pk}/persons/new/$")):
        form.locator("details.person-new").get_by_role("button", name="登记并选中").tap()

    # …and picked at once: choose the role and assign.
    worker = Person.objects.get(name="刘洋")
    picked = form.locator(f".pick input[value='{worker.pk}']")
    expect(picked).to_be_checked()
    expect(form.locator(".picks .notice")).to_contain_text("已新增人员刘洋并选中")
    expect(form.locator("details.person-new")).not_to_have_attribute("open", "")
    no_horizontal_scroll(page)
    b.screenshot("6e-leader-phone-person-registered")
    form.locator("select[name=role]").select_option(Role.PROPERTY_STAFF)
    with page.expect_response(re.compile(rf"/grids/{micro.pk}/duties/$")):
        form.get_by_role("button", name="指派", exact=True).tap()
    duty = Duty.objects.current().get(person=worker, grid=micro)
    assert duty.role == Role.PROPERTY_STAFF and worker.grid_id == micro.pk and worker.resident_id is None
    expect(page.locator(f"#panel tr#duty-{duty.pk}")).to_contain_text("物业服务人员")
    expect(page.locator("#panel .notice")).to_contain_text("已指派刘洋为物业服务人员")
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded"
    no_horizontal_scroll(page)
