"""外勤: the page that gathers the field-work parts a worker may use, each behind its capability, with what
is waiting today and any emergency under way at the top."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from wangge.people.access import (
    CAMERAS,
    EMERGENCY,
    GATE,
    INCIDENTS,
    MEDIATE,
    PLAN_VISITS,
    ROSTER,
    VIEW,
    VISIT,
    Scope,
    request_scope,
)
from wangge.registry.models import GridNode, Level

from .emergencies import selectors as emergencies
from .emergencies.models import Status as EmergencyStatus
from .visitors import selectors as visitors
from .visits import selectors as visits

# A worker's own count of households due today is shown where their visiting grids are estates or smaller:
# a leader over a community reads the coverage page instead of a count made over thousands of households.
_COUNTED_LEVELS = {Level.ESTATE_GRID, Level.MICRO_GRID}


def _visits_counted(scope: Scope) -> bool:
    grid_ids = [g.grid_id for g in scope.grants if g.path in scope.paths(VISIT)]
    if scope.is_admin or not grid_ids:
        return False
    levels = set(GridNode.objects.filter(pk__in=grid_ids).values_list("level", flat=True))
    return levels <= _COUNTED_LEVELS


@login_required
def hub(request):
    scope = request_scope(request)

    def anywhere(capability: str) -> bool:
        return scope.is_admin or bool(scope.paths(capability))

    can = {
        "visit": anywhere(VISIT),
        "plan_visits": anywhere(PLAN_VISITS),
        "mediate": anywhere(MEDIATE),
        "gate": anywhere(GATE),
        "roster": anywhere(ROSTER),
        "cameras": anywhere(CAMERAS),
        "incidents": anywhere(INCIDENTS),
        "emergency": anywhere(EMERGENCY),
        "view": anywhere(VIEW),
    }
    waiting = {
        "visits_due": len(visits.due_list(actor=scope)) if can["visit"] and _visits_counted(scope) else None,
        "visitors_pending": visitors.pending(actor=scope).count() if can["gate"] else None,
    }
    active = []
    if can["view"]:
        active = list(emergencies.emergency_list(actor=scope, status=EmergencyStatus.ACTIVE)[:5])
    return render(request, "fieldwork/hub.html", {"can": can, "waiting": waiting, "active": active})
