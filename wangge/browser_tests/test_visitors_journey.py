"""A visitor registers on their phone through the gate's QR link (no login), and the guard admits them on
the desk page of their phone: a bad phone number is named on the form, the ticket is shown, the guard
sees the visitor waiting, records the temperature (out of range turns red) and the health code, admits."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from wangge.fieldwork.visitors.models import Status, Visitor
from wangge.fieldwork.visitors.tests.world import add_gates

from .conftest import PHONE

pytestmark = pytest.mark.browser


def test_visitor_registers_by_the_qr_link_and_the_guard_admits(world, browsing):
    cache.clear()
    add_gates(world)
    post = world.posts["A1e"]

    # The visitor, on their phone, opens the link of the gate's QR code.
    visitor = browsing(PHONE)
    page = visitor.page
    page.goto(f"/v/{post.qr_token}/")
    expect(page.locator("h1")).to_have_text("访客登记")
    expect(page.locator("#visitor-register")).to_contain_text("A1小区")
    page.get_by_label("姓名").fill("孙悟空")
    page.get_by_label("手机号").fill("1381234")
    page.get_by_label("来访事由").fill("探亲")
    page.get_by_label("被访楼栋单元").select_option(label="1号楼 1单元")
    page.get_by_label("被访房号").fill("101")
    page.get_by_role("button", name="提交登记").tap()
    expect(page.locator("#v-phone-error")).to_contain_text("不是有效的大陆手机号码")
    assert not Visitor.objects.exists()
    page.get_by_label("手机号").fill("13812345678")
    page.get_by_role("button", name="提交登记").tap()
    expect(page.locator("#visitor-registered")).to_contain_text("登记成功")
    record = Visitor.objects.get()
    expect(page.locator(".visitor-ticket")).to_have_text(record.ticket)
    visitor.screenshot("visitors-registered")

    # The guard, on their phone, finds them waiting at the desk.
    guard = browsing(PHONE)
    desk = guard.login("guard_a1e")
    desk.goto("/visitors/")
    card = desk.locator(f"#visitor-{record.pk}")
    expect(card).to_contain_text("孙悟空")
    expect(card).to_contain_text("138****5678")
    temp = card.get_by_label("体温（°C）", exact=False)
    temp.fill("38.2")
    expect(temp).to_have_class("visitor-measure out-of-range")
    temp.fill("36.6")
    expect(temp).not_to_have_class("visitor-measure out-of-range")
    card.locator(".visitor-pass").first.tap()
    guard.screenshot("visitors-desk")
    card.get_by_role("button", name="放行").tap()
    expect(desk.locator(f"#visitor-{record.pk}")).to_contain_text("已放行")
    expect(desk.locator(f"#visitor-{record.pk}")).to_contain_text("体温：36.6°C")
    record.refresh_from_db()
    assert record.status == Status.ADMITTED and record.checked_by == world.users["guard_A1e"]
