"""/api/v1 endpoints of 入户走访: visit plans, visits, a worker's due list and coverage."""

from __future__ import annotations

from ninja import Query, Router, Status

from wangge.core.schemas import ERRORS, Id, list_of, page_of
from wangge.matters.services import Actor
from wangge.people.access import request_scope

from . import selectors, services
from .schemas import (
    DueOut,
    DueQuery,
    PlanIn,
    PlanOut,
    PlanPatch,
    PlanQuery,
    VisitCoverageOut,
    VisitCoverageQuery,
    VisitIn,
    VisitOut,
    VisitQuery,
)
from .serializers import due_out, grid_ref, plan_out, tally_out, visit_out

router = Router(tags=["visits"])


# -- plans ---------------------------------------------------------------------------------------------


@router.get("/visit-plans", response={200: list_of(PlanOut), **ERRORS}, operation_id="visit_plan_list")
def visit_plan_list(request, query: Query[PlanQuery]):
    """The visit plans of the grids in your scope. A household follows the nearest active plan above it;
    with none, every 91 days and every 30 days for care households."""
    qs = selectors.plan_list(actor=request_scope(request), within=query.within, q=query.q, active=query.active)
    return page_of(qs, query, plan_out)


@router.get("/visit-plans/{plan_id}", response={200: PlanOut, **ERRORS}, operation_id="visit_plan_get")
def visit_plan_get(request, plan_id: Id):
    return plan_out(selectors.plan_get(actor=request_scope(request), plan_id=plan_id))


@router.post("/visit-plans", response={201: PlanOut, **ERRORS}, operation_id="visit_plan_create")
def visit_plan_create(request, payload: PlanIn):
    """Set a grid's visit plan (one per grid; 409 when it has one). Needs the visit-planning permission."""
    plan = services.visit_plan_create(actor=Actor.for_request(request), **payload.dict())
    return Status(201, plan_out(selectors.plan_get(actor=request_scope(request), plan_id=plan.pk)))


@router.patch("/visit-plans/{plan_id}", response={200: PlanOut, **ERRORS}, operation_id="visit_plan_update")
def visit_plan_update(request, plan_id: Id, payload: PlanPatch):
    """Change the fields sent; the others stay."""
    changes = payload.dict(exclude_unset=True)
    services.visit_plan_update(actor=Actor.for_request(request), plan_id=plan_id, **changes)
    return plan_out(selectors.plan_get(actor=request_scope(request), plan_id=plan_id))


# -- visits --------------------------------------------------------------------------------------------


@router.get("/visits", response={200: list_of(VisitOut), **ERRORS}, operation_id="visit_list")
def visit_list(request, query: Query[VisitQuery]):
    """Visits in your scope, newest first. `q` finds the worker, the building, the grid or the notes."""
    qs = selectors.visit_list(
        actor=request_scope(request), within=query.within, q=query.q, outcome=query.outcome,
        household=query.household, worker=query.worker, since=query.since, until=query.until,
    )
    return page_of(qs, query, visit_out)


@router.get("/visits/due", response={200: list_of(DueOut), **ERRORS}, operation_id="visit_due")
def visit_due(request, query: Query[DueQuery]):
    """Your list for today, in walking order (estate → building → unit → floor → room): households never
    met, overdue or due today, and follow-ups that have come due. Vacant households are left out."""
    found = selectors.due_list(actor=request_scope(request), within=query.within)
    start = (query.page - 1) * query.page_size
    return {"items": [due_out(r) for r in found[start : start + query.page_size]], "count": len(found)}


@router.get("/visits/coverage", response={200: VisitCoverageOut, **ERRORS}, operation_id="visit_coverage")
def visit_coverage(request, query: Query[VisitCoverageQuery]):
    """Share of households met within their period, per child grid of `within` (default: your grid), and
    per worker with a visiting duty under it. Only visits where the household was met count."""
    c = selectors.coverage(actor=request_scope(request), within=query.within)
    items = [{"grid": grid_ref(g.grid), **tally_out(g.tally)} for g in c.grids]
    workers = [
        {"person_id": w.person_id, "name": w.name, "roles": w.roles, "grids": w.grids, "visits_30d": w.visits_30d,
         "met_30d": w.met_30d, **tally_out(w.tally)}
        for w in c.workers
    ]
    return {"grid": grid_ref(c.node), "as_of": c.today, "total": tally_out(c.total), "items": items,
            "count": len(items), "workers": workers}


@router.get("/visits/{visit_id}", response={200: VisitOut, **ERRORS}, operation_id="visit_get")
def visit_get(request, visit_id: Id):
    return visit_out(selectors.visit_get(actor=request_scope(request), visit_id=visit_id))


@router.post("/visits", response={201: VisitOut, **ERRORS}, operation_id="visit_create")
def visit_create(request, payload: VisitIn):
    """Log a visit to a household of your grid. Each key small matter raised becomes a matter (source
    `visit`); if one is refused nothing is written and the error names it, e.g. `matters[0].category`."""
    data = payload.dict()
    visit = services.visit_log(
        actor=Actor.for_request(request), household=data["household"], outcome=data["outcome"],
        notes=data["notes"], follow_up_on=data["follow_up_on"], visited_at=data["visited_at"],
        matters_raised=data["matters"],
    )
    return Status(201, visit_out(selectors.visit_get(actor=request_scope(request), visit_id=visit.pk)))
