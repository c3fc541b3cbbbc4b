"""Pages of 社区活动.

- `/activities/` (activities): residents on their phones — upcoming activities with sign-up, waiting-list
  place and cancel; staff — the activities they hold, a link to create one, to the stats.
- `/activities/new/` (activity-create): staff create an activity.
- `/activities/<id>/` (activity-detail): the activity, sign-up / cancel; for staff the printable QR code,
  the sign-ups and waiting list with check-in buttons, signing up or recording a walk-in resident.
- `/activities/<id>/edit/` (activity-edit): staff who manage it change an activity (the create form,
  prefilled); `/activities/<id>/cancel-activity/` (activity-call-off, POST): call it off.
- `/activities/<id>/qr.png|.svg` (activity-qr-png / activity-qr-svg): the check-in code.
- `/a/checkin/<token>/` (activity-checkin): where the QR code leads — a signed-up resident checks in.
- `/activities/stats/` (activity-stats): attendance per kind and per grid for a period.
"""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wangge.core.errors import ApplicationError, InvalidInput, PermissionDenied
from wangge.core.views import field_errors, forbidden, form_id, refusals
from wangge.people.access import ACTIVITIES, request_scope
from wangge.registry.models import GridNode, Resident

from . import selectors, services
from .models import Activity, Kind, SignUpStatus, Status

PER_PAGE = 20


def _when(value: str) -> dt.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _manage_grids(scope):
    return GridNode.objects.filter(scope.grid_q("", ACTIVITIES)).exclude(level__in=["district", "micro_grid"]) \
        .order_by("path")[:300]


@login_required
@refusals
def activity_list(request):
    scope = request_scope(request)
    tab = request.GET.get("tab") if request.GET.get("tab") in ("past", "all") else "upcoming"
    kind = request.GET.get("kind") if request.GET.get("kind") in Kind.values else ""
    q = (request.GET.get("q") or "").strip()[:100]
    upcoming = {"upcoming": True, "past": False}.get(tab)
    qs = selectors.activity_list(actor=scope, kind=kind or None, q=q or None, upcoming=upcoming)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    mine = selectors.my_signups(actor=scope)
    rows = [{"a": a, "mine": mine.get(a.pk), "rank": selectors.waiting_rank(mine[a.pk]) if a.pk in mine else None,
             "free": None if a.capacity is None else max(a.capacity - a.n_confirmed, 0)} for a in page]
    can_create = scope.is_admin or bool(scope.paths(ACTIVITIES))
    return render(request, "activities/list.html", {
        "page": page, "rows": rows, "tab": tab, "kind": kind, "q": q, "kinds": Kind.choices,
        "can_create": can_create, "query": urlencode({k: v for k, v in {"tab": tab, "kind": kind, "q": q}.items() if v}),
    })


@login_required
@require_http_methods(["GET", "POST"])
@refusals
def activity_create(request):
    scope = request_scope(request)
    grids = list(_manage_grids(scope))
    if not grids:
        return forbidden(request, _("只有活动组织者（社区两委、网格长、网格员、党员楼栋长）可以发布活动"))
    from wangge.community.venues.selectors import venue_list

    venues = list(venue_list(actor=scope, active=True)[:100])
    errors: dict[str, str] = {}
    values = request.POST if request.method == "POST" else {"status": Status.PUBLISHED}
    if request.method == "POST":
        p = request.POST
        capacity = p.get("capacity", "").strip()
        try:
            if capacity and not capacity.isdigit():
                raise InvalidInput.field("capacity", "名额应为正整数，不限名额请留空")
            for field in ("starts_at", "ends_at"):
                if not _when(p.get(field)):
                    raise InvalidInput.field(field, "请填写有效的日期时间")
            activity = services.activity_create(
                actor=request.user, grid=form_id(p.get("grid")) or 0, kind=p.get("kind", ""), title=p.get("title", ""),
                description=p.get("description", ""), venue=form_id(p.get("venue")), place=p.get("place", ""),
                starts_at=_when(p.get("starts_at")), ends_at=_when(p.get("ends_at")),
                capacity=int(capacity) if capacity else None, signup_closes=_when(p.get("signup_closes")),
                party_only=bool(p.get("party_only")),
                status=Status.DRAFT if p.get("status") == Status.DRAFT else Status.PUBLISHED)
        except ApplicationError as exc:
            errors = field_errors(exc)
        else:
            messages.success(request, _("活动已创建：%(t)s") % {"t": activity.title})
            return redirect("activity-detail", activity.pk)
    return render(request, "activities/form.html", {"grids": grids, "venues": venues, "kinds": Kind.choices,
                                                    "errors": errors, "values": values},
                  status=422 if errors else 200)


