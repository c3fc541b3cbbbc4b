"""The deliberation day's electronic vote.

The secretary (a two-committee member) at a desktop opens an electronic vote on the meeting page; two
checked-in residents vote on their phones with big buttons; the secretary sees the counts, closes the vote
and records a resolution with an owner and a due date, which becomes a tracked follow-up matter."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from wangge.hall.meetings import services
from wangge.hall.meetings.models import Resolution
from wangge.hall.meetings.tests.conftest import add_meeting

from .conftest import DESKTOP, PHONE
from .test_journeys import no_horizontal_scroll

pytestmark = pytest.mark.browser


def test_secretary_runs_an_electronic_vote_attendees_vote_on_phones(world, browsing):
    w = add_meeting(world)
    secretary = w.users["committee_A"]
    services.meeting_invite(actor=secretary, session_id=w.session.pk, persons=[w.persons["r1"].pk, w.persons["r3"].pk])
    token = services.record_for(w.session).checkin_token
    motion = services.meeting_motion_create(actor=secretary, session_id=w.session.pk, data=services.MotionIn(
        item=w.items[0].pk, text="同意使用维修基金更换1号楼电梯", method="electronic"))

    # -- two attendees check in by the QR link on their phones --------------------------------------------
    phones = []
    for username in ("r1", "r3"):
        b = browsing(PHONE)
        page = b.login(username)
        page.goto(f"/m/checkin/{token}/")
        page.click("#checkin-button")
        expect(page.locator("#checkin-done")).to_contain_text("签到成功")
        phones.append(b)

    # -- the secretary opens the vote ---------------------------------------------------------------------
    desk = browsing(DESKTOP)
    page = desk.login("committee_a")
    page.goto(f"/hall/sessions/{w.session.pk}/meeting/")
    expect(page.locator("#quorum-state")).to_have_text("已达到")
    expect(page.locator("#attendance-count")).to_have_text("2")
    page.locator(f"#motion-{motion.pk} .motion-open").click()
    expect(page.locator(f"#motion-{motion.pk} .motion-status")).to_have_text("表决中")

    # -- both vote on their phones ------------------------------------------------------------------------
    for b, choice in zip(phones, ("for", "against"), strict=True):
        p = b.page
        p.goto(f"/hall/sessions/{w.session.pk}/vote/")
        card = p.locator(f"#vote-motion-{motion.pk}")
        expect(card).to_contain_text("同意使用维修基金")
        no_horizontal_scroll(p)
        card.locator(f"button.vote-{choice}").click()
        expect(p.locator(f"#vote-motion-{motion.pk} .voted")).to_have_text("已投票")
    phones[0].screenshot("meetings-phone-vote")

    # -- the secretary sees the counts live, closes, and records a resolution ------------------------------
    expect(page.locator(f"#motion-{motion.pk} .c-for")).to_have_text("1", timeout=10000)
    expect(page.locator(f"#motion-{motion.pk} .c-against")).to_have_text("1")
    page.locator(f"#motion-{motion.pk} .motion-close").click()
    expect(page.locator(f"#motion-{motion.pk} .motion-result")).to_have_text("未通过")
    page.locator("#resolutions summary").click()
    page.select_option("#r-item", str(w.items[1].pk))
    page.fill("#r-text", "物业公司一个月内拿出停车收费调整方案，再次征求居民意见")
    page.select_option("#r-org", str(w.organisations["property"].pk))
    page.locator("#resolution-form button[type=submit]").click()
    resolution = Resolution.objects.get()
    expect(page.locator(f"#resolution-{resolution.pk}")).to_contain_text("停车收费调整方案")
    expect(page.locator(f"#resolution-{resolution.pk} .matter-state")).to_be_visible()
    assert resolution.matters.get().source == "deliberation"
    desk.screenshot("meetings-secretary-desk")
