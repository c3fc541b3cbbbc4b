"""Parallel sign-ups never exceed the capacity: 30 threads, each its own database connection, sign up 30
residents for 10 places at once (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from wangge.core.errors import ApplicationError
from wangge.testing.world import build_world

from .. import services
from ..models import SignUp
from .conftest import extra_residents, soon

# SQLite's in-memory test database shares one cache between connections and answers "table is locked"
# rather than waiting; the limit is the same code on both, proven here on PostgreSQL.
pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel writes need PostgreSQL")


def _parallel(fn, args: list) -> list:
    barrier = threading.Barrier(len(args))
    results: list = [None] * len(args)

    def run(i, arg):
        try:
            barrier.wait()
            results[i] = fn(arg)
        except Exception as exc:  # recorded for the assertions
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(args)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_thirty_parallel_sign_ups_for_ten_places():
    world = build_world()
    activity = services.activity_create(actor=None, grid=world.grid("sub").pk, kind="culture_sports",
                                        title="乒乓球比赛", place="活动室", starts_at=soon(24), ends_at=soon(26),
                                        capacity=10)
    residents = [r for rs in world.residents.values() for r in rs] + extra_residents(world, "A1em1", 6)
    assert len(residents) == 30
    results = _parallel(lambda r: services.signup_create(actor=None, activity_id=activity.pk, resident=r.pk),
                        residents)
    failures = [r for r in results if isinstance(r, Exception)]
    assert not failures, failures[:3]
    assert all(not isinstance(r, ApplicationError) for r in results)
    rows = SignUp.objects.filter(activity=activity)
    assert rows.filter(status="confirmed").count() == 10
    waiting = list(rows.filter(status="waiting").order_by("position").values_list("position", flat=True))
    assert waiting == list(range(1, 21))


@pytest.mark.django_db(transaction=True)
def test_the_same_person_twice_in_parallel_gets_one_sign_up():
    world = build_world()
    activity = services.activity_create(actor=None, grid=world.grid("A").pk, kind="holiday", title="中秋联欢",
                                        place="广场", starts_at=soon(24), ends_at=soon(26), capacity=5)
    results = _parallel(lambda _: services.signup_create(actor=world.users["resident"], activity_id=activity.pk),
                        range(6))
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all("已报名" in str(r) for r in results if isinstance(r, Exception))
    assert SignUp.objects.filter(activity=activity).count() == 1
