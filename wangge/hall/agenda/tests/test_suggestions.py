"""Suggestions from the community's open matters: urgent collective matters and difficult ones."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wangge.core.errors import NotFound
from wangge.hall.agenda import selectors, services
from wangge.hall.agenda.models import ItemOrigin
from wangge.matters import services as matters

from .conftest import report

pytestmark = pytest.mark.django_db


def _urgent(hall, now=None):
    return [s for s in selectors.suggestions(hall=hall, now=now) if s.kind == "urgent"]


def test_three_households_same_category_same_estate_are_suggested(world, hall):
    # Households of two micro-grids of one estate (A1e).
    ms = [report(world, "A1em1", 0), report(world, "A1em1", 1), report(world, "A1em2", 0)]
    [s] = _urgent(hall)
    assert s.households == 3 and {m.pk for m in s.matters} == {m.pk for m in ms}
    assert s.grid == world.grid("A1e") and s.first_at <= s.last_at
    assert s.key == f"urgent:{ms[0].category_id}:{world.grid('A1e').pk}"


def test_two_households_or_other_category_or_other_estate_are_not(world, hall):
    report(world, "A1em1", 0)
    report(world, "A1em1", 1)
    report(world, "A1em2", 0, category="env-garbage")
    report(world, "A2em1", 0)
    assert _urgent(hall) == []


def test_same_household_twice_counts_once(world, hall):
    report(world, "A1em1", 0)
    report(world, "A1em1", 0)
    report(world, "A1em1", 1)
    assert _urgent(hall) == []


def test_outside_window_is_not_suggested(world, hall):
    for micro, n in (("A1em1", 0), ("A1em1", 1), ("A1em2", 0)):
        report(world, micro, n)
    later = timezone.now() + dt.timedelta(days=hall.collective_window_days + 1)
    assert _urgent(hall, now=later) == []
    services.hall_update(actor=world.users["committee_A"], hall_id=hall.pk, collective_window_days=60)
    hall.refresh_from_db()
    assert len(_urgent(hall, now=later)) == 1


def test_threshold_and_level_are_configurable(world, hall):
    report(world, "A1em1", 0)
    report(world, "A1em1", 1)
    services.hall_update(actor=world.users["committee_A"], hall_id=hall.pk, collective_min_households=2,
                         collective_level="micro_grid")
    hall.refresh_from_db()
    [s] = _urgent(hall)
    assert s.grid == world.grid("A1em1")


def test_escalated_open_matter_is_difficult(world, hall):
    matter = report(world, "A1em1", 0)
    later = timezone.now() + dt.timedelta(days=20)
    assert matters.sweep(now=later) >= 1
    later2 = later + dt.timedelta(days=20)
    matters.sweep(now=later2)
    difficult = [s for s in selectors.suggestions(hall=hall, now=later2) if s.kind == "difficult"]
    assert [s.matters[0].pk for s in difficult] == [matter.pk]
    assert difficult[0].key == f"difficult:{matter.pk}"


def test_accepting_links_matters_and_is_not_suggested_again(world, hall, django_assert_max_num_queries):
    ms = [report(world, "A1em1", 0), report(world, "A1em1", 1), report(world, "A1em2", 0)]
    for micro in ("A2em1", "A2em2"):
        for n in (0, 1):
            report(world, micro, n, category="env-garbage")
    with django_assert_max_num_queries(6):
        found = selectors.suggestions(hall=hall)
    assert len([s for s in found if s.kind == "urgent"]) == 2
    key = f"urgent:{ms[0].category_id}:{world.grid('A1e').pk}"
    session = hall.sessions.order_by("starts_at").first()
    item = services.suggestion_accept(actor=world.users["committee_A"], hall_id=hall.pk, key=key, session_id=session.pk)
    assert item.kind == "urgent" and item.origin == ItemOrigin.SUGGESTED and item.session == session
    assert {m.pk for m in item.matters.all()} == {m.pk for m in ms}
    assert [s.key for s in _urgent(hall)] != [key] and key not in [s.key for s in _urgent(hall)]
    with pytest.raises(NotFound):
        services.suggestion_accept(actor=world.users["committee_A"], hall_id=hall.pk, key=key)
    # A declined item frees its matters again.
    services.item_update(actor=world.users["committee_A"], item_id=item.pk, action="decline", reason="已另行处理")
    assert key in [s.key for s in _urgent(hall)]
