"""Every read of matters, filtered through the access scope. Public reads carry no personal data."""

from __future__ import annotations

import base64
import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from wangge.core import geo
from wangge.core.errors import InvalidInput, NotFound, one_of
from wangge.core.kept import Kept
from wangge.core.text import normalize_query
from wangge.people.access import VIEW, Scope, actor_scope
from wangge.registry.models import GridNode

from .lifecycle import OPEN_STATES, STAGE_OF
from .models import Category, Event, Matter, State

# Matters the public never sees, even in a public category.
_NOT_PUBLIC = [State.REJECTED, State.WITHDRAWN, State.MERGED]


def category_list(*, include_inactive: bool = False) -> QuerySet[Category]:
    qs = Category.objects.select_related("parent").prefetch_related("attributes")
    if not include_inactive:
        qs = qs.filter(active=True)
    return qs.filter(children__isnull=True).order_by("parent__order", "order", "code")


def category_groups() -> list[tuple[Category | None, list[Category]]]:
    """Leaves grouped under their parents, for pickers."""
    groups: dict[int | None, list[Category]] = {}
    parents: dict[int | None, Category | None] = {None: None}
    for category in category_list():
        groups.setdefault(category.parent_id, []).append(category)
        parents[category.parent_id] = category.parent
    return [(parents[pid], leaves) for pid, leaves in groups.items()]


def matter_visible_q(scope: Scope) -> Q:
    if scope.is_admin:
        return Q()
    # By node ids, not a join on the nodes' paths: each column compared with them can then use its own
    # index (the open-matter partial indexes of Matter.Meta), and the four ORed conditions a bitmap OR. The
    # ids are a subquery the database runs within the same query; a few hundred as an array, one index probe
    # each (core.lookups), thousands as a set each row is checked against.
    nodes = scope.node_ids()
    among = "any" if scope.few_nodes() else "in"
    q = Q(**{f"grid_id__{among}": nodes}) | Q(**{f"handling_grid_id__{among}": nodes})
    if scope.person_id is not None:
        q |= Q(assignee_id=scope.person_id)
    if scope.user_id is not None:
        q |= Q(reporter_user_id=scope.user_id)
    return q


def _base() -> QuerySet[Matter]:
    # Not the grids' boundaries: a matter never draws its grid's outline, and decoding a GeoJSON polygon
    # per row was most of the time a list page took to build its matters.
    return (Matter.objects.select_related("category", "grid", "assignee", "handling_grid")
            .defer("grid__boundary", "handling_grid__boundary"))


class KeysFirst:
    """A matters queryset, sliced ids first, in one query: the slice's ids are a subquery over the matters
    table alone (its filters and order, so the database picks the few open matters in a scope by their
    indexes, sorts them and stops), and only those rows are joined to their grid and assignee. A subquery
    with a LIMIT cannot be merged into the outer join, so the database takes the ids first. Written as one
    plain join, the database joined before it sorted: on ten million matters a grid leader's first page
    took 20 ms instead of 1. Takes what a Paginator gives it: `count()` and slices."""

    def __init__(self, qs: QuerySet[Matter]):
        self.qs = qs
        self.ordered = qs.ordered

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, k: slice) -> list[Matter]:
        ids = self.qs.values("pk")[k]
        page = list(_list_rows().filter(pk__in=ids).order_by(*self.qs.query.order_by))
        categories = categories_by_id()
        if any(m.category_id not in categories for m in page):
            categories = categories_by_id(fresh=True)  # one added by another process this minute
        for matter in page:
            if matter.category_id in categories:
                matter.category = categories[matter.category_id]
        return page


def _list_rows() -> QuerySet[Matter]:
    """A list row's matter with its grid and assignee: what every list shows (the console, the workbench, the
    API's pages). Its category comes from `categories_by_id`, and its handling grid, shown only on the
    matter's own page, is not loaded: each joined row is a model object Python builds, and on a page of 50
    they were most of the page's time."""
    return Matter.objects.select_related("grid", "assignee").defer("grid__boundary")


