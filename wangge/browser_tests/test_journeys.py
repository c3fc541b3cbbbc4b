"""Journeys through the pages in a real (headless) Chromium, as the users in DESIGN.md make them: a grid
leader at a desktop, a micro-grid member on a phone, a resident on a phone, and anyone at the login page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

MASKED_ID = re.compile(r"\b\d{6}\*{8}[0-9X]{4}\b")
MASKED_PHONE = re.compile(r"\b\d{3}\*{4}\d{4}\b")
SELECTED = re.compile(r"\bselected\b")


def no_horizontal_scroll(page) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url} scrolls sideways: {width}px content in a {inner}px window"


def assert_tap_targets(page, selector: str, minimum: float = 44) -> None:
    """Every visible element matching `selector` is at least `minimum` px high and wide."""
    small = page.eval_on_selector_all(
        selector,
        """(els, min) => els.filter(e => e.offsetParent !== null).map(e => {
               const r = e.getBoundingClientRect();
               return [e.outerHTML.slice(0, 80), Math.round(r.width), Math.round(r.height)];
           }).filter(([, w, h]) => w < min || h < min)""",
        minimum,
    )
    assert not small, f"tap targets smaller than {minimum}px: {small}"


def panel_node(page):
    return page.locator("#panel .panel-inner")


def test_grid_leader_browses_tree_map_and_panel_on_a_desktop(world, browsing):
    A, A1, A1em2 = world.grid("A"), world.grid("A1"), world.grid("A1em2")
    b = browsing(DESKTOP)
    page = b.login("leader_a1")

    # Home sends staff to the grid browser, opened on the top of their scope (community A).
    expect(page).to_have_url(re.compile(r"/grids/$"))
    expect(page.locator(f".tree .node-link[data-grid='{A.pk}']")).to_have_class(SELECTED)
    expect(page.locator(".tree .node-link")).to_have_count(1)

    # The map draws every boundary in scope from the GeoJSON endpoint, with no tile layer.
    mapped = page.locator("#map")
    expect(mapped).to_have_attribute("data-features", re.compile(r"^[1-9]\d*$"))
    features = int(mapped.get_attribute("data-features"))
    in_a = [g for g in world.grids.values() if g.path.startswith(A.path) and g.boundary]
    assert features == len(in_a)
    expect(page.locator("#map svg path.leaflet-interactive")).to_have_count(features)
    expect(page.locator(f"#map path[data-grid='{A.pk}']")).to_have_class(re.compile(r"\bis-selected\b"))
    assert page.locator(".leaflet-tile").count() == 0

    # The panel: counts of the subtree and the roster on the node itself.
    households = sum(len(world.households[k]) for k in world.micro_keys_under("A"))
    residents = sum(len(world.residents[k]) for k in world.micro_keys_under("A"))
    on_duty = {d.person_id for d in world.duties.values() if d.grid.path.startswith(A.path) and d.is_current}
    expect(panel_node(page)).to_have_attribute("data-node", str(A.pk))
    expect(page.locator("#stat-households")).to_have_text(str(households))
    expect(page.locator("#stat-residents")).to_have_text(str(residents))
    expect(page.locator("#stat-on-duty")).to_have_text(str(len(on_duty)))
    roster = page.locator("#panel table.roster:not(.past)")
    for key in ("committee_A", "leader_A1", "liaison_A"):
        expect(roster).to_contain_text(world.persons[key].name)
    expect(roster).not_to_contain_text(world.persons["micro_A1em1"].name)  # on duty below, not here

    # From here on nothing reloads the page: a marker on window must survive.
    page.evaluate("window.__sameDocument = true")

    # Expanding a tree node loads its children with htmx.
    twisty = page.locator(f".tree li[data-grid='{A.pk}'] > .tree-row > .twisty")
    expect(twisty).to_have_attribute("aria-expanded", "false")
    with page.expect_response(re.compile(rf"/grids/{A.pk}/tree/$")):
        twisty.click()
    expect(twisty).to_have_attribute("aria-expanded", "true")
    child = page.locator(f".tree .node-link[data-grid='{A1.pk}']")
    expect(child).to_be_visible()
    expect(page.locator(f".tree .node-link[data-grid='{world.grid('A2').pk}']")).to_be_visible()

    # Clicking a child shows its panel in place; the URL, the title, the tree and the map follow.
    child.click()
    expect(panel_node(page)).to_have_attribute("data-node", str(A1.pk))
    expect(page).to_have_url(re.compile(rf"/grids/{A1.pk}/$"))
    expect(page).to_have_title(re.compile(A1.name))
    expect(child).to_have_class(SELECTED)
    expect(child).to_have_attribute("aria-current", "true")
    expect(page.locator(f".tree .node-link[data-grid='{A.pk}']")).not_to_have_class(SELECTED)
    expect(page.locator(f"#map path[data-grid='{A1.pk}']")).to_have_class(re.compile(r"\bis-selected\b"))
    expect(page.locator("#stat-households")).to_have_text(
        str(sum(len(world.households[k]) for k in world.micro_keys_under("A1")))
    )
    expect(roster).to_contain_text(world.persons["leader_A1"].name)

    # Breadcrumbs: the nodes in scope are links, those above it only names.
    crumbs = page.locator("#panel .crumbs")
    expect(crumbs.locator(f"a[data-grid='{A.pk}']")).to_have_text(A.name)
    expect(crumbs).to_contain_text(world.grid("sub").name)
    expect(crumbs.locator(f"a[data-grid='{world.grid('sub').pk}']")).to_have_count(0)

    # Clicking a boundary on the map opens that grid's panel.
    page.locator(f"#map path[data-grid='{A1em2.pk}']").click()
    expect(panel_node(page)).to_have_attribute("data-node", str(A1em2.pk))
    expect(page).to_have_url(re.compile(rf"/grids/{A1em2.pk}/$"))
    expect(page.locator("#panel h1")).to_contain_text(A1em2.name)
    expect(page.locator(f"#map path[data-grid='{A1em2.pk}']")).to_have_class(re.compile(r"\bis-selected\b"))
    expect(page.locator(f"#map path[data-grid='{A1.pk}']")).not_to_have_class(re.compile(r"\bis-selected\b"))
    # The micro-grid was not in the tree yet: the tree came along, unfolded down to it.
    expect(page.locator(f".tree .node-link[data-grid='{A1em2.pk}']")).to_have_class(SELECTED)
    expect(page.locator(f".tree .node-link[data-grid='{A1em2.pk}']")).to_be_visible()
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded"

    no_horizontal_scroll(page)
    page.wait_for_timeout(300)  # let the map's zoom animation finish before the picture
    b.screenshot("1-leader-desktop-grid-browser")

    # Back goes to the previous node (the page reloads there, with a live map again).
    page.go_back()
    expect(page).to_have_url(re.compile(rf"/grids/{A1.pk}/$"))
    expect(panel_node(page)).to_have_attribute("data-node", str(A1.pk))
    expect(page.locator(f".tree .node-link[data-grid='{A1.pk}']")).to_have_class(SELECTED)
    expect(page.locator("#map")).to_have_attribute("data-features", str(features))


def test_micro_grid_member_works_on_a_phone(world, browsing):
    micro = world.grid("A1em1")
    b = browsing(PHONE)
    page = b.login("micro_a1em1")
    expect(page).to_have_url(re.compile(r"/grids/$"))
    no_horizontal_scroll(page)

    # The menu is folded away until the toggle is tapped.
    nav, toggle = page.locator("#site-nav"), page.locator(".menu-toggle")
    expect(nav).to_be_hidden()
    toggle.tap()
    expect(nav).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    assert_tap_targets(page, "#site-nav a, #site-nav button, #site-nav select, .menu-toggle")
    toggle.tap()
    expect(nav).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")

    # Tree, map and panel: their own micro-grid only.
    link = page.locator(f".tree .node-link[data-grid='{micro.pk}']")
    expect(page.locator(".tree .node-link")).to_have_count(1)
    expect(link).to_have_class(SELECTED)
    expect(page.locator("#map")).to_have_attribute("data-features", "1")
    expect(page.locator("#stat-households")).to_have_text(str(len(world.households["A1em1"])))
    expect(page.locator("#stat-residents")).to_have_text(str(len(world.residents["A1em1"])))
    expect(page.locator("#panel table.roster:not(.past)")).to_contain_text(world.persons["micro_A1em1"].name)
    for selector in ("#map", ".tree", "#panel"):
        box = page.locator(selector).bounding_box()
        assert box and box["width"] <= 390 and box["height"] > 40, (selector, box)
    assert page.locator("#map").bounding_box()["height"] >= 250
    assert_tap_targets(page, ".tree .node-link, .tree button.twisty, #panel .actions a, #panel .crumbs a, .leaflet-bar a")

    # Tapping the tree or the boundary opens the panel in place.
    with page.expect_response(re.compile(rf"/grids/{micro.pk}/panel/$")):
        link.tap()
    expect(panel_node(page)).to_have_attribute("data-node", str(micro.pk))
    with page.expect_response(re.compile(rf"/grids/{micro.pk}/panel/$")):
        page.locator(f"#map path[data-grid='{micro.pk}']").tap()
    expect(page.locator(f"#map path[data-grid='{micro.pk}']")).to_have_class(re.compile(r"\bis-selected\b"))
    no_horizontal_scroll(page)
    page.evaluate("window.scrollTo(0, 0)")
    b.screenshot("2a-micro-member-phone-grid-browser")

    # The households page, reached through the menu: masked numbers, and nothing from another micro-grid.
    toggle.tap()
    with page.expect_navigation():
        nav.get_by_role("link", name="住户").tap()
    expect(page).to_have_url(re.compile(r"/households/$"))
    no_horizontal_scroll(page)
    text = page.locator("main").inner_text()
    mine = world.residents["A1em1"]
    assert len(MASKED_ID.findall(text)) == len(mine), text
    assert len(MASKED_PHONE.findall(text)) == len(mine), text
    names = set(page.locator("table.households .resident .name").all_inner_texts())
    assert names == {r.name for r in mine}
    assert page.locator("table.households tbody tr").count() == len(world.households["A1em1"])
    for residents in world.residents.values():
        for r in residents:
            assert r.id_number not in text and r.phone not in text, f"unmasked PII of {r.name}"
    b.screenshot("2b-micro-member-phone-households")

    # Search by pinyin initials: 居民3 → "jm3".
    third = mine[2]
    page.fill("#household-q", "jm3")
    with page.expect_navigation():
        page.press("#household-q", "Enter")
    expect(page.locator("table.households tbody tr")).to_have_count(1)
    expect(page.locator("table.households")).to_contain_text(third.name)
    # …and an empty search result explains what can be searched.
    page.fill("#household-q", "zhangwei")
    with page.expect_navigation():
        page.press("#household-q", "Enter")
    expect(page.locator("#households-empty")).to_contain_text("拼音")
    no_horizontal_scroll(page)


def test_resident_sees_who_serves_them_and_nothing_else(world, browsing):
    b = browsing(PHONE)
    page = b.login("resident")
    expect(page).to_have_url(re.compile(r"/my-household/$"))
    serving = page.locator("#who-serves-me")
    expect(serving).to_contain_text(world.persons["micro_A1em1"].name)
    expect(serving).to_contain_text("微网格员")
    expect(serving).to_contain_text(world.persons["leader_A1"].name)
    expect(serving).to_contain_text("网格长")
    expect(serving).not_to_contain_text(world.persons["micro_A1em2"].name)
    home = page.locator("#my-home")
    for r in world.residents["A1em1"][:2]:  # the two residents of their household
        expect(home).to_contain_text(r.name)
    assert MASKED_ID.search(home.inner_text())
    no_horizontal_scroll(page)
    b.screenshot("3-resident-phone-my-household")

    response = page.goto(f"/grids/{world.grid('B').pk}/")
    assert response.status == 404


def test_language_switcher_switches_to_english_and_back(live_server, browsing):
    b = browsing(DESKTOP)
    page = b.page
    page.goto("/login/")
    select = page.locator("select[name=language]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(select).to_have_value("zh-hans")

    with page.expect_navigation():
        select.select_option("en")
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(select).to_have_value("en")
    expect(select.locator("option[selected]")).to_have_attribute("value", "en")
    b.screenshot("4-language-english")

    with page.expect_navigation():
        select.select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(select).to_have_value("zh-hans")


def test_wrong_password_shows_an_error(world, browsing):
    b = browsing(DESKTOP)
    page = b.login("leader_a1", password="not-the-password")
    expect(page).to_have_url(re.compile(r"/login/"))
    error = page.locator("#login-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("用户名或密码错误")
    expect(page.locator("#id_username")).to_have_value("leader_a1")
    expect(page.locator("#id_password")).to_be_focused()
    b.screenshot("5-login-wrong-password")
