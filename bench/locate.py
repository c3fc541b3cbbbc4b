"""Locate a point to its micro-grid: wangge's STRtree index against a linear scan over the same prepared
polygons, in the same process. 10,000 micro-grids on a regular lattice around Pingyao; 20,000 points.

The figure that matters is lookups per second on one core and the ratio to the scan; the target for the
city-scale issue (100,000 micro-grids, ≥20× PostGIS) is measured separately once PostGIS is in the bench.
"""

from __future__ import annotations

import random
import time

import numpy as np
import shapely
from shapely.strtree import STRtree

SIDE = 100  # 100 × 100 = 10,000 micro-grids
CELL = 0.0008  # about 70 m × 90 m
POINTS = 20_000
SCAN_POINTS = 500


def _lattice():
    boxes = [
        shapely.box(112.1 + i * CELL, 37.15 + j * CELL, 112.1 + (i + 1) * CELL, 37.15 + (j + 1) * CELL)
        for i in range(SIDE)
        for j in range(SIDE)
    ]
    for b in boxes:
        shapely.prepare(b)
    return boxes


def run() -> dict:
    rng = random.Random(7)
    boxes = _lattice()
    points = [
        shapely.Point(112.1 + rng.random() * SIDE * CELL, 37.15 + rng.random() * SIDE * CELL) for _ in range(POINTS)
    ]
    tree = STRtree(boxes)
    depths = np.zeros(len(boxes), dtype=np.int16)

    start = time.perf_counter()
    found = 0
    for p in points:  # one request's worth at a time, as the API does it
        hits = tree.query(p, predicate="intersects")
        if len(hits):
            found += int(hits[np.argmax(depths[hits])]) >= 0
    indexed = POINTS / (time.perf_counter() - start)

    start = time.perf_counter()
    for p in points[:SCAN_POINTS]:
        next((i for i, b in enumerate(boxes) if b.intersects(p)), None)
    scanned = SCAN_POINTS / (time.perf_counter() - start)

    ratio = indexed / scanned
    print(f"locate: {len(boxes):,} micro-grids; index {indexed:,.0f} lookups/s; linear scan {scanned:,.0f} lookups/s; "
          f"ratio {ratio:,.1f}× (found {found:,}/{POINTS:,})")
    return {"name": "locate", "indexed_per_s": indexed, "scan_per_s": scanned, "ratio": ratio, "ok": found == POINTS}