@dataclass(frozen=True)
class _Categories:
    by_id: dict[int, Category]  # every category, with its group
    for_reports: dict[str, Category]  # those a report may name (active, no sub-categories), by code


def _read_categories() -> _Categories:
    rows = Category.objects.select_related("parent").prefetch_related("attributes").in_bulk()
    groups = {c.parent_id for c in rows.values()}
    return _Categories(rows, {c.code: c for c in rows.values() if c.active and c.pk not in groups})


# The categories, with their groups and extra questions: a few dozen rows that change a few times a year, which
# list rows take by id instead of joining one per row, and every report takes by code. A category or question
# saved or deleted in this process is seen at once (the signals connected in MattersConfig.ready); other
# processes see it within the minute (one switched off elsewhere is still accepted for up to that minute). A
# matter's own page and every change to a matter read the category itself.
kept_categories = Kept(_read_categories)
forget_categories = kept_categories.forget


def categories_by_id(*, fresh: bool = False) -> dict[int, Category]:
    return kept_categories.get(fresh=fresh).by_id


def report_categories(*, fresh: bool = False) -> dict[str, Category]:
    return kept_categories.get(fresh=fresh).for_reports


def matter_list(
    *, actor, state: list[str] | None = None, category: str | None = None, within: int | None = None,
    overdue: bool | None = None, source: str | None = None, q: str | None = None, assignee: int | None = None,
    supervised: bool | None = None, mine: bool = False, unassigned: bool = False,
) -> QuerySet[Matter]:
    scope = actor_scope(actor)
    qs = _base().filter(matter_visible_q(scope))
    if state:
        unknown = [s for s in state if s not in State.values]
        if unknown:
            raise InvalidInput.field("state", f"未知状态 {'、'.join(unknown)}")
        qs = qs.filter(state__in=state)
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if within is not None:
        node = GridNode.objects.filter(pk=within).first()
        if node is None or not (scope.sees_grid(node) or scope.is_admin):
            raise NotFound("未找到该网格")
        qs = qs.filter(grid__path__startswith=node.path)
    if overdue is not None:
        late = Q(deadline__lt=timezone.now(), state__in=list(STAGE_OF))
        qs = qs.filter(late) if overdue else qs.exclude(late)
    if source:
        qs = qs.filter(source=source)
    if assignee is not None:
        qs = qs.filter(assignee_id=assignee)
    if supervised is not None:
        qs = qs.filter(supervised_at__isnull=not supervised)
    if mine:
        qs = qs.filter(reporter_user_id=scope.user_id) if scope.user_id else qs.none()
    if unassigned:
        qs = qs.filter(assignee__isnull=True)
    if q:
        needle = normalize_query(q)
        qs = qs.filter(Q(search_text__contains=needle) | Q(pk=int(needle) if needle.isdigit() else 0))
    return qs


def matter_get(*, actor, matter_id: int) -> Matter:
    scope = actor_scope(actor)
    matter = _base().filter(matter_visible_q(scope), pk=matter_id).first()
    if matter is None:
        raise NotFound("未找到该事项")
    return matter


def queue(*, actor, limit: int = 200) -> list[Matter]:
    """A worker's open matters, the most urgent deadline first (none last)."""
    scope = actor_scope(actor)
    if scope.person_id is None:
        return []
    qs = _base().filter(assignee_id=scope.person_id, state__in=list(OPEN_STATES))
    # Ordered in the database, so that past `limit` open matters the most urgent still come first.
    return list(qs.order_by(F("deadline").asc(nulls_last=True), "id")[:limit])


def timeline(matter: Matter, *, staff: bool) -> list[Event]:
    qs = matter.events.prefetch_related("photos")
    return list(qs if staff else qs.filter(public=True))


def is_staff_for(actor, matter: Matter) -> bool:
    scope = actor_scope(actor)
    return scope.is_admin or scope.can(VIEW, matter.grid) or (
        scope.person_id is not None and matter.assignee_id == scope.person_id
    )


