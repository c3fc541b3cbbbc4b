from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from wangge.community.elections import selectors, services
from wangge.community.elections.models import Action, AuditEntry, Ballot, Vote
from wangge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from wangge.people import services as people
from wangge.registry import services as registry

from .conftest import login_of, make_election, shift

pytestmark = pytest.mark.django_db


def candidates(e):
    return list(e.nominations.filter(status="approved").values_list("pk", flat=True))


# -- eligibility -------------------------------------------------------------------------------------------


def test_party_members_only_accepts_registry_flag_or_party_membership(world):
    e = make_election(world, eligibility="party_members", candidates=0)
    plain, flagged, member = world.residents["A1em2"][:3]
    flagged.is_party_member = True
    flagged.save()
    person = people.person_create(name=member.name, resident=member)
    people.membership_add(person=person, organisation=world.organisations["A_party"], is_party_member=True)
    with pytest.raises(InvalidInput) as exc:
        services.nomination_create(actor=world.users["committee_A"], election_id=e.pk, nominee=plain.pk, reason="好")
    assert exc.value.errors[0].field == "nominee" and "党员" in exc.value.message
    for r in (flagged, member):
        services.nomination_create(actor=world.users["committee_A"], election_id=e.pk, nominee=r.pk, reason="好")
    assert e.nominations.count() == 2


def test_nominee_from_other_community_or_left_is_refused(world):
    e = make_election(world, candidates=0)
    other = world.residents["B1em1"][0]
    left = world.residents["A1em2"][0]
    registry.resident_leave(resident=left, reason="moved_away")
    for r in (other, left):
        with pytest.raises(InvalidInput) as exc:
            services.nomination_create(actor=world.users["committee_A"], election_id=e.pk, nominee=r.pk, reason="好")
        assert exc.value.errors[0].field == "nominee"
    assert e.nominations.count() == 0


def test_resident_nominates_self_or_other_in_period_only(world):
    e = make_election(world, candidates=0)
    me = world.residents["A1em1"][0]
    services.nomination_create(actor=world.users["resident"], election_id=e.pk, nominee=me.pk, reason="我愿意服务")
    services.nomination_create(actor=world.users["resident"], election_id=e.pk, nominee=world.residents["A2em2"][0].pk,
                               reason="热心邻居")
    with pytest.raises(Conflict):
        services.nomination_create(actor=world.users["resident"], election_id=e.pk, nominee=me.pk, reason="再提")
    shift(e, "before_voting")
    with pytest.raises(Conflict, match="提名已截止"):
        services.nomination_create(actor=world.users["resident"], election_id=e.pk,
                                   nominee=world.residents["A2em2"][1].pk, reason="晚了")
    audit = list(AuditEntry.objects.filter(election=e, action=Action.NOMINATED).values_list("detail", flat=True))
    assert [a["self_nomination"] for a in audit] == [True, False]


def test_approval_needs_a_citation(world):
    e = make_election(world, candidates=0)
    n = services.nomination_create(actor=world.users["resident"], election_id=e.pk,
                                   nominee=world.residents["A1em1"][1].pk, reason="好")
    with pytest.raises(InvalidInput) as exc:
        services.nomination_decide(actor=world.users["committee_A"], election_id=e.pk, nomination_id=n.pk,
                                   approve=True, citation=" ")
    assert exc.value.errors[0].field == "citation"
    with pytest.raises(PermissionDenied):
        services.nomination_decide(actor=world.users["resident"], election_id=e.pk, nomination_id=n.pk,
                                   approve=True, citation="好")


# -- voting ------------------------------------------------------------------------------------------------


def test_vote_once_per_resident_and_second_vote_refused(world):
    e = shift(make_election(world), "voting")
    c = candidates(e)
    services.vote_cast(actor=world.users["resident"], election_id=e.pk, candidates=[c[0]])
    with pytest.raises(Conflict, match="已经投过票"):
        services.vote_cast(actor=world.users["resident"], election_id=e.pk, candidates=[c[1]])
    assert Ballot.objects.filter(election=e).count() == 1 and Vote.objects.filter(election=e).count() == 1
    # The spouse in the same household votes too: per resident.
    login_of(world, world.residents["A1em1"][1], "spouse")
    services.vote_cast(actor=world.users["spouse"], election_id=e.pk, candidates=[c[1]])
    assert Ballot.objects.filter(election=e).count() == 2


