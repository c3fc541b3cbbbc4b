"""A resident's matter through the workbench and the dispatch console.

A micro-grid member on a phone finds the matter at the top of their workbench and moves it along with one
tap per step — 受理 → 派遣 → 开始处置 → 处置完成 (with the after-photo from the camera) — without leaving the
page; then the grid member at a desktop finds it in the dispatch console filtered by state, checks it and
closes it on the matter page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from wangge.matters import services, sla
from wangge.matters.models import Matter, Photo

from .conftest import DESKTOP, PHONE
from .test_journeys import assert_tap_targets, no_horizontal_scroll

pytestmark = pytest.mark.browser


def _jpeg(path):
    from PIL import Image

    Image.new("RGB", (320, 240), (90, 140, 60)).save(path, format="JPEG")
    return path


def test_a_resident_matter_through_the_workbench_and_the_dispatch_console(world, browsing, tmp_path):
    sla.forget_calendar()
    report = services.Report(category="env-garbage", description="3号楼门口垃圾三天没人清运", lon=112.125, lat=37.15,
                             address="1号楼1单元门口")
    matter, _created = services.matter_report(actor=world.users["resident"], report=report)
    assert matter.assignee_id == world.persons["micro_A1em1"].pk

    # -- the micro-grid member, on a phone -------------------------------------------------------------
    b = browsing(PHONE)
    page = b.login("micro_a1em1")
    page.goto("/workbench/")
    card = page.locator(f"#card-{matter.pk}")
    expect(card).to_contain_text("垃圾")
    expect(card).to_contain_text("1号楼1单元门口")
    expect(card.locator(".state")).to_have_text("已上报")
    expect(card).to_contain_text("还剩")
    expect(page.locator("#count-total")).to_have_text("1")
    assert_tap_targets(page, "#queue button, #queue a.button, .tab")
    no_horizontal_scroll(page)
    b.screenshot("7a-micro-phone-workbench")
    page.evaluate("window.__sameDocument = true")

    photo = _jpeg(tmp_path / "after.jpg")
    for action, label, state in [("accept", "受理", "已受理"), ("dispatch", "派遣", "已派遣"),
                                 ("start", "开始处置", "处置中"), ("resolve", "处置完成", "已处置")]:
        button = card.locator(f"button[data-action='{action}']")
        expect(button).to_have_text(label)
        if action == "resolve":
            # The card offers the camera for the after-photo; the file is what the camera would hand over.
            picker = card.locator("input[type=file][name=photo]")
            picker.set_input_files(str(photo))
            expect(card.locator(".photo-pick")).to_have_class(re.compile(r"\bhas-file\b"))
            b.screenshot("7b-micro-phone-resolve-with-photo")
        with page.expect_response(re.compile(rf"/matters/{matter.pk}/act/$")):
            button.tap()
        expect(card.locator(".state")).to_have_text(state)
        expect(card.locator(".notice")).to_contain_text(state)
    # Resolved: the next step (核查) is the grid member's, so the card offers none.
    expect(card.locator("button[data-action]")).to_have_count(0)
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded"
    no_horizontal_scroll(page)
    b.screenshot("7c-micro-phone-resolved")
    assert Matter.objects.get(pk=matter.pk).state == "resolved"
    assert list(Photo.objects.filter(matter=matter).values_list("kind", flat=True)) == ["after"]

    # The matter page shows the same, with the photo and the steps taken.
    card.locator("a.mcard-open").tap()
    expect(page).to_have_url(re.compile(rf"/matters/{matter.pk}/$"))
    expect(page.locator("#matter-state")).to_have_text("已处置")
    expect(page.locator("#matter-photos img")).to_have_count(1)
    expect(page.locator("#matter-timeline [data-event='resolve']")).to_be_visible()
    expect(page.locator("#matter-map .leaflet-interactive").first).to_be_visible()
    no_horizontal_scroll(page)
    b.screenshot("7d-micro-phone-matter-page")

    # -- the grid member, at a desktop -----------------------------------------------------------------
    d = browsing(DESKTOP)
    page = d.login("member_a1e")
    page.goto("/dispatch/")
    filters = page.locator("#console-filters")
    for box in filters.locator("input[name=state]").all():
        box.set_checked(box.get_attribute("value") == "resolved")
    with page.expect_navigation():
        filters.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"state=resolved"))
    rows = page.locator("#console-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-matter", str(matter.pk))
    expect(page.locator("#dispatch-map")).to_have_attribute("data-markers", "1")
    expect(page.locator(f"#dispatch-map path[data-matter='{matter.pk}']")).to_have_count(1)
    assert page.locator(".leaflet-tile").count() == 0
    d.screenshot("7e-member-desktop-dispatch-console")

    rows.first.get_by_role("link", name=re.compile(rf"#{matter.pk}")).click()
    expect(page).to_have_url(re.compile(rf"/matters/{matter.pk}/$"))
    expect(page.locator("#matter-state")).to_have_text("已处置")
    page.evaluate("window.__sameDocument = true")
    for action, label, state in [("verify", "核查通过", "已核查"), ("close", "结案", "已结案")]:
        button = page.locator(f"#matter-actions button[data-action='{action}']")
        expect(button).to_have_text(label)
        with page.expect_response(re.compile(rf"/matters/{matter.pk}/act/$")):
            button.click()
        expect(page.locator("#matter-state")).to_have_text(state)
        expect(page.locator("#matter-notice")).to_contain_text(state)
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded"
    expect(page.locator("#matter-actions")).to_have_count(0)  # nothing left for staff: the resident rates it
    expect(page.locator("#matter-map .leaflet-interactive")).to_have_count(1)  # the map survived the swaps
    d.screenshot("7f-member-desktop-matter-closed")
    assert Matter.objects.get(pk=matter.pk).state == "closed"
