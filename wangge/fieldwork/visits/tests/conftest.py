"""Helpers for the visits tests, on the standard test world (wangge/testing/world.py).

Micro-grid A1em1 has 2 households (floor 1 room 101, floor 2 room 201), each with 2 residents; so does
every micro-grid. Visits are logged through the service; `backdate` then moves one into the past, which
stands for time passing since it was logged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wangge.fieldwork.visits import services
from wangge.fieldwork.visits.models import Visit
from wangge.registry import services as registry


def log(world, key: str, household, outcome: str = "met", **kwargs) -> Visit:
    return services.visit_log(actor=world.users[key], household=household, outcome=outcome, **kwargs)


def backdate(visit: Visit, days: int) -> Visit:
    Visit.objects.filter(pk=visit.pk).update(visited_at=timezone.now() - dt.timedelta(days=days))
    visit.refresh_from_db()
    return visit


def flag(household, *flags: str) -> None:
    """Give the household's head the care flags."""
    head = household.residents.filter(relation="self").first()
    registry.resident_update(resident=head, care_flags=list(flags))


@pytest.fixture
def today():
    return timezone.localdate()
