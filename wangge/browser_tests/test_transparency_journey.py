"""A neighbour opens the community's transparency page on a phone: one column, nothing wider than the
screen, the month-by-month table scrolling inside its box, no script error, nothing from outside."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from wangge.insights.transparency.tests.conftest import build_scene

from .conftest import PHONE

pytestmark = pytest.mark.browser


def test_the_transparency_page_fits_a_phone(world, browsing):
    cache.clear()  # the page is cached for a minute; another test's community may have had this id
    build_scene(world)
    b = browsing(PHONE)
    page = b.page
    page.goto(f"/transparency/{world.grid('A').pk}/")
    assert page.locator("h1").inner_text() == "红旗社区"
    assert page.locator(".tp-card").count() == 6
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    boxes = [page.locator(".tp-card").nth(i).bounding_box() for i in range(2)]
    assert boxes[0]["x"] == boxes[1]["x"] and boxes[1]["y"] > boxes[0]["y"]  # one column
    page.locator("details summary").click()
    assert page.locator(".tp-table tbody tr").count() == 12
    assert page.evaluate("document.documentElement.scrollWidth") <= widths[1]  # the table scrolls inside its box
    b.screenshot("transparency-phone")
