"""20 parallel electronic votes by 10 checked-in attendees (each twice) leave exactly 10 ballots."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from wangge.core.errors import Conflict
from wangge.hall.meetings import services
from wangge.hall.meetings.models import Attendance, Ballot, Voter
from wangge.people import services as people
from wangge.registry.models import Resident

from .conftest import add_meeting


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite locks the whole database; run on PostgreSQL")
def test_parallel_votes_never_double():
    from wangge.testing.world import build_world

    w = add_meeting(build_world())
    users = []
    residents = list(Resident.objects.filter(person__isnull=True, household__unit__micro_grid__path__startswith=
                                             w.grid("A").path).order_by("id")[:10])
    for n, resident in enumerate(residents):
        person = people.person_create(name=resident.name, resident=resident)
        users.append(people.person_grant_login(person=person, username=f"voter{n}", password="pw"))
    services.meeting_invite(actor=w.users["committee_A"], session_id=w.session.pk,
                            persons=[u.person.pk for u in users])
    token = services.record_for(w.session).checkin_token
    for user in users:
        services.meeting_checkin(actor=user, checkin_token=token)
    motion = services.meeting_motion_create(actor=w.users["committee_A"], session_id=w.session.pk,
                                            data=services.MotionIn(item=w.items[0].pk, text="表决", method="electronic"))
    services.meeting_motion_open(actor=w.users["committee_A"], motion_id=motion.pk)
    outcomes: list[str] = []
    barrier = threading.Barrier(20)

    def vote(user):
        try:
            barrier.wait()
            services.meeting_vote(actor=user, motion_id=motion.pk, choice="for")
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(u,)) for u in users * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Attendance.objects.filter(session=w.session).count() == 10
    assert outcomes.count("ok") == 10 and outcomes.count("conflict") == 10
    assert Ballot.objects.filter(motion=motion).count() == 10
    assert Voter.objects.filter(motion=motion).count() == 10
    motion.refresh_from_db()
    assert motion.votes_for == 10
