"""/api/v1/elections: awards elections — nominate, approve candidates, vote once, results, audit."""

from __future__ import annotations

from ninja import Query, Router, Status

from wangge.core.schemas import ERRORS, Id, ListQuery, list_of, page_of
from wangge.people.access import Actor

from . import selectors, services
from .schemas import (
    AuditOut,
    BallotOut,
    ElectionIn,
    ElectionOut,
    ElectionPatch,
    ElectionQuery,
    ElectionVoteIn,
    NominateIn,
    NominationDecideIn,
    NominationOut,
    PublishIn,
    ResultsOut,
)
from .serializers import audit_out, election_out, nomination_out

router = Router(tags=["elections"])


def _resident(actor: Actor):
    person = actor.person
    return person.resident if person is not None and person.resident_id else None


def _out(request, election_id: int) -> dict:
    actor = Actor.for_request(request)
    e = selectors.election_get(actor=actor.scope, election_id=election_id)
    return election_out(e, scope=actor.scope, resident=_resident(actor))


@router.get("/elections", response={200: list_of(ElectionOut), **ERRORS}, operation_id="election_list")
def election_list(request, query: Query[ElectionQuery]):
    """Elections of your community (residents: announced ones) or of your grids (staff: drafts too)."""
    actor = Actor.for_request(request)
    qs = selectors.election_list(actor=actor.scope, phase=query.phase, within=query.within, q=query.q)
    resident = _resident(actor)
    qs = selectors.with_voted(qs, resident)
    return page_of(qs, query, lambda e: election_out(e, scope=actor.scope, resident=resident))


@router.post("/elections", response={201: ElectionOut, **ERRORS}, operation_id="election_create")
def election_create(request, payload: ElectionIn):
    """Create an election in a community (ELECTIONS there): a draft unless `announce`."""
    e = services.election_create(actor=Actor.for_request(request), **payload.dict())
    return Status(201, _out(request, e.pk))


@router.get("/elections/{election_id}", response={200: ElectionOut, **ERRORS}, operation_id="election_get")
def election_get(request, election_id: Id):
    return _out(request, election_id)


@router.patch("/elections/{election_id}", response={200: ElectionOut, **ERRORS}, operation_id="election_update")
def election_update(request, election_id: Id, payload: ElectionPatch):
    """Change an election (ELECTIONS): windows not yet passed; eligibility and basis until voting opens."""
    services.election_update(actor=Actor.for_request(request), election_id=election_id,
                             **payload.dict(exclude_unset=True))
    return _out(request, election_id)


@router.post("/elections/{election_id}/publish", response={200: ElectionOut, **ERRORS},
             operation_id="election_publish")
def election_publish(request, election_id: Id, payload: PublishIn):
    """Announce a draft (`results: false`) or publish the results after voting closed (`results: true`)."""
    services.election_publish(actor=Actor.for_request(request), election_id=election_id, results=payload.results)
    return _out(request, election_id)


@router.get("/elections/{election_id}/nominations", response={200: list_of(NominationOut), **ERRORS},
            operation_id="election_nominations")
def election_nominations(request, election_id: Id, query: Query[ListQuery]):
    """Candidates; the staff who run the election see pending and declined nominations too."""
    actor = Actor.for_request(request)
    e = selectors.election_get(actor=actor.scope, election_id=election_id)
    return page_of(selectors.nominations(actor=actor.scope, election=e), query, nomination_out)


@router.post("/elections/{election_id}/nominations", response={201: NominationOut, **ERRORS},
             operation_id="election_nominate")
def election_nominate(request, election_id: Id, payload: NominateIn):
    """Nominate a resident of the community (residents during the nomination period; staff until voting)."""
    n = services.nomination_create(actor=Actor.for_request(request), election_id=election_id, **payload.dict())
    return Status(201, nomination_out(n))


@router.post("/elections/{election_id}/nominations/{nomination_id}/decide", response={200: NominationOut, **ERRORS},
             operation_id="election_candidate_approve")
def election_candidate_approve(request, election_id: Id, nomination_id: Id, payload: NominationDecideIn):
    """Approve a nomination into a candidate with a citation, or decline it (ELECTIONS)."""
    n = services.nomination_decide(actor=Actor.for_request(request), election_id=election_id,
                                   nomination_id=nomination_id, **payload.dict())
    return nomination_out(n)


@router.post("/elections/{election_id}/votes", response={201: BallotOut, **ERRORS}, operation_id="election_vote")
def election_vote(request, election_id: Id, payload: ElectionVoteIn):
    """Vote, once (per resident or per household as configured), within the voting window. 409 for a
    second vote or outside the window, 403 for someone who is not a current resident of the community."""
    ballot = services.vote_cast(actor=Actor.for_request(request), election_id=election_id,
                                candidates=payload.candidates)
    return Status(201, {"election": election_id, "cast_at": ballot.cast_at, "message": "投票成功"})


@router.get("/elections/{election_id}/results", response={200: ResultsOut, **ERRORS},
            operation_id="election_results")
def election_results(request, election_id: Id):
    """Counts per candidate and turnout: for residents once published (403 before), for the staff any time."""
    actor = Actor.for_request(request)
    e = selectors.election_get(actor=actor.scope, election_id=election_id)
    return selectors.results(actor=actor.scope, election=e)


@router.get("/elections/{election_id}/audit", response={200: list_of(AuditOut), **ERRORS},
            operation_id="election_audit")
def election_audit(request, election_id: Id, query: Query[ListQuery]):
    """The append-only trail (ELECTIONS): who nominated, decided, voted (not for whom), changed, published."""
    return page_of(selectors.audit(actor=Actor.for_request(request).scope, election_id=election_id), query, audit_out)
