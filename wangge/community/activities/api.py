"""/api/v1/activities: activities of the community, sign-ups with the waiting list, check-in, attendance."""

from __future__ import annotations

from ninja import Query, Router, Status

from wangge.core.errors import InvalidInput, PermissionDenied
from wangge.core.schemas import ERRORS, Id, list_of, page_of
from wangge.people.access import request_scope

from . import selectors, services
from .schemas import (
    ActivityCheckinIn,
    ActivityDetailOut,
    ActivityIn,
    ActivityOut,
    ActivityPatch,
    ActivityQuery,
    CancelSignUpIn,
    SignUpIn,
    SignUpOut,
    SignUpQuery,
    StatsOut,
    StatsQuery,
)
from .serializers import activity_detail_out, activity_out, signup_out

router = Router(tags=["activities"])


@router.get("/activities", response={200: list_of(ActivityOut), **ERRORS}, operation_id="activity_list")
def activity_list(request, query: Query[ActivityQuery]):
    """Activities you may see: staff those of the grids they view (drafts where they hold ACTIVITIES),
    residents the published ones of the grids above their household, each with their own sign-up."""
    scope = request_scope(request)
    qs = selectors.activity_list(actor=scope, within=query.within, q=query.q, kind=query.kind,
                                 upcoming=query.upcoming, status=query.status)
    mine = selectors.my_signups(actor=scope)
    return page_of(qs, query, lambda a: activity_out(a, mine.get(a.pk)))


def _detail(request, activity_id: int) -> dict:
    scope = request_scope(request)
    activity = selectors.activity_get(actor=scope, activity_id=activity_id)
    return activity_detail_out(activity, mine=selectors.my_signup(actor=scope, activity=activity),
                               manage=selectors.can_manage(scope, activity), request=request)


@router.get("/activities/stats", response={200: StatsOut, **ERRORS}, operation_id="activity_stats")
def activity_stats(request, query: Query[StatsQuery]):
    """Activities held and attendance in a period, per kind and per grid (each attendee counted at their
    micro-grid and every grid above it, for the grids you may view)."""
    return selectors.attendance_stats(actor=request_scope(request), within=query.within, since=query.since,
                                      until=query.until)


@router.get("/activities/{activity_id}", response={200: ActivityDetailOut, **ERRORS}, operation_id="activity_get")
def activity_get(request, activity_id: Id):
    """One activity with your sign-up (and waiting-list place); organisers also get the check-in URL."""
    return _detail(request, activity_id)


@router.post("/activities", response={201: ActivityDetailOut, **ERRORS}, operation_id="activity_create")
def activity_create(request, payload: ActivityIn):
    """A new activity of a grid (ACTIVITIES over the grid) for the residents of its subtree."""
    activity = services.activity_create(actor=request.user, **payload.dict())
    return Status(201, _detail(request, activity.pk))


@router.patch("/activities/{activity_id}", response={200: ActivityDetailOut, **ERRORS},
              operation_id="activity_update")
def activity_update(request, activity_id: Id, payload: ActivityPatch):
    """Change, publish, finish or cancel an activity (ACTIVITIES). More places move the waiting list up."""
    services.activity_update(actor=request.user, activity_id=activity_id, **payload.dict(exclude_unset=True))
    return _detail(request, activity_id)


@router.post("/activities/{activity_id}/signups", response={201: SignUpOut, **ERRORS},
             operation_id="activity_signup")
def activity_signup(request, activity_id: Id, payload: SignUpIn):
    """Sign up (a resident of the activity's grid; or staff with `resident`). Over capacity the answer is
    still 201 with `status: "waiting"`, the place on the waiting list and a message saying so."""
    result = services.signup_create(actor=request.user, activity_id=activity_id, resident=payload.resident)
    return Status(201, signup_out(result.signup, result.message))


@router.post("/activities/{activity_id}/signups/cancel", response={200: SignUpOut, **ERRORS},
             operation_id="activity_signup_cancel")
def activity_signup_cancel(request, activity_id: Id, payload: CancelSignUpIn):
    """Cancel your sign-up (or, ACTIVITIES, someone's with `signup`); the first waiting gets the place."""
    signup = services.signup_cancel(actor=request.user, activity_id=activity_id, signup_id=payload.signup)
    return signup_out(signup, "已取消报名")


@router.get("/activities/{activity_id}/signups", response={200: list_of(SignUpOut), **ERRORS},
            operation_id="activity_signups")
def activity_signups(request, activity_id: Id, query: Query[SignUpQuery]):
    """The sign-ups, waiting list and attendance of an activity (ACTIVITIES)."""
    scope = request_scope(request)
    activity = selectors.activity_get(actor=scope, activity_id=activity_id)
    if not selectors.can_manage(scope, activity):
        raise PermissionDenied("您不能管理该活动")
    return page_of(selectors.signup_list(activity=activity, status=query.status), query, signup_out)


@router.post("/activities/{activity_id}/checkin", response={200: SignUpOut, **ERRORS},
             operation_id="activity_checkin")
def activity_checkin(request, activity_id: Id, payload: ActivityCheckinIn):
    """Check in: a signed-up resident with the activity's QR `token` (from an hour before the start to an
    hour after the end), or staff (ACTIVITIES) by `signup`, or a walk-in `resident`."""
    if payload.token:
        signup = services.checkin_by_token(actor=request.user, token=payload.token)
        if signup.activity_id != activity_id:
            raise InvalidInput.field("token", "签到码与活动不符")
    else:
        signup = services.checkin_by_staff(actor=request.user, activity_id=activity_id, signup=payload.signup,
                                           resident=payload.resident)
    return signup_out(signup, "签到成功")
