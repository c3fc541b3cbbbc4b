"""A consultation from the secretary's desk to a resident's phone and back: the secretary builds a
questionnaire (adding a question with htmx) on a desktop and opens it to one micro-grid; the resident
answers on a phone, one big card per question; the secretary's page then shows the answer in the
results."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wangge.hall.consultations.models import Consultation, Response

from .conftest import DESKTOP, PHONE
from .test_journeys import assert_tap_targets, no_horizontal_scroll

pytestmark = pytest.mark.browser


def test_secretary_opens_a_consultation_and_a_resident_answers_on_a_phone(world, browsing):
    desk = browsing(DESKTOP)
    page = desk.login("committee_a")
    page.goto("/consultations/")
    expect(page.locator("h1")).to_have_text("征求意见")
    expect(page.locator("#consultations-empty")).to_be_visible()
    page.fill("#c-title", "加装电梯意见征集")
    page.fill("#c-proposal", "拟为1号楼加装电梯，费用按楼层分摊。")
    closes = timezone.localtime(timezone.now() + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#c-closes", closes)
    page.check(f"input[name=audience][value='g:{world.grid('A1em1').pk}']")
    page.select_option("#q-1-kind", "single")
    page.fill("#q-1-text", "您是否同意加装电梯？")
    page.fill("#q-1-options", "同意\n不同意")
    rows = page.locator("#question-rows .consult-q")
    expect(rows).to_have_count(3)
    page.click("#add-question")
    expect(rows).to_have_count(4)
    last = rows.nth(3)
    last.locator("select").select_option("scale")
    last.locator("input[name$='-text']").fill("您家对电梯的需要程度")
    last.locator("input[name$='-min_label']").fill("不需要")
    last.locator("input[name$='-max_label']").fill("非常需要")
    with page.expect_navigation():
        page.click("#consultation-save")
    c = Consultation.objects.get()
    assert page.url.endswith(f"/consultations/{c.pk}/")
    expect(page.locator("#consult-status")).to_have_text("草稿")
    with page.expect_navigation():
        page.click("#consultation-open")
    expect(page.locator("#consult-status")).to_have_text("征求中")

    phone = browsing(PHONE)
    mobile = phone.login("resident")
    mobile.goto("/my/consultations/")
    expect(mobile.locator("#my-open")).to_contain_text("加装电梯意见征集")
    with mobile.expect_navigation():
        mobile.locator("#my-open a").first.click()
    expect(mobile.locator("#card-q1")).to_contain_text("您是否同意加装电梯？")
    no_horizontal_scroll(mobile)
    assert_tap_targets(mobile, ".consult-choice")
    mobile.locator("#card-q1 .consult-choice", has_text="不同意").tap()
    # The scale is required: sending without it is refused, naming the question, and nothing is written.
    with mobile.expect_navigation():
        mobile.click("#answer-submit")
    expect(mobile.locator("#answer-errors")).to_contain_text("第2题：此题必答")
    assert not Response.objects.exists()
    mobile.locator("#card-q2 .consult-choice", has_text="4").tap()
    with mobile.expect_navigation():
        mobile.click("#answer-submit")
    expect(mobile.locator("#answer-done")).to_contain_text("截止前可以修改")
    phone.screenshot("consultations-phone-answered")

    page.reload()
    summary = page.locator(".consult-summary")
    expect(summary).to_contain_text("1 人作答 / 可作答 4 人")
    expect(summary.locator("#result-q1")).to_contain_text("不同意")
    expect(summary.locator("#result-q1 li", has_text="不同意")).to_contain_text("1（100%）")
    expect(summary.locator("#result-q2 .consult-mean")).to_have_text("4.0")
    desk.screenshot("consultations-desktop-results")
