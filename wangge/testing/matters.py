"""Matters for tests: report one at a point of the test world, and walk it through to a close.

The points lie inside the world's micro-grids (see `world.build_world`): A1em1 and A2em1 in community A,
B1em1 in community B.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from wangge.matters import services as matters
from wangge.matters.models import Matter

A1EM1 = {"lon": 112.125, "lat": 37.15}
A2EM1 = {"lon": 112.175, "lat": 37.15}
B1EM1 = {"lon": 112.25, "lat": 37.15}

# What a test report says unless it says otherwise (the service helper below, the API fixture, the forms).
REPORT = {"category": "env-garbage", "description": "3号楼门口垃圾三天没人清运"}

TO_RESOLVED = ("accept", "dispatch", "start", "resolve")
TO_CLOSED = ("verify", "close")


def report(world, where: dict = A1EM1, *, at: dt.datetime | None = None, category: str = REPORT["category"],
           description: str = REPORT["description"], by: str = "resident", **extra) -> Matter:
    """A matter reported by the world's user `by` at `where`."""
    matter, _ = matters.matter_report(actor=world.users[by], report=matters.Report(
        category=category, description=description, **where, **extra), at=at or timezone.now())
    return matter


def move(world, matter: Matter, *actions: str, at: dt.datetime, by: str = "admin") -> Matter:
    """Take `actions` in turn at `at`; the ones that need a note get one."""
    for action in actions:
        note = "说明" if action in ("reject", "rework", "hold") else ""
        matter = matters.matter_transition(actor=world.users[by], matter_id=matter.pk, action=action, note=note,
                                           at=at)
    return matter


def close(world, matter: Matter, *, at: dt.datetime, resolved_at: dt.datetime | None = None, rework: bool = False,
          rating: str | None = None, by: str = "admin") -> Matter:
    """Walk an accepted-or-new matter to closed at `at`: resolved at `resolved_at` (default `at`), sent back
    once first when `rework`, and rated by its reporter when `rating` is given."""
    resolved_at = resolved_at or at
    matter = move(world, matter, *TO_RESOLVED, at=resolved_at, by=by)
    if rework:
        matter = move(world, matter, "rework", at=resolved_at, by=by)
        matter = move(world, matter, "start", "resolve", at=at, by=by)
    matter = move(world, matter, *TO_CLOSED, at=at, by=by)
    if rating:
        matters.matter_rate(actor=world.users["resident"], matter_id=matter.pk, rating=rating,
                            comment="" if rating == "satisfied" else "还行", at=at)
        matter.refresh_from_db()
    return matter