def _local_input(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def _same_minute(new: dt.datetime | None, old: dt.datetime | None) -> bool:
    """The form shows times to the minute: a time sent back as shown is no change."""
    if new is None or old is None:
        return new is old
    return new.replace(second=0, microsecond=0) == old.replace(second=0, microsecond=0)


@login_required
@require_http_methods(["GET", "POST"])
@refusals
def activity_edit(request, activity_id: int):
    scope = request_scope(request)
    activity = selectors.activity_get(actor=scope, activity_id=activity_id)
    if not selectors.can_manage(scope, activity):
        raise PermissionDenied("您不能管理该活动")
    if activity.status == Status.CANCELLED:
        messages.error(request, _("活动已取消，不能再修改"))
        return redirect("activity-detail", activity.pk)
    from wangge.community.venues.selectors import venue_list

    venues = list(venue_list(actor=scope, active=True)[:100])
    if activity.venue_id and all(v.pk != activity.venue_id for v in venues):
        venues.insert(0, activity.venue)
    errors: dict[str, str] = {}
    if request.method == "POST":
        p = values = request.POST
        capacity = p.get("capacity", "").strip()
        try:
            if capacity and not capacity.isdigit():
                raise InvalidInput.field("capacity", "名额应为正整数，不限名额请留空")
            changes = {"kind": p.get("kind", ""), "title": p.get("title", ""),
                       "description": p.get("description", ""), "venue": form_id(p.get("venue")),
                       "place": p.get("place", ""), "capacity": int(capacity) if capacity else None,
                       "party_only": bool(p.get("party_only"))}
            for field in ("starts_at", "ends_at"):
                when = _when(p.get(field))
                if not when:
                    raise InvalidInput.field(field, "请填写有效的日期时间")
                if not _same_minute(when, getattr(activity, field)):
                    changes[field] = when
            closes = _when(p.get("signup_closes"))
            if (p.get("signup_closes") or "").strip() and closes is None:
                raise InvalidInput.field("signup_closes", "请填写有效的日期时间")
            if not _same_minute(closes, activity.signup_closes):
                changes["signup_closes"] = closes
            if changes["capacity"] == activity.capacity:
                del changes["capacity"]
            if activity.status == Status.DRAFT and p.get("status") != Status.DRAFT:
                changes["status"] = Status.PUBLISHED
            activity = services.activity_update(actor=request.user, activity_id=activity.pk, **changes)
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            errors = field_errors(exc)
        else:
            messages.success(request, _("活动已保存：%(t)s") % {"t": activity.title})
            return redirect("activity-detail", activity.pk)
    else:
        values = {"kind": activity.kind, "title": activity.title, "description": activity.description,
                  "venue": str(activity.venue_id or ""), "place": activity.place,
                  "starts_at": _local_input(activity.starts_at), "ends_at": _local_input(activity.ends_at),
                  "capacity": "" if activity.capacity is None else str(activity.capacity),
                  "signup_closes": _local_input(activity.signup_closes), "party_only": activity.party_only,
                  "status": activity.status}
    return render(request, "activities/form.html", {"a": activity, "venues": venues, "kinds": Kind.choices,
                                                    "errors": errors, "values": values},
                  status=422 if errors else 200)


@login_required
@require_POST
@refusals
def activity_call_off(request, activity_id: int):
    try:
        activity = services.activity_cancel(actor=request.user, activity_id=activity_id,
                                            reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("活动已取消，已通知报名的居民：%(t)s") % {"t": activity.title})
    return redirect("activity-detail", activity_id)


@login_required
@refusals
def activity_detail(request, activity_id: int):
    scope = request_scope(request)
    activity = selectors.activity_get(actor=scope, activity_id=activity_id)
    mine = selectors.my_signup(actor=scope, activity=activity)
    manage = selectors.can_manage(scope, activity)
    context = {"a": activity, "mine": mine, "rank": selectors.waiting_rank(mine) if mine else None,
               "manage": manage, "free": None if activity.capacity is None else
               max(activity.capacity - activity.n_confirmed, 0), "now": timezone.now(),
               "is_resident": scope.household_id is not None}
    if manage:
        signups = list(selectors.signup_list(activity=activity))
        context["signups"] = [s for s in signups if s.status != SignUpStatus.CANCELLED]
        context["checkin_url"] = request.build_absolute_uri(reverse("activity-checkin", args=[activity.checkin_token]))
        find = (request.GET.get("find") or "").strip()[:30]
        context["find"] = find
        if find:
            taken = {s.person.resident_id for s in signups if s.person.resident_id}
            context["found"] = [r for r in Resident.objects.filter(
                name__contains=find, left_at__isnull=True,
                household__unit__micro_grid__path__startswith=activity.grid.path).filter(
                scope.grid_q("household__unit__micro_grid__", ACTIVITIES)).select_related(
                "household__unit__building", "household__unit__micro_grid").order_by("name", "id")[:20]
                if r.pk not in taken]
    return render(request, "activities/detail.html", context)


@login_required
@require_POST
@refusals
def signup(request, activity_id: int):
    try:
        result = services.signup_create(actor=request.user, activity_id=activity_id,
                                        resident=form_id(request.POST.get("resident")))
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    else:
        if result.signup.status == SignUpStatus.WAITING:
            messages.warning(request, result.message)
        else:
            messages.success(request, result.message if not request.POST.get("resident")
                             else _("已为%(n)s报名") % {"n": result.signup.person.name})
    return redirect(request.POST.get("next") if request.POST.get("next") == reverse("activities")
                    else reverse("activity-detail", args=[activity_id]))


@login_required
@require_POST
@refusals
def cancel(request, activity_id: int):
    try:
        services.signup_cancel(actor=request.user, activity_id=activity_id, signup_id=form_id(request.POST.get("signup")))
    except ApplicationError as exc:
        if exc.status == 404 and not request.POST.get("signup"):
            messages.error(request, exc.message)
        elif exc.status == 404:
            raise
        else:
            messages.error(request, exc.message)
    else:
        messages.success(request, _("已取消报名"))
    return redirect("activity-detail", activity_id)


@login_required
@require_POST
@refusals
def staff_checkin(request, activity_id: int):
    try:
        s = services.checkin_by_staff(actor=request.user, activity_id=activity_id,
                                      signup=form_id(request.POST.get("signup")), resident=form_id(request.POST.get("resident")))
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)s 已签到") % {"n": s.person.name})
    return redirect("activity-detail", activity_id)


