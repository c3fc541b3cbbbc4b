"""A dispute mediated on a phone: the grid member opens a dispute between a resident and an outsider from
the disputes list, logs the mediation session, records the agreement and downloads the agreement PDF
(人民调解协议书)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from wangge.fieldwork.disputes.models import Dispute

from .conftest import PHONE
from .test_journeys import assert_tap_targets, no_horizontal_scroll

pytestmark = pytest.mark.browser


def test_a_grid_member_mediates_a_dispute_to_an_agreement_on_a_phone(world, browsing, tmp_path):
    b = browsing(PHONE)
    page = b.login("member_a1e")
    page.goto("/disputes/")
    expect(page.locator("h1")).to_have_text("矛盾纠纷调解")
    expect(page.locator("#disputes-empty")).to_be_visible()
    no_horizontal_scroll(page)
    page.click("#dispute-new-link")

    page.select_option("#d-grid", str(world.grid("A1em1").pk))
    page.select_option("#d-kind", "leak")
    page.fill("#d-title", "楼上卫生间漏水")
    page.fill("#d-summary", "楼上卫生间渗水，楼下天花板发霉")
    page.fill("#d-applicant-name", "王大妈")
    page.fill("#d-respondent-name", "赵先生")
    page.fill("#d-respondent-phone", "13912345678")
    no_horizontal_scroll(page)
    with page.expect_navigation():
        page.click("#dispute-new-form button[type=submit]")
    dispute = Dispute.objects.get()
    assert page.url.endswith(f"/disputes/{dispute.pk}/")
    expect(page.locator("#dispute-status")).to_have_text("待调解")
    expect(page.locator("#parties")).to_contain_text("139****5678")
    expect(page.locator("#parties")).not_to_contain_text("13912345678")

    page.fill("#s-place", "红色物业议事厅")
    page.fill("#s-notes", "双方到场陈述，楼上同意维修防水")
    with page.expect_navigation():
        page.click("#session-form button[type=submit]")
    expect(page.locator("#dispute-status")).to_have_text("调解中")
    expect(page.locator("#sessions")).to_contain_text("红色物业议事厅")

    # Agreement without terms: refused beside the form, nothing written.
    page.check("#conclude-form input[value=agreement]")
    with page.expect_navigation():
        page.click("#conclude-form button[type=submit]")
    expect(page.locator("#conclude-errors")).to_contain_text("协议内容")
    expect(page.locator("#dispute-status")).to_have_text("调解中")

    page.check("#conclude-form input[value=agreement]")
    page.fill("#c-terms", "楼上住户十五日内维修防水层，赔偿楼下800元")
    with page.expect_navigation():
        page.click("#conclude-form button[type=submit]")
    expect(page.locator("#dispute-status")).to_have_text("达成协议")
    expect(page.locator("#agreement-terms")).to_contain_text("赔偿楼下800元")
    expect(page.locator("#follow-up")).to_contain_text("回访日期")
    assert_tap_targets(page, "#agreement a.button")
    no_horizontal_scroll(page)
    b.screenshot("disputes-phone-agreement")

    with page.expect_download() as info:
        page.click("#agreement-download")
    path = tmp_path / "agreement.pdf"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
