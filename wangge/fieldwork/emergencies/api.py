"""/api/v1/emergencies: declare an emergency or a drill, follow the households' statuses, confirm one,
give the all-clear."""

from __future__ import annotations

from ninja import Query, Router, Status

from wangge.core.schemas import ERRORS, Id, list_of, page_of
from wangge.people.access import request_scope

from . import selectors, services
from .schemas import (
    ClearIn,
    EmergencyIn,
    EmergencyOut,
    EmergencyQuery,
    HouseholdQuery,
    HouseholdStatusOut,
    StatusIn,
)
from .serializers import emergency_out, household_out

router = Router(tags=["emergencies"])


def _get(request, emergency_id: int) -> dict:
    e = selectors.emergency_get(actor=request_scope(request), emergency_id=emergency_id)
    return emergency_out(e)


@router.get("/emergencies", response={200: list_of(EmergencyOut), **ERRORS}, operation_id="emergency_list")
def emergency_list(request, query: Query[EmergencyQuery]):
    """Emergencies and drills of your grids (and of your households' grids), newest first, with the
    households' counts by status."""
    qs = selectors.emergency_list(actor=request_scope(request), status=query.status, kind=query.kind,
                                  drill=query.drill, within=query.within, q=query.q).prefetch_related("buildings")
    return page_of(qs, query, emergency_out)


@router.post("/emergencies", response={201: EmergencyOut, **ERRORS}, operation_id="emergency_declare")
def emergency_declare(request, payload: EmergencyIn):
    """Declare an emergency (or a drill) on a grid and/or buildings: every resident and worker of the
    affected buildings and the joint units concerned are told at once, through every channel they have."""
    e = services.emergency_declare(actor=request.user, **payload.dict())
    return Status(201, _get(request, e.pk))


@router.get("/emergencies/{emergency_id}", response={200: EmergencyOut, **ERRORS}, operation_id="emergency_get")
def emergency_get(request, emergency_id: Id):
    return _get(request, emergency_id)


@router.get("/emergencies/{emergency_id}/households", response={200: list_of(HouseholdStatusOut), **ERRORS},
            operation_id="emergency_households")
def emergency_households(request, emergency_id: Id, query: Query[HouseholdQuery]):
    """The affected households of your grids with their status, by building, floor and room; filter by
    `status` and `building`. Residents' phones are masked."""
    scope = request_scope(request)
    e = selectors.emergency_get(actor=scope, emergency_id=emergency_id)
    qs = selectors.household_list(actor=scope, emergency=e, status=query.status, building=query.building, q=query.q)
    return page_of(qs, query, household_out)


@router.post("/emergencies/{emergency_id}/households/{household_id}", response={200: HouseholdStatusOut, **ERRORS},
             operation_id="emergency_household_status")
def emergency_household_status(request, emergency_id: Id, household_id: Id, payload: StatusIn):
    """Confirm one household: safe, needs help, or not reached. 409 once the all-clear was given."""
    scope = request_scope(request)
    services.emergency_household_status(actor=request.user, emergency_id=emergency_id, household_id=household_id,
                                        status=payload.status, note=payload.note)
    e = selectors.emergency_get(actor=scope, emergency_id=emergency_id)
    row = selectors.household_list(actor=scope, emergency=e).get(household_id=household_id)
    return household_out(row)


@router.post("/emergencies/{emergency_id}/clear", response={200: EmergencyOut, **ERRORS},
             operation_id="emergency_clear")
def emergency_clear(request, emergency_id: Id, payload: ClearIn):
    """The all-clear, with the report (required). 409 when it was given already."""
    services.emergency_clear(actor=request.user, emergency_id=emergency_id, report=payload.report)
    return _get(request, emergency_id)
