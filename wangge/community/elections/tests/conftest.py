from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from wangge.community.elections import services
from wangge.community.elections.models import Election
from wangge.people import services as people


def login_of(world, resident, username: str):
    """A login for a resident of the world (a person with a user)."""
    person = getattr(resident, "person", None)
    if person is None:
        person = people.person_create(name=resident.name, resident=resident)
    user = people.person_grant_login(person=person, username=username, password="pw")
    world.users[username] = user
    world.persons[username] = person
    return user


def make_election(world, *, eligibility="residents", basis="resident", votes_per_voter=1, announce=True,
                  candidates: int = 2, community="A") -> Election:
    """An election in community A with `candidates` approved candidates, then moved into its voting window."""
    now = timezone.now()
    e = services.election_create(
        actor=world.users["committee_A"], community=world.grid(community), title="最美业主", eligibility=eligibility,
        basis=basis, votes_per_voter=votes_per_voter, nomination_opens=now - dt.timedelta(days=1),
        nomination_closes=now + dt.timedelta(days=1), voting_opens=now + dt.timedelta(days=2),
        voting_closes=now + dt.timedelta(days=9), announce=announce,
    )
    micro = "A2em1" if community == "A" else "B1em1"
    staff = "committee_A" if community == "A" else "committee_B"
    for r in world.residents[micro][:candidates]:
        n = services.nomination_create(actor=world.users[staff], election_id=e.pk, nominee=r.pk, reason="热心公益")
        services.nomination_decide(actor=world.users[staff], election_id=e.pk, nomination_id=n.pk, approve=True,
                                   citation="热心肠")
    return e


def shift(election: Election, phase: str) -> Election:
    """Move an election's windows so that now falls in `phase` (test time travel)."""
    now = timezone.now()
    d = dt.timedelta
    windows = {
        "nominating": (now - d(days=1), now + d(days=1), now + d(days=2), now + d(days=9)),
        "voting": (now - d(days=9), now - d(days=5), now - d(days=1), now + d(days=5)),
        "closed": (now - d(days=20), now - d(days=15), now - d(days=10), now - d(days=1)),
        "before_voting": (now - d(days=9), now - d(days=5), now + d(days=1), now + d(days=5)),
    }[phase]
    Election.objects.filter(pk=election.pk).update(nomination_opens=windows[0], nomination_closes=windows[1],
                                                   voting_opens=windows[2], voting_closes=windows[3])
    election.refresh_from_db()
    return election


@pytest.fixture
def client_of(world):
    def make(key: str) -> Client:
        c = Client()
        c.force_login(world.users[key])
        return c
    return make
