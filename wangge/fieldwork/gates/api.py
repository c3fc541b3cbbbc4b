"""/api/v1/duty: gate posts, their shift templates and coverage, weekly rosters, shifts with check-in and
check-out, and swap requests (门岗值守, 3班倒)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Query, Router, Status

from wangge.core.schemas import ERRORS, Id, list_of, page_of
from wangge.people.access import Actor, request_scope

from . import selectors, services
from .schemas import (
    CheckinIn,
    PostCoverageOut,
    PostCoverageQuery,
    PostDetailOut,
    PostIn,
    PostOut,
    PostPatch,
    PostQuery,
    RosterIn,
    RosterOut,
    ShiftIn,
    ShiftOut,
    ShiftQuery,
    SwapDecisionIn,
    SwapIn,
    SwapOut,
    SwapQuery,
    TemplatesIn,
    parse_hhmm,
)
from .serializers import gap_out, post_out, ref, shift_out, swap_out, template_out

router = Router(tags=["gates"])


def _post_detail(post) -> dict:
    templates = selectors.templates_of(post)
    return {**post_out(post), "templates": [template_out(t) for t in templates],
            "day_gaps": services.day_gaps(post, templates), "leaders": [ref(p) for p in services.leaders_of(post)]}


@router.get("/duty/posts", response={200: list_of(PostOut), **ERRORS}, operation_id="duty_post_list")
def duty_post_list(request, query: Query[PostQuery]):
    """Gate posts of the estates where you keep or roster the gates."""
    qs = selectors.post_list(actor=request_scope(request), within=query.within, q=query.q, active=query.active)
    return page_of(qs, query, post_out)


@router.post("/duty/posts", response={201: PostDetailOut, **ERRORS}, operation_id="duty_post_create")
def duty_post_create(request, payload: PostIn):
    """A gate post of an estate grid (needs the roster capability there), with the default three shifts."""
    post = services.post_create(
        actor=request_scope(request), estate_id=payload.estate, name=payload.name, lon=payload.lon, lat=payload.lat,
        checkin_radius_m=payload.checkin_radius_m, leader_id=payload.leader, default_templates=payload.default_templates,
    )
    return Status(201, _post_detail(post))


@router.get("/duty/posts/{post_id}", response={200: PostDetailOut, **ERRORS}, operation_id="duty_post_get")
def duty_post_get(request, post_id: Id):
    return _post_detail(selectors.post_get(actor=request_scope(request), post_id=post_id))


@router.patch("/duty/posts/{post_id}", response={200: PostDetailOut, **ERRORS}, operation_id="duty_post_update")
def duty_post_update(request, post_id: Id, payload: PostPatch):
    """Change the fields given (null clears the position or the leader)."""
    given = payload.model_dump(exclude_unset=True)
    if "leader" in given:
        given["leader_id"] = given.pop("leader")
    post = services.post_update(actor=request_scope(request), post_id=post_id, **given)
    return _post_detail(post)


@router.put("/duty/posts/{post_id}/templates", response={200: PostDetailOut, **ERRORS},
            operation_id="duty_post_templates")
def duty_post_templates(request, post_id: Id, payload: TemplatesIn):
    """Replace the post's shift templates (any pattern: 3×8h, 2×12h …)."""
    specs = [services.TemplateSpec(t.name, parse_hhmm(t.start), parse_hhmm(t.end)) for t in payload.templates]
    services.templates_set(actor=request_scope(request), post_id=post_id, templates=specs)
    return _post_detail(selectors.post_get(actor=request_scope(request), post_id=post_id))


@router.get("/duty/posts/{post_id}/coverage", response={200: PostCoverageOut, **ERRORS},
            operation_id="duty_post_coverage")
def duty_post_coverage(request, post_id: Id, query: Query[PostCoverageQuery]):
    """The stretches of a window (default: the next 7 days) with nobody on duty, minute by minute."""
    start = query.start or timezone.now()
    if timezone.is_naive(start):
        start = timezone.make_aware(start)
    end = query.end or start + dt.timedelta(days=7)
    if timezone.is_naive(end):
        end = timezone.make_aware(end)
    post, gaps = selectors.coverage(actor=request_scope(request), post_id=post_id, start=start, end=end)
    return {"post": post.pk, "start": start, "end": end, "covered": not gaps, "gaps": [gap_out(a, b) for a, b in gaps]}


