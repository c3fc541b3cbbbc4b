"""Pages of the dashboards: the node dashboard (phone and desk) and the wall screen. Thin: parse, one
selector, render; the charts draw from the same JSON the API answers."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from wangge.core.errors import InvalidInput
from wangge.core.replica import replica_reads
from wangge.core.views import form_id, refusals
from wangge.people.access import request_scope

from . import selectors
from .periods import PRESETS, Period, period_of
from .serializers import dashboard_out


def period_from(request, default: str = "month") -> tuple[Period, list]:
    """The period a page asks for; a bad one falls back to the default with the errors shown."""
    try:
        return period_of(request.GET.get("period") or default, request.GET.get("start"), request.GET.get("end")), []
    except InvalidInput as exc:
        return period_of(default), exc.errors


def _boundaries(d: selectors.Dashboard) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": c.boundary, "properties": {"id": c.pk, "name": c.name}}
            for c, _figures, _open in d.children if c.boundary
        ],
    }


def _render(request, template: str):
    node_id = request.GET.get("node")
    if node_id not in (None, "") and form_id(node_id) is None:
        raise Http404("未找到该网格")
    period, errors = period_from(request)
    with replica_reads():
        d = selectors.dashboard(actor=request_scope(request), node_id=form_id(node_id), period=period)
        data = dashboard_out(d) | {"boundaries": _boundaries(d)}
    return render(request, template, {
        "d": d, "data": json.loads(json.dumps(data, cls=DjangoJSONEncoder)), "errors": errors,
        "presets": [(key, label) for key, label in PRESETS.items() if key != "custom"],
    })


@login_required
@require_GET
@refusals
def dashboard(request):
    """Any node's matters and field work for a period, with drill-down to its children."""
    return _render(request, "dashboards/dashboard.html")


@login_required
@require_GET
@refusals
def wall(request):
    """The wall screen: the same figures, dark, full screen, refreshed every minute."""
    return _render(request, "dashboards/wall.html")
