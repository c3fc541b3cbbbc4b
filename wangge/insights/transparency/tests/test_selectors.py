"""The figures of the transparency page match what the world holds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wangge.core.errors import NotFound
from wangge.fieldwork.cameras import services as cameras
from wangge.insights.transparency import selectors
from wangge.matters.models import Matter

from .conftest import month_of

pytestmark = pytest.mark.django_db

FIGURES = {  # page figure → name in the scene's expectations
    "activities": "activities", "attendance": "attendance", "matters_received": "received",
    "matters_closed": "closed", "disputes_received": "disputes_received", "disputes_mediated": "disputes_mediated",
    "sessions_held": "sessions_held", "resolutions": "resolutions", "visits": "visits",
}


def test_this_years_figures_match_the_world(world, scene):
    t = selectors.transparency(community_id=world.grid("A").pk)
    assert (t.community, t.subdistrict, t.year) == ("红旗社区", "城西街道", timezone.localdate().year)
    for figure, name in FIGURES.items():
        assert getattr(t, figure) == scene.year(name), figure
    # The matters the rollups count are the matters the table holds.
    start = dt.datetime(timezone.localdate().year, 1, 1, tzinfo=timezone.get_current_timezone())
    assert t.matters_received == Matter.objects.filter(
        grid__path__startswith=world.grid("A").path, created_at__gte=start).count()
    assert t.matters_rated == 2 and t.satisfaction_rate == pytest.approx((1 + 0.8) / 2)
    assert (t.cameras, t.cameras_in_service, t.cameras_faulty) == (3, 2, 1)
    assert t.households_visited == scene.households_visited


def test_the_line_holds_the_last_twelve_months(world, scene):
    t = selectors.transparency(community_id=world.grid("A").pk)
    today = timezone.localdate()
    assert len(t.months) == 12
    assert t.months[-1].month == month_of(today)
    assert t.months[0].month == month_of((today.replace(day=1) - dt.timedelta(days=320)).replace(day=1))
    assert [m.month for m in t.months] == sorted({m.month for m in t.months})
    for m in t.months:
        for figure, name in FIGURES.items():
            assert getattr(m, figure) == scene.month(name, m.month), (m.month, figure)
    # Cameras are counted in place at each month's end (the running month: today): the one installed 70
    # days ago joins in its month; the one removed today leaves in this month.
    joined = month_of(today - dt.timedelta(days=70))
    assert {m.cameras for m in t.months if m.month < joined} == {3}
    assert {m.cameras for m in t.months[:-1] if m.month >= joined} == {4}
    assert t.months[-1].cameras == t.cameras == 3


def test_another_community_counts_only_its_own(world, scene):
    t = selectors.transparency(community_id=world.grid("B").pk)
    assert (t.activities, t.disputes_received, t.disputes_mediated, t.cameras, t.visits, t.sessions_held) == (
        1, 1, 0, 1, 1, 0)
    assert t.matters_received == 0 and t.satisfaction_rate is None


def test_a_community_with_nothing_shows_zeros(world):
    t = selectors.transparency(community_id=world.grid("B").pk)
    assert t.activities == t.matters_received == t.cameras == t.visits == 0
    assert len(t.months) == 12 and all(m.activities == 0 for m in t.months)


@pytest.mark.parametrize("key", ["district", "sub", "A1", "A1e", "A1em1"])
def test_a_node_that_is_not_a_community_is_not_found(world, key):
    with pytest.raises(NotFound):
        selectors.transparency(community_id=world.grid(key).pk)


@pytest.mark.parametrize("community_id", [0, -1, 999_999, 2**63])
def test_an_unknown_id_is_not_found(world, community_id):
    with pytest.raises(NotFound):
        selectors.transparency(community_id=community_id)


def test_figures_are_cached_for_a_short_while(world, django_assert_num_queries):
    community = world.grid("B").pk
    first = selectors.transparency(community_id=community)
    cameras.camera_create(actor=None, code="B-009", name="B小区后门", lon=112.25, lat=37.15,
                          installed_on=timezone.localdate())
    with django_assert_num_queries(0):
        assert selectors.transparency(community_id=community).cameras == first.cameras == 0
    assert selectors.transparency(community_id=community, fresh=True).cameras == 1
    assert 30 <= selectors.CACHE_SECONDS <= 60


def test_the_community_list_has_public_names_only(world):
    entries = selectors.community_list()
    assert [(e.name, e.subdistrict) for e in entries] == [("红旗社区", "城西街道"), ("新華社区", "城西街道")]
