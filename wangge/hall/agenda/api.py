"""/api/v1/hall: halls, sessions, agenda items and suggestions. Every endpoint needs a login.

Scope: staff see the halls of the communities in (or above) their VIEW scope; residents see their own
community's hall. Writes on halls, sessions and the agenda need HALL on the hall's community (404 outside
the scope, 403 inside without it); residents of the community may propose items."""

from __future__ import annotations

from ninja import Query, Router, Status

from wangge.core.schemas import ERRORS, Id, list_of, page_of
from wangge.people.access import Actor, request_scope

from . import selectors, services
from .schemas import (
    HallIn,
    HallOut,
    HallPatch,
    HallQuery,
    HallSessionOut,
    ItemIn,
    ItemOut,
    ItemPatch,
    ItemQuery,
    SessionDetailOut,
    SessionPatch,
    SessionQuery,
    SuggestionAcceptIn,
    SuggestionOut,
)
from .serializers import hall_out, item_out, session_detail_out, session_out, suggestion_out

router = Router(tags=["hall"])


@router.get("/hall/halls", response={200: list_of(HallOut), **ERRORS}, operation_id="hall_list")
def hall_list(request, query: Query[HallQuery]):
    """The halls you see: staff those of their communities, residents their own community's."""
    scope = request_scope(request)
    qs = selectors.hall_list(actor=scope, within=query.within, q=query.q, active=query.active)
    return page_of(qs, query, lambda h: hall_out(h, scope))


@router.post("/hall/halls", response={201: HallOut, **ERRORS}, operation_id="hall_create")
def hall_create(request, payload: HallIn):
    """Set up a community's hall (HALL on the community); its sessions for `months_ahead` months are
    scheduled at once by the rule."""
    data = payload.dict()
    community = data.pop("community")
    hall = services.hall_create(actor=Actor.for_request(request), community_id=community, **data)
    return Status(201, hall_out(hall, request_scope(request)))


@router.get("/hall/halls/{hall_id}", response={200: HallOut, **ERRORS}, operation_id="hall_get")
def hall_get(request, hall_id: Id):
    scope = request_scope(request)
    return hall_out(selectors.hall_get(actor=scope, hall_id=hall_id), scope)


@router.patch("/hall/halls/{hall_id}", response={200: HallOut, **ERRORS}, operation_id="hall_update")
def hall_update(request, hall_id: Id, payload: HallPatch):
    """Change the name, place, recurrence rule or suggestion thresholds (HALL on the community)."""
    data = {k: v for k, v in payload.dict().items() if v is not None}
    hall = services.hall_update(actor=Actor.for_request(request), hall_id=hall_id, **data)
    return hall_out(hall, request_scope(request))


@router.get("/hall/halls/{hall_id}/suggestions", response={200: list_of(SuggestionOut), **ERRORS},
            operation_id="hall_suggestions")
def hall_suggestions(request, hall_id: Id):
    """Items the system suggests from the community's open matters (HALL on the community): urgent
    collective matters (one category, one grid, several households within the window) and difficult
    ones (escalated and past their deadline), each with its evidence."""
    actor = Actor.for_request(request)
    hall = services._hall_for_write(actor, hall_id)
    rows = [suggestion_out(s) for s in selectors.suggestions(hall=hall)]
    return {"items": rows, "count": len(rows)}


@router.post("/hall/halls/{hall_id}/suggestions/accept", response={201: ItemOut, **ERRORS},
             operation_id="hall_suggestion_accept")
def hall_suggestion_accept(request, hall_id: Id, payload: SuggestionAcceptIn):
    """Accept a suggestion: an item with its matters linked, onto `session` when given. 404 when the
    suggestion is gone (already accepted, or its matters were closed)."""
    item = services.suggestion_accept(actor=Actor.for_request(request), hall_id=hall_id, key=payload.key,
                                      session_id=payload.session, title=payload.title)
    scope = request_scope(request)
    return Status(201, item_out(selectors.item_get(actor=scope, item_id=item.pk), scope))


