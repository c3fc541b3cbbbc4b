"""A door-to-door visit on a phone.

The micro-grid member of A1em1 opens 今日走访 and finds the two households of the micro-grid, in walking
order (floor 1, then floor 2); taps the first, taps 见到住户, writes a note, opens 收集关键小事, adds a
second row with one tap (htmx) but fills in only the first, and sends. Back on the list, the household
is gone and the matter was reported with source `visit` to the household's unit."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from wangge.fieldwork.visits.models import Visit
from wangge.matters.models import Matter

from .conftest import PHONE
from .test_journeys import assert_tap_targets, no_horizontal_scroll

pytestmark = pytest.mark.browser


def test_a_micro_grid_member_logs_a_visit_with_one_matter_raised(world, browsing):
    first, second = world.households["A1em1"]
    b = browsing(PHONE)
    page = b.login("micro_a1em1")
    page.goto("/visits/")
    rows = page.locator("#due-list .visit-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-household", str(first.pk))
    expect(rows.nth(1)).to_have_attribute("data-household", str(second.pk))
    expect(rows.nth(0)).to_contain_text("从未走访")
    expect(page.locator("#count-never")).to_have_text("2")
    assert_tap_targets(page, "#due-list .visit-row > a")
    no_horizontal_scroll(page)
    b.screenshot("visits-1-phone-today")

    rows.nth(0).locator("a").tap()
    expect(page).to_have_url(re.compile(rf"/visits/household/{first.pk}/$"))
    expect(page.locator("#visit-address")).to_contain_text("1**")
    page.locator("label.outcome-met").tap()
    expect(page.locator("input[name=outcome][value=met]")).to_be_checked()
    assert_tap_targets(page, "label.outcome, .visit-form button[type=submit]")
    page.fill("#visit-notes", "老人腿脚不便，反映楼道灯坏了")
    page.locator(".visit-matters > summary").tap()
    page.select_option("#matters-0-category", "property-repair")
    page.fill("#matters-0-description", "3楼楼道灯不亮，晚上上下楼看不见")
    page.locator(".add-matter").tap()
    expect(page.locator("#matters-1-category")).to_be_visible()   # one more row, without leaving the page
    no_horizontal_scroll(page)
    b.screenshot("visits-2-phone-log")
    with page.expect_navigation():
        page.get_by_role("button", name="登记走访").tap()

    expect(page).to_have_url(re.compile(r"/visits/$"))
    expect(page.locator(".messages")).to_contain_text("收集关键小事 1 件")
    expect(page.locator("#due-list .visit-row")).to_have_count(1)
    expect(page.locator("#due-list .visit-row").first).to_have_attribute("data-household", str(second.pk))
    b.screenshot("visits-3-phone-after")

    visit = Visit.objects.get()
    assert (visit.household_id, visit.outcome, visit.worker_id) == (first.pk, "met", world.persons["micro_A1em1"].pk)
    matter = Matter.objects.get(visits=visit)
    assert (matter.source, matter.household_id, matter.category.code) == ("visit", first.pk, "property-repair")
