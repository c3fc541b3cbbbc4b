"""The pages: the worker's list for today on a phone, the visit form, coverage (gaps shown correctly on
crafted data), the export, the plans."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from wangge.fieldwork.visits.models import Visit, VisitPlan
from wangge.matters.models import Matter
from wangge.registry import services as registry
from wangge.registry.models import Unit
from wangge.testing.world import fake_id, fake_phone

from .conftest import backdate, flag, log

pytestmark = pytest.mark.django_db


def client_for(world, key) -> Client:
    c = Client()
    c.force_login(world.users[key])
    return c


def _ids(html: str, marker: str = 'data-household="') -> list[int]:
    out = []
    for part in html.split(marker)[1:]:
        out.append(int(part.split('"', 1)[0]))
    return out


def test_the_phone_page_lists_the_right_households_in_walking_order(world):
    h1, h2 = world.households["A1em1"]
    m1, m2 = world.households["A1em2"]
    log(world, "micro_A1em2", m1)                        # visited: off the list
    backdate(log(world, "micro_A1em2", m2), 100)         # overdue
    flag(h2, "elderly_alone")
    html = client_for(world, "member_A1e").get(reverse("visits-today")).content.decode()
    assert _ids(html) == [h1.pk, h2.pk, m2.pk]
    assert "逾期9天" in html and "从未走访" in html and "独居老人" in html
    assert 'id="count-overdue">1<' in html and 'id="count-never">2<' in html
    assert "1**" in html and ">101<" not in html         # rooms masked
    # The micro-grid member sees only their own micro-grid.
    mine = client_for(world, "micro_A1em1").get(reverse("visits-today")).content.decode()
    assert _ids(mine) == [h1.pk, h2.pk]
    # A grid picker narrows the list.
    picked = client_for(world, "member_A1e").get(reverse("visits-today"), {"grid": world.grid("A1em2").pk})
    assert _ids(picked.content.decode()) == [m2.pk]


def test_the_phone_page_is_refused_to_those_who_do_not_visit(world):
    assert client_for(world, "liaison_A").get(reverse("visits-today")).status_code == 403
    assert client_for(world, "resident").get(reverse("visits-today")).status_code == 403
    assert Client().get(reverse("visits-today")).status_code == 302


def test_the_phone_page_takes_a_constant_number_of_queries(world, django_assert_max_num_queries):
    unit = Unit.objects.get(micro_grid=world.grid("A1em1"))
    registry.household_bulk_create(unit=unit, households=[
        {"floor": 3 + i // 10, "room": f"{3 + i // 10}{i % 10:02d}", "occupancy": "owner", "residents": [
            {"name": f"住户{i}", "id_number": fake_id(2000 + i, "19500101"), "phone": fake_phone(2000 + i),
             "relation": "self", "care_flags": ["elderly_alone"] if i % 7 == 0 else []},
        ]} for i in range(40)
    ])
    for h in list(unit.households.all())[:10]:
        log(world, "micro_A1em1", h, outcome="nobody_home")
    c = client_for(world, "micro_A1em1")
    with django_assert_max_num_queries(10):
        r = c.get(reverse("visits-today"))
    assert len(_ids(r.content.decode())) == 42
    with django_assert_max_num_queries(13):
        assert c.get(reverse("visits-coverage")).status_code == 200


def test_logging_a_visit_with_a_matter_from_the_form(world):
    h = world.households["A1em1"][0]
    c = client_for(world, "micro_A1em1")
    page = c.get(reverse("visits-log", args=[h.pk]))
    assert page.status_code == 200 and "见到住户" in page.content.decode()
    r = c.post(reverse("visits-log", args=[h.pk]), {
        "outcome": "met", "notes": "老人说楼道灯坏了", "follow_up_on": "",
        "matters-0-category": "property-repair", "matters-0-description": "3楼楼道灯不亮",
        "matters-1-category": "", "matters-1-description": "",
    })
    assert r.status_code == 302 and r["Location"] == reverse("visits-today")
    visit = Visit.objects.get()
    assert visit.outcome == "met" and visit.matters.get().description == "3楼楼道灯不亮"
    follow = c.get(r["Location"]).content.decode()
    assert "已登记走访" in follow and h.pk not in _ids(follow)


def test_a_bad_form_shows_the_error_at_the_field_and_writes_nothing(world):
    h = world.households["A1em1"][0]
    before = Matter.objects.count()
    c = client_for(world, "micro_A1em1")
    r = c.post(reverse("visits-log", args=[h.pk]), {
        "outcome": "met", "matters-0-category": "", "matters-0-description": "楼道灯不亮",
    })
    assert r.status_code == 422
    html = r.content.decode()
    assert "请选择事项类别" in html and "楼道灯不亮" in html
    r = c.post(reverse("visits-log", args=[h.pk]), {"outcome": "met", "follow_up_on": "明天"})
    assert r.status_code == 422 and "日期格式" in r.content.decode()
    r = c.post(reverse("visits-log", args=[h.pk]), {"notes": "没选结果"})
    assert r.status_code == 422 and "请选择走访结果" in r.content.decode()
    assert Visit.objects.count() == 0 and Matter.objects.count() == before


def test_the_form_of_a_household_outside_the_grid_is_not_found(world):
    c = client_for(world, "micro_A1em1")
    assert c.get(reverse("visits-log", args=[world.households["A1em2"][0].pk])).status_code == 404
    r = c.post(reverse("visits-log", args=[world.households["B1em1"][0].pk]), {"outcome": "met"})
    assert r.status_code == 404
    assert client_for(world, "liaison_A").get(reverse("visits-log", args=[world.households["A1em1"][0].pk])
                                              ).status_code == 403
    assert Visit.objects.count() == 0


def test_one_more_matter_row_by_htmx(world):
    r = client_for(world, "micro_A1em1").get(reverse("visits-matter-row"), {"i": 1}, HTTP_HX_REQUEST="true")
    assert 'name="matters-1-category"' in r.content.decode()


def _crafted(world):
    """4 households under A1e's first micro-grid pair: visited in period, visited too long ago, only nobody
    home, never."""
    a, b = world.households["A1em1"]
    c, d = world.households["A1em2"]
    log(world, "micro_A1em1", a)
    backdate(log(world, "micro_A1em1", b), 120)
    log(world, "micro_A1em2", c, outcome="nobody_home")
    return a, b, c, d


def test_coverage_shows_the_gaps_on_crafted_data(world):
    a, b, c, d = _crafted(world)
    r = client_for(world, "leader_A1").get(reverse("visits-coverage"), {"grid": world.grid("A1e").pk})
    html = r.content.decode()
    assert 'id="total-households">4<' in html and 'id="total-in-period">1<' in html
    assert 'id="total-share">25%<' in html
    assert 'id="total-overdue">1<' in html and 'id="total-never">2<' in html
    gaps = html.split('id="coverage-gaps"')[1]
    assert _ids(gaps) == [b.pk, c.pk, d.pk]
    assert "只有“见到住户”" in html or "无人在家、拒绝入户的走访不计入" in html
    micro = html.split(f'data-grid="{world.grid("A1em1").pk}"')[1].split("</tr>")[0]
    assert "50%" in micro
    worker = html.split(f'data-person="{world.persons["micro_A1em2"].pk}"')[1].split("</tr>")[0]
    assert "0%" in worker


def test_coverage_is_scoped(world):
    _crafted(world)
    assert client_for(world, "micro_A1em1").get(reverse("visits-coverage"), {"grid": world.grid("A1e").pk}
                                                ).status_code == 404
    own = client_for(world, "micro_A1em1").get(reverse("visits-coverage")).content.decode()
    assert 'id="total-households">2<' in own and 'id="total-share">50%<' in own
    assert client_for(world, "nobody").get(reverse("visits-coverage")).status_code == 403


def test_the_export_opens_and_masks_rooms(world):
    _crafted(world)
    r = client_for(world, "leader_A1").get(reverse("visits-coverage-export"), {"grid": world.grid("A1e").pk})
    assert r.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["按网格", "按人员", "未按期走访住户", "说明"]
    grids = list(book["按网格"].iter_rows(values_only=True))
    assert grids[-1][2:7] == (4, 1, 1, 2, 0.25)
    gaps = list(book["未按期走访住户"].iter_rows(values_only=True))[1:]
    assert len(gaps) == 3
    assert {row[5] for row in gaps} <= {"1**", "2**"}
    assert client_for(world, "leader_B1").get(reverse("visits-coverage-export"), {"grid": world.grid("A1e").pk}
                                              ).status_code == 404


def test_leaders_set_and_change_plans_on_the_page(world):
    c = client_for(world, "leader_A1")
    page = c.get(reverse("visits-plans"))
    assert page.status_code == 200 and "91天" in page.content.decode()
    r = c.post(reverse("visits-plans"), {"grid": world.grid("A1e").pk, "period_days": "60",
                                         "care_period_days": "20", "care_flags": ["elderly_alone", "disabled"],
                                         "active": "on"})
    assert r.status_code == 302
    plan = VisitPlan.objects.get()
    assert (plan.period_days, plan.care_period_days, plan.care_flags) == (60, 20, ["elderly_alone", "disabled"])
    bad = c.post(reverse("visits-plans"), {"plan": plan.pk, "period_days": "10", "care_period_days": "20",
                                           "active": "on"})
    assert bad.status_code == 422 and "关爱户的走访周期不能长于" in bad.content.decode()
    r = c.post(reverse("visits-plans"), {"plan": plan.pk, "period_days": "45", "care_period_days": "15"})
    plan.refresh_from_db()
    assert (plan.period_days, plan.active) == (45, False)
    assert client_for(world, "micro_A1em1").get(reverse("visits-plans")).status_code == 403
    assert client_for(world, "member_A1e").get(reverse("visits-plans")).status_code == 403


def test_the_admin_lists_plans_and_visits(world):
    _crafted(world)
    c = client_for(world, "admin")
    for url in ("/admin/visits/visitplan/", "/admin/visits/visit/", "/admin/visits/visitplan/add/",
                f"/admin/visits/visit/{Visit.objects.first().pk}/change/"):
        assert c.get(url).status_code == 200, url
    r = c.post("/admin/visits/visitplan/add/", {"grid": world.grid("A1e").pk, "period_days": 60,
                                                 "care_period_days": 20, "care_flags": '["disabled"]',
                                                 "active": "on", "note": ""})
    assert r.status_code == 302, r.content.decode()[:500]
    assert VisitPlan.objects.get().care_flags == ["disabled"]
