"""A fire drill from the declaration to the all-clear.

The grid leader at a desktop declares a fire drill on estate A1e; a micro-grid member on a phone opens the
live page from the list and marks the households of their micro-grid safe with one tap each, without
leaving the page; the leader's live page counts the confirmations on its own (polling); the leader gives
the all-clear with a report and lands on the printable report."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from wangge.fieldwork.emergencies.models import Emergency

from .conftest import DESKTOP, PHONE
from .test_journeys import assert_tap_targets, no_horizontal_scroll

pytestmark = pytest.mark.browser


def test_a_fire_drill_from_declaration_to_all_clear(world, browsing, settings):
    settings.SMS_BACKEND = "wangge.notify.sms.LocmemBackend"
    # -- the leader declares a drill, at a desktop ------------------------------------------------------------
    lead = browsing(DESKTOP)
    page = lead.login("leader_a1")
    page.goto("/emergencies/")
    page.select_option("#em-kind", "fire")
    page.check("#em-drill")
    page.select_option("#em-grid", str(world.grid("A1e").pk))
    page.fill("#em-title", "1号楼消防疏散演练")
    with page.expect_navigation():
        page.click("#em-declare-submit")
    emergency = Emergency.objects.get()
    assert emergency.drill
    expect(page).to_have_url(re.compile(rf"/emergencies/{emergency.pk}/$"))
    expect(page.locator("h1")).to_contain_text("演练")
    expect(page.locator("#em-count-not_reached")).to_have_text("4")
    expect(page.locator("#em-count-safe")).to_have_text("0")
    lead.screenshot("em-1-leader-declared")

    # -- the micro-grid member marks their households safe, on a phone -------------------------------------
    phone = browsing(PHONE)
    p = phone.login("micro_a1em1")
    p.goto("/emergencies/")
    p.locator(f"#em-{emergency.pk} a").tap()
    expect(p).to_have_url(re.compile(rf"/emergencies/{emergency.pk}/$"))
    rows = p.locator(".em-household")
    expect(rows).to_have_count(2)
    assert_tap_targets(p, ".em-h-act button")
    no_horizontal_scroll(p)
    p.evaluate("window.__sameDocument = true")
    for household in world.households["A1em1"]:
        row = p.locator(f"#h-{household.pk}")
        with p.expect_response(re.compile(rf"/emergencies/{emergency.pk}/households/{household.pk}/$")):
            row.locator("button[value=safe]").tap()
        expect(p.locator(f"#h-{household.pk}")).to_have_attribute("data-status", "safe")
    expect(p.locator("#em-count-safe")).to_have_text("2")
    assert p.evaluate("window.__sameDocument === true"), "the page reloaded"
    phone.screenshot("em-2-micro-phone-marked")

    # -- the leader's page catches up by itself, then the all-clear -------------------------------------------
    expect(page.locator("#em-count-safe")).to_have_text("2", timeout=15000)
    expect(page.locator("#em-count-not_reached")).to_have_text("2")
    expect(page.locator("#em-percent")).to_contain_text("50%")
    page.fill("#em-report", "演练顺利，2户安全撤离，另2户外出未联系上，已由楼栋管家电话确认。")
    with page.expect_navigation():
        page.click("#em-clear-submit")
    expect(page).to_have_url(re.compile(rf"/emergencies/{emergency.pk}/report/$"))
    expect(page.locator("#em-report-counts")).to_contain_text("安全2户")
    expect(page.locator("#em-report-unreached li")).to_have_count(2)
    lead.screenshot("em-3-leader-report")
    emergency.refresh_from_db()
    assert emergency.status == "cleared"
