"""/api/v1/notices: announcements to grid subtrees, buildings and audiences, with read receipts."""

from __future__ import annotations

from ninja import Query, Router, Status

from wangge.core.schemas import ERRORS, Id, list_of, page_of
from wangge.people.access import Actor

from . import selectors, services
from .schemas import NoticeIn, NoticeOut, NoticePatch, NoticeQuery, ReceiptsOut
from .serializers import notice_out, read_ids_of

router = Router(tags=["notices"])


def _out(request, notice_id: int) -> dict:
    scope = Actor.for_request(request).scope
    return notice_out(selectors.notice_get(actor=scope, notice_id=notice_id), scope=scope)


@router.get("/notices", response={200: list_of(NoticeOut), **ERRORS}, operation_id="notice_list")
def notice_list(request, query: Query[NoticeQuery]):
    """Residents: the live notices addressed to them (`read` says whether they opened each). Staff: the
    notices to their grids, drafts and withdrawn ones too."""
    scope = Actor.for_request(request).scope
    qs = selectors.notice_list(actor=scope, status=query.status, within=query.within, q=query.q, unread=query.unread)
    read = read_ids_of(scope)
    return page_of(qs, query, lambda n: notice_out(n, scope=scope, read_ids=read))


@router.post("/notices", response={201: NoticeOut, **ERRORS}, operation_id="notice_create")
def notice_create(request, payload: NoticeIn):
    """A draft, or a published notice with `publish` (NOTICES over every targeted grid and building)."""
    n = services.notice_create(actor=Actor.for_request(request), **payload.dict())
    return Status(201, _out(request, n.pk))


@router.get("/notices/{notice_id}", response={200: NoticeOut, **ERRORS}, operation_id="notice_get")
def notice_get(request, notice_id: Id):
    """One notice; opening it marks it read for a resident of its audience (once)."""
    actor = Actor.for_request(request)
    notice = selectors.notice_get(actor=actor.scope, notice_id=notice_id)
    services.notice_read(actor=actor, notice=notice)
    return notice_out(notice, scope=actor.scope)


@router.patch("/notices/{notice_id}", response={200: NoticeOut, **ERRORS}, operation_id="notice_update")
def notice_update(request, notice_id: Id, payload: NoticePatch):
    services.notice_update(actor=Actor.for_request(request), notice_id=notice_id, **payload.dict(exclude_unset=True))
    return _out(request, notice_id)


@router.post("/notices/{notice_id}/publish", response={200: NoticeOut, **ERRORS}, operation_id="notice_publish")
def notice_publish(request, notice_id: Id):
    """Publish a draft: the audience is told at `publish_at` (at once when it has passed)."""
    services.notice_publish(actor=Actor.for_request(request), notice_id=notice_id)
    return _out(request, notice_id)


@router.post("/notices/{notice_id}/withdraw", response={200: NoticeOut, **ERRORS}, operation_id="notice_withdraw")
def notice_withdraw(request, notice_id: Id):
    services.notice_withdraw(actor=Actor.for_request(request), notice_id=notice_id)
    return _out(request, notice_id)


@router.get("/notices/{notice_id}/receipts", response={200: ReceiptsOut, **ERRORS}, operation_id="notice_receipts")
def notice_receipts(request, notice_id: Id):
    """Read count over the audience and who has not read yet, names masked (NOTICES)."""
    return selectors.receipts(actor=Actor.for_request(request).scope, notice_id=notice_id)
