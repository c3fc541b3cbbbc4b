"""外勤: the page that gathers the field-work parts a worker may use, each behind its capability."""

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
    request_scope,
)


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
        "resident": scope.household_id is not None,
    }
    return render(request, "fieldwork/hub.html", {"can": can})
