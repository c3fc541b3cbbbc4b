"""Pages of incidents (案事件):

- `/incidents/` — the handlers' list (incidents.handle holders), with filters;
- `/incidents/new/` — report one: an owner on their phone, or a worker for their grid;
- `/incidents/<id>/` — the incident for its reporter and its handlers: footage reviews, history, and
  for handlers the forms to request footage, record a finding, hand over to the police and conclude;
- `/my/incidents/` — the incidents a resident reported.
Every refusal of a service is shown on the page as a message naming the field, never a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_http_methods, require_POST

from wangge.core.errors import ApplicationError, InvalidInput
from wangge.core.views import forbidden, form_id, refusals
from wangge.matters.services import Actor
from wangge.people.access import INCIDENTS, request_scope
from wangge.registry.models import GridNode, Level

from . import selectors, services
from .models import Kind, Status
from .serializers import actions_for

FIELD_LABELS = {
    "kind": _l("类别"), "title": _l("标题"), "description": _l("经过"), "occurred_from": _l("发生时间"),
    "occurred_to": _l("发生时间（止）"), "place": _l("地点"), "grid": _l("网格"), "lon": _l("位置"), "lat": _l("位置"),
    "cameras": _l("摄像头"), "window_from": _l("调阅开始"), "window_to": _l("调阅结束"), "note": _l("说明"),
    "finding": _l("调阅结果"), "found": _l("是否发现线索"), "police": _l("派出所"), "police_name": _l("派出所"),
    "police_ref": _l("编号"), "status": _l("办结结果"), "outcome": _l("结果说明"),
}


def _lines(exc: ApplicationError) -> list[str]:
    if not exc.errors:
        return [exc.message]
    return [f"{FIELD_LABELS.get(e.field.split('.')[0], e.field)}：{e.message}" for e in exc.errors]


def _handles(scope) -> bool:
    return scope.is_admin or bool(scope.paths(INCIDENTS))


@login_required
@refusals
def incident_list(request):
    scope = request_scope(request)
    if not _handles(scope):
        return redirect("my-incidents")
    filters = {"within": form_id(request.GET.get("within")), "status": request.GET.get("status") or "",
               "kind": request.GET.get("kind") or "", "q": (request.GET.get("q") or "").strip()[:100]}
    if filters["status"] not in Status.values and filters["status"] != "open":
        filters["status"] = ""
    if filters["kind"] not in Kind.values:
        filters["kind"] = ""
    qs = selectors.incident_list(
        actor=scope, within=filters["within"], status=filters["status"] if filters["status"] != "open" else None,
        open_only=filters["status"] == "open", kind=filters["kind"] or None, q=filters["q"] or None,
    )
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    grids = GridNode.objects.filter(scope.grid_q("", INCIDENTS), level__in=[Level.COMMUNITY, Level.AREA_GRID,
                                                                             Level.ESTATE_GRID]).order_by("path")[:300]
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return render(request, "incidents/list.html", {
        "page": page, "filters": filters, "statuses": Status.choices, "kinds": Kind.choices, "grids": grids,
        "query": query, "solved": qs.model.objects.filter(pk__in=qs.values("pk"), status=Status.SOLVED).count(),
    })


@login_required
@refusals
@require_http_methods(["GET", "POST"])
def incident_new(request):
    scope = request_scope(request)
    staff = _handles(scope)
    if not staff and scope.household_id is None:
        return forbidden(request, _("只有登记在册的业主和网格、物业工作人员可以报案"))
    grids = []
    if staff:
        grids = GridNode.objects.filter(scope.grid_q("", INCIDENTS), level__in=[Level.ESTATE_GRID, Level.MICRO_GRID]
                                        ).order_by("path")[:300]
    values = {"kind": Kind.LOST_ITEM}
    errors: list[str] = []
    if request.method == "POST":
        values = {f: (request.POST.get(f) or "").strip() for f in
                  ("kind", "title", "description", "occurred_from", "occurred_to", "place", "grid")}
        try:
            incident = services.incident_report(
                actor=Actor.for_request(request), kind=values["kind"], title=values["title"],
                description=values["description"], occurred_from=values["occurred_from"],
                occurred_to=values["occurred_to"] or None, place=values["place"], grid=form_id(values["grid"]),
            )
        except InvalidInput as exc:
            errors = _lines(exc)
        else:
            messages.success(request, _("已报案，物业和网格工作人员会尽快处理，每一步都会通知您。"))
            return redirect("incident", incident.pk)
    return render(request, "incidents/new.html", {"values": values, "errors": errors, "kinds": Kind.choices,
                                                  "grids": grids, "staff": staff}, status=422 if errors else 200)


@login_required
@refusals
def incident_page(request, incident_id: int):
    scope = request_scope(request)
    incident = selectors.incident_get(actor=scope, incident_id=incident_id)
    actions = actions_for(scope, incident)
    context = {"incident": incident, "reviews": selectors.reviews(incident), "events": selectors.events(incident),
               "actions": actions, "finals": [(v, label) for v, label in Status.choices if v in ("solved", "unsolved", "closed")]}
    if actions:
        context["cameras"] = selectors.cameras_for(incident)[:200]
        context["police_stations"] = selectors.police_stations(incident)
    return render(request, "incidents/incident.html", context)


@login_required
@refusals
@require_POST
def incident_act(request, incident_id: int):
    actor = Actor.for_request(request)
    action = request.POST.get("action")
    p = request.POST
    try:
        if action == "footage_request":
            services.incident_footage_request(
                actor=actor, incident_id=incident_id, cameras=[c for c in map(form_id, p.getlist("cameras")) if c],
                window_from=p.get("window_from"), window_to=p.get("window_to"), note=p.get("note", ""),
            )
            messages.success(request, _("已申请调阅监控，已通知物业"))
        elif action == "footage_record":
            found = {"yes": True, "no": False}.get(p.get("found"))
            services.incident_footage_record(actor=actor, incident_id=incident_id, review_id=form_id(p.get("review")) or 0,
                                             finding=p.get("finding", ""), found=found)
            messages.success(request, _("已登记调阅结果"))
        elif action == "handover":
            services.incident_handover(actor=actor, incident_id=incident_id, police=form_id(p.get("police")),
                                       police_name=p.get("police_name", ""), police_ref=p.get("police_ref", ""),
                                       note=p.get("note", ""))
            messages.success(request, _("已移交派出所"))
        elif action == "conclude":
            services.incident_conclude(actor=actor, incident_id=incident_id, status=p.get("status", ""),
                                       outcome=p.get("outcome", ""))
            messages.success(request, _("已办结"))
        else:
            messages.error(request, _("未知操作"))
    except (InvalidInput, ApplicationError) as exc:
        if exc.status in (403, 404):
            raise
        for line in _lines(exc):
            messages.error(request, line)
    return redirect("incident", incident_id)


@login_required
def my_incidents(request):
    scope = request_scope(request)
    qs = selectors.incident_list(actor=scope, mine=True)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "incidents/my.html", {"page": page, "can_report": scope.household_id is not None
                                                 or _handles(scope)})
