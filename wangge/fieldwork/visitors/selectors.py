"""Every read of 访客登记, filtered through the access scope. Visitor records are seen by those who keep
the gates of the estate (GATE: its leaders, property staff and supervisors) and, for their own visitors,
by the residents of the household visited. Grid members and micro-grid members see none."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from wangge.core.errors import NotFound, one_of
from wangge.core.text import normalize_query
from wangge.fieldwork.gates.models import Post
from wangge.people.access import GATE, ROSTER, Scope, actor_scope
from wangge.registry.models import GridNode
from wangge.registry.selectors import within_node

from .models import Status, Visitor

PENDING_HOURS = 24  # a registration not checked within a day no longer waits at the desk


def visitor_visible_q(scope: Scope) -> Q:
    if scope.is_admin:
        return Q()
    q = scope.grid_q("estate__", GATE)
    if scope.household_id is not None:
        q |= Q(host_household_id=scope.household_id)
    return q


def is_staff_for(scope: Scope, visitor: Visitor) -> bool:
    return scope.can(GATE, visitor.estate)


def _base() -> QuerySet[Visitor]:
    return Visitor.objects.select_related(
        "post", "estate", "host_household__unit__building", "checked_post"
    )


def visitor_list(*, actor, within: int | None = None, q: str | None = None, status: str | None = None,
                 post: int | None = None, since: dt.datetime | None = None, mine: bool = False,
                 flagged: bool | None = None) -> QuerySet[Visitor]:
    scope = actor_scope(actor)
    if mine:
        qs = _base().filter(host_household_id=scope.household_id) if scope.household_id else Visitor.objects.none()
    else:
        qs = _base().filter(visitor_visible_q(scope))
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(estate__path__startswith=node.path)
    if status:
        one_of(status, Status.values, "status", "状态")
        qs = qs.filter(status=status)
    if post is not None:
        qs = qs.filter(post_id=post)
    if since is not None:
        qs = qs.filter(registered_at__gte=since)
    if flagged is not None:
        qs = qs.filter(flagged=flagged)
    if q:
        needle = normalize_query(q)
        qs = qs.filter(Q(search_text__contains=needle) | Q(ticket=q.strip().upper()))
    return qs.order_by("-registered_at", "-id")


def visitor_get(*, actor, visitor_id: int) -> Visitor:
    scope = actor_scope(actor)
    visitor = _base().filter(visitor_visible_q(scope), pk=visitor_id).first()
    if visitor is None:
        raise NotFound("未找到该访客")
    return visitor


def pending_at(*, actor, post: Post, now: dt.datetime | None = None) -> QuerySet[Visitor]:
    """Registrations of the post's estate waiting for a guard (registered within the last day)."""
    since = (now or timezone.now()) - dt.timedelta(hours=PENDING_HOURS)
    return visitor_list(actor=actor, status=Status.REGISTERED, since=since).filter(estate_id=post.estate_id) \
        .order_by("registered_at", "id")


def pending(*, actor, now: dt.datetime | None = None) -> QuerySet[Visitor]:
    """Registrations waiting for a guard at any gate the actor keeps (registered within the last day)."""
    since = (now or timezone.now()) - dt.timedelta(hours=PENDING_HOURS)
    return visitor_list(actor=actor, status=Status.REGISTERED, since=since)


def gate_posts(*, actor, capability: str = GATE) -> QuerySet[Post]:
    """The active posts of the estates where the actor keeps the gates."""
    scope = actor_scope(actor)
    return Post.objects.filter(scope.grid_q("estate__", capability), active=True).select_related("estate") \
        .order_by("estate__code", "name")


def post_get(*, actor, post_id: int, capability: str = GATE) -> Post:
    scope = actor_scope(actor)
    post = Post.objects.select_related("estate").filter(pk=post_id).first()
    if post is None or not scope.can(capability, post.estate):
        raise NotFound("未找到该门岗")
    return post


def rule_grids(*, actor) -> QuerySet[GridNode]:
    """Nodes whose check rules the actor may set (ROSTER), for the rules page."""
    from .services import RULE_LEVELS

    scope = actor_scope(actor)
    return GridNode.objects.filter(scope.grid_q("", ROSTER), level__in=RULE_LEVELS).order_by("path")