def light(matter: Matter, now: dt.datetime | None = None) -> str:
    """Timer light: red past the deadline, yellow in its last quarter (or under 2 hours), else green."""
    if matter.deadline is None or matter.state not in STAGE_OF:
        return "none"
    now = now or timezone.now()
    left = (matter.deadline - now).total_seconds()
    if left < 0:
        return "red"
    span = (matter.deadline - matter.updated_at).total_seconds() or 1
    return "yellow" if left < max(span / 4, 0) or left < 7200 else "green"


# -- near-duplicates ---------------------------------------------------------------------------------


def _distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    rad = math.radians
    dlat, dlon = rad(lat2 - lat1), rad(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(rad(lat1)) * math.cos(rad(lat2)) * math.sin(dlon / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


def nearby(
    *, category: Category, lon: float | None = None, lat: float | None = None, unit_id: int | None = None,
    at: dt.datetime | None = None, exclude: int | None = None, limit: int = 10, actor=None,
) -> list[tuple[Matter, float | None]]:
    """Open matters of the same category within the category's radius and time window: candidates
    for "is this already reported?". Distance in metres (None when matched by the same unit). With an
    `actor`, only the matters they may see (a boundary may run between two neighbours)."""
    at = at or timezone.now()
    since = at - dt.timedelta(hours=category.duplicate_window_hours)
    qs = _base().filter(category=category, created_at__gte=since, state__in=list(OPEN_STATES))
    if actor is not None:
        qs = qs.filter(matter_visible_q(actor_scope(actor)))
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    found: list[tuple[Matter, float | None]] = []
    if unit_id is not None:
        found += [(m, None) for m in qs.filter(unit_id=unit_id)[:limit]]
    if lon is not None and lat is not None:
        radius = category.duplicate_radius_m
        dlat = radius / 111_000
        dlon = radius / (111_000 * max(math.cos(math.radians(lat)), 0.01))
        box = qs.filter(lon__range=(lon - dlon, lon + dlon), lat__range=(lat - dlat, lat + dlat))
        seen = {m.pk for m, _d in found}
        for matter in box[: limit * 5]:
            distance = _distance_m(lon, lat, matter.lon, matter.lat)
            if distance <= radius and matter.pk not in seen:
                found.append((matter, round(distance, 1)))
    return sorted(found, key=lambda pair: (pair[1] is not None, pair[1] or 0))[:limit]


def duplicates_for(matter: Matter, *, actor) -> list[tuple[Matter, float | None]]:
    """Near-duplicates of a matter that `actor` may see: what a dispatcher may merge it with."""
    return nearby(
        category=matter.category, lon=matter.lon, lat=matter.lat, unit_id=matter.unit_id, at=matter.created_at,
        exclude=matter.pk, actor=actor,
    )


def point_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    one_of(crs, geo.CRS_CHOICES, "crs", "坐标系")
    return geo.to_wgs84(lon, lat, crs)


# -- public ------------------------------------------------------------------------------------------


def public_list(*, within: int | None = None, category: str | None = None, state: str | None = None) -> QuerySet:
    qs = (
        Matter.objects.select_related("category", "grid")
        .filter(category__is_public=True)
        .exclude(state__in=_NOT_PUBLIC)
    )
    if within is not None:
        node = GridNode.objects.filter(pk=within).first()
        qs = qs.filter(grid__path__startswith=node.path) if node else qs.none()
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if state == "open":
        qs = qs.filter(state__in=list(OPEN_STATES))
    elif state == "closed":
        qs = qs.exclude(state__in=list(OPEN_STATES))
    return qs


def public_get(*, matter_id: int) -> Matter:
    matter = public_list().filter(pk=matter_id).first()
    if matter is None:
        raise NotFound("未找到该事项")
    return matter


# -- deep paging -------------------------------------------------------------------------------------


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, value = raw.split(":", 1)
        last = int(value)
        if kind != "id" or last < 1:
            raise ValueError
        return last
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput.field("cursor", "无效的游标，请使用上一页返回的 next_cursor") from exc