def test_household_basis_one_vote_per_household(world):
    e = shift(make_election(world, basis="household"), "voting")
    c = candidates(e)
    login_of(world, world.residents["A1em1"][1], "spouse")
    services.vote_cast(actor=world.users["resident"], election_id=e.pk, candidates=[c[0]])
    with pytest.raises(Conflict, match="您家已经投过票"):
        services.vote_cast(actor=world.users["spouse"], election_id=e.pk, candidates=[c[1]])
    assert Ballot.objects.get(election=e).voter_key == f"h:{world.residents['A1em1'][0].household_id}"


def test_database_refuses_a_second_ballot_without_the_form(world):
    from django.db import IntegrityError, transaction

    e = shift(make_election(world), "voting")
    services.vote_cast(actor=world.users["resident"], election_id=e.pk, candidates=[candidates(e)[0]])
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(election=e, voter_key=f"r:{world.residents['A1em1'][0].pk}",
                              voter=world.residents["A1em1"][0])


@pytest.mark.parametrize("phase,message", [("nominating", "投票尚未开始"), ("closed", "投票已截止")])
def test_vote_outside_window(world, phase, message):
    e = shift(make_election(world), phase) if phase == "closed" else make_election(world)
    with pytest.raises(Conflict, match=message):
        services.vote_cast(actor=world.users["resident"], election_id=e.pk, candidates=[candidates(e)[0]])
    assert not Ballot.objects.exists() and not Vote.objects.exists()


def test_vote_by_not_eligible_or_for_non_candidate(world):
    e = shift(make_election(world), "voting")
    c = candidates(e)
    # staff without a household, a resident of B, a resident who has left
    login_of(world, world.residents["B1em1"][0], "b_resident")
    login_of(world, world.residents["A1em2"][0], "leaver")
    registry.resident_leave(resident=world.residents["A1em2"][0], reason="moved_away")
    with pytest.raises(PermissionDenied):
        services.vote_cast(actor=world.users["committee_A"], election_id=e.pk, candidates=[c[0]])
    with pytest.raises(NotFound):  # B's resident does not even see A's election
        services.vote_cast(actor=world.users["b_resident"], election_id=e.pk, candidates=[c[0]])
    with pytest.raises(NotFound):
        services.vote_cast(actor=world.users["leaver"], election_id=e.pk, candidates=[c[0]])
    with pytest.raises(InvalidInput) as exc:
        services.vote_cast(actor=world.users["resident"], election_id=e.pk, candidates=[999999])
    assert exc.value.errors[0].field == "candidates"
    with pytest.raises(InvalidInput, match="最多选1人"):
        services.vote_cast(actor=world.users["resident"], election_id=e.pk, candidates=c)
    assert not Ballot.objects.exists() and not Vote.objects.exists()


def test_several_choices_when_configured(world):
    e = shift(make_election(world, votes_per_voter=2, candidates=3), "voting")
    c = candidates(e)
    services.vote_cast(actor=world.users["resident"], election_id=e.pk, candidates=c[:2])
    assert Vote.objects.filter(election=e).count() == 2
    with pytest.raises(InvalidInput, match="同一候选人"):
        login_of(world, world.residents["A1em1"][1], "spouse")
        services.vote_cast(actor=world.users["spouse"], election_id=e.pk, candidates=[c[0], c[0]])


def test_draft_is_invisible_to_residents(world):
    e = make_election(world, announce=False)
    with pytest.raises(NotFound):
        selectors.election_get(actor=world.users["resident"], election_id=e.pk)
    services.election_publish(actor=world.users["committee_A"], election_id=e.pk)
    assert selectors.election_get(actor=world.users["resident"], election_id=e.pk) == e


# -- windows, audit, results ------------------------------------------------------------------------------------


def test_window_rules(world):
    e = make_election(world)
    now = timezone.now()
    with pytest.raises(InvalidInput) as exc:
        services.election_update(actor=world.users["committee_A"], election_id=e.pk,
                                 voting_closes=now + dt.timedelta(days=1))
    assert exc.value.errors[0].field == "voting_closes"
    with pytest.raises(InvalidInput) as exc:  # nomination opened already: that moment has passed
        services.election_update(actor=world.users["committee_A"], election_id=e.pk,
                                 nomination_opens=now - dt.timedelta(days=3))
    assert exc.value.errors[0].field == "nomination_opens"
    services.election_update(actor=world.users["committee_A"], election_id=e.pk,
                             voting_closes=now + dt.timedelta(days=12))
    entry = AuditEntry.objects.filter(election=e, action=Action.WINDOW_CHANGED).get()
    assert set(entry.detail) == {"voting_closes"}
    shift(e, "voting")
    with pytest.raises(Conflict):
        services.election_update(actor=world.users["committee_A"], election_id=e.pk, basis="household")


