"""Pages of emergencies:

- `/emergencies/` — the list, and the declare form for those who may declare (EMERGENCY somewhere);
- `/emergencies/<id>/` — the live page: progress by status (polled every few seconds), the households by
  building and floor with one-tap status buttons, the unreached list, and the all-clear form;
- `/emergencies/<id>/report/` — the report after the all-clear, printable.

Views parse, call one service or selector, and render; refusals become messages on the page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wangge.core.errors import ApplicationError, Conflict, InvalidInput
from wangge.core.views import forbidden, is_htmx, refusals
from wangge.people.access import EMERGENCY, request_scope
from wangge.registry.models import Building, GridNode, Level

from . import selectors, services
from .models import Emergency, HouseholdState, Kind
from .serializers import current_residents

LIST_LIMIT = 100
CHOICES_LIMIT = 500
GRID_LEVELS = [Level.COMMUNITY, Level.AREA_GRID, Level.ESTATE_GRID, Level.MICRO_GRID]


def _can_declare(scope) -> bool:
    return scope.is_admin or bool(scope.paths(EMERGENCY))


def _declare_choices(scope) -> tuple[list[GridNode], list[Building]]:
    grids = GridNode.objects.filter(scope.grid_q("", EMERGENCY), level__in=GRID_LEVELS).order_by("path")
    buildings = (Building.objects.filter(scope.grid_q("estate_grid__", EMERGENCY)).select_related("estate_grid")
                 .order_by("estate_grid__code", "name"))
    return list(grids[:CHOICES_LIMIT]), list(buildings[:CHOICES_LIMIT])


def _ints(values) -> list[int]:
    out = []
    for v in values:
        if not str(v).isdigit():
            raise InvalidInput.field("buildings", _("楼栋编号无效"))
        out.append(int(v))
    return out


@login_required
@refusals
def emergency_index(request):
    scope = request_scope(request)
    if not scope.is_staff_scope:
        return forbidden(request, _("突发事件供在岗的网格工作人员使用。您当前没有在岗职责。"))
    can_declare = _can_declare(scope)
    errors, values = {}, {"kind": Kind.FIRE, "drill": False, "title": "", "description": "", "grid": "",
                          "buildings": []}
    if request.method == "POST":
        if not can_declare:
            return forbidden(request, _("您没有宣布突发事件的权限"))
        values = {"kind": request.POST.get("kind", ""), "drill": request.POST.get("drill") == "on",
                  "title": request.POST.get("title", ""), "description": request.POST.get("description", ""),
                  "grid": request.POST.get("grid", ""), "buildings": request.POST.getlist("buildings")}
        try:
            grid = values["grid"]
            if grid and not grid.isdigit():
                raise InvalidInput.field("grid", _("网格无效"))
            emergency = services.emergency_declare(
                actor=request.user, kind=values["kind"], title=values["title"], description=values["description"],
                drill=values["drill"], grid=int(grid) if grid else None, buildings=_ints(values["buildings"]),
            )
        except InvalidInput as exc:
            errors = {e.field: e.message for e in exc.errors} or {"non_field": exc.message}
        except ApplicationError as exc:
            errors = {"non_field": exc.message}
        else:
            n = emergency.notified
            messages.success(request, _("已宣布，正在通知：住户%(h)s户，居民%(r)s人，工作人员%(w)s人。") % {
                "h": n.get("households", 0), "r": n.get("residents", 0), "w": n.get("workers", 0)})
            return redirect("emergency-live", emergency.pk)
    qs = selectors.emergency_list(actor=scope, q=request.GET.get("q")).prefetch_related("buildings")
    rows = list(qs[:LIST_LIMIT])
    context = {
        "active": [e for e in rows if e.is_active], "past": [e for e in rows if not e.is_active],
        "can_declare": can_declare, "kinds": Kind.choices, "errors": errors, "values": values,
    }
    if can_declare:
        context["grids"], context["buildings"] = _declare_choices(scope)
    return render(request, "emergencies/index.html", context, status=422 if errors else 200)


def _live_context(request, emergency: Emergency) -> dict:
    scope = request_scope(request)
    rows = list(selectors.household_list(actor=scope, emergency=emergency))
    for row in rows:
        row.current = current_residents(row)
    return {
        "e": emergency, "groups": selectors.by_building_and_floor(rows),
        "counts": selectors.counts(selectors.household_list(actor=scope, emergency=emergency)),
        "unreached": [r for r in rows if r.status == HouseholdState.NOT_REACHED],
        "needs_help": [r for r in rows if r.status == HouseholdState.NEEDS_HELP],
        "states": HouseholdState, "can_clear": emergency.is_active and scope.can(EMERGENCY, emergency.grid),
        "buildings": list(emergency.buildings.all()),
    }


@login_required
@refusals
@require_GET
def emergency_live(request, emergency_id: int):
    emergency = selectors.emergency_get(actor=request_scope(request), emergency_id=emergency_id)
    return render(request, "emergencies/live.html", {**_live_context(request, emergency), "report_value": ""})


@login_required
@refusals
@require_GET
def emergency_progress(request, emergency_id: int):
    """The polled partial: counts, progress bar, households needing help and not reached."""
    emergency = selectors.emergency_get(actor=request_scope(request), emergency_id=emergency_id)
    return render(request, "emergencies/_progress.html", _live_context(request, emergency))


@login_required
@refusals
@require_POST
def emergency_household(request, emergency_id: int, household_id: int):
    scope = request_scope(request)
    error = ""
    try:
        services.emergency_household_status(actor=request.user, emergency_id=emergency_id,
                                            household_id=household_id, status=request.POST.get("status", ""),
                                            note=request.POST.get("note", ""))
    except (InvalidInput, Conflict) as exc:
        error = exc.message
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect(reverse("emergency-live", args=[emergency_id]) + f"#h-{household_id}")
    emergency = selectors.emergency_get(actor=scope, emergency_id=emergency_id)
    row = selectors.household_list(actor=scope, emergency=emergency).get(household_id=household_id)
    row.current = current_residents(row)
    response = render(request, "emergencies/_household.html", {"row": row, "e": emergency, "states": HouseholdState,
                                                               "error": error})
    response["HX-Trigger"] = "emergency-changed"
    return response


@login_required
@refusals
@require_POST
def emergency_clear(request, emergency_id: int):
    scope = request_scope(request)
    report = request.POST.get("report", "")
    try:
        services.emergency_clear(actor=request.user, emergency_id=emergency_id, report=report)
    except Conflict as exc:  # cleared already (by someone else, a moment ago)
        messages.error(request, exc.message)
        return redirect("emergency-live", emergency_id)
    except InvalidInput as exc:
        emergency = selectors.emergency_get(actor=scope, emergency_id=emergency_id)
        context = {**_live_context(request, emergency), "report_value": report, "clear_error": exc.message}
        return render(request, "emergencies/live.html", context, status=422)
    messages.success(request, _("已解除，处置报告已生成。"))
    return redirect("emergency-report", emergency_id)


@login_required
@refusals
@require_GET
def emergency_report(request, emergency_id: int):
    emergency = selectors.emergency_get(actor=request_scope(request), emergency_id=emergency_id)
    if emergency.is_active:
        return redirect("emergency-live", emergency_id)
    return render(request, "emergencies/report.html", {"e": emergency, "buildings": list(emergency.buildings.all()),
                                                       "s": emergency.summary})

