"""Locating a point to the deepest grid node whose boundary contains it.

Each process keeps the boundaries in a bucket index (`buckets.py`): deepest level first, then lowest id, a
point on a boundary belongs to the node it touches (so a point on an edge shared by two micro-grids goes to
the one with the lower id). A lookup is a few microseconds and, for most points, no geometry test at all.

Freshness. The index remembers a fingerprint of the boundaries (how many there are and the latest
`boundary_changed_at`) and the process's own change counter:
- the services that write a boundary call `boundaries_changed()`, so the process that made a change
  locates with it at once (read-your-own-writes);
- any other change — another worker's, a bulk load's — is seen when the fingerprint is next compared with
  the database: on every lookup while the registry holds fewer than `SMALL` boundaries (the query is then
  cheap), and at most every `CHECK_SECONDS` beyond that (the query then reads every boundary row, tens of
  milliseconds at 100,000 micro-grids). So an edit made in one worker is located by every other worker
  within `CHECK_SECONDS` plus the time to rebuild (about 2 s at 100,000 micro-grids).
"""

from __future__ import annotations

import array
import ctypes
import json
import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from django.db.models import Count, Max, TextField
from django.db.models.functions import Cast
from shapely.geometry import shape

from wangge.core import geo
from wangge.core.errors import NotFound

from ..models import LEVEL_ORDER, GridNode
from .buckets import BucketIndex, brute_force, build

__all__ = ["CHECK_SECONDS", "SMALL", "BucketIndex", "boundaries_changed", "brute_force", "index", "locate",
           "locate_id"]

CHECK_SECONDS = 5.0
SMALL = 10_000
_ROWS = 2_000  # boundaries fetched and parsed at a time while building

_clock = time.monotonic
_lock = threading.Lock()
_generation = 0  # this process's boundary writes, counted by boundaries_changed()


@dataclass
class _Index:
    fingerprint: tuple
    generation: int
    buckets: BucketIndex
    checked: float  # _clock() when the fingerprint was last compared with the database
    every: float  # seconds between comparisons

    # What the bench and older callers read.
    @property
    def ids(self) -> np.ndarray:
        return self.buckets.ids


_index: _Index | None = None


def boundaries_changed() -> None:
    """Called by the services after writing a boundary: this process's next lookup rebuilds the index."""
    global _generation
    _generation += 1


def _fingerprint() -> tuple:
    agg = GridNode.objects.filter(boundary__isnull=False).aggregate(n=Count("id"), t=Max("boundary_changed_at"))
    return (agg["n"], agg["t"])


def _parse(texts: list[str]) -> np.ndarray:
    try:
        return shapely.from_geojson(np.array(texts, dtype=object))
    except shapely.errors.GEOSException:  # GEOS's reader is stricter than GeoJSON: one by one, as stored
        return np.array([shape(json.loads(t)) for t in texts], dtype=object)


def _release_freed_memory() -> None:
    """Give the build's temporary memory back to the system (glibc keeps freed heap memory otherwise)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _build(fingerprint: tuple, generation: int) -> _Index:
    rows = (
        GridNode.objects.filter(boundary__isnull=False)
        .annotate(geojson=Cast("boundary", TextField()))
        .values_list("id", "level", "geojson")
        .iterator(chunk_size=_ROWS)
    )
    depth_of = {level: depth for depth, level in enumerate(LEVEL_ORDER)}
    ids, depths, parts, texts = array.array("q"), array.array("b"), [], []  # no Python int kept per row
    for node_id, level, text in rows:  # streamed: only _ROWS boundaries' GeoJSON are held at a time
        ids.append(node_id)
        depths.append(depth_of[level])
        texts.append(text)
        if len(texts) == _ROWS:
            parts.append(_parse(texts))
            texts = []
    if texts:
        parts.append(_parse(texts))
    geoms = np.concatenate(parts) if parts else np.zeros(0, dtype=object)
    del parts
    buckets = build(np.frombuffer(ids, dtype=np.int64), np.frombuffer(depths, dtype=np.int8), geoms)
    del ids, depths, geoms
    _release_freed_memory()
    every = CHECK_SECONDS if len(buckets) >= SMALL else 0.0
    return _Index(fingerprint, generation, buckets, _clock(), every)


def index(*, force: bool = False) -> _Index:
    """The current index: compared with the database when due (or `force`d), rebuilt when it changed."""
    global _index
    current = _index
    if (not force and current is not None and current.generation == _generation
            and _clock() - current.checked < current.every):
        return current
    with _lock:
        current = _index
        generation = _generation
        fingerprint = _fingerprint()
        if current is None or current.fingerprint != fingerprint or current.generation != generation:
            current = _build(fingerprint, generation)
        else:
            current.checked = _clock()
        _index = current
        return current


def locate_id(lon: float, lat: float) -> int | None:
    """Id of the deepest node containing the WGS84 point, or None."""
    current = _index
    if current is None or current.generation != _generation or _clock() - current.checked >= current.every:
        current = index()
    return current.buckets.locate(lon, lat)


def locate(*, lon: float, lat: float, crs: str = "wgs84") -> tuple[GridNode, tuple[float, float]]:
    """The deepest grid node containing the point, and the WGS84 point. One query (the node); its ancestors'
    ids are in its path."""
    if crs not in geo.CRS_CHOICES:
        raise geo.InvalidInput.field("crs", f"未知坐标系 {crs!r}，应为 wgs84、gcj02 或 bd09")
    wlon, wlat = geo.to_wgs84(lon, lat, crs)
    node_id = locate_id(wlon, wlat)
    nodes = GridNode.objects.defer("boundary")  # the outlines are in the index; decoding them is costly
    node = nodes.filter(pk=node_id).first() if node_id is not None else None
    if node is None and node_id is not None:  # removed by another process since this one last looked
        node_id = index(force=True).buckets.locate(wlon, wlat)
        node = nodes.filter(pk=node_id).first() if node_id is not None else None
    if node is None:
        raise NotFound(f"坐标 ({lon}, {lat}) 不在任何网格内")
    return node, (wlon, wlat)
