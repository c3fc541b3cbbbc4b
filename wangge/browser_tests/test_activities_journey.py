"""An activity on residents' phones: the first resident signs up for the last place, a second resident
gets the waiting list, the first cancels and the second is moved up (and told so in their inbox); then
a grid worker checks the second resident in by hand on the activity page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from wangge.community.activities import services
from wangge.community.activities.tests.conftest import resident_login, soon

from .conftest import PHONE
from .test_journeys import no_horizontal_scroll

pytestmark = pytest.mark.browser


def test_sign_up_waiting_list_promotion_and_check_in(world, browsing):
    resident_login(world, "A1em1", 1, "resident2")
    activity = services.activity_create(actor=None, grid=world.grid("A").pk, kind="party_education",
                                        title="不忘初心、牢记使命 主题党日", place="社区党群服务中心",
                                        starts_at=soon(0.5), ends_at=soon(2.5), capacity=1)

    first = browsing(PHONE)
    page = first.login("resident")
    page.goto("/activities/")
    card = page.locator(f"#activity-{activity.pk}")
    expect(card).to_contain_text("余 1 个名额")
    no_horizontal_scroll(page)
    card.locator("a.act-card-link").click()
    page.click("#signup-button")
    expect(page.locator("#my-signup")).to_contain_text("您已报名")
    first.screenshot("activities-1-signed-up")

    second = browsing(PHONE)
    page2 = second.login("resident2")
    page2.goto(f"/activities/{activity.pk}/")
    expect(page2.locator("#signup-button")).to_have_text("加入候补")
    page2.click("#signup-button")
    expect(page2.locator(".messages")).to_contain_text("候补名单（第1位）")
    expect(page2.locator("#my-signup")).to_contain_text("候补名单第1位")
    second.screenshot("activities-2-waiting")

    page.click("#cancel-signup")
    expect(page.locator(".messages")).to_contain_text("已取消报名")
    expect(page.locator("#signup-button")).to_have_text("加入候补")

    page2.reload()
    expect(page2.locator("#my-signup")).to_contain_text("您已报名")
    page2.goto("/inbox/")
    expect(page2.locator("body")).to_contain_text("候补成功")

    staff = browsing(PHONE)
    page3 = staff.login("committee_a")
    page3.goto(f"/activities/{activity.pk}/")
    expect(page3.locator("#activity-staff img")).to_be_visible()
    row = page3.locator("#signup-table tr[data-status=confirmed]")
    expect(row).to_contain_text(world.persons["resident2"].name)
    row.locator("button.checkin-button").click()
    expect(page3.locator(".messages")).to_contain_text("已签到")
    expect(page3.locator("#signup-table tr[data-status=attended]")).to_contain_text(world.persons["resident2"].name)
    staff.screenshot("activities-3-checked-in")
