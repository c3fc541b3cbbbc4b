"""/api/v1/insights/evaluation: performance per grid, worker and handling organisation, ranked, and the
matters behind each figure."""

from __future__ import annotations

from ninja import Query, Router

from wangge.core.replica import replica_reads
from wangge.core.schemas import ERRORS, list_of, page_of
from wangge.insights.dashboards.periods import period_of
from wangge.people.access import Actor

from . import selectors
from .schemas import EvaluationMatterOut, EvaluationMattersQuery, EvaluationOut, EvaluationQuery
from .serializers import evaluation_out, matter_behind_out

router = Router(tags=["insights"])


@router.get("/insights/evaluation", response={200: EvaluationOut, **ERRORS}, operation_id="evaluation_get")
def evaluation_get(request, query: Query[EvaluationQuery]):
    """The indicators, composite score and rank of each grid (children, or every grid at `level`), each
    worker or each handling organisation under a node, for a period (month, quarter, or dates)."""
    actor = Actor.for_request(request)
    period = period_of(query.period, query.start, query.end)
    with replica_reads():
        return evaluation_out(selectors.evaluation(actor=actor.scope, node_id=query.node, period=period,
                                                   by=query.by, level=query.level))


@router.get("/insights/evaluation/matters", response={200: list_of(EvaluationMatterOut), **ERRORS},
            operation_id="evaluation_matters")
def evaluation_matters(request, query: Query[EvaluationMattersQuery]):
    """The matters one figure of the evaluation counts (e.g. `indicator=late&by=worker&key=12`)."""
    actor = Actor.for_request(request)
    period = period_of(query.period, query.start, query.end)
    with replica_reads():
        qs = selectors.matters_behind(actor=actor.scope, node_id=query.node, period=period,
                                      indicator=query.indicator, by=query.by, key=query.key)
        return page_of(qs, query, matter_behind_out)
