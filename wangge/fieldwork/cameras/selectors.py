"""Every read of the camera registry, scoped: the list, one camera, coverage of building entrances and
gates, and the number of cameras over time. Cameras are seen by whoever may view the grid (VIEW)."""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from wangge.core.errors import InvalidInput, NotFound, one_of
from wangge.core.text import normalize_query
from wangge.people.access import VIEW, Scope, actor_scope
from wangge.registry.models import Building, GridNode
from wangge.registry.selectors import within_node

from .models import RADIUS_MAX, Camera, Kind, Status
from .services import distance_m


def _base() -> QuerySet[Camera]:
    return Camera.objects.select_related("grid", "building", "gate", "owner")


def camera_list(
    *, actor, within: int | None = None, status: str | None = None, kind: str | None = None, q: str | None = None,
    building: int | None = None, gate: int | None = None,
) -> QuerySet[Camera]:
    scope = actor_scope(actor)
    qs = _base().filter(scope.grid_q("grid__", VIEW))
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(grid__path__startswith=node.path)
    if status:
        one_of(status, Status.values, "status", "状态")
        qs = qs.filter(status=status)
    if kind:
        one_of(kind, Kind.values, "kind", "类型")
        qs = qs.filter(kind=kind)
    if building is not None:
        qs = qs.filter(building_id=building)
    if gate is not None:
        qs = qs.filter(gate_id=gate)
    if q:
        needle = normalize_query(q)
        qs = qs.filter(search_text__contains=needle)
    return qs.order_by("code")


def camera_get(*, actor, camera_id: int) -> Camera:
    scope = actor_scope(actor)
    camera = _base().filter(scope.grid_q("grid__", VIEW), pk=camera_id).first()
    if camera is None:
        raise NotFound("未找到该摄像头")
    return camera


# -- coverage --------------------------------------------------------------------------------------------


@dataclass
class Target:
    """A building entrance or a gate, and the in-service cameras that cover it."""

    kind: str            # "building" or "gate"
    id: int
    name: str
    estate_id: int
    estate: str
    lon: float | None
    lat: float | None
    linked: list[int] = field(default_factory=list)     # in-service cameras linked to it
    nearby: list[int] = field(default_factory=list)     # in-service cameras whose radius reaches it
    nearest_m: float | None = None                      # the nearest in-service camera, any distance checked

    @property
    def covered(self) -> bool:
        return bool(self.linked or self.nearby)

    @property
    def cameras(self) -> list[int]:
        return sorted(set(self.linked) | set(self.nearby))


@dataclass
class Coverage:
    node: GridNode | None
    targets: list[Target]

    @property
    def gaps(self) -> list[Target]:
        return [t for t in self.targets if not t.covered]

    @property
    def covered_count(self) -> int:
        return sum(1 for t in self.targets if t.covered)

    @property
    def percent(self) -> float:
        return round(100 * self.covered_count / len(self.targets), 1) if self.targets else 100.0


def _subtree_q(scope: Scope, node: GridNode | None, prefix: str) -> Q:
    """What the scope may view, under `node` when there is one."""
    q = scope.grid_q(prefix, VIEW)
    if node is not None:
        q &= Q(**{f"{prefix}path__startswith": node.path})
    return q


def coverage(*, actor, within: int | None = None) -> Coverage:
    """Every building entrance (the building's point) and every active gate post under `within` (else
    the actor's whole scope), covered when an in-service camera is linked to it or stands within its
    radius of it. Buildings without a point can only be covered by a linked camera."""
    from wangge.fieldwork.gates.models import Post

    scope = actor_scope(actor)
    node = within_node(scope, within)
    buildings = (
        Building.objects.filter(_subtree_q(scope, node, "estate_grid__") | _subtree_q(scope, node, "units__micro_grid__"))
        .select_related("estate_grid").distinct().order_by("estate_grid__code", "name")
    )
    posts = Post.objects.filter(_subtree_q(scope, node, "estate__"), active=True).select_related("estate")
    targets = [
        Target("building", b.pk, b.name, b.estate_grid_id, b.estate_grid.name, b.lon, b.lat) for b in buildings
    ] + [
        Target("gate", p.pk, p.name, p.estate_id, p.estate.name, p.lon, p.lat)
        for p in posts.order_by("estate__code", "name")
    ]
    if not targets:
        return Coverage(node, [])
    live = Camera.objects.filter(status=Status.IN_SERVICE)
    by_building: dict[int, list[int]] = {}
    by_gate: dict[int, list[int]] = {}
    b_ids = [t.id for t in targets if t.kind == "building"]
    g_ids = [t.id for t in targets if t.kind == "gate"]
    for pk, b, g in live.filter(Q(building_id__in=b_ids) | Q(gate_id__in=g_ids)).values_list("pk", "building_id", "gate_id"):
        if b:
            by_building.setdefault(b, []).append(pk)
        if g:
            by_gate.setdefault(g, []).append(pk)
    placed = [t for t in targets if t.lon is not None and t.lat is not None]
    cameras: list[tuple[int, float, float, int]] = []
    if placed:
        lat0 = sum(t.lat for t in placed) / len(placed)
        dlat = RADIUS_MAX / 111_000
        dlon = RADIUS_MAX / (111_000 * max(math.cos(math.radians(lat0)), 0.01))
        cameras = list(live.filter(
            lon__range=(min(t.lon for t in placed) - dlon, max(t.lon for t in placed) + dlon),
            lat__range=(min(t.lat for t in placed) - dlat, max(t.lat for t in placed) + dlat),
        ).values_list("pk", "lon", "lat", "radius_m"))
    for t in targets:
        t.linked = sorted((by_building if t.kind == "building" else by_gate).get(t.id, []))
        if t.lon is None or t.lat is None:
            continue
        for pk, lon, lat, radius in cameras:
            d = distance_m(lon, lat, t.lon, t.lat)
            if t.nearest_m is None or d < t.nearest_m:
                t.nearest_m = round(d, 1)
            if d <= radius:
                t.nearby.append(pk)
    return Coverage(node, targets)


# -- the count over time --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Month:
    month: str           # "2025-03"
    end: dt.date         # the month's last day (today for the running month)
    in_service: int      # installed on or before `end` and not removed by then
    installed: int       # installed during the month
    removed: int         # removed during the month


def timeline(*, actor, within: int | None = None, months: int = 24, today: dt.date | None = None) -> list[Month]:
    """Cameras in place at the end of each of the last `months` months (the running month counts up to
    today): installed on or before that day and not removed by then. Faulty cameras still count — they
    are installed; the registry shows their status."""
    if not 1 <= months <= 120:
        raise InvalidInput.field("months", "月数应在 1 到 120 之间")
    scope = actor_scope(actor)
    node = within_node(scope, within)
    qs = Camera.objects.filter(_subtree_q(scope, node, "grid__"))
    rows = list(qs.values_list("installed_on", "removed_on"))
    today = today or timezone.localdate()
    y, m = today.year, today.month
    ends: list[tuple[str, dt.date, dt.date]] = []
    for _ in range(months):
        start = dt.date(y, m, 1)
        last = dt.date(y, m, calendar.monthrange(y, m)[1])
        ends.append((f"{y:04d}-{m:02d}", start, min(last, today)))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    out = []
    for label, start, end in reversed(ends):
        out.append(Month(
            month=label, end=end,
            in_service=sum(1 for i, r in rows if i <= end and (r is None or r > end)),
            installed=sum(1 for i, _r in rows if start <= i <= end),
            removed=sum(1 for _i, r in rows if r is not None and start <= r <= end),
        ))
    return out