def test_audit_trail_records_voter_but_not_choice(world):
    e = shift(make_election(world), "voting")
    services.vote_cast(actor=world.users["resident"], election_id=e.pk, candidates=[candidates(e)[0]])
    shift(e, "closed")
    services.election_publish(actor=world.users["committee_A"], election_id=e.pk, results=True)
    actions = list(AuditEntry.objects.filter(election=e).values_list("action", flat=True))
    assert actions == ["created", "announced", "nominated", "approved", "nominated", "approved", "voted",
                       "results_published"]
    voted = AuditEntry.objects.get(election=e, action="voted")
    assert voted.actor == world.persons["resident"] and voted.detail["voter"] == world.residents["A1em1"][0].name
    assert "candidate" not in str(voted.detail) and str(candidates(e)[0]) not in voted.detail.values()
    with pytest.raises(PermissionDenied):
        selectors.audit(actor=world.users["resident"], election_id=e.pk)


def test_results_hidden_from_residents_until_published(world):
    e = shift(make_election(world), "voting")
    c = candidates(e)
    services.vote_cast(actor=world.users["resident"], election_id=e.pk, candidates=[c[1]])
    with pytest.raises(PermissionDenied):
        selectors.results(actor=world.users["resident"], election=e)
    with pytest.raises(Conflict, match="投票尚未结束"):
        services.election_publish(actor=world.users["committee_A"], election_id=e.pk, results=True)
    shift(e, "closed")
    services.election_publish(actor=world.users["committee_A"], election_id=e.pk, results=True)
    e.refresh_from_db()
    r = selectors.results(actor=world.users["resident"], election=e)
    assert r["ballots"] == 1 and r["eligible"] == 16 and r["turnout"] == round(1 / 16, 4)
    assert r["candidates"][0]["id"] == c[1] and r["candidates"][0]["votes"] == 1
    assert e.phase() == "finished"
    with pytest.raises(Conflict):
        services.election_update(actor=world.users["committee_A"], election_id=e.pk, title="改名")


def test_turnout_per_household(world):
    e = shift(make_election(world, basis="household"), "voting")
    assert selectors.eligible_voter_count(e) == 8


# -- concurrency (PostgreSQL) ----------------------------------------------------------------------------------

pg_only = pytest.mark.skipif(connection.vendor != "postgresql",
                             reason="SQLite locks the whole database: parallel writers fail with 'locked'")


def _race(jobs):
    errors: list = []
    barrier = threading.Barrier(len(jobs))

    def run(fn):
        try:
            barrier.wait()
            fn()
        except Exception as exc:  # collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pg_only
@pytest.mark.django_db(transaction=True)
def test_two_residents_of_one_household_at_once_give_one_vote(world):
    e = shift(make_election(world, basis="household"), "voting")
    c = candidates(e)
    login_of(world, world.residents["A1em1"][1], "spouse")
    errors = _race([
        lambda: services.vote_cast(actor=world.users["resident"], election_id=e.pk, candidates=[c[0]]),
        lambda: services.vote_cast(actor=world.users["spouse"], election_id=e.pk, candidates=[c[1]]),
    ])
    assert Ballot.objects.filter(election=e).count() == 1 and Vote.objects.filter(election=e).count() == 1
    assert len(errors) == 1 and isinstance(errors[0], Conflict)


@pg_only
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_votes_by_ten_residents_give_ten(world):
    e = shift(make_election(world), "voting")
    c = candidates(e)
    voters = []
    for i, r in enumerate([*world.residents["A1em2"], *world.residents["A2em1"], *world.residents["A2em2"][:2]]):
        login_of(world, r, f"voter{i}")
        voters.append(world.users[f"voter{i}"])
    assert len(voters) == 10
    jobs = [(lambda u=u, k=k: services.vote_cast(actor=u, election_id=e.pk, candidates=[c[k % 2]]))
            for k, u in enumerate(voters * 2)]
    errors = _race(jobs)
    assert Ballot.objects.filter(election=e).count() == 10 and Vote.objects.filter(election=e).count() == 10
    assert len(errors) == 10 and all(isinstance(x, Conflict) for x in errors)
    assert AuditEntry.objects.filter(election=e, action="voted").count() == 10