@router.post("/duty/posts/{post_id}/roster", response={201: RosterOut, **ERRORS}, operation_id="duty_roster_build")
def duty_roster_build(request, post_id: Id, payload: RosterIn):
    """Build a week from the templates: for each day and template, who is on duty. The week is checked as
    a whole (persons, overlaps, gaps) and written in one go; a gap is refused unless `allow_gaps`."""
    result = services.roster_build(
        actor=request_scope(request), post_id=post_id, week=payload.week, allow_gaps=payload.allow_gaps,
        replace=payload.replace,
        assignments=[services.Assignment(a.day, a.template, list(a.persons)) for a in payload.assignments],
    )
    shifts = selectors.shift_list(actor=request_scope(request)).filter(pk__in=[s.pk for s in result.shifts])
    return Status(201, {"created": len(result.shifts), "removed": result.removed,
                        "shifts": [shift_out(s) for s in shifts], "gaps": [gap_out(a, b) for a, b in result.gaps]})


@router.get("/duty/shifts", response={200: list_of(ShiftOut), **ERRORS}, operation_id="duty_shift_list")
def duty_shift_list(request, query: Query[ShiftQuery]):
    """Shifts of the posts you keep or roster, and your own; by start time. `q` finds a person or a post."""
    qs = selectors.shift_list(
        actor=request_scope(request), post=query.post, person=query.person, mine=query.mine, status=query.status,
        start=query.start, end=query.end, within=query.within, q=query.q,
    )
    return page_of(qs, query, shift_out)


@router.post("/duty/shifts", response={201: ShiftOut, **ERRORS}, operation_id="duty_shift_create")
def duty_shift_create(request, payload: ShiftIn):
    """One shift outside the weekly roster. A person never holds two overlapping shifts."""
    shift = services.shift_create(
        actor=request_scope(request), post_id=payload.post, person_id=payload.person, starts_at=payload.starts_at,
        ends_at=payload.ends_at, template_id=payload.template,
    )
    return Status(201, shift_out(selectors.shift_get(actor=request_scope(request), shift_id=shift.pk)))


@router.get("/duty/shifts/{shift_id}", response={200: ShiftOut, **ERRORS}, operation_id="duty_shift_get")
def duty_shift_get(request, shift_id: Id):
    return shift_out(selectors.shift_get(actor=request_scope(request), shift_id=shift_id))


@router.post("/duty/shifts/{shift_id}/cancel", response={200: ShiftOut, **ERRORS}, operation_id="duty_shift_cancel")
def duty_shift_cancel(request, shift_id: Id):
    """Take a planned shift off the roster."""
    services.shift_cancel(actor=request_scope(request), shift_id=shift_id)
    return shift_out(selectors.shift_get(actor=request_scope(request), shift_id=shift_id))


@router.post("/duty/shifts/{shift_id}/checkin", response={200: ShiftOut, **ERRORS}, operation_id="duty_shift_checkin")
def duty_shift_checkin(request, shift_id: Id, payload: CheckinIn):
    """Check in to your own shift: from 30 minutes before its start until its end, within the post's
    check-in radius (the phone's position is required when the post has one)."""
    services.shift_checkin(actor=request_scope(request), shift_id=shift_id, lon=payload.lon, lat=payload.lat,
                           crs=payload.crs)
    return shift_out(selectors.shift_get(actor=request_scope(request), shift_id=shift_id))


@router.post("/duty/shifts/{shift_id}/checkout", response={200: ShiftOut, **ERRORS},
             operation_id="duty_shift_checkout")
def duty_shift_checkout(request, shift_id: Id):
    services.shift_checkout(actor=request_scope(request), shift_id=shift_id)
    return shift_out(selectors.shift_get(actor=request_scope(request), shift_id=shift_id))


@router.get("/duty/swaps", response={200: list_of(SwapOut), **ERRORS}, operation_id="duty_swap_list")
def duty_swap_list(request, query: Query[SwapQuery]):
    """Swap requests you decide (roster capability) or take part in, newest first."""
    qs = selectors.swap_list(actor=request_scope(request), status=query.status, post=query.post)
    return page_of(qs, query, swap_out)


@router.post("/duty/swaps", response={201: SwapOut, **ERRORS}, operation_id="duty_swap_create")
def duty_swap_create(request, payload: SwapIn):
    """Ask to hand your planned shift to another guard of the estate (or exchange it for one of theirs)."""
    swap = services.swap_create(
        actor=request_scope(request), shift_id=payload.shift, to_person_id=payload.to_person,
        exchange_shift_id=payload.exchange_shift, reason=payload.reason,
    )
    return Status(201, swap_out(selectors.swap_get(actor=request_scope(request), swap_id=swap.pk)))


@router.post("/duty/swaps/{swap_id}/decision", response={200: SwapOut, **ERRORS}, operation_id="duty_swap_decide")
def duty_swap_decide(request, swap_id: Id, payload: SwapDecisionIn):
    """The post's leader approves (overlaps checked again) or rejects a swap request."""
    services.swap_decide(actor=Actor.for_request(request), swap_id=swap_id, approve=payload.approve, note=payload.note)
    return swap_out(selectors.swap_get(actor=request_scope(request), swap_id=swap_id))
