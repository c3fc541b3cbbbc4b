"""Pages of 入户走访: the worker's list for today (phone), the visit form, coverage with its export, and
the plans. Thin: each parses, calls one selector or service, and renders."""

from __future__ import annotations

import io
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wangge.core.errors import Conflict, InvalidInput, PermissionDenied
from wangge.core.views import forbidden, form_id, is_htmx, refusals
from wangge.matters import selectors as matter_selectors
from wangge.matters.services import Actor
from wangge.people.access import PLAN_VISITS, VIEW, VISIT, request_scope
from wangge.registry.models import CareFlag, GridNode, Level, path_ids

from . import exporting, selectors, services
from .models import Outcome
from .services import MATTERS_MAX

TODAY_LIMIT = 300          # households shown on the phone page; narrow the grid to see the rest
GAPS_LIMIT = 200           # gaps listed on the coverage page (the export has them all)
PICKER_LIMIT = 300


def _grid_options(scope, capability: str, levels) -> list[GridNode]:
    """The grids a picker offers: the roots where `capability` holds and the nodes under them at `levels`."""
    if scope.is_admin:
        q = Q()
    else:
        roots = scope.paths(capability)
        if not roots:
            return []
        q = Q(pk__in=[])
        for path in roots:
            q |= Q(path__startswith=path)
    return list(GridNode.objects.filter(q, level__in=levels).order_by("path")[:PICKER_LIMIT])


# -- today ---------------------------------------------------------------------------------------------


@login_required
@require_GET
@refusals
def today(request):
    """A worker's households to visit today, grouped by building in walking order."""
    scope = request_scope(request)
    if not scope.is_admin and not scope.paths(VISIT):
        return forbidden(request, _("入户走访供负责住户走访的网格工作人员使用。您当前没有这项职责。"))
    grid_id = form_id(request.GET.get("grid"))
    found = selectors.due_list(actor=scope, within=grid_id)
    counts = {
        "never": sum(r.status == "never" for r in found),
        "overdue": sum(r.status == "overdue" for r in found),
        "due": sum(r.status == "due" for r in found),
        "follow_up": sum(r.follow_up_due for r in found),
        "total": len(found),
    }
    shown = found[:TODAY_LIMIT]
    buildings = [
        {"estate": key[0], "building": key[1], "rows": list(group)}
        for key, group in groupby(shown, key=lambda r: (r.household.unit.building.estate_grid.name,
                                                          r.household.unit.building.name))
    ]
    options = _grid_options(scope, VISIT, [Level.AREA_GRID, Level.ESTATE_GRID, Level.MICRO_GRID])
    return render(request, "visits/today.html", {
        "buildings": buildings, "counts": counts, "more": len(found) - len(shown), "grid_id": grid_id,
        "options": options if len(options) > 1 else [], "today": timezone.localdate(),
    })


# -- logging a visit -----------------------------------------------------------------------------------


def _matter_rows(post) -> list[dict]:
    rows = []
    for i in range(MATTERS_MAX):
        category = (post.get(f"matters-{i}-category") or "").strip()
        description = (post.get(f"matters-{i}-description") or "").strip()
        if f"matters-{i}-category" in post or f"matters-{i}-description" in post:
            rows.append({"category": category, "description": description})
    # Rows left empty are not matters; the ones kept are numbered as the service numbers them.
    return [r for r in rows if r["category"] or r["description"]]


@login_required
@require_http_methods(["GET", "POST"])
@refusals
def log(request, household_id: int):
    """The visit form: one tap for the outcome, notes, a follow-up date and the key small matters raised."""
    scope = request_scope(request)
    row = selectors.household_for_visit(actor=scope, household_id=household_id)
    errors: dict[str, str] = {}
    values = {"outcome": "", "notes": "", "follow_up_on": ""}
    raised: list[dict] = []
    if request.method == "POST":
        values = {k: (request.POST.get(k) or "").strip() for k in values}
        raised = _matter_rows(request.POST)
        try:
            follow = None
            if values["follow_up_on"]:
                follow = parse_date(values["follow_up_on"])
                if follow is None:
                    raise InvalidInput.field("follow_up_on", _("日期格式应为 2026-05-01"))
            visit = services.visit_log(
                actor=Actor.for_request(request), household=household_id, outcome=values["outcome"],
                notes=values["notes"], follow_up_on=follow, matters_raised=raised,
            )
        except InvalidInput as exc:
            errors = {e.field: e.message for e in exc.errors} or {"non_field": exc.message}
        else:
            outcome = Outcome(visit.outcome).label
            n = visit.matters.count()
            text = _("已登记走访：%(address)s，%(outcome)s") % {"address": row.household.masked_address, "outcome": outcome}
            if n:
                text += _("，收集关键小事 %(n)d 件") % {"n": n}
            messages.success(request, text)
            target = request.POST.get("next") or ""
            if not target.startswith("/visits/") or target.startswith("//"):
                target = reverse("visits-today")
            if is_htmx(request):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return redirect(target)
    for i, r in enumerate(raised):
        r["category_error"] = errors.get(f"matters[{i}].category", "")
        r["description_error"] = errors.get(f"matters[{i}].description", "") or errors.get(f"matters[{i}]", "")
        r["index"] = i
    if not raised:
        raised = [{"category": "", "description": "", "index": 0}]
    context = {
        "row": row, "h": row.household, "values": values, "errors": errors, "raised": raised,
        "next_index": len(raised), "max_matters": MATTERS_MAX, "outcomes": Outcome.choices,
        "groups": matter_selectors.category_groups(), "recent": selectors.recent_visits(household_id),
        "next": request.GET.get("next") or request.POST.get("next") or "", "today": timezone.localdate(),
    }
    return render(request, "visits/log.html", context, status=422 if errors else 200)


