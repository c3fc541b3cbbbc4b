"""What a report holds: the dashboard of the node for the month, and the evaluation by grid and by
worker — gathered once, then written out as XLSX and PDF. Figures only: no resident appears in it, and
workers appear by name."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from wangge.core.months import month_end
from wangge.core.replica import replica_reads
from wangge.insights.dashboards.periods import Period, period_of
from wangge.insights.dashboards.selectors import Dashboard, dashboard
from wangge.insights.evaluation.selectors import Evaluation, evaluation
from wangge.registry.models import GridNode


def month_period(month: dt.date, *, today: dt.date | None = None) -> Period:
    """The month as a period; the current month runs to today."""
    today = today or timezone.localdate()
    return period_of(start=month, end=min(month_end(month), today))


@dataclass
class ReportData:
    node: GridNode
    month: dt.date
    period: Period
    generated_at: dt.datetime
    dashboard: Dashboard
    by_grid: Evaluation
    by_worker: Evaluation

    @property
    def title(self) -> str:
        return f"{self.node.name}{self.month:%Y年%m月}网格治理月报"

    @property
    def complete(self) -> bool:
        """Whether the month was over when the report was made (else it runs to `period.end`)."""
        return self.period.end == month_end(self.month)


def collect(node: GridNode, month: dt.date) -> ReportData:
    """Read as the system: who may see the node was checked when the report was requested, and is checked
    again for every download and every recipient."""
    period = month_period(month)
    with replica_reads():
        d = dashboard(actor=None, node_id=node.pk, period=period)
        by_grid = evaluation(actor=None, node_id=node.pk, period=period, by="grid")
        by_worker = evaluation(actor=None, node_id=node.pk, period=period, by="worker")
    return ReportData(node=node, month=month, period=period, generated_at=timezone.localtime(), dashboard=d,
                      by_grid=by_grid, by_worker=by_worker)
