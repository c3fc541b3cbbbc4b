"""Helpers for the venues tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .. import services

ALL_DAY = {str(d): [["08:00", "12:00"], ["14:00", "21:00"]] for d in range(1, 8)}


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """Local time `days` from today at hour:minute."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def make_venue(world, grid_key: str = "A", **extra):
    data = {"name": "妇儿微家", "capacity": 20, "opening_hours": ALL_DAY, "needs_approval": True} | extra
    return services.venue_create(actor=None, community=world.grid(grid_key).pk, **data)
