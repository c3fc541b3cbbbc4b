"""Every scoped read of gate duty. Posts and their shifts are seen by those who keep or roster the gates
of the estate (the gate capability); a guard always sees their own shifts; swaps are seen by the
leaders of the estate and by the two guards concerned."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from wangge.core.errors import InvalidInput, NotFound, one_of
from wangge.core.schemas import MAX_ID
from wangge.core.text import normalize_query
from wangge.people.access import GATE, ROSTER, Scope, actor_scope, require
from wangge.registry.selectors import within_node

from .coverage import uncovered
from .models import COVERING, Post, Shift, ShiftStatus, ShiftTemplate, SwapRequest, SwapStatus
from .services import WEEK, _local, covering_spans, template_times, week_start


def post_list(*, actor, within: int | None = None, q: str | None = None, active: bool | None = None) -> QuerySet[Post]:
    scope = actor_scope(actor)
    qs = Post.objects.select_related("estate", "leader").filter(scope.grid_q("estate__", GATE))
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(estate__path__startswith=node.path)
    if active is not None:
        qs = qs.filter(active=active)
    if q:
        needle = normalize_query(q)
        qs = qs.filter(Q(name__icontains=q.strip()) | Q(estate__name__icontains=q.strip()) | Q(name__icontains=needle))
    return qs.order_by("estate__path", "name")


def post_get(*, actor, post_id: int, capability: str = GATE) -> Post:
    if post_id > MAX_ID:
        raise NotFound("未找到该门岗")
    post = Post.objects.select_related("estate", "leader").filter(pk=post_id).first()
    if post is None:
        raise NotFound("未找到该门岗")
    require(actor_scope(actor), capability, post.estate)
    return post


def templates_of(post: Post) -> list[ShiftTemplate]:
    return list(post.templates.all())


def _shift_base() -> QuerySet[Shift]:
    return Shift.objects.select_related("post__estate", "person", "template")


def shift_visible_q(scope: Scope) -> Q:
    if scope.is_admin:
        return Q()
    q = scope.grid_q("post__estate__", GATE)
    if scope.person_id is not None:
        q |= Q(person_id=scope.person_id)
    return q


def shift_list(
    *, actor, post: int | None = None, person: int | None = None, mine: bool = False, status: list[str] | None = None,
    start: dt.datetime | None = None, end: dt.datetime | None = None, within: int | None = None, q: str | None = None,
) -> QuerySet[Shift]:
    """Shifts in scope, by start time. `start`/`end` keep those that overlap the window."""
    scope = actor_scope(actor)
    qs = _shift_base().filter(shift_visible_q(scope))
    if post is not None:
        qs = qs.filter(post_id=post)
    if person is not None:
        qs = qs.filter(person_id=person)
    if mine:
        qs = qs.filter(person_id=scope.person_id) if scope.person_id else qs.none()
    if status:
        unknown = [s for s in status if s not in ShiftStatus.values]
        if unknown:
            raise InvalidInput.field("status", f"未知状态 {'、'.join(unknown)}")
        qs = qs.filter(status__in=status)
    if start is not None and end is not None and end <= start:
        raise InvalidInput.field("end", "结束时间应晚于开始时间")
    if start is not None:
        qs = qs.filter(ends_at__gt=start)
    if end is not None:
        qs = qs.filter(starts_at__lt=end)
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(post__estate__path__startswith=node.path)
    if q:
        needle = normalize_query(q)
        qs = qs.filter(Q(person__search_text__contains=needle) | Q(post__name__icontains=q.strip()))
    return qs.order_by("starts_at", "post_id", "id")


def shift_get(*, actor, shift_id: int) -> Shift:
    if shift_id > MAX_ID:
        raise NotFound("未找到该班次")
    shift = _shift_base().filter(shift_visible_q(actor_scope(actor)), pk=shift_id).first()
    if shift is None:
        raise NotFound("未找到该班次")
    return shift


def swap_list(*, actor, status: str | None = None, post: int | None = None) -> QuerySet[SwapRequest]:
    scope = actor_scope(actor)
    qs = SwapRequest.objects.select_related(
        "shift__post__estate", "shift__person", "exchange_shift", "requested_by", "to_person", "decided_by")
    if not scope.is_admin:
        visible = scope.grid_q("shift__post__estate__", ROSTER)
        if scope.person_id is not None:
            visible |= Q(requested_by_id=scope.person_id) | Q(to_person_id=scope.person_id)
        qs = qs.filter(visible)
    if status:
        one_of(status, SwapStatus.values, "status", "状态")
        qs = qs.filter(status=status)
    if post is not None:
        qs = qs.filter(shift__post_id=post)
    return qs.order_by("-created_at", "-id")


def swap_get(*, actor, swap_id: int) -> SwapRequest:
    if swap_id > MAX_ID:
        raise NotFound("未找到该换班申请")
    swap = swap_list(actor=actor).filter(pk=swap_id).first()
    if swap is None:
        raise NotFound("未找到该换班申请")
    return swap


# -- coverage ----------------------------------------------------------------------------------------------

MAX_WINDOW = dt.timedelta(days=62)


def coverage(*, actor, post_id: int, start: dt.datetime, end: dt.datetime) -> tuple[Post, list[tuple]]:
    """The post and the stretches of [start, end) with nobody on duty (minute resolution)."""
    post = post_get(actor=actor, post_id=post_id)
    if end <= start:
        raise InvalidInput.field("end", "结束时间应晚于开始时间")
    if end - start > MAX_WINDOW:
        raise InvalidInput.field("end", "一次最多查询 62 天")
    return post, uncovered(covering_spans(post.pk, start, end), start, end)


def today_gaps(post: Post, now: dt.datetime | None = None) -> list[tuple]:
    now = now or timezone.now()
    day = timezone.localdate(now)
    start, end = _local(day, dt.time(0)), _local(day + dt.timedelta(days=1), dt.time(0))
    return uncovered(covering_spans(post.pk, start, end), start, end)


@dataclass
class Cell:
    day: dt.date
    template: ShiftTemplate
    starts_at: dt.datetime
    ends_at: dt.datetime
    shifts: list[Shift]
    gap: bool            # the stretch of this template on this day is not fully covered
    past: bool


@dataclass
class Week:
    post: Post
    monday: dt.date
    days: list[dt.date]
    templates: list[ShiftTemplate]
    rows: list[list[Cell]]           # one row per template, one cell per day
    gaps: list[tuple]                # uncovered stretches of the week
    upcoming_gaps: list[tuple]       # those still ahead (the red list)
    other: list[Shift]               # shifts that match no template


def week_view(post: Post, day: dt.date, *, now: dt.datetime | None = None) -> Week:
    now = now or timezone.now()
    monday = week_start(day)
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    start, end = _local(monday, dt.time(0)), _local(monday + WEEK, dt.time(0))
    shifts = list(_shift_base().filter(post=post, starts_at__lt=end, ends_at__gt=start)
                  .exclude(status=ShiftStatus.CANCELLED).order_by("starts_at", "person__name"))
    templates = templates_of(post)
    covering = [(s.starts_at, s.ends_at) for s in shifts if s.status in COVERING]
    gaps = uncovered(covering, start, end)
    placed: set[int] = set()
    rows = []
    for template in templates:
        row = []
        for d in days:
            s, e = template_times(template, d)
            mine = [x for x in shifts if x.starts_at == s and x.ends_at == e]
            placed.update(x.pk for x in mine)
            row.append(Cell(d, template, s, e, mine, bool(uncovered(covering, s, e)), e <= now))
        rows.append(row)
    other = [x for x in shifts if x.pk not in placed]
    upcoming = [(max(a, now), b) for a, b in gaps if b > now]
    return Week(post, monday, days, templates, rows, gaps, upcoming, other)
