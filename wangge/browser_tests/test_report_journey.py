"""A resident reports a key small matter from a phone, and anyone follows matters on the public map.

The resident opens the report form from the menu, picks a category (its extra questions come in with
htmx), tries the map (no tiles: the boundaries of their grids on a plain background; a tap places the
pin and the page says which grid it falls in), settles for their building and unit — the reliable way in
a test — describes the matter, submits, lands on the matter's page, and finds it under "my matters". A
visitor who is not logged in sees the public map's dot and the list, and opens a matter's public page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from wangge.matters import services
from wangge.matters.models import Matter

from .conftest import PHONE
from .test_journeys import assert_tap_targets, no_horizontal_scroll

pytestmark = pytest.mark.browser


def test_resident_reports_a_matter_on_a_phone_and_finds_it_in_my_matters(world, browsing):
    home = world.households["A1em1"][0].unit
    b = browsing(PHONE)
    page = b.login("resident")
    expect(page).to_have_url(re.compile(r"/my-household/$"))

    # From the menu to the form.
    page.locator(".menu-toggle").tap()
    with page.expect_navigation():
        page.get_by_role("link", name="我要上报").tap()
    expect(page).to_have_url(re.compile(r"/report/$"))
    expect(page).to_have_title(re.compile("我要上报"))

    # The category: a lift; its questions swap in.
    with page.expect_response(re.compile(r"/report/attributes/\?category=property-lift")):
        page.select_option("#report-category", "property-lift")
    trapped = page.locator("#attr-trapped")
    expect(trapped).to_be_visible()
    trapped.select_option("no")
    expect(page.locator("#attr-floor")).to_be_visible()

    # The unit picker is chosen, with their home unit; the map is folded away until asked for.
    expect(page.locator("input[name=where][value=unit]")).to_be_checked()
    expect(page.locator("#report-unit")).to_have_value(str(home.pk))
    expect(page.locator("#report-map")).to_be_hidden()

    # The map: the grids they live in, drawn without tiles; a tap places the pin, and the page says where.
    page.locator("label.seg", has_text="在地图上标记").tap()
    pin_map = page.locator("#report-map")
    expect(pin_map).to_be_visible()
    expect(pin_map).to_have_attribute("data-features", re.compile(r"^[1-9]\d*$"))
    assert page.locator(".leaflet-tile").count() == 0
    with page.expect_response(re.compile(r"/report/nearby/")):
        pin_map.tap()
    expect(pin_map).to_have_attribute("data-pinned", "true")
    expect(page.locator("#report-pin-status")).to_contain_text("已标记位置")
    expect(page.locator("#report-located")).to_contain_text("微网格")
    assert page.locator("#report-lon").input_value() and page.locator("#report-lat").input_value()
    no_horizontal_scroll(page)
    b.screenshot("7a-resident-phone-report-map-pin")

    # Back to the unit picker, and their own building and unit.
    page.locator("label.seg", has_text="选择楼栋单元").tap()
    expect(pin_map).to_be_hidden()
    page.select_option("#report-unit", str(home.pk))

    description = "1号楼1单元电梯停在六楼，按钮没反应"
    page.fill("#report-description", description)
    expect(page.locator("#report-description-count")).to_contain_text(f"{len(description)} / 2000")
    assert_tap_targets(page, "#report-form button, #report-form .seg, .report-photo-buttons .button")
    no_horizontal_scroll(page)
    b.screenshot("7b-resident-phone-report-form")

    with page.expect_navigation():
        page.locator("#report-submit").tap()
    matter = Matter.objects.get()
    assert matter.unit_id == home.pk and matter.lon is None and matter.category.code == "property-lift"
    assert matter.attributes == {"trapped": "no"}
    expect(page).to_have_url(re.compile(rf"/matters/{matter.pk}/$"))
    expect(page).to_have_title(re.compile("电梯故障"))
    b.screenshot("7c-resident-phone-reported-matter")

    # My matters: the new one, with its state.
    page.goto("/my/matters/")
    card = page.locator(f"#my-matters .matter-card[data-matter='{matter.pk}']")
    expect(card).to_contain_text("电梯故障")
    expect(card).to_contain_text("已上报")
    expect(card).to_contain_text(description[:20])
    no_horizontal_scroll(page)
    b.screenshot("7d-resident-phone-my-matters")


def test_a_visitor_follows_matters_on_the_public_map_without_logging_in(world, browsing):
    report = services.Report(category="env-garbage", description="东门垃圾桶满了两天", lon=112.125, lat=37.15)
    matter, _created = services.matter_report(actor=world.users["resident"], report=report)
    resident_name = world.users["resident"].person.name
    b = browsing(PHONE)
    page = b.page
    page.goto("/public/matters/")
    expect(page).to_have_title(re.compile("公开事项"))
    public_map = page.locator("#public-map")
    expect(public_map).to_have_attribute("data-features", "1")
    expect(page.locator("#public-map path.dot-open")).to_have_count(1)
    assert page.locator(".leaflet-tile").count() == 0
    card = page.locator(f"#public-list .matter-card[data-matter='{matter.pk}']")
    expect(card).to_contain_text("垃圾清运与分类")
    expect(page.locator("main")).not_to_contain_text(resident_name)
    no_horizontal_scroll(page)
    b.screenshot("7e-visitor-phone-public-matters")

    # The dot's popup links to the matter's public page, as the list does.
    page.locator("#public-map path.dot-open").tap()
    expect(page.locator(".leaflet-popup-content")).to_contain_text("垃圾清运与分类")
    with page.expect_navigation():
        card.locator("a").tap()
    expect(page).to_have_url(re.compile(rf"/public/matters/{matter.pk}/$"))
    expect(page.locator("#public-matter")).to_contain_text("东门垃圾桶满了两天")
    expect(page.locator("#public-timeline")).to_contain_text("上报")
    expect(page.locator("main")).not_to_contain_text(resident_name)
    no_horizontal_scroll(page)
    b.screenshot("7f-visitor-phone-public-matter")
