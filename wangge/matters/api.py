"""/api/v1/matters: categories, intake, lists, the lifecycle, comments, photos and ratings."""

from __future__ import annotations

import base64
import binascii

from ninja import File, Form, Header, Query, Router, Status, UploadedFile

from wangge.core.errors import InvalidInput, PermissionDenied
from wangge.core.schemas import ERRORS, Id, list_of
from wangge.people.access import request_scope

from . import selectors, services
from .schemas import (
    CategoryOut,
    CommentIn,
    CommentOut,
    DuplicateOut,
    MatterDetailOut,
    MatterIn,
    MatterOut,
    MatterPage,
    MatterQuery,
    MergeIn,
    NearbyQuery,
    PhoneOut,
    PhotoKindCode,
    PhotoOut,
    RatingIn,
    ReassignIn,
    ReporterUnmaskIn,
    SuperviseIn,
    TransitionIn,
)
from .serializers import actions_for, category_out, matter_detail_out, matter_out, photo_url

router = Router(tags=["matters"])


@router.get("/matters/categories", response={200: list_of(CategoryOut), **ERRORS}, operation_id="category_list",
            auth=None)
def category_list(request):
    """The categories a matter can be reported under, with their SLA, routing and extra questions."""
    rows = [category_out(c) for c in selectors.category_list()]
    return {"items": rows, "count": len(rows)}


@router.get("/matters/nearby", response={200: list_of(DuplicateOut), **ERRORS}, operation_id="matter_nearby")
def matter_nearby(request, query: Query[NearbyQuery]):
    """Open matters of the same category near a point or in the same unit, within the category's radius
    and time window: show them before submitting, so the resident can follow one instead."""
    category = services.category_for_report(query.category)
    lon = lat = None
    if query.lon is not None and query.lat is not None:
        lon, lat = selectors.point_wgs84(query.lon, query.lat, query.crs)
    rows = [
        {"id": m.pk, "state": m.state, "description": m.description[:200] if category.is_public else "",
         "distance_m": d, "created_at": m.created_at}
        for m, d in selectors.nearby(category=category, lon=lon, lat=lat, unit_id=query.unit)
    ]
    return {"items": rows, "count": len(rows)}


@router.post("/matters", response={200: MatterOut, 201: MatterOut, **ERRORS}, operation_id="matter_create")
def matter_create(request, payload: MatterIn, idempotency_key: Header[str | None] = None):
    """Report a matter at a point (`lon`, `lat`, `crs`) or in a unit. Answers 201 with the matter, its
    grid and assignee; the same `Idempotency-Key` again answers 200 with the same matter."""
    data = payload.dict()
    data["photos"] = [_b64(photo, i) for i, photo in enumerate(data["photos"])]
    report = services.Report(**data)
    matter, created = services.matter_report(actor=services.Actor.for_request(request), report=report, idempotency_key=idempotency_key)
    return Status(201 if created else 200, matter_out(matter))


