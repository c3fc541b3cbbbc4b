"""The point index behind locating: which of many (multi)polygons, in priority order, first covers a point.

The polygons are ranked once: deepest level first, then lowest id (rank 0 wins). The answer for a point is the
lowest-ranked polygon that covers it — contains it or has it on its boundary, so that a point on an edge or
vertex shared by two micro-grids goes to the one with the lower id, deterministically.

A uniform grid of square buckets is laid over the polygons' bounds. Each bucket is, exactly:
- *empty*: no polygon covers any point of it;
- *direct*: one polygon covers it entirely and no better-ranked polygon reaches into it — the answer is read
  from an array, with no geometry test (most points of a tiling of micro-grids land in such a bucket);
- *mixed*: a short list of better-ranked polygons whose edges pass through the bucket (tested with one
  vectorised `shapely.intersects_xy` call; the first that covers the point wins), and the polygon that covers
  the whole bucket behind them, if any (the answer when none of the listed ones covers the point).

Why it is exact: a bucket is the set of points whose `floor((x - x0) / size)` and `floor((y - y0) / size)`
are its column and row (one float expression, the same when building and when looking up, monotonic in x
and y). Every edge of every polygon marks each bucket that its bounding box (padded by a millionth of a
bucket against rounding when long edges are cut into pieces) reaches. If a polygon's edges mark no point of
a bucket, the polygon covers all of the bucket or none of it, and one point tells which.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.lib import intersects_xy  # the ufunc itself: shapely.intersects_xy adds a wrapper's cost

BUCKETS_PER_LEAF = 4  # bucket side = the median leaf's larger side / this (more: more direct answers, more memory)
MAX_BUCKETS_PER_POLYGON = 24  # the grid never has more buckets than this × the number of polygons
_PAD = 1e-6  # of a bucket's side, around each piece of an edge
_CHUNK = 4096  # polygons per vectorised step while building, and
_PAIRS = 200_000  # buckets of their boxes: these bound the memory a build needs


@dataclass(frozen=True)
class BucketIndex:
    ids: np.ndarray  # int64, the polygon of each rank (rank = position)
    geoms: np.ndarray  # object, shapely geometries by rank
    x0: float
    y0: float
    inv: float  # 1 / bucket side
    nx: int
    ny: int
    cells: memoryview  # int32 per bucket (row-major): rank ≥ 0 direct, -1 empty, -2 - m for mixed bucket m
    starts: memoryview  # int32, mixed bucket m's listed ranks are members[starts[m]:starts[m + 1]]
    members: np.ndarray  # int32 ranks, each mixed bucket's in rank order
    behind: memoryview  # int32 per mixed bucket: the rank covering all of it behind the listed ones, or -1
    id_of: memoryview  # ids as a memoryview (indexing returns a Python int)

    def __len__(self) -> int:
        return len(self.ids)

    def locate(self, x: float, y: float) -> int | None:
        """The id of the best-ranked polygon covering (x, y), or None."""
        fx = (x - self.x0) * self.inv
        fy = (y - self.y0) * self.inv
        if not (0.0 <= fx < self.nx and 0.0 <= fy < self.ny):  # also refuses NaN
            return None
        v = self.cells[int(fy) * self.nx + int(fx)]
        if v >= 0:
            return self.id_of[v]
        if v == -1:
            return None
        m = -2 - v
        s, e = self.starts[m], self.starts[m + 1]
        listed = self.members[s:e]
        hit = intersects_xy(self.geoms[listed], x, y)
        k = int(hit.argmax())
        if hit[k]:
            return self.id_of[listed[k]]
        r = self.behind[m]
        return self.id_of[r] if r >= 0 else None


def brute_force(ids, depths, geoms, x: float, y: float) -> int | None:
    """The rule, without an index: the deepest polygon covering the point, the lowest id among equals."""
    best = None
    point = shapely.Point(x, y)
    for node_id, depth, geom in zip(ids, depths, geoms, strict=True):
        if geom.intersects(point) and (best is None or (-depth, node_id) < best):
            best = (-int(depth), int(node_id))
    return None if best is None else best[1]


def _floor(v: np.ndarray, origin: float, inv: float) -> np.ndarray:
    return np.floor((v - origin) * inv).astype(np.int64)


def _edge_buckets(geoms: np.ndarray, x0: float, y0: float, size: float, nx: int, ny: int):
    """(polygon position, bucket) for every bucket an edge of the polygon may reach, deduplicated."""
    inv = 1.0 / size
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    same = coord_of[:-1] == coord_of[1:]
    a, b = coords[:-1][same], coords[1:][same]
    owner = part_of[ring_of[coord_of[:-1][same]]]
    # Cut each edge into pieces no longer than half a bucket, so that a piece's box reaches 2 × 2 buckets at
    # most; the pieces' ends are rounded, hence the padding.
    pieces = np.maximum(np.ceil(np.abs(b - a).max(axis=1) * inv * 2.0), 1).astype(np.int64)
    k = np.repeat(np.arange(len(a)), pieces)
    first = np.repeat(np.cumsum(pieces) - pieces, pieces)
    t0 = (np.arange(len(k)) - first) / pieces[k]
    t1 = t0 + 1.0 / pieces[k]
    d = b[k] - a[k]
    p0 = a[k] + d * t0[:, None]
    p1 = a[k] + d * t1[:, None]
    owner = owner[k]
    # Rounding moves a cut point by a few units in the last place of the largest coordinate.
    pad = size * _PAD + 1e-15 * max(float(np.abs(coords).max(initial=1.0)), 1.0)
    lo = np.minimum(p0, p1) - pad
    hi = np.maximum(p0, p1) + pad
    i0 = np.clip(_floor(lo[:, 0], x0, inv), 0, nx - 1)
    i1 = np.clip(_floor(hi[:, 0], x0, inv), 0, nx - 1)
    j0 = np.clip(_floor(lo[:, 1], y0, inv), 0, ny - 1)
    j1 = np.clip(_floor(hi[:, 1], y0, inv), 0, ny - 1)
    keys = []
    for di in range(int((i1 - i0).max(initial=0)) + 1):
        for dj in range(int((j1 - j0).max(initial=0)) + 1):
            ok = (i0 + di <= i1) & (j0 + dj <= j1)
            keys.append(owner[ok] * (nx * ny) + (j0[ok] + dj) * nx + (i0[ok] + di))
    keys = np.unique(np.concatenate(keys)) if keys else np.zeros(0, np.int64)
    return keys // (nx * ny), keys % (nx * ny)


def _box_ranges(bounds: np.ndarray, x0: float, y0: float, inv: float, nx: int, ny: int) -> np.ndarray:
    """Each polygon's bounding box in buckets: columns i0..i1 and rows j0..j1, inclusive."""
    i0 = np.clip(_floor(bounds[:, 0], x0, inv), 0, nx - 1)
    j0 = np.clip(_floor(bounds[:, 1], y0, inv), 0, ny - 1)
    i1 = np.clip(_floor(bounds[:, 2], x0, inv), 0, nx - 1)
    j1 = np.clip(_floor(bounds[:, 3], y0, inv), 0, ny - 1)
    return np.stack([i0, j0, i1, j1], axis=1)


