"""Property staff on a phone find the gate no camera watches on the coverage page, register a camera for it,
and see the gap closed; a camera with a bad position is refused beside its field."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wangge.fieldwork.cameras.models import Camera
from wangge.fieldwork.cameras.tests.helpers import add_cameras_scene, add_property_staff

from .conftest import PHONE
from .test_journeys import no_horizontal_scroll

pytestmark = pytest.mark.browser


def test_staff_close_a_coverage_gap_from_a_phone(world, browsing):
    add_property_staff(world)
    scene = add_cameras_scene(world)
    estate = scene["estate"]

    b = browsing(PHONE)
    page = b.login("staff_a1e")
    page.goto(f"/cameras/coverage/?within={estate.pk}")
    no_horizontal_scroll(page)
    gaps = page.locator("#coverage-gaps li")
    expect(gaps).to_have_count(2)
    expect(page.locator('#coverage-gaps li[data-kind="gate"]')).to_contain_text("东门")
    expect(page.locator("#gap-count")).to_have_text("2")

    page.goto("/cameras/new/")
    no_horizontal_scroll(page)
    page.get_by_label("编号").fill("A-010")
    page.get_by_label("名称").fill("东门出入口")
    page.get_by_label("经度").fill("113.5")  # outside every grid of the estate: refused
    page.get_by_label("纬度").fill(str(scene["gate"].lat))
    page.get_by_label("看护门岗").select_option(label=f"{estate.name} 东门")
    page.get_by_label("安装日期").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="登记").tap()
    expect(page.locator(".error").first).to_be_visible()
    assert not Camera.objects.filter(code="A-010").exists()

    page.get_by_label("经度").fill(str(scene["gate"].lon))
    with page.expect_navigation():
        page.get_by_role("button", name="登记").tap()
    expect(page).to_have_url(re.compile(r"/cameras/\d+/$"))
    camera = Camera.objects.get(code="A-010")
    assert camera.gate_id == scene["gate"].pk and camera.grid == estate

    page.goto(f"/cameras/coverage/?within={estate.pk}")
    expect(page.locator("#gap-count")).to_have_text("1")
    expect(page.locator('#coverage-gaps li[data-kind="gate"]')).to_have_count(0)
    b.screenshot("cameras-gap-closed")
