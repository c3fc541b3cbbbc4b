"""A whole deliberation day run from the system, start to end.

Before the sitting the secretary (a two-committee member, at a desktop) takes the system's suggestion of
an urgent collective matter onto the agenda and sends the invitations: the usual participants with one
click, one more resident found by name in the people picker. That resident accepts from the phone's inbox
and checks in with the hall's QR link; a building steward without a phone is registered at the desk. The
secretary writes the minutes, records a show of hands, adopts a resolution with an owner and a due date
(the residents' own matters become its tracked follow-ups), marks the sitting held and publishes it. Another resident of the community, who
was not there, reads the published resolution and downloads the minutes on a phone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wangge.hall.agenda.models import Item, Session
from wangge.hall.agenda.tests.conftest import report
from wangge.hall.meetings import services
from wangge.hall.meetings.models import Invitation, Motion, Resolution
from wangge.hall.meetings.tests.conftest import add_meeting

from .conftest import DESKTOP, PHONE
from .test_journeys import no_horizontal_scroll

pytestmark = pytest.mark.browser


def test_a_secretary_runs_a_whole_deliberation_day_and_residents_read_the_result(world, browsing):
    w = add_meeting(world, starts_at=timezone.now() + dt.timedelta(hours=1))
    session, hall = w.session, w.hall
    for micro, n in (("A1em1", 0), ("A1em1", 1), ("A1em2", 0)):  # three households, one category, one estate
        report(world, micro, n)
    r1 = w.persons["r1"]

    # -- the agenda: the suggested urgent collective matter becomes an item of this sitting ------------------
    desk = browsing(DESKTOP)
    page = desk.login("committee_a")
    page.goto(f"/hall/halls/{hall.pk}/suggestions/")
    card = page.locator(".hall-suggestion-urgent").first
    expect(card).to_contain_text("3户")
    title = card.locator("h2").inner_text()
    card.locator("select[name=session]").select_option(str(session.pk))
    with page.expect_navigation():
        card.locator("button[type=submit]").click()
    assert page.url.endswith(f"/hall/sessions/{session.pk}/")
    expect(page.locator("#agenda .hall-item-title")).to_contain_text([title])
    item = Item.objects.get(title=title)
    assert item.matters.count() == 3

    # -- invitations: the usual participants, and one resident found by name ---------------------------------
    page.goto(f"/hall/sessions/{session.pk}/meeting/")
    with page.expect_navigation():
        page.click("#invite-usual")
    expect(page.locator("#invitations")).to_contain_text("红旗物业公司")
    expect(page.locator("#invitations")).to_contain_text("居民代表甲")
    page.locator("#invite-box summary").click()
    page.fill("#invite-q", r1.name)
    pick = page.locator(f"#invite-pick-list input[name=persons][value='{r1.pk}']")
    pick.check()
    with page.expect_navigation():
        page.click("#invite-send")
    expect(page.locator("#invitations")).to_contain_text(r1.name)
    invitation = Invitation.objects.get(session=session, person=r1)

    # -- the resident accepts from the phone's inbox, and checks in at the hall by its QR code ---------------
    phone = browsing(PHONE)
    p = phone.login("r1")
    p.goto("/inbox/")
    with p.expect_navigation():
        p.locator("#inbox a", has_text="议事会议邀请").first.click()
    assert p.url.endswith(f"/m/rsvp/{invitation.token}/")
    no_horizontal_scroll(p)
    p.check("#rsvp-form input[name=response][value=accepted]")
    with p.expect_navigation():
        p.click("#rsvp-form button[type=submit]")
    expect(p.locator("#rsvp-state")).to_contain_text("将出席")
    p.goto(f"/m/checkin/{services.record_for(session).checkin_token}/")
    p.click("#checkin-button")
    expect(p.locator("#checkin-done")).to_contain_text("签到成功")

    # -- at the desk: a walk-in, the minutes, a show of hands, a resolution --------------------------------
    page.goto(f"/hall/sessions/{session.pk}/meeting/")
    page.locator("#attendance details summary").click()
    page.fill("#w-name", "楼栋管家乙")
    with page.expect_navigation():
        page.click("#walkin-form button[type=submit]")
    expect(page.locator("#attendance-count")).to_have_text("2")
    expect(page.locator("#quorum-state")).to_have_text("已达到")

    page.fill(f"#minutes-{item.pk}", "三户居民反映楼道问题，物业公司说明了维修安排，与会人员同意限期维修。")
    with page.expect_navigation():
        page.locator(f"#item-{item.pk} button[type=submit]").click()
    expect(page.locator(f"#minutes-{item.pk}")).to_have_value("三户居民反映楼道问题，物业公司说明了维修安排，与会人员同意限期维修。")

    page.locator("#motion-new summary").click()
    page.select_option("#m-item", str(item.pk))
    page.fill("#m-text", "同意物业公司两周内完成楼道维修")
    page.select_option("#m-method", "hands")
    with page.expect_navigation():
        page.click("#motion-form button[type=submit]")
    motion = Motion.objects.get(session=session)
    hands = page.locator(f"#motion-{motion.pk} .hands-form")
    hands.locator("input[name=votes_for]").fill("2")
    hands.locator("input[name=votes_against]").fill("0")
    with page.expect_navigation():
        hands.locator("button[type=submit]").click()
    expect(page.locator(f"#motion-{motion.pk} .motion-result")).to_have_text("通过")

    page.locator("#resolutions summary").click()
    page.select_option("#r-item", str(item.pk))
    page.fill("#r-text", "物业公司两周内完成楼道维修，网格员回访三户居民")
    page.select_option("#r-org", str(w.organisations["property"].pk))
    page.fill("#r-due", (timezone.localdate() + dt.timedelta(days=14)).isoformat())
    with page.expect_navigation():
        page.click("#resolution-form button[type=submit]")
    resolution = Resolution.objects.get(session=session)
    expect(page.locator(f"#resolution-{resolution.pk}")).to_contain_text("楼道维修")
    # the three residents' own matters become the resolution's tracked follow-ups
    assert set(resolution.matters.all()) == set(item.matters.all())

    # -- the sitting is over (two hours later): held, then published ---------------------------------------
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() - dt.timedelta(hours=2),
                                                 ends_at=timezone.now() - dt.timedelta(minutes=1))
    page.reload()
    with page.expect_navigation():
        page.click("#mark-held")
    expect(page.locator("#session-status")).to_have_text("已召开")
    with page.expect_navigation():
        page.click("#publish")
    expect(page.locator("#session-status")).to_have_text("已公开")
    desk.screenshot("deliberation-day-desk")

    # -- a resident who was not there reads the result on a phone ------------------------------------------
    reader = browsing(PHONE)
    q = reader.login("r3")
    q.goto("/inbox/")
    with q.expect_navigation():
        q.locator("#inbox a", has_text="议事会议纪要公开").first.click()
    published = q.locator(f"#session-{session.pk}")
    expect(published).to_contain_text("物业公司两周内完成楼道维修")
    expect(published).to_contain_text("落实进度 0/3")
    expect(published.locator(".resolution-item")).to_contain_text(title)
    expect(published.locator(".resolution-follow-ups")).to_contain_text("已上报 3 件")
    published.locator(".resolution-minutes summary").click()
    expect(published.locator(".resolution-minutes")).to_contain_text("物业公司说明了维修安排")
    no_horizontal_scroll(q)
    pdf = q.request.get(published.locator("a[href$='minutes.pdf']").get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    reader.screenshot("deliberation-day-resident")