def _box_buckets(box: np.ndarray, nx: int, rows: tuple[int, int]):
    """(polygon position, bucket) for every bucket of each polygon's bounding box within rows [lo, hi)."""
    i0, i1 = box[:, 0], box[:, 2]
    j0, j1 = np.maximum(box[:, 1], rows[0]), np.minimum(box[:, 3], rows[1] - 1)
    w, h = i1 - i0 + 1, np.maximum(j1 - j0 + 1, 0)
    n = w * h
    owner = np.repeat(np.arange(len(box)), n)
    offset = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    di, dj = offset % w[owner], offset // w[owner]
    return owner, (j0[owner] + dj) * nx + (i0[owner] + di)


def _steps(box: np.ndarray, lo_rank: int, hi_rank: int, ny: int):
    """Polygons [start, stop) and rows [lo, hi) to take at once: at most _CHUNK polygons and _PAIRS buckets of
    their boxes (a polygon whose box alone is larger is taken a band of rows at a time)."""
    pairs = (box[:, 2] - box[:, 0] + 1) * (box[:, 3] - box[:, 1] + 1)
    start = lo_rank
    while start < hi_rank:
        stop, held = start, 0
        while stop < hi_rank and stop - start < _CHUNK and (stop == start or held + pairs[stop] <= _PAIRS):
            held += int(pairs[stop])
            stop += 1
        if stop - start == 1 and held > _PAIRS:
            band = max(1, _PAIRS // int(box[start, 2] - box[start, 0] + 1))
            for lo in range(int(box[start, 1]), int(box[start, 3]) + 1, band):
                yield start, stop, lo, lo + band
        else:
            yield start, stop, 0, ny
        start = stop


def build(ids, depths, geoms, *, per_leaf: float = BUCKETS_PER_LEAF) -> BucketIndex:
    """The index of the polygons `geoms` (shapely Polygon/MultiPolygon) with their `ids` and `depths`;
    buckets are `per_leaf` times smaller than the median deepest polygon."""
    ids = np.asarray(ids, dtype=np.int64)
    depths = np.asarray(depths, dtype=np.int64)
    geoms = np.asarray(geoms, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))  # nothing can be located in those
    ids, depths, geoms = ids[present], depths[present], geoms[present]
    order = np.lexsort((ids, -depths))  # rank: deepest first, then lowest id
    ids, depths, geoms = ids[order], depths[order], geoms[order]
    n = len(ids)
    empty = np.zeros(0, np.int32)
    if n == 0:
        cells = np.full(1, -1, np.int32)
        return BucketIndex(ids, geoms, 0.0, 0.0, 1.0, 1, 1, memoryview(cells), memoryview(np.zeros(1, np.int32)),
                           empty, memoryview(empty), memoryview(ids))

    bounds = shapely.bounds(geoms)
    x0, y0 = float(bounds[:, 0].min()), float(bounds[:, 1].min())
    x1, y1 = float(bounds[:, 2].max()), float(bounds[:, 3].max())
    leaf = depths == depths[0]
    sides = np.maximum(bounds[leaf, 2] - bounds[leaf, 0], bounds[leaf, 3] - bounds[leaf, 1])
    size = max(float(np.median(sides)) / per_leaf, 1e-7)
    # Never more than MAX_BUCKETS_PER_POLYGON × n buckets, whatever the spread of the polygons.
    size = max(size, ((x1 - x0) * (y1 - y0) / (MAX_BUCKETS_PER_POLYGON * n)) ** 0.5, 1e-9)
    inv = 1.0 / size
    nx = int(np.floor((x1 - x0) * inv)) + 1
    ny = int(np.floor((y1 - y0) * inv)) + 1
    total = nx * ny

    box = _box_ranges(bounds, x0, y0, inv, nx, ny)
    closed = np.full(total, -1, np.int32)  # the rank that covers the whole bucket (nothing after it matters)
    listed = []  # (buckets, ranks) listed in mixed buckets, in rank order
    edges = (-1, -1, None)
    for level in np.unique(depths)[::-1]:  # deepest first: ranks of one depth are contiguous
        lo_rank, hi_rank = np.searchsorted(-depths, [-level, -level + 1])
        for start, stop, lo, hi in _steps(box, lo_rank, hi_rank, ny):
            chunk = geoms[start:stop]
            if edges[:2] != (start, stop):
                edges = (start, stop, _edge_buckets(chunk, x0, y0, size, nx, ny))
            edge_owner, edge_bucket = edges[2]
            band = (edge_bucket >= lo * nx) & (edge_bucket < hi * nx) & (closed[edge_bucket] == -1)
            edge_owner, edge_bucket = edge_owner[band], edge_bucket[band]
            box_owner, box_bucket = _box_buckets(box[start:stop], nx, (lo, hi))
            keep = closed[box_bucket] == -1
            box_owner, box_bucket = box_owner[keep], box_bucket[keep]
            inner = ~np.isin(box_owner * total + box_bucket, edge_owner * total + edge_bucket)
            io, ib = box_owner[inner], box_bucket[inner]
            del box_owner, box_bucket, keep, inner
            cx = x0 + ((ib % nx) + 0.5) * size
            cy = y0 + ((ib // nx) + 0.5) * size
            shapely.prepare(chunk)
            covers = shapely.intersects_xy(chunk[io], cx, cy)
            shapely.destroy_prepared(chunk)
            # A centre that rounds into another bucket proves nothing: list the polygon there instead.
            strays = (_floor(cx, x0, inv) != ib % nx) | (_floor(cy, y0, inv) != ib // nx)
            full = covers & ~strays
            # The best rank covering each bucket whole (in this step); listed ranks behind it are dropped.
            full_key = np.sort(ib[full] * n + io[full] + start)
            full_bucket, first = np.unique(full_key // n, return_index=True)
            full_rank = full_key[first] % n
            mixed = np.concatenate([edge_bucket * n + edge_owner + start, ib[strays] * n + io[strays] + start])
            where = np.minimum(np.searchsorted(full_bucket, mixed // n), max(len(full_bucket) - 1, 0))
            behind = np.zeros(len(mixed), bool)
            if len(full_bucket):
                behind = (full_bucket[where] == mixed // n) & (full_rank[where] < mixed % n)
            mixed = np.sort(mixed[~behind] % n * total + mixed[~behind] // n)  # rank order
            listed.append(((mixed % total).astype(np.int32), (mixed // total).astype(np.int32)))
            closed[full_bucket] = full_rank
            del full_key, mixed, where, behind, cx, cy, covers, strays, io, ib

    bucket = np.concatenate([b for b, _ in listed]) if listed else np.zeros(0, np.int32)
    rank = np.concatenate([r for _, r in listed]) if listed else np.zeros(0, np.int32)
    del listed
    order = np.argsort(bucket, kind="stable")  # by bucket, each bucket's ranks still in rank order
    members = rank[order]
    del rank
    bucket = bucket[order]
    del order
    first = np.flatnonzero(np.diff(bucket, prepend=-1))  # where each mixed bucket's list starts
    mixed_buckets = bucket[first]
    del bucket
    cells = closed
    behind = closed[mixed_buckets]
    cells[mixed_buckets] = -2 - np.arange(len(mixed_buckets), dtype=np.int32)
    starts = np.append(first, len(members)).astype(np.int32)
    return BucketIndex(
        ids=ids, geoms=geoms, x0=x0, y0=y0, inv=inv, nx=nx, ny=ny, cells=memoryview(cells),
        starts=memoryview(starts), members=members, behind=memoryview(behind),
        id_of=memoryview(ids),
    )