def _b64(text: str, index: int) -> bytes:
    try:
        return base64.b64decode(text.split(",", 1)[-1], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput.field(f"photos.{index}", "不是有效的 base64 数据") from exc


@router.get("/matters", response={200: MatterPage, **ERRORS}, operation_id="matter_list")
def matter_list(request, query: Query[MatterQuery]):
    """Matters in your scope (and those you reported or handle), newest first. Page with `page`, or go
    deep with `cursor` (the previous answer's `next_cursor`)."""
    qs = selectors.matter_list(
        actor=request_scope(request), state=query.state, category=query.category, within=query.within,
        overdue=query.overdue, source=query.source, q=query.q, assignee=query.assignee,
        supervised=query.supervised, mine=query.mine,
    ).order_by("-id")
    if query.cursor:
        rows = selectors.KeysFirst(qs.filter(pk__lt=selectors.decode_cursor(query.cursor)))[: query.page_size + 1]
        count = None
    else:
        start = (query.page - 1) * query.page_size
        rows = selectors.KeysFirst(qs)[start : start + query.page_size + 1]
        count = qs.count()
    more = len(rows) > query.page_size
    rows = rows[: query.page_size]
    return {
        "items": [matter_out(m) for m in rows],
        "count": count,
        "next_cursor": selectors.encode_cursor(rows[-1].pk) if more and rows else None,
    }


@router.get("/matters/queue", response={200: list_of(MatterOut), **ERRORS}, operation_id="matter_queue")
def matter_queue(request):
    """Your open matters, the nearest deadline first."""
    rows = [matter_out(m) for m in selectors.queue(actor=request_scope(request))]
    return {"items": rows, "count": len(rows)}


def _detail(request, matter_id: int) -> dict:
    matter = selectors.matter_get(actor=request_scope(request), matter_id=matter_id)
    actor = services.Actor.for_request(request)
    staff = selectors.is_staff_for(actor.scope, matter)
    actions = actions_for(matter, actor.roles_on(matter), is_admin=actor.scope.is_admin)
    return matter_detail_out(matter, actor=actor, staff=staff, actions=actions)


@router.get("/matters/{matter_id}", response={200: MatterDetailOut, **ERRORS}, operation_id="matter_get")
def matter_get(request, matter_id: Id):
    """One matter with its timeline, photos, comments, the actions you can take, and (for staff) the
    near-duplicates a dispatcher may merge."""
    return _detail(request, matter_id)


@router.post("/matters/{matter_id}/transitions", response={200: MatterDetailOut, **ERRORS},
             operation_id="matter_transition")
def matter_transition(request, matter_id: Id, payload: TransitionIn):
    """Take one step of the lifecycle. 409 names the steps the current state allows."""
    services.matter_transition(
        actor=request.user, matter_id=matter_id, action=payload.action, note=payload.note, assignee=payload.assignee
    )
    return _detail(request, matter_id)


@router.post("/matters/{matter_id}/reassign", response={200: MatterDetailOut, **ERRORS},
             operation_id="matter_reassign")
def matter_reassign(request, matter_id: Id, payload: ReassignIn):
    services.matter_reassign(actor=services.Actor.for_request(request), matter_id=matter_id, assignee=payload.assignee, reason=payload.reason)
    return _detail(request, matter_id)


@router.post("/matters/{matter_id}/supervise", response={200: MatterDetailOut, **ERRORS},
             operation_id="matter_supervise")
def matter_supervise(request, matter_id: Id, payload: SuperviseIn):
    """督办: mark the matter and notify its assignee."""
    services.matter_supervise(actor=services.Actor.for_request(request), matter_id=matter_id, note=payload.note)
    return _detail(request, matter_id)


@router.post("/matters/{matter_id}/merge", response={200: MatterDetailOut, **ERRORS}, operation_id="matter_merge")
def matter_merge(request, matter_id: Id, payload: MergeIn):
    """Merge this matter into `into`; its reporter then follows that one."""
    services.matter_merge(actor=services.Actor.for_request(request), matter_id=matter_id, into=payload.into, note=payload.note)
    return _detail(request, matter_id)


@router.post("/matters/{matter_id}/rating", response={200: MatterDetailOut, **ERRORS}, operation_id="matter_rate")
def matter_rate(request, matter_id: Id, payload: RatingIn):
    """The reporter rates a closed matter: satisfied, basic or unsatisfied (with a comment)."""
    services.matter_rate(actor=services.Actor.for_request(request), matter_id=matter_id, rating=payload.rating, comment=payload.comment)
    return _detail(request, matter_id)


@router.get("/matters/{matter_id}/comments", response={200: list_of(CommentOut), **ERRORS},
            operation_id="matter_comment_list")
def matter_comment_list(request, matter_id: Id):
    rows = _detail(request, matter_id)["comments"]
    return {"items": rows, "count": len(rows)}


@router.post("/matters/{matter_id}/comments", response={201: CommentOut, **ERRORS}, operation_id="matter_comment_add")
def matter_comment_add(request, matter_id: Id, payload: CommentIn):
    c = services.comment_add(actor=services.Actor.for_request(request), matter_id=matter_id, body=payload.body, internal=payload.internal)
    return Status(201, {"id": c.pk, "author": c.author_label, "body": c.body, "internal": c.internal, "at": c.at})


@router.get("/matters/{matter_id}/attachments", response={200: list_of(PhotoOut), **ERRORS},
            operation_id="matter_attachment_list")
def matter_attachment_list(request, matter_id: Id):
    rows = _detail(request, matter_id)["photos"]
    return {"items": rows, "count": len(rows)}


@router.post("/matters/{matter_id}/attachments", response={201: PhotoOut, **ERRORS},
             operation_id="matter_attachment_add")
def matter_attachment_add(request, matter_id: Id, file: File[UploadedFile], kind: Form[PhotoKindCode] = "other"):
    """Add a photo (JPEG, PNG, WebP or HEIC; location data is removed, large photos are resized)."""
    if not request.user.is_authenticated:
        raise PermissionDenied("需要登录")
    p = services.photo_add(actor=services.Actor.for_request(request), matter_id=matter_id, data=file, kind=kind)
    return Status(201, {"id": p.pk, "kind": p.kind, "url": photo_url(p), "width": p.width, "height": p.height,
                        "at": p.at})


@router.post("/matters/{matter_id}/reporter/unmask", response={200: PhoneOut, **ERRORS},
             operation_id="matter_reporter_unmask")
def matter_reporter_unmask(request, matter_id: Id, payload: ReporterUnmaskIn):
    """The reporter's phone in full, to call them back. Logged with your reason; for the assignee and
    those who may unmask personal information over the matter's grid."""
    return {"phone": services.reporter_unmask(actor=services.Actor.for_request(request), matter_id=matter_id, reason=payload.reason)}
