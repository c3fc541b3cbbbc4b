"""Every read of halls, sessions, agenda items and suggestions, filtered through the access scope.

Who sees a hall: staff whose VIEW scope holds the community, or lies inside it (a grid member of one of
its estates sees its hall); residents of the community (its id is in their household chain). Residents
see every item of their hall except the declined proposals of others, and never another resident's name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from wangge.core.errors import NotFound, one_of
from wangge.core.text import normalize_query
from wangge.matters.lifecycle import OPEN_STATES
from wangge.matters.models import Matter
from wangge.people.access import HALL, VIEW, Scope, actor_scope
from wangge.registry.models import GridNode, path_ids
from wangge.registry.selectors import within_node

from .models import Hall, Item, ItemKind, ItemStatus, Session, SessionStatus

AGENDA_STATUSES = (ItemStatus.SCHEDULED, ItemStatus.DEFERRED, ItemStatus.DISCUSSED)


# -- who sees what ------------------------------------------------------------------------------------------


def hall_visible_q(scope: Scope, prefix: str = "") -> Q:
    if scope.is_admin:
        return Q()
    q = scope.grid_q(f"{prefix}community__", VIEW)
    ids = set(scope.ancestor_ids()) | set(scope.household_chain)
    if ids:
        q |= Q(**{f"{prefix}community_id__in": ids})
    return q


def is_staff(scope: Scope, hall: Hall) -> bool:
    """Staff of the hall (may see all of it and every proposer's name), as opposed to its residents."""
    if scope.is_admin:
        return True
    return scope.can(VIEW, hall.community) or bool(
        scope.grants and hall.community_id in scope.ancestor_ids()
    )


def can_run(scope: Scope, hall: Hall) -> bool:
    return scope.can(HALL, hall.community)


def runs_any_hall(scope: Scope) -> bool:
    return scope.is_admin or bool(scope.paths(HALL))


def is_resident_of(scope: Scope, hall: Hall) -> bool:
    return scope.household_id is not None and hall.community_id in scope.household_chain


# -- halls --------------------------------------------------------------------------------------------------


def hall_list(*, actor, within: int | None = None, q: str | None = None, active: bool | None = None) -> QuerySet[Hall]:
    scope = actor_scope(actor)
    qs = Hall.objects.select_related("community").filter(hall_visible_q(scope))
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(Q(community__path__startswith=node.path) | Q(community_id__in=node.ancestor_ids()))
    if q:
        text = normalize_query(q)
        qs = qs.filter(Q(name__icontains=text) | Q(community__name__icontains=text) | Q(place__icontains=text))
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("community__path", "name")


def hall_get(*, actor, hall_id: int) -> Hall:
    hall = Hall.objects.select_related("community").filter(hall_visible_q(actor_scope(actor)), pk=hall_id).first()
    if hall is None:
        raise NotFound("未找到该议事厅")
    return hall


def next_sessions(halls, *, now: dt.datetime | None = None) -> dict[int, Session]:
    """The next planned session of each hall (one query)."""
    now = now or timezone.now()
    out: dict[int, Session] = {}
    rows = Session.objects.filter(hall__in=halls, starts_at__gte=now, status=SessionStatus.PLANNED).order_by("starts_at")
    for s in rows:
        out.setdefault(s.hall_id, s)
    return out


def waiting_counts(halls) -> dict[int, int]:
    rows = (Item.objects.filter(hall__in=halls, status=ItemStatus.PROPOSED).values("hall_id")
            .annotate(n=Count("id")).values_list("hall_id", "n"))
    return dict(rows)


# -- sessions -----------------------------------------------------------------------------------------------


def session_list(
    *, actor, within: int | None = None, q: str | None = None, hall: int | None = None, upcoming: bool | None = None,
    status: str | None = None,
) -> QuerySet[Session]:
    scope = actor_scope(actor)
    qs = Session.objects.select_related("hall", "hall__community").filter(hall_visible_q(scope, "hall__"))
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(Q(hall__community__path__startswith=node.path) | Q(hall__community_id__in=node.ancestor_ids()))
    if hall is not None:
        qs = qs.filter(hall_id=hall)
    if status:
        one_of(status, SessionStatus.values, "status", "状态")
        qs = qs.filter(status=status)
    if q:
        text = normalize_query(q)
        qs = qs.filter(Q(title__icontains=text) | Q(place__icontains=text) | Q(hall__name__icontains=text))
    now = timezone.now()
    if upcoming is True:
        return qs.filter(ends_at__gte=now).exclude(status=SessionStatus.CANCELLED).order_by("starts_at", "id")
    if upcoming is False:
        qs = qs.filter(ends_at__lt=now)
    return qs.order_by("-starts_at", "-id")


def session_get(*, actor, session_id: int) -> Session:
    scope = actor_scope(actor)
    session = (Session.objects.select_related("hall", "hall__community")
               .filter(hall_visible_q(scope, "hall__"), pk=session_id).first())
    if session is None:
        raise NotFound("未找到该议事会议")
    return session


def _items_base() -> QuerySet[Item]:
    return Item.objects.select_related("hall__community", "session", "proposed_by__person", "deferred_from").prefetch_related(
        Prefetch("matters", queryset=Matter.objects.select_related("category", "grid").order_by("id"))
    )


def _resident_filter(scope: Scope, qs: QuerySet[Item]) -> QuerySet[Item]:
    """Residents (and staff outside the hall's community) do not see others' declined proposals."""
    if scope.is_admin:
        return qs
    staff_q = scope.grid_q("hall__community__", VIEW)
    if scope.grants and scope.ancestor_ids():
        staff_q |= Q(hall__community_id__in=scope.ancestor_ids())
    return qs.filter(staff_q | ~Q(status=ItemStatus.DECLINED) | Q(proposed_by_id=scope.user_id))


def agenda(session: Session, *, actor) -> list[Item]:
    """The session's agenda in order, each item with `planned_start` (the session's start plus the minutes
    of the items before it) and `planned_end`."""
    scope = actor_scope(actor)
    items = list(_resident_filter(scope, _items_base().filter(session=session, status__in=AGENDA_STATUSES))
                 .order_by("position", "id"))
    at = session.starts_at
    for item in items:
        item.planned_start = at
        at = at + dt.timedelta(minutes=item.minutes_planned)
        item.planned_end = at
    session.agenda_end = at
    session.overrun_minutes = max(0, int((at - session.ends_at).total_seconds() // 60))
    return items


def item_list(
    *, actor, status: str | None = None, kind: str | None = None, hall: int | None = None,
    session: int | None = None, within: int | None = None, q: str | None = None,
) -> QuerySet[Item]:
    scope = actor_scope(actor)
    qs = _resident_filter(scope, _items_base().filter(hall_visible_q(scope, "hall__")))
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(Q(hall__community__path__startswith=node.path) | Q(hall__community_id__in=node.ancestor_ids()))
    if status:
        one_of(status, ItemStatus.values, "status", "状态")
        qs = qs.filter(status=status)
    if kind:
        one_of(kind, ItemKind.values, "kind", "类别")
        qs = qs.filter(kind=kind)
    if hall is not None:
        qs = qs.filter(hall_id=hall)
    if session is not None:
        qs = qs.filter(session_id=session)
    if q:
        text = normalize_query(q)
        qs = qs.filter(Q(title__icontains=text) | Q(description__icontains=text))
    return qs.order_by("-created_at", "-id")


def item_get(*, actor, item_id: int) -> Item:
    scope = actor_scope(actor)
    item = _resident_filter(scope, _items_base().filter(hall_visible_q(scope, "hall__"), pk=item_id)).first()
    if item is None:
        raise NotFound("未找到该议题")
    return item


def upcoming_for_resident(*, actor, limit: int = 6) -> list[Session]:
    return list(session_list(actor=actor, upcoming=True)[:limit])


# -- suggestions --------------------------------------------------------------------------------------------


@dataclass
class Suggestion:
    key: str                        # "urgent:<category id>:<grid id>" or "difficult:<matter id>"
    kind: str
    title: str
    description: str
    matters: list[Matter] = field(default_factory=list)
    households: int = 0
    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None
    grid: GridNode | None = None


def _on_items_q() -> Q:
    """Matters already carried by an item that is not declined: they are not suggested again."""
    taken = Item.matters.through.objects.filter(matter_id=OuterRef("pk")).exclude(item__status=ItemStatus.DECLINED)
    return Q(Exists(taken))


def _household_key(m: Matter) -> str | None:
    if m.household_id:
        return f"h{m.household_id}"
    if m.reporter_user_id:
        return f"u{m.reporter_user_id}"
    if m.reporter_phone:
        return f"p{m.reporter_phone}"
    if m.reporter_name:
        return f"n{m.reporter_name}"
    return None


def suggestions(*, hall: Hall, now: dt.datetime | None = None, limit_difficult: int = 20) -> list[Suggestion]:
    """What the system offers for the agenda, computed in a few queries (never one per matter):
    - urgent: open matters of one category under one grid of the hall's `collective_level`, reported by at
      least `collective_min_households` different households within the last `collective_window_days` days;
    - difficult: open matters that breached a deadline and were escalated, and are still not done.
    Matters already on an item (not declined) are left out."""
    now = now or timezone.now()
    community = hall.community
    base = (Matter.objects.filter(grid__path__startswith=community.path, state__in=list(OPEN_STATES))
            .exclude(_on_items_q()).select_related("category", "grid"))
    out: list[Suggestion] = []

    # Urgent collective matters.
    level_nodes = {n.pk: n for n in GridNode.objects.filter(path__startswith=community.path, level=hall.collective_level)}
    since = now - dt.timedelta(days=hall.collective_window_days)
    groups: dict[tuple[int, int], list[Matter]] = {}
    for m in base.filter(created_at__gte=since, created_at__lte=now).order_by("created_at", "id"):
        ids = path_ids(m.grid.path)
        node_id = next((i for i in ids if i in level_nodes), None)
        if node_id is None:
            continue
        groups.setdefault((m.category_id, node_id), []).append(m)
    urgent = []
    for (category_id, node_id), matters in groups.items():
        keys = {k for k in (_household_key(m) for m in matters) if k}
        if len(keys) < hall.collective_min_households:
            continue
        node, category = level_nodes[node_id], matters[0].category
        urgent.append(Suggestion(
            key=f"urgent:{category_id}:{node_id}", kind=ItemKind.URGENT,
            title=f"{node.name}{category.name}（{len(keys)}户集中反映）"[:100],
            description=(f"{hall.collective_window_days}天内{node.name}有{len(keys)}户居民反映{category.name}，"
                         f"共{len(matters)}件未办结事项。"),
            matters=matters, households=len(keys), first_at=matters[0].created_at, last_at=matters[-1].created_at,
            grid=node,
        ))
    urgent.sort(key=lambda s: (-s.households, s.key))
    out.extend(urgent)

    # Difficult matters: a deadline was breached (escalated, see matters.Escalation) and they are still open.
    stuck = (base.filter(Q(escalation_level__gt=0) | Q(breached=True))
             .order_by("-escalation_level", "created_at", "id")[:limit_difficult])
    for m in stuck:
        out.append(Suggestion(
            key=f"difficult:{m.pk}", kind=ItemKind.DIFFICULT,
            title=f"{m.category.name}：{m.description[:40]}"[:100],
            description=(f"事项#{m.pk}（{m.grid.name}）已超时升级{m.escalation_level}次，仍未办结，需协商协调。"),
            matters=[m], households=1 if _household_key(m) else 0, first_at=m.created_at, last_at=m.created_at,
            grid=m.grid,
        ))
    return out


def suggestion_get(*, hall: Hall, key: str, now: dt.datetime | None = None) -> Suggestion:
    for s in suggestions(hall=hall, now=now):
        if s.key == key:
            return s
    raise NotFound("该建议已不存在（可能已被采纳，或事项已办结）")
