"""Helpers for the agenda tests: a hall per community, matters reported through the matters service."""

from __future__ import annotations

import datetime as dt

import pytest

from wangge.hall.agenda import services
from wangge.matters import services as matters
from wangge.matters.models import Holiday


def make_hall(world, key: str = "A", *, actor: str | None = None, **fields):
    actor = actor or ("committee_A" if key == "A" else "committee_B")
    return services.hall_create(actor=world.users[actor], community_id=world.grid(key).pk,
                                name=f"{world.grid(key).name}议事厅", place="党群服务中心", **fields)


def report(world, micro: str, n: int, category: str = "property-repair", *, actor: str | None = None):
    """Household `n` (0 or 1) of micro-grid `micro` reports a matter, as registered on a visit."""
    household = world.households[micro][n]
    actor = actor or ("member_A1e" if micro.startswith("A1") else "member_A2e" if micro.startswith("A2")
                      else "member_B1e")
    matter, _created = matters.matter_report(
        actor=world.users[actor],
        report=matters.Report(category=category, description=f"{micro}住户{n}反映楼道问题", source="visit",
                              unit=household.unit_id, household=household.pk),
    )
    return matter


def holiday(day: dt.date, name: str = "节日", workday: bool = False) -> Holiday:
    """Set a day in the working calendar (the Holiday table is seeded with China's calendar already)."""
    row, _created = Holiday.objects.update_or_create(date=day, defaults={"name": name, "is_workday": workday})
    return row


@pytest.fixture
def hall(world):
    return make_hall(world)


@pytest.fixture
def hall_b(world):
    return make_hall(world, "B")
