"""Pages of the camera registry (治安联防监控):

- `/cameras/` — the registry: filters, a map of the cameras, the list; a form to register one for
  holders of cameras.manage;
- `/cameras/<id>/` — one camera, with an edit form for cameras.manage holders;
- `/cameras/coverage/` — building entrances and gates covered or not (map and gap list), and the number
  of cameras at the end of each month.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_http_methods

from wangge.core.errors import ApplicationError, InvalidInput
from wangge.core.views import forbidden, form_id, refusals
from wangge.people.access import CAMERAS, VIEW, request_scope
from wangge.registry.models import Building, GridNode, Level, path_ids

from . import selectors, services
from .models import Kind, OwnerKind, Status

MAP_CAP = 2000
FIELD_LABELS = {
    "code": _l("编号"), "name": _l("名称"), "lon": _l("经度"), "lat": _l("纬度"), "grid": _l("网格"), "building": _l("看护楼栋"),
    "gate": _l("看护门岗"), "kind": _l("类型"), "owner_kind": _l("产权方类别"), "status": _l("状态"),
    "installed_on": _l("安装日期"), "removed_on": _l("拆除日期"), "radius_m": _l("视野半径"), "note": _l("备注"),
}


def _grids(scope):
    """Grid nodes down to estates the user may view, for the `within` picker."""
    levels = [Level.COMMUNITY, Level.AREA_GRID, Level.ESTATE_GRID]
    qs = GridNode.objects.filter(scope.grid_q("", VIEW), level__in=levels).order_by("path")[:300]
    base = min((n.depth for n in qs), default=0)
    return [{"pk": n.pk, "name": n.name, "indent": "\u3000" * (n.depth - base)} for n in qs]


def _staff(request):
    scope = request_scope(request)
    return scope if scope.is_staff_scope else None


@login_required
@refusals
def camera_list(request):
    scope = _staff(request)
    if scope is None:
        return forbidden(request, _("摄像头台账仅向网格和物业工作人员开放"))
    filters = {"within": form_id(request.GET.get("within")), "status": request.GET.get("status") or None,
               "kind": request.GET.get("kind") or None, "q": (request.GET.get("q") or "").strip()[:100]}
    try:
        qs = selectors.camera_list(actor=scope, within=filters["within"], status=filters["status"],
                                   kind=filters["kind"], q=filters["q"] or None)
    except InvalidInput:
        qs = selectors.camera_list(actor=scope)
        filters.update(status=None, kind=None)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    points = [{"id": c.pk, "code": c.code, "name": c.name, "lon": c.lon, "lat": c.lat, "status": c.status}
              for c in qs[:MAP_CAP]]
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return render(request, "cameras/list.html", {
        "page": page, "filters": filters, "points": points, "grids": _grids(scope), "statuses": Status.choices,
        "kinds": Kind.choices, "query": query, "can_manage": scope.is_admin or bool(scope.paths(CAMERAS)),
        "counts": {"all": qs.count(), "in_service": qs.filter(status=Status.IN_SERVICE).count()},
    })


def _form_context(scope, values: dict, errors: dict) -> dict:
    from wangge.fieldwork.gates.models import Post

    buildings = Building.objects.filter(scope.grid_q("estate_grid__", CAMERAS)).select_related("estate_grid").order_by(
        "estate_grid__code", "name")[:1000]
    gates = Post.objects.filter(scope.grid_q("estate__", CAMERAS)).select_related("estate").order_by("estate__code")[:300]
    return {"values": values, "errors": errors, "buildings": buildings, "gates": gates, "kinds": Kind.choices,
            "owner_kinds": OwnerKind.choices, "statuses": Status.choices,
            "error_list": [f"{FIELD_LABELS.get(f, f)}：{m}" for f, m in errors.items()]}


FORM_FIELDS = ("code", "name", "lon", "lat", "building", "gate", "kind", "owner_kind", "status", "installed_on",
               "removed_on", "radius_m", "note")


def _posted(request) -> dict:
    data = {f: (request.POST.get(f) or "").strip() for f in FORM_FIELDS}
    out = {k: v for k, v in data.items() if k not in ("building", "gate", "removed_on")}
    out["building"], out["gate"] = form_id(data["building"]), form_id(data["gate"])
    out["removed_on"] = data["removed_on"] or None
    for f in ("lon", "lat"):
        try:
            out[f] = float(data[f]) if data[f] else None
        except ValueError:
            out[f] = "x"
    return out


def _errors(exc: ApplicationError) -> dict:
    return {e.field.split(".")[0]: e.message for e in exc.errors} or {"non_field": exc.message}


@login_required
@refusals
@require_http_methods(["GET", "POST"])
def camera_new(request):
    scope = request_scope(request)
    if not (scope.is_admin or scope.paths(CAMERAS)):
        return forbidden(request, _("您没有登记摄像头的权限"))
    values = {"kind": Kind.BULLET, "owner_kind": OwnerKind.PROPERTY, "status": Status.IN_SERVICE, "radius_m": 30,
              "installed_on": str(timezone.localdate())}
    errors: dict = {}
    if request.method == "POST":
        values = _posted(request)
        try:
            camera = services.camera_create(actor=scope, **values)
        except InvalidInput as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("已登记摄像头 %(code)s") % {"code": camera.code})
            return redirect("camera", camera.pk)
    return render(request, "cameras/new.html", _form_context(scope, values, errors), status=422 if errors else 200)


@login_required
@refusals
@require_http_methods(["GET", "POST"])
def camera_page(request, camera_id: int):
    scope = request_scope(request)
    camera = selectors.camera_get(actor=scope, camera_id=camera_id)
    can_manage = scope.can(CAMERAS, camera.grid)
    values = {f: getattr(camera, f"{f}_id" if f in ("building", "gate") else f) for f in FORM_FIELDS}
    errors: dict = {}
    if request.method == "POST":
        if not can_manage:
            return forbidden(request, _("您没有修改该摄像头的权限"))
        values = _posted(request)
        try:
            services.camera_update(actor=scope, camera_id=camera.pk, **values)
        except InvalidInput as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("camera", camera.pk)
    context = _form_context(scope, values, errors) if can_manage else {"values": values, "errors": errors}
    context.update(camera=camera, can_manage=can_manage, reviews=camera.footage_reviews.select_related("incident")[:20])
    return render(request, "cameras/camera.html", context, status=422 if errors else 200)


@login_required
@refusals
def coverage_page(request):
    scope = _staff(request)
    if scope is None:
        return forbidden(request, _("监控覆盖仅向网格和物业工作人员开放"))
    within = form_id(request.GET.get("within"))
    if within is None and not scope.is_admin:
        roots = scope.paths(VIEW)
        if len(roots) == 1:
            within = path_ids(roots[0])[-1]
    cov = selectors.coverage(actor=scope, within=within)
    months = selectors.timeline(actor=scope, within=within, months=24)
    top = max((m.in_service for m in months), default=0) or 1
    bars = []
    for i, m in enumerate(months):
        h = round(100 * m.in_service / top, 1)
        bars.append({"m": m, "h": h, "y": round(110 - h, 1), "x": i * 28})
    points = [{"kind": t.kind, "name": t.name, "lon": t.lon, "lat": t.lat, "covered": t.covered}
              for t in cov.targets if t.lon is not None]
    return render(request, "cameras/coverage.html", {
        "cov": cov, "within": within, "grids": _grids(scope), "months": months, "bars": bars, "top": top,
        "chart_width": 28 * len(bars), "points": points,
        "first": months[0] if months else None, "last": months[-1] if months else None,
    })