@login_required
@require_GET
def matter_row(request):
    """htmx: one more key-small-matter row for the visit form."""
    i = form_id(request.GET.get("i")) or 0
    if not 0 <= i < MATTERS_MAX:
        return HttpResponse(status=204)
    return render(request, "visits/_matter_row.html", {
        "r": {"category": "", "description": "", "index": i}, "groups": matter_selectors.category_groups(),
        "max_matters": MATTERS_MAX,
    })


# -- coverage ------------------------------------------------------------------------------------------


@login_required
@require_GET
@refusals
def coverage(request):
    scope = request_scope(request)
    if not scope.is_staff_scope:
        return forbidden(request, _("走访覆盖情况供网格工作人员查看。您当前没有在岗职责。"))
    c = selectors.coverage(actor=scope, within=form_id(request.GET.get("grid")))
    chain = path_ids(c.node.path)
    crumbs = [n for n in GridNode.objects.filter(pk__in=chain).order_by("depth") if scope.can(VIEW, n)]
    return render(request, "visits/coverage.html", {
        "c": c, "crumbs": crumbs, "gaps": c.gaps[:GAPS_LIMIT], "more_gaps": max(0, len(c.gaps) - GAPS_LIMIT),
        "drill": c.node.level != Level.MICRO_GRID,
    })


@login_required
@require_GET
@refusals
def coverage_export(request):
    scope = request_scope(request)
    if not scope.is_staff_scope:
        return forbidden(request, _("走访覆盖情况供网格工作人员查看。您当前没有在岗职责。"))
    c = selectors.coverage(actor=scope, within=form_id(request.GET.get("grid")))
    buffer = io.BytesIO()
    exporting.write_coverage(c, buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="visit-coverage-{c.node.code}-{c.today:%Y%m%d}.xlsx"'
    return response


# -- plans ---------------------------------------------------------------------------------------------


def _plan_values(post) -> dict:
    values = {}
    for name in ("period_days", "care_period_days"):
        raw = (post.get(name) or "").strip()
        try:
            values[name] = int(raw)
        except ValueError as exc:
            raise InvalidInput.field(name, _("应为天数（整数）")) from exc
    values["care_flags"] = post.getlist("care_flags")
    values["active"] = post.get("active") == "on"
    values["note"] = (post.get("note") or "").strip()
    return values


@login_required
@require_http_methods(["GET", "POST"])
@refusals
def plans(request):
    """The plans of the grids in scope; leaders set one for a grid or change it."""
    scope = request_scope(request)
    may_plan = scope.is_admin or bool(scope.paths(PLAN_VISITS))
    if not may_plan:
        return forbidden(request, _("走访计划由网格长和社区两委成员制定。"))
    errors: dict[str, str] = {}
    form = {"grid": "", "period_days": "91", "care_period_days": "30", "care_flags": list(CareFlag.values),
            "active": True, "note": ""}
    edit_id = None
    if request.method == "POST":
        edit_id = form_id(request.POST.get("plan"))
        form = {k: request.POST.get(k, "") for k in ("grid", "period_days", "care_period_days", "note")}
        form["care_flags"] = request.POST.getlist("care_flags")
        form["active"] = request.POST.get("active") == "on"
        try:
            values = _plan_values(request.POST)
            actor = Actor.for_request(request)
            if edit_id:
                services.visit_plan_update(actor=actor, plan_id=edit_id, **values)
                messages.success(request, _("已修改走访计划"))
            else:
                grid = form_id(request.POST.get("grid"))
                if grid is None:
                    raise InvalidInput.field("grid", _("请选择网格"))
                services.visit_plan_create(actor=actor, grid=grid, **values)
                messages.success(request, _("已制定走访计划"))
            return redirect("visits-plans")
        except (InvalidInput, Conflict) as exc:
            errors = {e.field: e.message for e in exc.errors} or {"non_field": exc.message}
        except PermissionDenied as exc:
            errors = {"non_field": exc.message}
    rows = list(selectors.plan_list(actor=scope))
    for p in rows:
        p.may_edit = scope.can(PLAN_VISITS, p.grid)
    options = _grid_options(scope, PLAN_VISITS, [Level.COMMUNITY, Level.AREA_GRID, Level.ESTATE_GRID,
                                                 Level.MICRO_GRID])
    planned = {p.grid_id for p in rows}
    return render(request, "visits/plans.html", {
        "plans": rows, "options": [o for o in options if o.pk not in planned], "form": form, "errors": errors,
        "edit_id": edit_id, "care_choices": CareFlag.choices,
    }, status=422 if errors else 200)
