"""Reading reports: those of the nodes in the actor's scope, the nodes they may have reports of, and
their subscriptions."""

from __future__ import annotations

from django.db.models import QuerySet

from wangge.core.errors import NotFound, PermissionDenied
from wangge.people.access import VIEW, actor_scope
from wangge.registry.models import GridNode

from .models import REPORT_LEVELS, Report, ReportSubscription


def _staff_scope(actor):
    scope = actor_scope(actor)
    if not scope.is_staff_scope:
        raise PermissionDenied("月度报告供有在岗职责的工作人员使用")
    return scope


def report_nodes(*, actor) -> QuerySet[GridNode]:
    """The nodes the actor may have reports of: communities, subdistricts and districts in their scope."""
    scope = _staff_scope(actor)
    return GridNode.objects.filter(scope.grid_q(capability=VIEW), level__in=REPORT_LEVELS).order_by("path")


def report_list(*, actor, node_id: int | None = None, month=None) -> QuerySet[Report]:
    """The reports of the nodes in the actor's scope, newest first; `node_id` keeps those of one node."""
    scope = _staff_scope(actor)
    qs = Report.objects.filter(scope.grid_q("grid__", VIEW)).select_related("grid", "requested_by__person")
    if node_id is not None:
        qs = qs.filter(grid_id=node_id)
    if month is not None:
        qs = qs.filter(month=month)
    return qs.order_by("-created_at", "-id")


def report_get(*, actor, report_id: int) -> Report:
    """One report in the actor's scope; any other is 404, whoever requested it."""
    report = report_list(actor=actor).filter(pk=report_id).first()
    if report is None:
        raise NotFound(f"未找到报告 {report_id}")
    return report


def report_file(*, actor, report_id: int, kind: str):
    """The XLSX or PDF of a report that is done, for download."""
    report = report_get(actor=actor, report_id=report_id)
    field = report.xlsx if kind == "xlsx" else report.pdf
    if report.status != "done" or not field:
        raise NotFound("该报告尚未生成完成")
    return report, field


def subscribed(*, actor, node: GridNode) -> bool:
    user_id = getattr(actor, "pk", None)
    return bool(user_id) and ReportSubscription.objects.filter(user_id=user_id, grid=node).exists()


def subscription_list(*, actor) -> QuerySet[ReportSubscription]:
    """The actor's own subscriptions."""
    return ReportSubscription.objects.filter(user_id=getattr(actor, "pk", None)).select_related("grid").order_by(
        "grid__path")
