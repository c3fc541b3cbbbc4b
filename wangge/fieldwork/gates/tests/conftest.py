"""Gate duty on top of the test world: guards (property staff) on estates A1e and B1e, a property-service
supervisor on A1e, and a post at each of the two estates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wangge.fieldwork.gates import services
from wangge.people import services as people
from wangge.people.models import Role
from wangge.testing.world import fake_phone

POST_LON, POST_LAT = 112.125, 37.2


def add_gates(world) -> dict:
    def person(key: str, username: str, role: str, grid: str, n: int):
        p = people.person_create(name=f"{key}人员", phone=fake_phone(700 + n), grid=world.grid(grid))
        world.users[key] = people.person_grant_login(person=p, username=username, password="pw")
        world.persons[key] = p
        world.duties[key] = people.duty_assign(person=p, role=role, grid=world.grid(grid))
        return p

    person("guard1", "guard1", Role.PROPERTY_STAFF, "A1e", 1)
    person("guard2", "guard2", Role.PROPERTY_STAFF, "A1e", 2)
    person("guard3", "guard3", Role.PROPERTY_STAFF, "A1e", 3)
    person("guard_B", "guard_b", Role.PROPERTY_STAFF, "B1e", 4)
    person("supervisor_A1e", "supervisor_a1e", Role.PROPERTY_SUPERVISOR, "A1e", 5)
    post = services.post_create(actor=None, estate_id=world.grid("A1e").pk, name="东门", lon=POST_LON, lat=POST_LAT)
    post_b = services.post_create(actor=None, estate_id=world.grid("B1e").pk, name="南门")
    return {"post": post, "post_b": post_b}


@pytest.fixture
def gates(world):
    return add_gates(world)


def next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


def full_week(post, monday: dt.date, persons: list) -> list[services.Assignment]:
    """Every template of every day of the week, rotating through `persons` (one per shift)."""
    templates = list(post.templates.all())
    rows, n = [], 0
    for i in range(7):
        for t in templates:
            rows.append(services.Assignment(monday + dt.timedelta(days=i), t.pk, [persons[n % len(persons)].pk]))
            n += 1
    return rows


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
