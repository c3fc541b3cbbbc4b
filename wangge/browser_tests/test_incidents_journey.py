"""A resident reports a lost item on a phone; property staff request footage of the estate's cameras and
record what it showed and the outcome; the resident sees the result in their own list."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wangge.fieldwork.cameras.tests.helpers import add_cameras_scene, add_property_staff
from wangge.fieldwork.incidents.models import FootageReview, Incident

from .conftest import PHONE
from .test_journeys import no_horizontal_scroll

pytestmark = pytest.mark.browser


def test_resident_reports_a_lost_wallet_and_staff_find_it_on_camera(world, browsing):
    add_property_staff(world)
    scene = add_cameras_scene(world)
    when = timezone.localtime(timezone.now() - dt.timedelta(hours=3)).replace(second=0, microsecond=0)

    # The resident, on a phone.
    b = browsing(PHONE)
    page = b.login("resident")
    page.goto("/incidents/new/")
    no_horizontal_scroll(page)
    page.get_by_label("类别").select_option("lost_item")
    page.get_by_label("标题").fill("黑色钱包丢失")
    page.get_by_label("经过").fill("下午在1号楼单元门口丢失黑色钱包，内有身份证。")
    page.get_by_label("发生时间（起）").fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("地点").fill("1号楼单元门口")
    with page.expect_navigation():
        page.get_by_role("button", name="提交").tap()
    expect(page).to_have_url(re.compile(r"/incidents/\d+/$"))
    expect(page.locator("#incident-status")).to_have_text("已报案")
    expect(page.locator("#incident-actions")).to_have_count(0)
    incident = Incident.objects.get()
    assert incident.by_resident and incident.grid == world.grid("A1em1")
    b.screenshot("incident-1-resident-reported")

    # Property staff, also on a phone: request footage of two cameras of the estate.
    s = browsing(PHONE)
    page = s.login("staff_a1e")
    page.goto(f"/incidents/{incident.pk}/")
    page.locator("#act-footage summary").tap()
    page.get_by_label(re.compile(r"A-001")).check()
    page.get_by_label(re.compile(r"A-002")).check()
    expect(page.get_by_label(re.compile(r"B-001"))).to_have_count(0)
    page.get_by_label("调阅开始").fill((when - dt.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("调阅结束").fill((when + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    with page.expect_navigation():
        page.get_by_role("button", name="提交申请").tap()
    expect(page.locator("#incident-status")).to_have_text("调阅监控中")
    review = FootageReview.objects.get()
    assert sorted(c.code for c in review.cameras.all()) == ["A-001", "A-002"]

    # What the footage showed, then the outcome.
    page.get_by_label("调阅结果").fill("保洁员在单元门口捡到钱包，交到物业服务中心")
    page.get_by_label("发现线索").check()
    with page.expect_navigation():
        page.get_by_role("button", name="登记结果").tap()
    expect(page.locator(f"[data-review='{review.pk}']")).to_contain_text("保洁员在单元门口捡到钱包")
    page.locator("#act-conclude summary").tap()
    page.get_by_label("办结结果").select_option("solved")
    page.get_by_label("结果说明").fill("钱包已在物业服务中心归还失主，物品齐全")
    with page.expect_navigation():
        page.get_by_role("button", name="确认办结").tap()
    expect(page.locator("#incident-status")).to_have_text("已破获/已找回")
    no_horizontal_scroll(page)
    s.screenshot("incident-2-staff-solved")

    # Back to the resident: the outcome is in their list and on the page.
    page = b.page
    page.goto("/my/incidents/")
    expect(page.locator(f"[data-incident='{incident.pk}']")).to_contain_text("已破获/已找回")
    page.goto(f"/incidents/{incident.pk}/")
    expect(page.locator("#incident-outcome")).to_contain_text("钱包已在物业服务中心归还失主")
    assert scene["linked"].code == "A-001"
