"""A resident on their phone votes in the open election; the second try is refused; then they open a notice
from the list and it is no longer marked unread."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from wangge.community.elections.tests.conftest import make_election, shift
from wangge.community.notices import services as notices

from .conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)


def test_resident_votes_once_and_reads_a_notice(world, browsing):
    election = shift(make_election(world), "voting")
    candidate = election.nominations.filter(status="approved").order_by("id").first()
    notice = notices.notice_create(actor=world.users["committee_A"], title="停水通知", body="明日8时至14时停水。",
                                   grids=[world.grid("A1em1").pk], publish=True)

    phone = browsing(PHONE)
    page = phone.login("resident")
    page.goto("/elections/")
    page.get_by_role("link", name="最美业主").click()
    expect(page.locator("#election-phase")).to_have_text("投票中")
    page.get_by_label(candidate.nominee.name).check()
    page.locator("#vote-submit").click()
    expect(page.locator(".messages")).to_contain_text("投票成功")
    expect(page.locator("#voted")).to_contain_text("您已经投过票了")
    phone.screenshot("elections-voted")

    # A second try (the form re-sent from an old tab) is refused by the server.
    answer = page.evaluate(
        """([url, token, id]) => fetch(url, {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},
        body: `csrfmiddlewaretoken=${token}&candidates=${id}`}).then(r => r.text())""",
        [f"/elections/{election.pk}/vote/", page.evaluate("document.cookie.match(/csrftoken=([^;]+)/)[1]"), candidate.pk],
    )
    assert "class=\"error\">您已经投过票了" in answer  # the refusal, on the page the server redirects to
    assert election.ballots.count() == 1

    page.goto("/notices/")
    item = page.locator(f"[data-notice='{notice.pk}']")
    expect(item.locator(".nt-unread-mark")).to_be_visible()
    item.get_by_role("link", name="停水通知").click()
    expect(page.locator("#notice h1")).to_have_text("停水通知")
    page.goto("/notices/")
    expect(page.locator(f"[data-notice='{notice.pk}'] .nt-unread-mark")).to_have_count(0)
    phone.screenshot("notices-read")
