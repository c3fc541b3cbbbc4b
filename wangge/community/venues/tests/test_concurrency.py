"""Two (or eight) people booking the same slot at once: exactly one gets it (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from wangge.core.errors import Conflict
from wangge.testing.world import build_world

from .. import services
from ..models import Booking
from .conftest import at, make_venue

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel writes need PostgreSQL")


@pytest.mark.django_db(transaction=True)
def test_parallel_bookings_of_one_slot_one_wins():
    world = build_world()
    venue = make_venue(world)
    users = ["resident", "committee_A", "leader_A1", "admin", None, None, None, None]  # None: the system
    barrier = threading.Barrier(len(users))
    results: list = []

    def run(user):
        try:
            barrier.wait()
            results.append(services.booking_create(actor=world.users.get(user), venue_id=venue.pk, purpose=f"{user}议事",
                                                   starts_at=at(2, 9), ends_at=at(2, 10), contact_name="王老师",
                                                   organisation=None if user == "resident" else
                                                   world.organisations["A_party"].pk))
        except Exception as exc:  # recorded for the assertions
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wins = [r for r in results if isinstance(r, Booking)]
    assert len(wins) == 1, results
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, Booking)), results
    assert Booking.objects.filter(venue=venue).count() == 1