@login_required
@require_http_methods(["GET", "POST"])
@refusals
def checkin(request, token: str):
    activity = Activity.objects.filter(checkin_token=token[:40]).select_related("grid", "venue").first()
    if activity is None:
        return render(request, "activities/checkin.html", {"error": _("签到码无效")}, status=404)
    scope = request_scope(request)
    mine = selectors.my_signup(actor=scope, activity=activity)
    context = {"a": activity, "mine": mine}
    if request.method == "POST":
        try:
            context["mine"] = services.checkin_by_token(actor=request.user, token=token)
            context["done"] = True
        except ApplicationError as exc:
            context["error"] = exc.message
            return render(request, "activities/checkin.html", context, status=409)
    return render(request, "activities/checkin.html", context)


@login_required
@refusals
def qr_image(request, activity_id: int, fmt: str):
    scope = request_scope(request)
    activity = selectors.activity_get(actor=scope, activity_id=activity_id)
    if not selectors.can_manage(scope, activity):
        raise PermissionDenied("您不能管理该活动")
    qr = segno.make(request.build_absolute_uri(reverse("activity-checkin", args=[activity.checkin_token])), error="m")
    buffer = io.BytesIO()
    if fmt == "svg":
        qr.save(buffer, kind="svg", scale=8, border=2, xmldecl=True, title=activity.title)
        content_type = "image/svg+xml"
    else:
        qr.save(buffer, kind="png", scale=10, border=2)
        content_type = "image/png"
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="activity-{activity.pk}.{fmt}"'
    return response


@login_required
@refusals
def stats(request):
    scope = request_scope(request)
    if not scope.is_staff_scope:
        return forbidden(request, _("活动统计只对工作人员开放"))
    today = timezone.localdate()
    since = parse_date(request.GET.get("since") or "") or today - dt.timedelta(days=365)
    until = parse_date(request.GET.get("until") or "") or today
    error = ""
    try:
        data = selectors.attendance_stats(actor=scope, within=form_id(request.GET.get("within")), since=since, until=until)
    except InvalidInput as exc:
        error = exc.message
        data = selectors.attendance_stats(actor=scope, since=since, until=since)
    top = max((g["attended"] for g in data["by_grid"]), default=0) or 1
    for g in data["by_grid"]:
        g["pct"] = round(100 * g["attended"] / top)
        g["indent"] = g["depth"]
    return render(request, "activities/stats.html", {"data": data, "since": since, "until": until, "error": error,
                                                     "within": request.GET.get("within", "")})
