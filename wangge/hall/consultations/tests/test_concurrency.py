"""One response per household (or resident) under parallel requests: the consultation's row is locked
before the existing response is looked for, and conditional unique constraints hold the rule even where
row locks do not exist (SQLite serialises writers with BEGIN IMMEDIATE)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from wangge.core.errors import ApplicationError
from wangge.hall.consultations import services
from wangge.hall.consultations.models import Answer, Response

from .conftest import add_login, answers_for, make

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The test database of SQLite is in memory with a shared cache, which answers "table is locked" at
    # once instead of waiting: the race cannot be run there (the constraint still holds, see
    # test_services.test_the_database_holds_one_response_per_household).
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's in-memory test database cannot wait"),
]


def _race(users, consultation_id: int, answers) -> list:
    barrier = threading.Barrier(len(users))
    outcomes: list = [None] * len(users)

    def run(i, user):
        try:
            barrier.wait()
            services.consultation_respond(actor=user, consultation_id=consultation_id, answers=answers)
            outcomes[i] = "ok"
        except ApplicationError as exc:
            outcomes[i] = exc.status
        except Exception as exc:  # anything else is a bug the assertion shows
            outcomes[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, u)) for i, u in enumerate(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_members_of_one_household_answer_at_once_and_one_response_is_kept(world):
    add_login(world, "spouse", world.residents["A1em1"][1])
    c = make(world, grids=[world.grid("A1em1").pk], basis="household", open_it=True)
    answers = answers_for(c)
    outcomes = _race([world.users["resident"], world.users["spouse"]], c.pk, answers)
    assert sorted(map(str, outcomes)) == ["409", "ok"]
    assert Response.objects.filter(consultation=c).count() == 1
    response = Response.objects.get(consultation=c)
    assert Answer.objects.filter(response=response).count() == 4  # one per question


def test_one_resident_sending_twice_at_once_keeps_one_response(world):
    c = make(world, grids=[world.grid("A1em1").pk], open_it=True)
    answers = answers_for(c)
    user = world.users["resident"]
    outcomes = _race([user, user, user, user], c.pk, answers)
    # Each request either wrote the response or changed it: never a second one, never half the answers.
    assert set(outcomes) <= {"ok", 409}
    assert Response.objects.filter(consultation=c).count() == 1
    assert Answer.objects.filter(response__consultation=c).count() == 4
