"""Pages of the performance evaluation: the ranking, and the matters behind any figure in it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from wangge.core.errors import InvalidInput
from wangge.core.replica import replica_reads
from wangge.core.views import form_id, refusals
from wangge.people.access import request_scope

from ..dashboards.periods import PRESETS
from ..dashboards.views import period_from
from . import selectors

PAGE_SIZE = 50


def _node_id(request) -> int | None:
    raw = request.GET.get("node")
    if raw not in (None, "") and form_id(raw) is None:
        raise Http404("未找到该网格")
    return form_id(raw)


def _period_query(period) -> dict:
    if period.preset == "custom":
        return {"start": period.start.isoformat(), "end": period.end.isoformat()}
    return {"period": period.preset}


@login_required
@require_GET
@refusals
def evaluation(request):
    period, errors = period_from(request, default="last_month")
    by = request.GET.get("by") or "grid"
    if by not in selectors.BY:
        errors, by = [*errors, InvalidInput.field("by", "未知的考核方式").errors[0]], "grid"
    with replica_reads():
        e = selectors.evaluation(actor=request_scope(request), node_id=_node_id(request), period=period, by=by)
    base = {"node": e.node.pk, **_period_query(period)}
    return render(request, "evaluation/evaluation.html", {
        "e": e, "errors": errors, "formula": selectors.SCORE_FORMULA, "tabs": list(selectors.BY.items()),
        "presets": [(k, v) for k, v in PRESETS.items() if k != "custom"],
        "base_query": urlencode(base), "behind_query": urlencode({**base, "by": by}),
    })


@login_required
@require_GET
@refusals
def matters(request):
    period, errors = period_from(request, default="last_month")
    by = request.GET.get("by") or None
    indicator = request.GET.get("indicator") or "received"
    with replica_reads():
        try:
            qs = selectors.matters_behind(actor=request_scope(request), node_id=_node_id(request), period=period,
                                          indicator=indicator, by=by, key=form_id(request.GET.get("key")))
        except InvalidInput as exc:
            raise Http404(exc.message) from exc
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "evaluation/matters.html", {
        "page": page, "errors": errors, "indicator": indicator, "query": query.urlencode(),
        "label": selectors.INDICATOR_LABELS[indicator],
    })
