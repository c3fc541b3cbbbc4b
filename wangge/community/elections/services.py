"""Every write of elections: create, change, announce, nominate, decide nominations, vote, publish the
results. Each call is one transaction and appends to the election's audit trail.

Votes: the election row is locked (`select_for_update(of=("self",))`) while the window, the voter's
eligibility and the candidates are checked, and the ballot's unique constraint (election, voter key) is
the last word on double voting — two residents of one household voting at once with one vote per
household give exactly one ballot."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from wangge.core.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied, full_clean
from wangge.core.text import clean_text
from wangge.notify.services import emit
from wangge.people.access import ELECTIONS, Actor, require
from wangge.registry.models import GridNode, Level, Resident

from . import selectors
from .models import (
    Action,
    AuditEntry,
    Ballot,
    Basis,
    Election,
    Eligibility,
    Nomination,
    NominationStatus,
    Vote,
)


def _audit(election: Election, actor: Actor, action: str, **detail) -> AuditEntry:
    return AuditEntry.objects.create(
        election=election, subdistrict_id=election.subdistrict_id, action=action, actor=actor.person,
        actor_label=(actor.label or "系统")[:50], detail={k: _plain(v) for k, v in detail.items()},
    )


def _plain(value):
    return value.isoformat() if isinstance(value, dt.datetime) else value


def _check_choice(value, choices, field: str) -> str:
    if value not in choices.values:
        raise InvalidInput.field(field, f"应为 {'、'.join(choices.values)} 之一")
    return value


def _check_windows(nomination_opens, nomination_closes, voting_opens, voting_closes) -> None:
    errors = []
    for name, value in (("nomination_opens", nomination_opens), ("nomination_closes", nomination_closes),
                        ("voting_opens", voting_opens), ("voting_closes", voting_closes)):
        if not isinstance(value, dt.datetime):
            errors.append(FieldError(name, "请填写日期时间"))
        elif timezone.is_naive(value):
            errors.append(FieldError(name, "日期时间须带时区"))
    if errors:
        raise InvalidInput(errors[0].message, errors=errors)
    if nomination_closes <= nomination_opens:
        raise InvalidInput.field("nomination_closes", "提名截止须晚于提名开始")
    if voting_opens < nomination_closes:
        raise InvalidInput.field("voting_opens", "投票开始不能早于提名截止")
    if voting_closes <= voting_opens:
        raise InvalidInput.field("voting_closes", "投票截止须晚于投票开始")


@transaction.atomic
def election_create(
    *, actor, community: int | GridNode, title: str, description: str = "", eligibility: str = Eligibility.RESIDENTS,
    basis: str = Basis.RESIDENT, votes_per_voter: int = 1, nomination_opens: dt.datetime,
    nomination_closes: dt.datetime, voting_opens: dt.datetime, voting_closes: dt.datetime, announce: bool = False,
) -> Election:
    actor = Actor.of(actor)
    if not isinstance(community, GridNode):
        community = GridNode.objects.filter(pk=community).first()
        if community is None:
            raise NotFound("未找到社区")
    require(actor.scope, ELECTIONS, community)
    if community.level != Level.COMMUNITY:
        raise InvalidInput.field("community", "评选须在社区一级举办")
    title = clean_text(title, "title", limit=100, required=True)
    description = clean_text(description, "description", limit=5000)
    _check_choice(eligibility, Eligibility, "eligibility")
    _check_choice(basis, Basis, "basis")
    if not isinstance(votes_per_voter, int) or not 1 <= votes_per_voter <= 10:
        raise InvalidInput.field("votes_per_voter", "每票可选人数应为1到10")
    _check_windows(nomination_opens, nomination_closes, voting_opens, voting_closes)
    now = timezone.now()
    election = Election(
        community=community, subdistrict_id=community.tenant_id, title=title,
        description=description, eligibility=eligibility, basis=basis, votes_per_voter=votes_per_voter,
        nomination_opens=nomination_opens, nomination_closes=nomination_closes, voting_opens=voting_opens,
        voting_closes=voting_closes, announced_at=now if announce else None, created_by=actor.person,
    )
    full_clean(election)
    election.save()
    _audit(election, actor, Action.CREATED, title=title, eligibility=eligibility, basis=basis,
           votes_per_voter=votes_per_voter, nomination_opens=nomination_opens, nomination_closes=nomination_closes,
           voting_opens=voting_opens, voting_closes=voting_closes)
    if announce:
        _audit(election, actor, Action.ANNOUNCED)
    return election


def _locked(actor: Actor, election_id: int) -> Election:
    election = selectors.election_get(actor=actor.scope, election_id=election_id)
    return Election.objects.select_for_update(of=("self",)).select_related("community").get(pk=election.pk)


WINDOW_FIELDS = ("nomination_opens", "nomination_closes", "voting_opens", "voting_closes")


@transaction.atomic
def election_update(*, actor, election_id: int, **changes) -> Election:
    """Change an election that is not finished. Fields left out (or None) stay as they are. The rules of
    the vote (eligibility, basis, votes per voter) are fixed once voting has opened; a window that has
    passed cannot be moved."""
    actor = Actor.of(actor)
    election = _locked(actor, election_id)
    require(actor.scope, ELECTIONS, election.community)
    if election.results_published_at is not None:
        raise Conflict("结果已公布，评选不能再修改")
    changes = {k: v for k, v in changes.items() if v is not None}
    unknown = set(changes) - {"title", "description", "eligibility", "basis", "votes_per_voter", *WINDOW_FIELDS}
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], "不能修改此项")
    now = timezone.now()
    if "title" in changes:
        changes["title"] = clean_text(changes["title"], "title", limit=100, required=True)
    if "description" in changes:
        changes["description"] = clean_text(changes["description"], "description", limit=5000)
    if "eligibility" in changes:
        _check_choice(changes["eligibility"], Eligibility, "eligibility")
    if "basis" in changes:
        _check_choice(changes["basis"], Basis, "basis")
    if "votes_per_voter" in changes and not (isinstance(changes["votes_per_voter"], int)
                                             and 1 <= changes["votes_per_voter"] <= 10):
        raise InvalidInput.field("votes_per_voter", "每票可选人数应为1到10")
    started = election.announced_at is not None and now >= election.voting_opens
    for field in ("eligibility", "basis", "votes_per_voter"):
        if field in changes and changes[field] != getattr(election, field) and started:
            raise Conflict("投票已开始，候选人条件和投票方式不能再改", errors=[FieldError(field, "投票已开始，不能再改")])
    windows = {f: changes.get(f, getattr(election, f)) for f in WINDOW_FIELDS}
    _check_windows(**windows)
    moved = {f: (getattr(election, f), windows[f]) for f in WINDOW_FIELDS if windows[f] != getattr(election, f)}
    if election.announced_at is not None:
        for field, (old, new) in moved.items():
            if old <= now and new != old:
                raise InvalidInput.field(field, "该时间已过，不能再调整")
    for field, value in changes.items():
        setattr(election, field, value)
    full_clean(election)
    election.save()
    plain = {k: v for k, v in changes.items() if k not in WINDOW_FIELDS}
    if plain:
        _audit(election, actor, Action.UPDATED, **plain)
    if moved:
        _audit(election, actor, Action.WINDOW_CHANGED,
               **{f: {"from": old.isoformat(), "to": new.isoformat()} for f, (old, new) in moved.items()})
    return election


@transaction.atomic
def election_publish(*, actor, election_id: int, results: bool = False) -> Election:
    """Announce a draft election to the residents (`results=False`), or publish its results once voting
    has closed (`results=True`); before that residents see no counts at all."""
    actor = Actor.of(actor)
    election = _locked(actor, election_id)
    require(actor.scope, ELECTIONS, election.community)
    now = timezone.now()
    if not results:
        if election.announced_at is not None:
            raise Conflict("评选已发布")
        election.announced_at = now
        election.save(update_fields=["announced_at"])
        _audit(election, actor, Action.ANNOUNCED)
        return election
    if election.announced_at is None:
        raise Conflict("评选还是草稿，请先发布评选")
    if election.results_published_at is not None:
        raise Conflict("结果已公布")
    if now < election.voting_closes:
        raise Conflict("投票尚未结束，不能公布结果")
    election.results_published_at = now
    election.save(update_fields=["results_published_at"])
    counts = selectors.results(actor=actor.scope, election=election)
    _audit(election, actor, Action.RESULTS_PUBLISHED, ballots=counts["ballots"], eligible=counts["eligible"],
           counts={str(c["id"]): c["votes"] for c in counts["candidates"]})
    emit(event="election.results_published", payload={"election_id": election.pk, "title": election.title},
         subdistrict_id=election.subdistrict_id)
    return election


def current_resident(actor: Actor, election: Election) -> Resident | None:
    """The acting person's resident row when they are a current resident of the election's community."""
    person = actor.person
    if person is None or person.resident_id is None:
        return None
    return selectors.community_residents(election.community).filter(pk=person.resident_id).first()


@transaction.atomic
def nomination_create(*, actor, election_id: int, nominee: int, reason: str) -> Nomination:
    """Put a resident forward: residents of the community (themselves or another) during the nomination
    period; the staff who run the election also until voting opens."""
    actor = Actor.of(actor)
    election = _locked(actor, election_id)
    now = timezone.now()
    staff = actor.scope.can(ELECTIONS, election.community)
    if election.announced_at is None and not staff:
        raise NotFound(f"未找到评选 {election_id}")
    if not staff:
        if current_resident(actor, election) is None:
            raise PermissionDenied("只有本社区在住居民可以提名")
        if not election.nominating(now):
            raise Conflict("不在提名期内" if now < election.nomination_opens else "提名已截止")
    elif now >= election.voting_opens:
        raise Conflict("投票已开始，不能再提名")
    reason = clean_text(reason, "reason", limit=1000, required=True)
    resident = selectors.community_residents(election.community).filter(pk=nominee).first() if isinstance(
        nominee, int) else None
    if resident is None:
        raise InvalidInput.field("nominee", "被提名人须是本社区在住居民")
    if election.eligibility == Eligibility.PARTY_MEMBERS and not selectors.is_party_member(resident):
        raise InvalidInput.field("nominee", "本评选只能提名党员")
    if election.nominations.filter(nominee=resident).exists():
        raise Conflict("该居民已被提名", errors=[FieldError("nominee", "该居民已被提名")])
    nomination = Nomination.objects.create(
        election=election, subdistrict_id=election.subdistrict_id, nominee=resident, nominated_by=actor.person,
        nominated_by_label=(actor.label or "")[:50], reason=reason,
    )
    _audit(election, actor, Action.NOMINATED, nomination=nomination.pk, nominee=resident.name,
           self_nomination=actor.person is not None and actor.person.resident_id == resident.pk)
    return nomination


@transaction.atomic
def nomination_decide(*, actor, election_id: int, nomination_id: int, approve: bool, citation: str = "") -> Nomination:
    """Approve a nomination into a candidate (with a short citation, required) or decline it, before
    voting opens."""
    actor = Actor.of(actor)
    election = _locked(actor, election_id)
    require(actor.scope, ELECTIONS, election.community)
    nomination = election.nominations.select_for_update().filter(pk=nomination_id).first()
    if nomination is None:
        raise NotFound(f"未找到提名 {nomination_id}")
    if timezone.now() >= election.voting_opens:
        raise Conflict("投票已开始，候选人不能再变")
    citation = clean_text(citation, "citation", limit=200, required=bool(approve))
    nomination.status = NominationStatus.APPROVED if approve else NominationStatus.DECLINED
    nomination.citation = citation
    nomination.decided_by = actor.person
    nomination.decided_at = timezone.now()
    nomination.save()
    _audit(election, actor, Action.APPROVED if approve else Action.DECLINED, nomination=nomination.pk,
           nominee=nomination.nominee.name, citation=citation)
    return nomination


@transaction.atomic
def vote_cast(*, actor, election_id: int, candidates: list[int]) -> Ballot:
    """Vote for one candidate (or up to `votes_per_voter`): a current resident of the community, within
    the voting window, once per resident or per household. Nothing is written when any check fails."""
    actor = Actor.of(actor)
    election = _locked(actor, election_id)
    if election.announced_at is None:
        raise NotFound(f"未找到评选 {election_id}")
    now = timezone.now()
    if now < election.voting_opens:
        raise Conflict("投票尚未开始")
    if now >= election.voting_closes:
        raise Conflict("投票已截止")
    resident = current_resident(actor, election)
    if resident is None:
        raise PermissionDenied("只有本社区在住居民可以投票")
    if not isinstance(candidates, list) or not candidates:
        raise InvalidInput.field("candidates", "请选择候选人")
    if len(set(candidates)) != len(candidates):
        raise InvalidInput.field("candidates", "同一候选人只能选一次")
    if len(candidates) > election.votes_per_voter:
        raise InvalidInput.field("candidates", f"最多选{election.votes_per_voter}人")
    chosen = list(election.nominations.filter(pk__in=candidates, status=NominationStatus.APPROVED))
    if len(chosen) != len(candidates):
        raise InvalidInput.field("candidates", "所选不是本次评选的候选人")
    key = selectors.voter_key(election, resident)
    if Ballot.objects.filter(election=election, voter_key=key).exists():
        raise Conflict("您家已经投过票了" if election.basis == Basis.HOUSEHOLD else "您已经投过票了")
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(election=election, subdistrict_id=election.subdistrict_id, voter_key=key,
                                           voter=resident, cast_at=now)
    except IntegrityError as exc:
        raise Conflict("您家已经投过票了" if election.basis == Basis.HOUSEHOLD else "您已经投过票了") from exc
    Vote.objects.bulk_create([Vote(election=election, subdistrict_id=election.subdistrict_id, candidate=c)
                              for c in chosen])
    _audit(election, actor, Action.VOTED, ballot=ballot.pk, voter=resident.name, voter_key=key)
    return ballot
