"""A subdistrict chief opens the dashboard on the subdistrict, sees the charts drawn, drills down to a
community through its boundary on the map, opens the evaluation and the matters behind a figure, then puts
the wall screen up; a grid leader reads their own grid on a phone."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wangge.insights.rollups import services as rollups
from wangge.matters import services as matters
from wangge.testing.matters import A1EM1, A2EM1, B1EM1

from .conftest import DESKTOP, PHONE
from .test_journeys import no_horizontal_scroll

pytestmark = pytest.mark.browser


def assert_one_line(cells) -> None:
    """Each cell's text on a single line (a figure whose digits stand one above the other fails)."""
    heights = cells.evaluate_all("""cells => cells.map(cell => {
        const text = document.createRange();
        text.selectNodeContents(cell);
        return [cell.innerText, text.getBoundingClientRect().height, parseFloat(getComputedStyle(cell).lineHeight)];
    })""")
    assert heights
    for text, height, line in heights:
        assert height < 1.5 * line, f"{text!r} takes {height}px with lines of {line}px"


def _reports(world, places=(A1EM1, A1EM1, B1EM1)):
    for where in places:
        matters.matter_report(actor=world.users["resident"], report=matters.Report(
            category="env-garbage", description="楼下垃圾", **where), at=timezone.now())
    rollups.fold_all()


def test_the_chief_drills_down_from_the_subdistrict_to_a_community(world, browsing):
    _reports(world)
    b = browsing(DESKTOP)
    page = b.login("admin")
    page.goto(f"/insights/?node={world.grid('sub').pk}")
    expect(page.locator("#kpi-received")).to_have_text("3")
    for chart in ("#chart-trend", "#chart-categories", "#chart-sources", "#chart-map"):
        expect(page.locator(f"{chart} canvas")).to_have_count(1)
    expect(page.locator("#dash-indicators tr[data-indicator=closure_rate]")).to_contain_text("结案数 ÷ 应结案数")
    b.screenshot("dashboard-subdistrict")

    # The map of the children: a click inside community A's boundary opens community A.
    page.locator("#chart-map").scroll_into_view_if_needed()
    box = page.locator("#chart-map canvas").bounding_box()
    x, y = page.evaluate("""() => echarts.getInstanceByDom(document.getElementById('chart-map'))
        .convertToPixel({seriesIndex: 0}, [112.15, 37.2])""")
    with page.expect_navigation():
        page.mouse.click(box["x"] + x, box["y"] + y)
    expect(page.locator("h1")).to_contain_text(world.grid("A").name)
    expect(page.locator("#kpi-received")).to_have_text("2")

    # The table drills down too, and the breadcrumb goes back up.
    with page.expect_navigation():
        page.locator(f"#dash-children tr[data-grid='{world.grid('A1').pk}'] a.drill").click()
    expect(page.locator("h1")).to_contain_text(world.grid("A1").name)
    with page.expect_navigation():
        page.locator(".crumbs a", has_text=world.grid("sub").name).click()
    expect(page.locator("#kpi-received")).to_have_text("3")

    # The evaluation, and the matters behind a figure.
    page.goto(f"/insights/evaluation/?node={world.grid('sub').pk}&period=month")
    row = page.locator(f"#eval-table tr[data-key='{world.grid('A').pk}']")
    with page.expect_navigation():
        row.locator("a[href*='indicator=received']").click()
    expect(page.locator("#behind-table tbody tr")).to_have_count(2)

    # The wall screen: dark, the same figures, charts drawn.
    page.goto(f"/insights/wall/?node={world.grid('sub').pk}")
    expect(page.locator("[data-kpi='figures.received']")).to_have_text("3")
    expect(page.locator("#chart-map canvas")).to_have_count(1)
    expect(page.locator("#wall-clock")).not_to_be_empty()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(11, 19, 32)"
    b.screenshot("dashboard-wall")

    # On a 1080p wall screen the panels fill the screen below the figures, and nothing scrolls.
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_function("""() => {
        const grid = document.querySelector('.wall-grid').getBoundingClientRect();
        return grid.bottom > innerHeight - 80 && document.documentElement.scrollHeight <= innerHeight;
    }""")
    assert page.locator("#chart-map canvas").bounding_box()["height"] > 600
    b.screenshot("dashboard-wall-1080p")


def test_a_grid_leader_reads_their_grid_on_a_phone(world, browsing):
    _reports(world, (A1EM1, A2EM1, A2EM1, B1EM1))
    b = browsing(PHONE)
    page = b.login("leader_a2")
    page.goto("/insights/")
    expect(page.locator("h1")).to_contain_text(world.grid("A2").name)
    no_horizontal_scroll(page)
    page.locator(".dash-period .seg[data-period='year']").click()
    expect(page.locator(".dash-period .seg.active")).to_have_attribute("data-period", "year")
    expect(page.locator("#chart-trend canvas")).to_have_count(1)
    no_horizontal_scroll(page)
    assert_one_line(page.locator("#dash-indicators td.dash-value"))
    b.screenshot("dashboard-phone")

    # The ranking of the grids below theirs: each figure on one line, the table scrolling sideways inside
    # its box, not the page.
    page.goto("/insights/evaluation/?period=month")
    row = page.locator(f"#eval-table tr[data-key='{world.grid('A2e').pk}']")
    expect(row).to_be_visible()
    assert_one_line(row.locator("td:nth-child(n+3)"))
    no_horizontal_scroll(page)
    b.screenshot("evaluation-phone")
