"""A guard on a phone checks in to the gate and out again.

The phone says where it is (Playwright's context geolocation, permission granted): first far from the
gate, and the check-in is refused with the distance; then at the gate, and the big 签到上岗 button checks
in; then 签退下岗 closes the shift."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wangge.fieldwork.gates import services
from wangge.fieldwork.gates.models import Shift, ShiftStatus
from wangge.fieldwork.gates.tests.conftest import POST_LAT, POST_LON, add_gates

from .conftest import PHONE
from .test_journeys import assert_tap_targets, no_horizontal_scroll

pytestmark = pytest.mark.browser


def test_a_guard_checks_in_and_out_on_a_phone(world, browsing):
    gates = add_gates(world)
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=10)
    shift = services.shift_create(actor=None, post_id=gates["post"].pk, person_id=world.persons["guard1"].pk,
                                  starts_at=start, ends_at=start + dt.timedelta(hours=8))
    b = browsing({**PHONE, "geolocation": {"longitude": POST_LON, "latitude": POST_LAT + 0.01},
                  "permissions": ["geolocation"]})
    page = b.login("guard1")
    page.goto("/duty/my/")
    now_card = page.locator("#duty-now")
    expect(now_card).to_contain_text("东门")
    assert_tap_targets(page, "#duty-now button")
    no_horizontal_scroll(page)
    with page.expect_navigation():
        page.click("#checkin")
    expect(page.locator(".messages")).to_contain_text("超出签到范围")
    assert Shift.objects.get(pk=shift.pk).status == ShiftStatus.PLANNED

    b.context.set_geolocation({"longitude": POST_LON + 0.0003, "latitude": POST_LAT})
    with page.expect_navigation():
        page.click("#checkin")
    expect(page.locator(".messages")).to_contain_text("签到成功")
    expect(page.locator("#checkout")).to_be_visible()
    b.screenshot("gates-guard-phone-checked-in")
    with page.expect_navigation():
        page.click("#checkout")
    expect(page.locator(".messages")).to_contain_text("签退成功")
    done = Shift.objects.get(pk=shift.pk)
    assert done.status == ShiftStatus.DONE and done.checkin_distance_m < 200
