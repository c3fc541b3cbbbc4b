"""Every read of elections, filtered through the access scope.

Staff see the elections of the communities in their VIEW scope (drafts included); a resident sees the
announced (non-draft) elections of their own community. Counts are shown to residents only once the
results are published; the audit trail only to ELECTIONS holders."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from wangge.core.errors import NotFound, one_of
from wangge.core.text import normalize_query
from wangge.people.access import ELECTIONS, VIEW, Scope, actor_scope, require
from wangge.people.models import Membership
from wangge.registry.models import GridNode, Resident, path_ids
from wangge.registry.selectors import within_node

from .models import Ballot, Basis, Election, Nomination, NominationStatus, Phase


def party_member_q(prefix: str = "") -> Q:
    """A resident is a party member when the registry says so (`Resident.is_party_member`) or their person
    holds a current membership marked as a party member (`people.Membership.is_party_member`)."""
    today = timezone.localdate()
    current = Membership.objects.filter(
        person__resident=OuterRef(f"{prefix}pk"), is_party_member=True, start__lte=today,
    ).filter(Q(end__isnull=True) | Q(end__gte=today))
    return Q(**{f"{prefix}is_party_member": True}) | Q(Exists(current))


def community_residents(community: GridNode) -> QuerySet[Resident]:
    """The current residents (not left) of the community's households."""
    return Resident.objects.filter(left_at__isnull=True,
                                   household__unit__building__estate_grid__path__startswith=community.path)


def eligible_voter_count(election: Election) -> int:
    residents = community_residents(election.community)
    if election.basis == Basis.HOUSEHOLD:
        return residents.values("household_id").distinct().count()
    return residents.count()


def is_party_member(resident: Resident) -> bool:
    return Resident.objects.filter(party_member_q(), pk=resident.pk).exists()


def election_visible_q(scope: Scope) -> Q:
    if scope.is_admin:
        return Q()
    q = scope.grid_q("community__", VIEW)
    if scope.household_chain:
        q |= Q(community_id__in=scope.household_chain, announced_at__isnull=False)
    return q


def election_list(*, actor, phase: str | None = None, within: int | None = None,
                  q: str | None = None) -> QuerySet[Election]:
    scope = actor_scope(actor)
    qs = Election.objects.filter(election_visible_q(scope)).select_related("community").annotate(
        n_candidates=Count("nominations", filter=Q(nominations__status=NominationStatus.APPROVED), distinct=True),
    )
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(Q(community__path__startswith=node.path) | Q(pk__in=Election.objects.filter(
            community_id__in=path_ids(node.path)).values("pk")))
    if q:
        needle = normalize_query(q)
        qs = qs.filter(Q(title__icontains=needle) | Q(description__icontains=needle))
    if phase:
        one_of(phase, Phase.values, "phase", "阶段")
        now = timezone.now()
        by_phase = {
            Phase.DRAFT: Q(announced_at__isnull=True),
            Phase.FINISHED: Q(announced_at__isnull=False, results_published_at__isnull=False),
            Phase.UPCOMING: Q(announced_at__isnull=False, results_published_at__isnull=True,
                              nomination_opens__gt=now),
            Phase.NOMINATING: Q(announced_at__isnull=False, results_published_at__isnull=True,
                                nomination_opens__lte=now, nomination_closes__gt=now),
            Phase.REVIEWING: Q(announced_at__isnull=False, results_published_at__isnull=True,
                               nomination_closes__lte=now, voting_opens__gt=now),
            Phase.VOTING: Q(announced_at__isnull=False, results_published_at__isnull=True,
                            voting_opens__lte=now, voting_closes__gt=now),
            Phase.COUNTING: Q(announced_at__isnull=False, results_published_at__isnull=True,
                              voting_closes__lte=now),
        }
        qs = qs.filter(by_phase[phase])
    return qs


def election_get(*, actor, election_id: int) -> Election:
    scope = actor_scope(actor)
    election = Election.objects.filter(election_visible_q(scope), pk=election_id).select_related("community").first()
    if election is None:
        raise NotFound(f"未找到评选 {election_id}")
    return election


def election_for_staff(*, actor, election_id: int, capability: str = ELECTIONS) -> Election:
    """The election, when the actor runs elections there: 404 when out of sight, 403 when seen without
    the capability."""
    scope = actor_scope(actor)
    election = election_get(actor=scope, election_id=election_id)
    require(scope, capability, election.community)
    return election


def can_run(scope: Scope, election: Election) -> bool:
    return scope.can(ELECTIONS, election.community)


def nominations(*, actor, election: Election) -> QuerySet[Nomination]:
    """Staff who run the election see every nomination; others see the candidates only."""
    scope = actor_scope(actor)
    qs = election.nominations.select_related("nominee", "nominee__household__unit__building")
    if not can_run(scope, election):
        qs = qs.filter(status=NominationStatus.APPROVED)
    return qs.order_by("id")


def results(*, actor, election: Election) -> dict:
    """Counts per candidate and turnout. Residents see them once the results are published; the staff who
    run the election at any time."""
    scope = actor_scope(actor)
    if election.results_published_at is None:
        require(scope, ELECTIONS, election.community)
    rows = (election.nominations.filter(status=NominationStatus.APPROVED).select_related("nominee")
            .annotate(n_votes=Count("votes")).order_by("-n_votes", "id"))
    ballots = election.ballots.count()
    eligible = eligible_voter_count(election)
    return {
        "election": election.pk,
        "published": election.results_published_at is not None,
        "published_at": election.results_published_at,
        "ballots": ballots,
        "eligible": eligible,
        "turnout": round(ballots / eligible, 4) if eligible else 0.0,
        "candidates": [{"id": n.pk, "name": n.nominee.name, "citation": n.citation, "votes": n.n_votes}
                       for n in rows],
    }


def audit(*, actor, election_id: int):
    election = election_for_staff(actor=actor, election_id=election_id)
    return election.audit.select_related("actor").order_by("at", "id")


def has_voted(*, resident: Resident | None, election: Election) -> bool:
    if resident is None:
        return False
    key = voter_key(election, resident)
    return Ballot.objects.filter(election=election, voter_key=key).exists()


def with_voted(qs: QuerySet[Election], resident: Resident | None) -> QuerySet[Election]:
    """Each election with `has_voted_annotated`: whether the resident (or their household, where one vote
    is per household) has voted, in the list's own query. An election's ballots all carry keys of its own
    basis, so matching either key is exact."""
    if resident is None:
        return qs
    keys = [f"r:{resident.pk}", f"h:{resident.household_id}"]
    return qs.annotate(has_voted_annotated=Exists(Ballot.objects.filter(election=OuterRef("pk"), voter_key__in=keys)))


def voter_key(election: Election, resident: Resident) -> str:
    if election.basis == Basis.HOUSEHOLD:
        return f"h:{resident.household_id}"
    return f"r:{resident.pk}"


def eligible_nominees(*, election: Election, q: str = "") -> QuerySet[Resident]:
    qs = community_residents(election.community)
    if election.eligibility == "party_members":
        qs = qs.filter(party_member_q())
    if q:
        qs = qs.filter(search_text__contains=normalize_query(q))
    return qs.order_by("id")
