"""/api/v1 endpoints of 案事件: report, list, one incident, footage review requests and their results,
handover to the police station, and the outcome."""

from __future__ import annotations

from ninja import Query, Router, Status

from wangge.core.schemas import ERRORS, Id, list_of, page_of
from wangge.matters.services import Actor
from wangge.people.access import request_scope

from . import selectors, services
from .schemas import (
    FootageRecordIn,
    FootageRequestIn,
    HandoverIn,
    IncidentConcludeIn,
    IncidentDetailOut,
    IncidentIn,
    IncidentOut,
    IncidentQuery,
    ReviewOut,
)
from .serializers import incident_detail_out, incident_out, review_out

router = Router(tags=["incidents"])


def _detail(request, incident_id: int) -> dict:
    scope = request_scope(request)
    return incident_detail_out(scope, selectors.incident_get(actor=scope, incident_id=incident_id))


@router.get("/incidents", response={200: list_of(IncidentOut), **ERRORS}, operation_id="incident_list")
def incident_list(request, query: Query[IncidentQuery]):
    """Incidents of the grids where you handle incidents, and those you reported; newest first."""
    qs = selectors.incident_list(
        actor=request_scope(request), within=query.within, status=query.status, kind=query.kind, q=query.q,
        mine=query.mine,
    )
    return page_of(qs, query, incident_out)


@router.post("/incidents", response={201: IncidentDetailOut, **ERRORS}, operation_id="incident_create")
def incident_create(request, payload: IncidentIn):
    """Report an incident: an owner in their own estate, a worker in their grid."""
    incident = services.incident_report(actor=Actor.for_request(request), **payload.dict())
    return Status(201, _detail(request, incident.pk))


@router.get("/incidents/{incident_id}", response={200: IncidentDetailOut, **ERRORS}, operation_id="incident_get")
def incident_get(request, incident_id: Id):
    """One incident with its footage reviews, its history and the actions you can take."""
    return _detail(request, incident_id)


@router.post("/incidents/{incident_id}/footage-requests", response={201: ReviewOut, **ERRORS},
             operation_id="incident_footage_request")
def incident_footage_request(request, incident_id: Id, payload: FootageRequestIn):
    """Ask the estate's property company to review cameras of the incident's estate over a time window
    (end after start, at most 72 hours, within 3 days of the incident)."""
    review = services.incident_footage_request(actor=Actor.for_request(request), incident_id=incident_id,
                                               **payload.dict())
    return Status(201, review_out(review))


@router.post("/incidents/{incident_id}/footage-requests/{review_id}/record", response={200: ReviewOut, **ERRORS},
             operation_id="incident_footage_record")
def incident_footage_record(request, incident_id: Id, review_id: Id, payload: FootageRecordIn):
    """Record what the footage showed (you are the reviewer)."""
    review = services.incident_footage_record(actor=Actor.for_request(request), incident_id=incident_id,
                                              review_id=review_id, finding=payload.finding, found=payload.found)
    return review_out(review)


@router.post("/incidents/{incident_id}/handover", response={200: IncidentDetailOut, **ERRORS},
             operation_id="incident_handover")
def incident_handover(request, incident_id: Id, payload: HandoverIn):
    """Hand the case to the police station."""
    services.incident_handover(actor=Actor.for_request(request), incident_id=incident_id, **payload.dict())
    return _detail(request, incident_id)


@router.post("/incidents/{incident_id}/conclude", response={200: IncidentDetailOut, **ERRORS},
             operation_id="incident_conclude")
def incident_conclude(request, incident_id: Id, payload: IncidentConcludeIn):
    """Record the outcome: solved, unsolved or closed, with the outcome text."""
    services.incident_conclude(actor=Actor.for_request(request), incident_id=incident_id, status=payload.status,
                               outcome=payload.outcome)
    return _detail(request, incident_id)
