"""The dashboard as its users meet it: the figures of a node's whole subtree for a period, the indicators
with their formulas, drill-down to the children, the wall screen, and the refusals."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from wangge.insights.dashboards.periods import period_of
from wangge.insights.rollups import services as rollups
from wangge.testing.matters import A1EM1, B1EM1, report
from wangge.testing.matters import close as close_matter

URL = "/api/v1/insights/dashboard"


def _login(world, key) -> Client:
    client = Client()
    client.force_login(world.users[key])
    return client


def _report_and_close(world, where, *, close: bool):
    now = timezone.now()
    matter = report(world, where, at=now - dt.timedelta(hours=3), description="垃圾没人清运")
    return close_matter(world, matter, at=now - dt.timedelta(hours=2)) if close else matter


@pytest.fixture
def matters_in_a_and_b(world):
    _report_and_close(world, A1EM1, close=True)
    _report_and_close(world, A1EM1, close=False)
    _report_and_close(world, B1EM1, close=False)
    rollups.fold_all()
    _report_and_close(world, A1EM1, close=False)  # not folded yet: still counted
    return world


@pytest.mark.django_db
def test_a_committee_member_sees_the_community_with_indicators_and_children(matters_in_a_and_b):
    world = matters_in_a_and_b
    body = _login(world, "committee_A").get(URL, {"node": world.grid("A").pk, "period": "month"}).json()
    assert body["node"]["name"] == world.grid("A").name
    assert body["figures"]["received"] == 3 and body["figures"]["done"] == 1
    assert body["states"]["open"] == 2
    closure = next(i for i in body["indicators"] if i["key"] == "closure_rate")
    assert closure["formula"] == "结案数 ÷ 应结案数" and (closure["numerator"], closure["denominator"]) == (1, 3)
    assert closure["value"] == pytest.approx(1 / 3)
    children = {c["name"]: c for c in body["children"]}
    assert children[world.grid("A1").name]["received"] == 3 and children[world.grid("A1").name]["open"] == 2
    assert children[world.grid("A2").name]["received"] == 0
    assert sum(p["received"] for p in body["trend"]) == 3
    reported_on = timezone.localdate(timezone.now() - dt.timedelta(hours=3)).isoformat()
    assert {p["date"]: p["received"] for p in body["trend"] if p["received"]} == {reported_on: 3}
    assert [c["code"] for c in body["categories"]] == ["env-garbage"]
    assert body["sources"][0]["code"] == "resident"
    assert body["work"]["micro_grids"] == 4 and body["work"]["micro_grids_staffed"] == 4


@pytest.mark.django_db
def test_the_subdistrict_adds_up_both_communities(matters_in_a_and_b):
    world = matters_in_a_and_b
    body = _login(world, "admin").get(URL, {"node": world.grid("sub").pk, "period": "12m"}).json()
    assert body["figures"]["received"] == 4
    assert {c["name"]: c["received"] for c in body["children"]} == {world.grid("A").name: 3, world.grid("B").name: 1}


@pytest.mark.django_db
def test_a_period_with_no_data_is_zeros(world):
    body = _login(world, "committee_A").get(URL, {"node": world.grid("A").pk, "start": "2020-01-01",
                                                   "end": "2020-12-31"}).json()
    assert body["figures"]["received"] == 0 and body["figures"]["closure_rate"] is None
    assert len(body["trend"]) == 12 and all(p["received"] == 0 for p in body["trend"])


@pytest.mark.django_db
@pytest.mark.parametrize("params, field", [
    ({"period": "decade"}, "period"),
    ({"start": "2026-01-01"}, "end"),
    ({"start": "2026-13-01", "end": "2026-12-31"}, "start"),
    ({"start": "2026-03-01", "end": "2026-02-01"}, "end"),
    ({"start": "2020-01-01", "end": "2026-01-01"}, "end"),
])
def test_a_bad_period_names_its_field(world, params, field):
    response = _login(world, "committee_A").get(URL, {"node": world.grid("A").pk, **params})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


@pytest.mark.django_db
def test_unknown_and_unseen_grids_are_404_and_a_resident_is_refused(world):
    committee = _login(world, "committee_A")
    assert committee.get(URL, {"node": 999_999}).status_code == 404
    assert committee.get(URL, {"node": world.grid("B").pk}).status_code == 404
    assert _login(world, "resident").get(URL, {"node": world.grid("A1em1").pk}).status_code == 403
    assert _login(world, "nobody").get(URL).status_code == 403
    assert Client().get(URL).status_code == 401


@pytest.mark.django_db
def test_without_a_node_it_opens_on_the_users_own_grid(world):
    body = _login(world, "member_A1e").get(URL).json()
    assert body["node"]["id"] == world.grid("A1e").pk


@pytest.mark.django_db
def test_the_page_and_the_wall_screen_show_the_figures_and_drill_down(matters_in_a_and_b):
    world = matters_in_a_and_b
    client = _login(world, "committee_A")
    page = client.get("/insights/", {"node": world.grid("A").pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="kpi-received">3<' in html
    assert f'href="?node={world.grid("A1").pk}&amp;period=month"' in html
    assert "结案数 ÷ 应结案数" in html and "33.3%" in html
    assert 'id="dashboard-data"' in html and "vendor/echarts/echarts.min.js" in html
    wall = client.get("/insights/wall/", {"node": world.grid("A").pk, "period": "year"})
    assert wall.status_code == 200
    assert 'data-kpi="figures.received">3<' in wall.content.decode()
    assert 'data-period="year"' in wall.content.decode()


@pytest.mark.django_db
def test_a_bad_period_on_the_page_says_so_and_shows_this_month(world):
    client = _login(world, "committee_A")
    html = client.get("/insights/", {"node": world.grid("A").pk, "start": "2026-03-01", "end": "x"}).content.decode()
    assert 'data-field="end"' in html
    assert client.get("/insights/", {"node": "abc"}).status_code == 404
    assert client.get("/insights/", {"node": world.grid("B").pk}).status_code == 404


def _range(period):
    return period.start, period.end


def test_presets_cover_the_periods_users_ask_for():
    today = dt.date(2026, 11, 28)
    assert _range(period_of("month", today=today)) == (dt.date(2026, 11, 1), today)
    assert _range(period_of("last_month", today=today)) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert _range(period_of("quarter", today=today)) == (dt.date(2026, 10, 1), today)
    assert _range(period_of("year", today=today)) == (dt.date(2026, 1, 1), today)
    assert _range(period_of("12m", today=today)) == (dt.date(2025, 12, 1), today)
    assert _range(period_of("last_month", today=dt.date(2026, 1, 5))) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
