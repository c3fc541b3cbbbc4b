"""Drawing the demo map: a lattice of slightly irregular blocks around lon 112.17, lat 37.20 (WGS84).

The subdistrict is cut into a lattice of cells by streets. Every street segment is drawn once (its
vertices jittered a little, with a bend or two in the middle) and shared by the cells on both sides, so
cells tile the plane exactly: an estate grid is a rectangular block of cells, an area grid the union of
its estates, a community the union of its area grids. Nothing overlaps and nothing is left between.

Work is in metres on a local plane; positions become lon/lat (rounded to 1e-7 degrees) before any
polygon is built, so the shared edges stay bit-for-bit identical.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from shapely.geometry import Polygon, box, mapping
from shapely.ops import unary_union

CENTER_LON = 112.17
CENTER_LAT = 37.20
_M_PER_DEG_LAT = 110_950.0
_M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(CENTER_LAT))

VERTEX_JITTER_M = 12.0
BEND_JITTER_M = 9.0
# Nothing placed inside an estate comes nearer its nominal edge than this (more than both jitters).
INNER_MARGIN_M = 28.0


def lonlat(x: float, y: float) -> tuple[float, float]:
    """Metres east/north of the centre → (lon, lat), rounded to about a centimetre."""
    return (round(CENTER_LON + x / _M_PER_DEG_LON, 7), round(CENTER_LAT + y / _M_PER_DEG_LAT, 7))


def geojson(geometry) -> dict:
    data = mapping(geometry)
    return {
        "type": data["type"],
        "coordinates": _lists(data["coordinates"]),
    }


def _lists(value):
    if isinstance(value, tuple | list) and value and isinstance(value[0], float | int):
        return [float(v) for v in value[:2]]
    return [_lists(v) for v in value]


def rect(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    """An axis-aligned rectangle given in metres, as a lon/lat polygon."""
    (a, b), (c, d) = lonlat(x0, y0), lonlat(x1, y1)
    return box(a, b, c, d)


@dataclass
class Lattice:
    """Cells (i, j), i counting west → east over `xs`, j south → north over `ys` (edges in metres)."""

    xs: list[float]
    ys: list[float]
    rng: random.Random

    def __post_init__(self):
        nx, ny = len(self.xs), len(self.ys)
        j = VERTEX_JITTER_M
        self.vertices = {
            (i, k): (self.xs[i] + self.rng.uniform(-j, j), self.ys[k] + self.rng.uniform(-j, j))
            for i in range(nx)
            for k in range(ny)
        }
        # Each street segment once: its points from the lower-numbered vertex to the other.
        self.edges: dict[tuple, list[tuple[float, float]]] = {}
        for i in range(nx):
            for k in range(ny):
                if i + 1 < nx:
                    self.edges[((i, k), (i + 1, k))] = self._street((i, k), (i + 1, k))
                if k + 1 < ny:
                    self.edges[((i, k), (i, k + 1))] = self._street((i, k), (i, k + 1))

    def _street(self, a, b) -> list[tuple[float, float]]:
        (x0, y0), (x1, y1) = self.vertices[a], self.vertices[b]
        length = math.hypot(x1 - x0, y1 - y0)
        nx_, ny_ = -(y1 - y0) / length, (x1 - x0) / length
        bends = self.rng.choice((1, 1, 2))
        points = [(x0, y0)]
        for n in range(1, bends + 1):
            t = n / (bends + 1) + self.rng.uniform(-0.08, 0.08)
            off = self.rng.uniform(-BEND_JITTER_M, BEND_JITTER_M)
            points.append((x0 + (x1 - x0) * t + nx_ * off, y0 + (y1 - y0) * t + ny_ * off))
        points.append((x1, y1))
        return [lonlat(x, y) for x, y in points]

    def _path(self, a, b) -> list[tuple[float, float]]:
        if (a, b) in self.edges:
            return self.edges[(a, b)]
        return list(reversed(self.edges[(b, a)]))

    def cell(self, i: int, k: int) -> Polygon:
        corners = [(i, k), (i + 1, k), (i + 1, k + 1), (i, k + 1), (i, k)]
        ring: list[tuple[float, float]] = []
        for a, b in zip(corners, corners[1:], strict=False):
            ring.extend(self._path(a, b)[:-1])
        ring.append(ring[0])
        return Polygon(ring)

    def block(self, i0: int, k0: int, i1: int, k1: int) -> Polygon:
        """Union of cells i0 ≤ i < i1, k0 ≤ k < k1."""
        return unary_union([self.cell(i, k) for i in range(i0, i1) for k in range(k0, k1)])

    def inner_box(self, i0: int, k0: int, i1: int, k1: int) -> tuple[float, float, float, float]:
        """The block's nominal rectangle (metres) shrunk so that it lies inside the drawn block."""
        m = INNER_MARGIN_M
        return (self.xs[i0] + m, self.ys[k0] + m, self.xs[i1] - m, self.ys[k1] - m)


def county_outline(rng: random.Random) -> Polygon:
    """A rough, irregular outline standing in for the county (about 40 km across)."""
    points = []
    for n in range(16):
        angle = 2 * math.pi * n / 16
        radius = rng.uniform(17_000, 23_000)
        points.append(lonlat(radius * math.cos(angle), radius * math.sin(angle)))
    points.append(points[0])
    return Polygon(points)
