"""Helpers for the activities tests: activities made through the service, residents with logins."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wangge.people import services as people
from wangge.registry import services as registry
from wangge.testing.world import fake_id

from .. import services


def soon(hours: float = 24) -> dt.datetime:
    return (timezone.now() + dt.timedelta(hours=hours)).replace(microsecond=0)


def make_activity(world, grid_key: str = "A", *, capacity: int | None = 2, starts_in: float = 24,
                  kind: str = "party_education", title: str = "不忘初心、牢记使命 主题党日", **extra):
    return services.activity_create(actor=None, grid=world.grid(grid_key).pk, kind=kind, title=title,
                                    place="社区党群服务中心", starts_at=soon(starts_in), ends_at=soon(starts_in + 2),
                                    capacity=capacity, **extra)


def resident_login(world, mkey: str, index: int, username: str):
    """A login for the `index`th resident of micro-grid `mkey` (index 0 of A1em1 is `resident`)."""
    resident = world.residents[mkey][index]
    person = people.person_create(name=resident.name, resident=resident)
    world.users[username] = people.person_grant_login(person=person, username=username, password="pw")
    world.persons[username] = person
    return world.users[username]


def extra_residents(world, mkey: str, n: int) -> list:
    """`n` more residents in the first household of micro-grid `mkey`."""
    household = world.households[mkey][0]
    out = []
    for i in range(n):
        out.append(registry.resident_create(household=household, name=f"加{mkey}{i}", id_number=fake_id(700 + i),
                                            relation="child"))
    return out


@pytest.fixture
def residents2(world):
    """A second resident with a login (A1em1) and a resident of community B with a login."""
    resident_login(world, "A1em1", 1, "resident2")
    resident_login(world, "B1em1", 0, "resident_b")
    return world
