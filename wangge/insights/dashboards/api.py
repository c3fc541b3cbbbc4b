"""/api/v1/insights/dashboard: the figures of any grid node and period, for the charts, the wall screen and
other systems."""

from __future__ import annotations

from ninja import Query, Router

from wangge.core.replica import replica_reads
from wangge.core.schemas import ERRORS
from wangge.people.access import Actor

from . import selectors
from .periods import period_of
from .schemas import DashboardOut, DashboardQuery
from .serializers import dashboard_out

router = Router(tags=["insights"])


@router.get("/insights/dashboard", response={200: DashboardOut, **ERRORS}, operation_id="dashboard_get")
def dashboard_get(request, query: Query[DashboardQuery]):
    """Matters (received, closed, on time, overdue, by category, channel and child grid, trend, and the
    evaluation indicators with their formulas) and field work for a node's whole subtree in a period. Read
    from the rollups, live; from the read replica when one is configured."""
    actor = Actor.for_request(request)
    period = period_of(query.period, query.start, query.end)
    with replica_reads():
        return dashboard_out(selectors.dashboard(actor=actor.scope, node_id=query.node, period=period))
