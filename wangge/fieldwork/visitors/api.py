"""/api/v1/visitors: the public registration at a gate's QR code, the guard's list and checks, the host's
answer, unmasking a phone, and the check rules."""

from __future__ import annotations

from ninja import Query, Router, Status

from wangge.core.errors import NotFound
from wangge.core.schemas import ERRORS, ErrorOut, Id, list_of, page_of
from wangge.people.access import GATE, ROSTER, Actor, request_scope, require
from wangge.registry.models import GridNode

from . import selectors, services
from .limits import throttle_register
from .models import CheckItem
from .schemas import (
    CheckIn,
    ConfirmIn,
    GateOut,
    RegisteredOut,
    RegisterIn,
    RulesIn,
    RulesOut,
    VisitorDetailOut,
    VisitorOut,
    VisitorPhoneOut,
    VisitorQuery,
    VisitorUnmaskIn,
)
from .serializers import item_out, visitor_detail_out, visitor_out

router = Router(tags=["visitors"])
PUBLIC_ERRORS = {**ERRORS, 429: ErrorOut}


@router.get("/visitors/gate/{token}", response={200: GateOut, **ERRORS}, operation_id="visitor_gate_get", auth=None)
def visitor_gate_get(request, token: str):
    """What a gate's QR code leads to (no login): the gate, the units to pick the household visited from
    (rooms are never listed) and the checks the guard will make."""
    post = services.post_for_token(token)
    _, items = services.rules_for(post.estate)
    return {
        "post_name": post.name, "estate_name": post.estate.name,
        "units": [{"id": u.pk, "building": u.building.name, "name": u.name} for u in services.estate_units(post.estate)],
        "rules": [item_out(i) for i in items],
    }


@router.post("/visitors/register", response={201: RegisteredOut, **PUBLIC_ERRORS}, operation_id="visitor_register",
             auth=None)
def visitor_register(request, payload: RegisterIn):
    """A visitor registers at the gate whose QR code they scanned (no login; rate-limited per network and
    per gate). Answers the ticket to show the guard. A room that matches no household is accepted as
    typed: the answer never tells whether a room exists."""
    throttle_register(request, payload.token)
    v = services.visitor_register(token=payload.token, name=payload.name, phone=payload.phone,
                                  purpose=payload.purpose, unit=payload.unit, room=payload.room, host=payload.host)
    return Status(201, {"ticket": v.ticket, "name": v.name, "post_name": v.post.name,
                        "estate_name": v.estate.name, "registered_at": v.registered_at})


@router.get("/visitors", response={200: list_of(VisitorOut), **ERRORS}, operation_id="visitor_list")
def visitor_list(request, query: Query[VisitorQuery]):
    """Visitors of the estates whose gates you keep (newest first; phones masked), or with `mine=true` the
    visitors of your own household."""
    scope = request_scope(request)
    qs = selectors.visitor_list(actor=scope, within=query.within, q=query.q, status=query.status, post=query.post,
                                flagged=query.flagged, mine=query.mine)
    return page_of(qs, query, lambda v: visitor_out(v, staff=selectors.is_staff_for(scope, v)))


def _rules(grid: GridNode) -> dict:
    source, items = services.rules_for(grid)
    own = CheckItem.objects.filter(grid=grid).order_by("order", "code")
    return {
        "grid": grid.pk, "grid_name": grid.name, "source": source.pk if source else None,
        "source_name": source.name if source else "系统默认", "own": own.exists(),
        "items": [item_out(i) for i in items], "all_items": [item_out(i) for i in own],
    }


def _rule_grid(request, grid_id: int) -> GridNode:
    scope = request_scope(request)
    grid = GridNode.objects.filter(pk=grid_id).first()
    if grid is None:
        raise NotFound("未找到该网格")
    if not scope.can(ROSTER, grid):
        require(scope, GATE, grid)
    return grid


@router.get("/visitors/rules/{grid_id}", response={200: RulesOut, **ERRORS}, operation_id="visitor_rules_get")
def visitor_rules_get(request, grid_id: Id):
    """The check rules in force at a grid node (an estate: what its guards measure and check), where they
    come from, and the node's own items including inactive ones. For gate staff and roster keepers."""
    return _rules(_rule_grid(request, grid_id))


@router.put("/visitors/rules/{grid_id}", response={200: RulesOut, **ERRORS}, operation_id="visitor_rules_set")
def visitor_rules_set(request, grid_id: Id, payload: RulesIn):
    """Set a subdistrict's default rules or a community's or estate's own (ROSTER). Items not listed any
    more are kept inactive; `inherit=true` drops the node's own rules."""
    services.visitor_rules_set(actor=request.user, grid_id=grid_id, inherit=payload.inherit,
                               items=[i.dict() for i in payload.items])
    return _rules(GridNode.objects.get(pk=grid_id))


def _detail(request, visitor_id: int) -> dict:
    scope = request_scope(request)
    v = selectors.visitor_get(actor=scope, visitor_id=visitor_id)
    return visitor_detail_out(v, staff=selectors.is_staff_for(scope, v))


@router.get("/visitors/{visitor_id}", response={200: VisitorDetailOut, **ERRORS}, operation_id="visitor_get")
def visitor_get(request, visitor_id: Id):
    """One visitor: the rules they registered under and what the guard recorded (gate staff only)."""
    return _detail(request, visitor_id)


@router.post("/visitors/{visitor_id}/check", response={200: VisitorDetailOut, **ERRORS}, operation_id="visitor_check")
def visitor_check(request, visitor_id: Id, payload: CheckIn):
    """The guard at `post` records the measurement and checks and admits or refuses the visitor. A value
    outside its range flags the visit (admitting anyway needs a note); a visitor of another estate's gate
    is refused with 422 on `post`."""
    services.visitor_check(actor=Actor.for_request(request), visitor_id=visitor_id, post_id=payload.post,
                           decision=payload.decision, values=payload.values, note=payload.note)
    return _detail(request, visitor_id)


@router.post("/visitors/{visitor_id}/confirm", response={200: VisitorDetailOut, **ERRORS},
             operation_id="visitor_confirm")
def visitor_confirm(request, visitor_id: Id, payload: ConfirmIn):
    """The host household answers: my visitor (`confirmed=true`) or not (`false`)."""
    services.visitor_confirm(actor=request.user, visitor_id=visitor_id, confirmed=payload.confirmed)
    return _detail(request, visitor_id)


@router.post("/visitors/{visitor_id}/unmask", response={200: VisitorPhoneOut, **ERRORS}, operation_id="visitor_unmask")
def visitor_unmask(request, visitor_id: Id, payload: VisitorUnmaskIn):
    """The visitor's phone in full (UNMASK over the estate: leaders); logged with your reason."""
    return {"phone": services.visitor_unmask(actor=Actor.for_request(request), visitor_id=visitor_id, reason=payload.reason)}