@router.get("/hall/sessions", response={200: list_of(HallSessionOut), **ERRORS}, operation_id="hall_session_list")
def hall_session_list(request, query: Query[SessionQuery]):
    """Sessions of the halls you see; `upcoming=true` gives the coming ones, soonest first."""
    qs = selectors.session_list(actor=request_scope(request), within=query.within, q=query.q, hall=query.hall,
                                upcoming=query.upcoming, status=query.status)
    return page_of(qs, query, session_out)


@router.get("/hall/sessions/{session_id}", response={200: SessionDetailOut, **ERRORS},
            operation_id="hall_session_get")
def hall_session_get(request, session_id: Id):
    """One session with its agenda in order, each item's planned start, and how far the agenda runs past
    the session's end."""
    scope = request_scope(request)
    return session_detail_out(selectors.session_get(actor=scope, session_id=session_id), scope)


@router.patch("/hall/sessions/{session_id}", response={200: SessionDetailOut, **ERRORS},
              operation_id="hall_session_update")
def hall_session_update(request, session_id: Id, payload: SessionPatch):
    """Move a session (`starts_at`; it keeps its id and agenda), change place or title, or cancel it
    (`cancel` with `cancel_reason`). HALL on the community."""
    session = services.session_update(actor=Actor.for_request(request), session_id=session_id, **payload.dict())
    scope = request_scope(request)
    return session_detail_out(selectors.session_get(actor=scope, session_id=session.pk), scope)


@router.get("/hall/items", response={200: list_of(ItemOut), **ERRORS}, operation_id="hall_item_list")
def hall_item_list(request, query: Query[ItemQuery]):
    """Agenda items and proposals of the halls you see, newest first."""
    scope = request_scope(request)
    qs = selectors.item_list(actor=scope, status=query.status, kind=query.kind, hall=query.hall,
                             session=query.session, within=query.within, q=query.q)
    return page_of(qs, query, lambda i: item_out(i, scope))


@router.post("/hall/items", response={201: ItemOut, **ERRORS}, operation_id="hall_item_create")
def hall_item_create(request, payload: ItemIn):
    """Staff (HALL) add an item — onto a session, with linked matters — or a resident of the community
    proposes one (it waits for the hall to accept or decline it). `kind` is required."""
    data = payload.dict()
    item = services.item_create(
        actor=Actor.for_request(request), hall_id=data["hall"], kind=data["kind"], title=data["title"],
        description=data["description"], session_id=data["session"], minutes_planned=data["minutes_planned"],
        matters=data["matters"],
    )
    scope = request_scope(request)
    return Status(201, item_out(selectors.item_get(actor=scope, item_id=item.pk), scope))


@router.get("/hall/items/{item_id}", response={200: ItemOut, **ERRORS}, operation_id="hall_item_get")
def hall_item_get(request, item_id: Id):
    scope = request_scope(request)
    return item_out(selectors.item_get(actor=scope, item_id=item_id), scope)


@router.patch("/hall/items/{item_id}", response={200: ItemOut, **ERRORS}, operation_id="hall_item_update")
def hall_item_update(request, item_id: Id, payload: ItemPatch):
    """One step on an item (HALL): `schedule` onto `session` (accepts a proposal), `unschedule`, `up` /
    `down` (or `position`), `time` (`minutes_planned`), `defer` to the next session, `decline` (with
    `reason`), `link` / `unlink` `matters`, `edit`, `discussed`."""
    data = payload.dict()
    item = services.item_update(
        actor=Actor.for_request(request), item_id=item_id, action=data["action"], session_id=data["session"],
        minutes_planned=data["minutes_planned"], reason=data["reason"], matters=data["matters"],
        title=data["title"], description=data["description"], kind=data["kind"], position=data["position"],
    )
    scope = request_scope(request)
    return item_out(selectors.item_get(actor=scope, item_id=item.pk), scope)
