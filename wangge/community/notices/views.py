"""Pages of 通知公告.

- `/notices/` (notices): a resident's notices, unread ones marked; staff see those of their grids with
  read counts and a link to write one.
- `/notices/new/` (notice-new): the editor with the audience picker (grids, buildings, filter).
- `/notices/<id>/` (notice-detail): one notice; opening it marks it read for a resident of its audience.
- `/notices/<id>/publish/`, `/withdraw/` (POST), `/notices/<id>/receipts/` (notice-receipts).
- `/notices/<id>/edit/` (notice-edit): change a draft in the editor of `new`, prefilled (NOTICES over its
  targets).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wangge.core.errors import ApplicationError, InvalidInput, PermissionDenied
from wangge.core.views import field_errors, form_id, refusals
from wangge.people.access import NOTICES, Actor
from wangge.registry.models import Building, GridNode, Level

from . import selectors, services
from .models import Audience, Status
from .serializers import read_ids_of


@login_required
@refusals
def notice_index(request):
    actor = Actor.for_request(request)
    scope = actor.scope
    notices = list(selectors.notice_list(actor=scope, q=request.GET.get("q") or None)
                   .annotate(n_receipts=Count("receipts"))[:200])
    read = read_ids_of(scope)
    can_write = scope.is_admin or bool(scope.paths(NOTICES))
    return render(request, "notices/index.html", {
        "notices": notices, "read": read, "can_write": can_write, "staff": scope.is_staff_scope,
    })


def _when(value: str, field: str):
    value = (value or "").strip()
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise InvalidInput.field(field, _("日期时间格式不对"))
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _pickers(scope) -> tuple:
    grids = GridNode.objects.filter(scope.grid_q("", NOTICES)).exclude(
        level__in=[Level.DISTRICT]).order_by("path")[:300]
    buildings = (Building.objects.filter(scope.grid_q("estate_grid__", NOTICES)).select_related("estate_grid")
                 .order_by("estate_grid__code", "name")[:500])
    return grids, buildings


@login_required
@refusals
@require_http_methods(["GET", "POST"])
def notice_new(request):
    actor = Actor.for_request(request)
    scope = actor.scope
    if not (scope.is_admin or scope.paths(NOTICES)):
        raise PermissionDenied(_("您没有发布公告的权限"))
    grids, buildings = _pickers(scope)
    errors: dict[str, str] = {}
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            notice = services.notice_create(
                actor=actor, title=request.POST.get("title", ""), body=request.POST.get("body", ""),
                grids=[g for g in (form_id(v) for v in request.POST.getlist("grids")) if g],
                buildings=[b for b in (form_id(v) for v in request.POST.getlist("buildings")) if b],
                audience=request.POST.get("audience", ""),
                publish_at=_when(request.POST.get("publish_at"), "publish_at"),
                expires_at=_when(request.POST.get("expires_at"), "expires_at"),
                pinned=request.POST.get("pinned") == "on", publish=request.POST.get("publish") == "1",
            )
        except InvalidInput as exc:
            errors = field_errors(exc)
        else:
            messages.success(request, _("公告已发布") if notice.status == "published" else _("草稿已保存"))
            return redirect("notice-detail", notice.pk)
    return render(request, "notices/new.html", {
        "grids": grids, "buildings": buildings, "audiences": Audience.choices, "errors": errors, "values": values,
        "chosen_grids": values.getlist("grids") if values else [],
        "chosen_buildings": values.getlist("buildings") if values else [],
    }, status=422 if errors else 200)


def _local_input(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


@login_required
@refusals
@require_http_methods(["GET", "POST"])
def notice_edit(request, notice_id: int):
    actor = Actor.for_request(request)
    notice = selectors.notice_for_publisher(actor=actor.scope, notice_id=notice_id)
    if notice.status != Status.DRAFT:
        messages.error(request, _("只有草稿可以在此修改"))
        return redirect("notice-detail", notice.pk)
    grids, buildings = _pickers(actor.scope)
    # The draft's own targets stay pickable even when the pickers' lists leave them out (e.g. a district).
    grids = [*grids, *(g for g in notice.grids.all() if g not in grids)]
    buildings = [*buildings, *(b for b in notice.buildings.select_related("estate_grid") if b not in buildings)]
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = request.POST
        chosen_grids, chosen_buildings = values.getlist("grids"), values.getlist("buildings")
        try:
            notice = services.notice_update(
                actor=actor, notice_id=notice.pk, title=values.get("title", ""), body=values.get("body", ""),
                grids=[g for g in (form_id(v) for v in chosen_grids) if g],
                buildings=[b for b in (form_id(v) for v in chosen_buildings) if b],
                audience=values.get("audience", ""),
                publish_at=_when(values.get("publish_at"), "publish_at") or timezone.now(),
                expires_at=_when(values.get("expires_at"), "expires_at"), pinned=values.get("pinned") == "on",
            )
        except ApplicationError as exc:
            if exc.status == 403 or (exc.status == 404 and not exc.errors):
                raise
            errors = field_errors(exc)
            if not isinstance(exc, InvalidInput):
                errors.setdefault("form", exc.message)
        else:
            messages.success(request, _("草稿已保存"))
            return redirect("notice-detail", notice.pk)
    else:
        values = {"title": notice.title, "body": notice.body, "audience": notice.audience,
                  "publish_at": _local_input(notice.publish_at), "expires_at": _local_input(notice.expires_at),
                  "pinned": notice.pinned}
        chosen_grids = [str(pk) for pk in notice.grids.values_list("pk", flat=True)]
        chosen_buildings = [str(pk) for pk in notice.buildings.values_list("pk", flat=True)]
    return render(request, "notices/new.html", {
        "notice": notice, "grids": grids, "buildings": buildings, "audiences": Audience.choices, "errors": errors,
        "values": values, "chosen_grids": chosen_grids, "chosen_buildings": chosen_buildings,
    }, status=422 if errors else 200)


@login_required
@refusals
def notice_detail(request, notice_id: int):
    actor = Actor.for_request(request)
    notice = selectors.notice_get(actor=actor.scope, notice_id=notice_id)
    services.notice_read(actor=actor, notice=notice)
    return render(request, "notices/detail.html", {
        "notice": notice, "can_publish": selectors.can_publish(actor.scope, notice),
    })


def _act(request, fn, success: str):
    try:
        fn()
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, success)


@login_required
@refusals
@require_POST
def notice_publish(request, notice_id: int):
    actor = Actor.for_request(request)
    _act(request, lambda: services.notice_publish(actor=actor, notice_id=notice_id), _("公告已发布"))
    return redirect("notice-detail", notice_id)


@login_required
@refusals
@require_POST
def notice_withdraw(request, notice_id: int):
    actor = Actor.for_request(request)
    _act(request, lambda: services.notice_withdraw(actor=actor, notice_id=notice_id), _("公告已撤回"))
    return redirect("notice-detail", notice_id)


@login_required
@refusals
def notice_receipts(request, notice_id: int):
    actor = Actor.for_request(request)
    data = selectors.receipts(actor=actor.scope, notice_id=notice_id)
    notice = selectors.notice_get(actor=actor.scope, notice_id=notice_id)
    return render(request, "notices/receipts.html", {"notice": notice, "data": data})
