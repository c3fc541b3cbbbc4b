"""What a dashboard shows for one grid node and period: the matters and the visits from the rollups (live,
any size of subtree), and the other field work, hall and community figures from their own tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.errors import PermissionDenied
from wangge.core.months import month_start, next_month
from wangge.insights.rollups import selectors as rollups
from wangge.insights.rollups.selectors import Figures, States
from wangge.matters.models import Category, Source
from wangge.people.access import VIEW, actor_scope
from wangge.people.models import Duty, Role
from wangge.registry.models import GridNode, Level
from wangge.registry.selectors import grid_ancestors, grid_get

from .periods import Period

# The indicators of digital city management evaluation, with the formula each is read by.
INDICATORS = [
    ("closure_rate", _("结案率"), _("结案数 ÷ 应结案数"), "done", "due"),
    ("on_time_rate", _("按期结案率"), _("按期结案数 ÷ 应结案数"), "done_on_time", "due"),
    ("rework_rate", _("返工率"), _("返工数 ÷ 应结案数"), "reworked", "due"),
    ("satisfaction_rate", _("满意率"), _("（满意数 + 0.8 × 基本满意数）÷ 评价数"), None, "rated"),
    ("handling_hours", _("平均处置时长（小时）"), _("结案事项上报至结案用时之和 ÷ 结案数"), None, "done"),
]


def dashboard_node(*, actor, node_id: int | None) -> GridNode:
    """The node a dashboard opens on: the one asked for (404 when unseen, 403 without `view` there), or the
    actor's own top node."""
    scope = actor_scope(actor)
    if node_id is None:
        if scope.is_admin:
            node = GridNode.objects.filter(parent__isnull=True).order_by("code").first()
        else:
            paths = scope.paths(VIEW)
            node = GridNode.objects.filter(path=paths[0]).first() if paths else None
        if node is None:
            raise PermissionDenied("数据看板供有在岗职责的工作人员使用")
        return node
    node = grid_get(actor=scope, grid_id=node_id)
    if not scope.is_admin and not scope.can(VIEW, node):
        raise PermissionDenied("您在该网格没有查看统计的职责")
    return node


@dataclass
class Work:
    """Field work, hall and community life below a node in a period."""

    visits: int
    visits_met: int
    households_visited: int
    disputes_opened: int
    disputes_agreed: int
    disputes_open: int
    micro_grids: int
    micro_grids_staffed: int
    activities_held: int
    attendance: int
    cameras: int
    cameras_faulty: int
    sessions_held: int

    @property
    def duty_coverage(self) -> float | None:
        return self.micro_grids_staffed / self.micro_grids if self.micro_grids else None


def work(node: GridNode, period: Period) -> Work:
    from wangge.community.activities.models import Activity, SignUp
    from wangge.community.activities.models import Status as ActivityStatus
    from wangge.fieldwork.cameras.models import Camera
    from wangge.fieldwork.cameras.models import Status as CameraStatus
    from wangge.fieldwork.disputes.models import Dispute
    from wangge.fieldwork.disputes.models import Status as DisputeStatus
    from wangge.hall.agenda.models import Session, SessionStatus

    start, end = period.bounds
    under = {"grid__path__startswith": node.path}
    visits = rollups.visit_figures(node, period.start, period.end, today=timezone.localdate())
    disputes = Dispute.objects.filter(**under)
    opened = disputes.filter(opened_at__gte=start, opened_at__lt=end).count()
    agreed = disputes.filter(status=DisputeStatus.AGREEMENT, concluded_at__gte=start, concluded_at__lt=end).count()
    still_open = disputes.filter(status__in=[DisputeStatus.OPEN, DisputeStatus.MEDIATING]).count()
    micro = GridNode.objects.filter(path__startswith=node.path, level=Level.MICRO_GRID)
    staffed = (
        Duty.objects.current().filter(role=Role.MICRO_GRID_MEMBER, grid__path__startswith=node.path,
                                      grid__level=Level.MICRO_GRID)
        .values("grid").distinct().count()
    )
    held = Activity.objects.filter(**under, starts_at__gte=start, starts_at__lt=end).exclude(
        status__in=[ActivityStatus.DRAFT, ActivityStatus.CANCELLED])
    attendance = SignUp.objects.filter(activity__in=held, attended_at__isnull=False).count()
    cameras = Camera.objects.filter(**under).exclude(status=CameraStatus.REMOVED).aggregate(
        n=Count("id"), faulty=Count("id", filter=Q(status=CameraStatus.FAULTY)))
    sessions = Session.objects.filter(
        hall__community__path__startswith=node.path, starts_at__gte=start, starts_at__lt=end,
        status__in=[SessionStatus.HELD, SessionStatus.PUBLISHED],
    ).count()
    return Work(
        visits=visits.visits, visits_met=visits.met, households_visited=visits.households,
        disputes_opened=opened, disputes_agreed=agreed, disputes_open=still_open,
        micro_grids=micro.count(), micro_grids_staffed=staffed,
        activities_held=held.count(), attendance=attendance,
        cameras=cameras["n"], cameras_faulty=cameras["faulty"], sessions_held=sessions,
    )


@dataclass
class Dashboard:
    node: GridNode
    trail: list[GridNode]
    period: Period
    figures: Figures
    states: States
    categories: list[tuple[Category, Figures]]
    sources: list[tuple[str, str, Figures]]
    trend: list[tuple[dt.date, Figures]]
    children: list[tuple[GridNode, Figures, int]]
    work: Work

    def indicators(self) -> list[dict]:
        out = []
        for key, label, formula, numerator, denominator in INDICATORS:
            out.append({
                "key": key, "label": str(label), "formula": str(formula), "value": getattr(self.figures, key),
                "numerator": getattr(self.figures, numerator) if numerator else None,
                "denominator": getattr(self.figures, denominator),
            })
        return out


def _trend(node: GridNode, period: Period) -> list[tuple[dt.date, Figures]]:
    by = "day" if period.daily else "month"
    found = rollups.breakdown(node, period.start, period.end, by)
    step = (lambda day: day + dt.timedelta(days=1)) if period.daily else next_month
    keys, day = [], period.start if period.daily else month_start(period.start)
    while day <= period.end:
        keys.append(day)
        day = step(day)
    return [(k, found.get(k, rollups.ZERO)) for k in keys]


def dashboard(*, actor, node_id: int | None, period: Period) -> Dashboard:
    node = dashboard_node(actor=actor, node_id=node_id)
    start, end = period.start, period.end
    by_category = rollups.breakdown(node, start, end, "category")
    categories = Category.objects.in_bulk(list(by_category))
    by_source = rollups.breakdown(node, start, end, "source")
    by_child = rollups.breakdown(node, start, end, "child")
    open_by_child = rollups.open_by_child(node)
    children = [(c, by_child.get(c.pk, rollups.ZERO), open_by_child.get(c.pk, 0))
                for c in node.children.order_by("code")]
    return Dashboard(
        node=node,
        trail=grid_ancestors(node),
        period=period,
        figures=rollups.figures(node, start, end),
        states=rollups.states(node),
        categories=sorted(((categories[k], f) for k, f in by_category.items() if k in categories),
                          key=lambda pair: -pair[1].received),
        sources=[(s.value, str(s.label), by_source[s.value]) for s in Source if s.value in by_source],
        trend=_trend(node, period),
        children=children,
        work=work(node, period),
    )
