"""Locating a point to the deepest grid node whose boundary contains it.

The boundaries are indexed in process with a shapely STRtree. The index remembers a fingerprint of the
boundaries (count and latest change) and rebuilds itself when another process has changed them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import shapely
from django.db.models import Count, Max
from shapely.geometry import shape
from shapely.strtree import STRtree

from wangge.core import geo
from wangge.core.errors import NotFound

from .models import LEVEL_ORDER, GridNode


@dataclass
class _Index:
    fingerprint: tuple
    tree: STRtree | None
    ids: np.ndarray
    depths: np.ndarray
    geometries: list


_lock = threading.Lock()
_index: _Index | None = None


def _fingerprint() -> tuple:
    agg = GridNode.objects.filter(boundary__isnull=False).aggregate(n=Count("id"), t=Max("boundary_changed_at"))
    return (agg["n"], agg["t"])


def _build(fingerprint: tuple) -> _Index:
    rows = list(GridNode.objects.filter(boundary__isnull=False).values_list("id", "level", "boundary"))
    geometries = [shape(b) for _, _, b in rows]
    for g in geometries:
        shapely.prepare(g)
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    depths = np.array([LEVEL_ORDER.index(r[1]) for r in rows], dtype=np.int16)
    return _Index(fingerprint, STRtree(geometries) if geometries else None, ids, depths, geometries)


def index() -> _Index:
    global _index
    fingerprint = _fingerprint()
    current = _index
    if current is not None and current.fingerprint == fingerprint:
        return current
    with _lock:
        if _index is None or _index.fingerprint != fingerprint:
            _index = _build(fingerprint)
        return _index


def locate_id(lon: float, lat: float) -> int | None:
    """Id of the deepest node containing the WGS84 point, or None."""
    idx = index()
    if idx.tree is None:
        return None
    hits = idx.tree.query(shapely.Point(lon, lat), predicate="intersects")
    if len(hits) == 0:
        return None
    best = hits[np.argmax(idx.depths[hits])]
    return int(idx.ids[best])


def locate(*, lon: float, lat: float, crs: str = "wgs84") -> tuple[GridNode, list[GridNode], tuple[float, float]]:
    """The deepest grid node containing the point, its ancestors (top first), and the WGS84 point."""
    if crs not in geo.CRS_CHOICES:
        raise geo.InvalidInput.field("crs", f"未知坐标系 {crs!r}，应为 wgs84、gcj02 或 bd09")
    wlon, wlat = geo.to_wgs84(lon, lat, crs)
    node_id = locate_id(wlon, wlat)
    if node_id is None:
        raise NotFound(f"坐标 ({lon}, {lat}) 不在任何网格内")
    node = GridNode.objects.get(pk=node_id)
    ancestors = list(GridNode.objects.filter(pk__in=node.ancestor_ids()).order_by("depth"))
    return node, ancestors, (wlon, wlat)
