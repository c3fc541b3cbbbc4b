"""The monthly deliberation day's agenda: the secretary (a two-committee member) on a desktop accepts the
system's "urgent collective matter" suggestion into the next session and moves it to the top of the
agenda; a resident on a phone then sees the upcoming session with that item."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from wangge.hall.agenda import services
from wangge.hall.agenda.models import Item
from wangge.hall.agenda.tests.conftest import make_hall, report

from .conftest import DESKTOP, PHONE
from .test_journeys import no_horizontal_scroll

pytestmark = pytest.mark.browser


def test_secretary_accepts_a_suggestion_and_a_resident_sees_it_on_a_phone(world, browsing):
    hall = make_hall(world)
    session = hall.sessions.order_by("starts_at").first()
    services.item_create(actor=world.users["committee_A"], hall_id=hall.pk, kind="major", title="停车规划方案",
                         session_id=session.pk, minutes_planned=30)
    for micro, n in (("A1em1", 0), ("A1em1", 1), ("A1em2", 0)):
        report(world, micro, n)

    b = browsing(DESKTOP)
    page = b.login("committee_a")
    page.goto("/hall/")
    expect(page.locator(f"#hall-{hall.pk}")).to_contain_text(session.title)
    with page.expect_navigation():
        page.click(f"#hall-{hall.pk} a[href$='/suggestions/']")
    card = page.locator(".hall-suggestion-urgent").first
    expect(card).to_contain_text("3户")
    title = card.locator("h2").inner_text()
    with page.expect_navigation():
        card.locator("button[type=submit]").click()
    assert page.url.endswith(f"/hall/sessions/{session.pk}/")
    agenda = page.locator("#agenda .hall-item-title")
    expect(agenda).to_have_text(["停车规划方案", title])
    item = Item.objects.get(title=title)
    with page.expect_navigation():
        page.click(f"#item-{item.pk} button[value=up]")
    expect(page.locator("#agenda .hall-item-title")).to_have_text([title, "停车规划方案"])
    expect(page.locator(f"#item-{item.pk}")).to_contain_text("集中反映的迫切事")
    b.screenshot("agenda-desktop-session")

    r = browsing(PHONE)
    phone = r.login("resident")
    phone.goto("/hall/")
    expect(phone.locator("#upcoming")).to_contain_text(session.title)
    expect(phone.locator("#propose-link")).to_be_visible()
    no_horizontal_scroll(phone)
    with phone.expect_navigation():
        phone.click(f"#upcoming a[href='/hall/sessions/{session.pk}/']")
    expect(phone.locator("#agenda .hall-item-title").first).to_have_text(title)
    expect(phone.locator("#agenda-editor")).to_have_count(0)
    no_horizontal_scroll(phone)
    r.screenshot("agenda-phone-session")
