"""The pages: a visitor registers on their phone through the gate's link, the guard admits at the desk,
the host confirms, leaders unmask, the gate's code prints as PNG and SVG, roster keepers edit the rules."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from wangge.fieldwork.visitors.models import CheckItem, Status, Visitor
from wangge.people.models import PiiAccessLog

from .conftest import unit_of

pytestmark = pytest.mark.django_db


def login(world, key) -> Client:
    client = Client()
    assert client.login(username=world.users[key].username, password="pw")
    return client


def test_the_register_page_is_public_and_lists_units_not_rooms(gw):
    url = reverse("visitor-register", args=[gw.posts["A1e"].qr_token])
    r = Client().get(url)
    assert r.status_code == 200
    page = r.content.decode()
    assert "A1小区" in page and "东门" in page and "1号楼 1单元" in page and "体温" in page
    # The rooms of the estate are never listed (a unit's id may contain the digits, a room never shows).
    rooms = [h.room for hs in gw.households.values() for h in hs]
    assert not any(f">{room}<" in page or f'"{room}"' in page for room in rooms)
    assert Client().get(reverse("visitor-register", args=["nope"])).status_code == 404


def test_register_on_the_page(gw):
    url = reverse("visitor-register", args=[gw.posts["A1e"].qr_token])
    form = {"name": "王五", "phone": "13700001111", "purpose": "探亲", "unit": unit_of(gw, "A1em1").pk, "room": "101"}
    bad = Client().post(url, {**form, "phone": "1370000"})
    assert bad.status_code == 422
    assert "手机号不是有效的大陆手机号码" in bad.content.decode() and 'value="王五"' in bad.content.decode()
    assert not Visitor.objects.exists()
    other = Client().post(url, {**form, "unit": unit_of(gw, "B1em1").pk})
    assert other.status_code == 422 and "不属于" in other.content.decode()
    ok = Client().post(url, form)
    assert ok.status_code == 200
    visitor = Visitor.objects.get()
    assert visitor.ticket in ok.content.decode() and visitor.host_household == gw.households["A1em1"][0]


def test_the_desk_shows_pending_visitors_and_admits(gw, register):
    visitor = register(name="赵六")
    client = login(gw, "guard_A1e")
    page = client.get(reverse("visitors-desk")).content.decode()
    assert "赵六" in page and "138****5678" in page and "13812345678" not in page
    assert f'value="{gw.posts["A1e"].pk}"' in page
    r = client.post(reverse("visitor-check", args=[visitor.pk]),
                    {"post": gw.posts["A1e"].pk, "decision": "admitted", "v_temp": "38.1", "v_health_code": "pass"},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "仍要放行请填写说明" in r.content.decode() and 'value="38.1"' in r.content.decode()
    r = client.post(reverse("visitor-check", args=[visitor.pk]),
                    {"post": gw.posts["A1e"].pk, "decision": "admitted", "v_temp": "36.6", "v_health_code": "pass"},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "已放行" in r.content.decode()
    visitor.refresh_from_db()
    assert visitor.status == Status.ADMITTED
    today = client.get(reverse("visitors-desk")).content.decode()
    assert "暂无待查验的访客" in today and "赵六" in today


def test_the_desk_refuses_another_estates_visitor_at_this_post(gw, register):
    visitor = register("A2e")
    client = login(gw, "guard_A")
    r = client.post(reverse("visitor-check", args=[visitor.pk]),
                    {"post": gw.posts["A1e"].pk, "decision": "admitted", "v_temp": "36.6", "v_health_code": "pass"})
    assert r.status_code == 302
    assert "二维码属于其他小区" in client.get(r.url).content.decode()
    visitor.refresh_from_db()
    assert visitor.status == Status.REGISTERED


@pytest.mark.parametrize("user", ["member_A1e", "micro_A1em1", "resident", "liaison_A"])
def test_the_desk_is_closed_to_those_who_do_not_keep_gates(gw, register, user):
    register(name="赵六")
    r = login(gw, user).get(reverse("visitors-desk"))
    assert r.status_code == 403 and "赵六" not in r.content.decode()


def test_a_guard_of_another_estate_sees_nothing(gw, register):
    visitor = register(name="赵六")
    client = login(gw, "guard_B1e")
    assert "赵六" not in client.get(reverse("visitors-desk")).content.decode()
    assert client.get(reverse("visitor-detail", args=[visitor.pk])).status_code == 404
    assert client.post(reverse("visitor-check", args=[visitor.pk]),
                       {"post": gw.posts["B1e"].pk, "decision": "admitted"}).status_code == 404
    assert client.get(reverse("visitor-gate-qr", args=[gw.posts["A1e"].pk])).status_code == 404


def test_detail_and_unmask_for_a_leader(gw, register):
    visitor = register()
    client = login(gw, "leader_A1")
    page = client.get(reverse("visitor-detail", args=[visitor.pk])).content.decode()
    assert "查看完整手机号" in page and "13812345678" not in page
    r = client.post(reverse("visitor-unmask", args=[visitor.pk]), {"reason": "联系访客"}, HTTP_HX_REQUEST="true")
    assert "13812345678" in r.content.decode() and PiiAccessLog.objects.count() == 1
    guard_page = login(gw, "guard_A1e").get(reverse("visitor-detail", args=[visitor.pk])).content.decode()
    assert "查看完整手机号" not in guard_page
    assert login(gw, "guard_A1e").post(reverse("visitor-unmask", args=[visitor.pk]), {"reason": "x"}).status_code == 403


def test_the_host_confirms_on_their_page(gw, register):
    visitor = register(name="钱七")
    client = login(gw, "resident")
    page = client.get(reverse("visitors-mine")).content.decode()
    assert "钱七" in page and "是我家的访客" in page and "体温" not in page
    r = client.post(reverse("visitor-confirm", args=[visitor.pk]), {"confirmed": "1"}, HTTP_HX_REQUEST="true")
    assert "已确认" in r.content.decode()
    visitor.refresh_from_db()
    assert visitor.host_confirmed is True
    assert login(gw, "guard_A1e").get(reverse("visitors-mine")).status_code == 403
    assert login(gw, "guard_A1e").post(reverse("visitor-confirm", args=[visitor.pk])).status_code == 404


def test_gate_qr_page_png_and_svg(gw):
    client = login(gw, "guard_A1e")
    post = gw.posts["A1e"]
    page = client.get(reverse("visitor-gate-qr", args=[post.pk]))
    assert page.status_code == 200
    assert "访客请扫码登记" in page.content.decode() and f"/v/{post.qr_token}/" in page.content.decode()
    png = client.get(reverse("visitor-gate-qr-png", args=[post.pk]))
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    svg = client.get(reverse("visitor-gate-qr-svg", args=[post.pk]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert login(gw, "micro_A1em1").get(reverse("visitor-gate-qr-png", args=[post.pk])).status_code == 404


def test_rules_page_shows_and_saves(gw):
    client = login(gw, "leader_A1")
    url = f"{reverse('visitor-rules')}?grid={gw.grid('A1e').pk}"
    page = client.get(url).content.decode()
    assert "沿用城西街道的规则" in page and "保存为本级规则" in page
    form = {"grid": gw.grid("A1e").pk, "code_0": "temp", "label_0": "体温", "kind_0": "measure", "unit_0": "°C",
            "min_0": "35", "max_0": "37.3", "required_0": "on", "active_0": "on",
            "code_1": "id_card", "label_1": "身份证", "kind_1": "check", "active_1": "on"}
    bad = client.post(reverse("visitor-rules"), {**form, "max_0": "30"})
    assert bad.status_code == 422 and "上限不能小于下限" in bad.content.decode()
    r = client.post(reverse("visitor-rules"), form)
    assert r.status_code == 302
    assert list(CheckItem.objects.filter(grid=gw.grid("A1e"), active=True).values_list("code", flat=True)) == [
        "temp", "id_card"]
    guard = login(gw, "guard_A1e").get(url).content.decode()
    assert "37.30" in guard and "保存为本级规则" not in guard
    assert login(gw, "guard_A1e").post(reverse("visitor-rules"), form).status_code == 403
    assert login(gw, "micro_A1em1").get(reverse("visitor-rules")).status_code == 403
