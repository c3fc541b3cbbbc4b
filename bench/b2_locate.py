"""B2: locate a point to its micro-grid among 100,000 micro-grids, one request's worth at a time.

wangge: `wangge.registry.locate.locate_id`, the code intake runs, over the index it builds from the GridNode
boundaries of the bench database (every boundary of the tree, 102,245 polygons), one point per call, for
REAL_SECONDS: longer than two of its freshness periods (`locate.CHECK_SECONDS`), so that the figure includes
the comparisons with the database (`_fingerprint()`) the real path makes. Points are drawn well inside a
micro-grid (bench.city.cell_point) and every answer is checked against the micro-grid the point was drawn in.
Also printed, outside the target: the same path for points drawn uniformly over the city (more of them land
in buckets that an edge crosses and need a geometry test), checked against a brute-force STRtree answer.
Baseline: one PostGIS query per point over the same polygons with a GiST index, from this process
(prepared statement): the same lookup (deepest node containing the point) and the micro-grids alone
(a partial GiST index); the faster of the two is the baseline.
"""

from __future__ import annotations

import random
import time
from unittest import mock

import numpy as np
import psycopg
import shapely

from . import db
from .harness import Result

NUMBER = "B2"
WHAT = "locate a point among 100,000 micro-grids"
TARGET = "≥ 20× PostGIS and ≥ 100,000/s on one core"
NEEDS = ("city", "postgis")

POINTS = 50_000  # for the index
REAL_SECONDS = 12.0  # the real path is timed for this long, cycling over the points
POSTGIS_POINTS = 5_000
MIN_RATIO, MIN_RATE = 20.0, 100_000

SAME_LOOKUP = (
    "SELECT id FROM bench_boundary WHERE ST_Contains(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) "
    "ORDER BY depth DESC LIMIT 1"
)
MICRO_ONLY = (
    "SELECT id FROM bench_boundary WHERE level = 'micro_grid' "
    "AND ST_Contains(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) LIMIT 1"
)


def _points(city, n: int, seed: int) -> tuple[list[tuple[float, float]], np.ndarray]:
    from .city import NX, NY, cell_point

    rng = random.Random(seed)
    cells = [(rng.randrange(NX), rng.randrange(NY)) for _ in range(n)]
    points = [cell_point(i, j, rng) for i, j in cells]
    expected = np.array([city.micro_grid_ids[i, j] for i, j in cells], dtype=np.int64)
    return points, expected


def _rate(fn, points) -> tuple[float, list]:
    """Lookups per second of fn over points."""
    start = time.perf_counter()
    answers = [fn(lon, lat) for lon, lat in points]
    return len(answers) / (time.perf_counter() - start), answers


def _rate_for(fn, points, seconds: float) -> tuple[float, list, int]:
    """Lookups per second of fn cycling over points for `seconds`; the first pass's answers; lookups made."""
    first, done = None, 0
    start = time.perf_counter()
    while True:
        answers = [fn(lon, lat) for lon, lat in points]
        first = first if first is not None else answers
        done += len(answers)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed, first, done


def _uniform(city, n: int, seed: int) -> list[tuple[float, float]]:
    lon0, lat0, lon1, lat1 = city.bounds
    rng = random.Random(seed)
    return [(lon0 + rng.random() * (lon1 - lon0), lat0 + rng.random() * (lat1 - lat0)) for _ in range(n)]


def _brute(buckets, points) -> np.ndarray:
    """The rule by brute force over an STRtree: the deepest boundary covering the point, the lowest id."""
    tree = shapely.STRtree(buckets.geoms)
    pts, hits = tree.query(shapely.points(points), predicate="intersects")
    best = np.full(len(points), -1, np.int64)
    np.minimum.at(best.view(np.uint64), pts, hits.astype(np.uint64))  # ranks: lowest is deepest, lowest id
    return np.where(best >= 0, buckets.ids[np.maximum(best, 0)], -1)


def _postgis_table(ctx) -> None:
    with psycopg.connect(db.URL, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_boundary")
        conn.execute(
            "CREATE TABLE bench_boundary AS SELECT id, depth, level, "
            "ST_SetSRID(ST_GeomFromGeoJSON(boundary::text), 4326) AS geom "
            "FROM registry_gridnode WHERE boundary IS NOT NULL"
        )
        conn.execute("CREATE INDEX bench_boundary_geom ON bench_boundary USING gist (geom)")
        conn.execute("CREATE INDEX bench_boundary_micro ON bench_boundary USING gist (geom) "
                     "WHERE level = 'micro_grid'")
        conn.execute("ANALYZE bench_boundary")


def _postgis_rate(sql: str, points) -> tuple[float, list]:
    with psycopg.connect(db.URL, autocommit=True) as conn:
        cur = conn.cursor()
        for lon, lat in points[:50]:  # warm the cache and the prepared statement
            cur.execute(sql, (lon, lat), prepare=True)

        def one(lon, lat):
            row = cur.execute(sql, (lon, lat), prepare=True).fetchone()
            return row[0] if row else None

        return _rate(one, points)


def run(ctx) -> Result:
    from wangge.registry import locate

    city = ctx.city()
    points, expected = _points(city, POINTS, seed=2)

    start = time.perf_counter()
    idx = locate.index()
    build = time.perf_counter() - start
    ctx.say(f"index built from {len(idx.ids):,} boundaries in {build:.1f} s")

    checks = []
    fingerprint = locate._fingerprint
    with mock.patch.object(locate, "_fingerprint", lambda: checks.append(1) or fingerprint()):  # counted only
        real, real_answers, done = _rate_for(locate.locate_id, points, REAL_SECONDS)
    start = time.perf_counter()
    for _ in range(20):
        locate._fingerprint()
    check_ms = (time.perf_counter() - start) / 20 * 1000
    wrong = int((np.array(real_answers, dtype=np.int64) != expected).sum())
    ctx.say(f"real path (locate_id): {real:,.0f}/s over {done:,} lookups in {REAL_SECONDS:.0f} s, of which "
            f"{len(checks)} comparisons with the database ({check_ms:.1f} ms each, every "
            f"{locate.CHECK_SECONDS:.0f} s)")

    anywhere = _uniform(city, POINTS, seed=4)
    spread, spread_answers = _rate(locate.locate_id, anywhere)
    spread_wrong = int((np.array([-1 if a is None else a for a in spread_answers], dtype=np.int64)
                        != _brute(idx.buckets, anywhere)).sum())
    ctx.say(f"points anywhere in the city (outside the target): {spread:,.0f}/s, {spread_wrong} wrong")

    _postgis_table(ctx)
    sample = points[:POSTGIS_POINTS]
    same, same_answers = _postgis_rate(SAME_LOOKUP, sample)
    micro, micro_answers = _postgis_rate(MICRO_ONLY, sample)
    wrong_pg = int((np.array(same_answers, dtype=np.int64) != expected[:POSTGIS_POINTS]).sum())
    wrong_pg += int((np.array(micro_answers, dtype=np.int64) != expected[:POSTGIS_POINTS]).sum())
    ctx.say(f"PostGIS ST_Contains per point: {same:,.0f}/s (deepest of all levels), {micro:,.0f}/s (micro-grids only)")
    postgis = max(same, micro)

    ratio = real / postgis
    ok = ratio >= MIN_RATIO and real >= MIN_RATE and wrong == 0 and spread_wrong == 0
    notes = []
    if not ok and MIN_RATIO * postgis > MIN_RATE:
        notes.append(f"{MIN_RATIO:.0f}× this PostGIS baseline means {MIN_RATIO * postgis:,.0f} lookups/s, "
                     f"i.e. {1e6 / (MIN_RATIO * postgis):.1f} µs a lookup")
    notes.append(
        f"the real path compares its index with the database every {locate.CHECK_SECONDS:.0f} s "
        f"({check_ms:.1f} ms: COUNT and MAX over every boundary row), {len(checks)} times in this run; "
        f"points anywhere in the city (not only well inside a micro-grid): {spread:,.0f}/s "
        f"({spread / postgis:,.1f}× PostGIS, outside the target)"
    )
    if wrong or wrong_pg or spread_wrong:
        notes.append(f"wrong answers: wangge {wrong}, PostGIS {wrong_pg}, points anywhere {spread_wrong}")
    return Result(
        NUMBER, WHAT,
        figure=f"{real:,.0f}/s real path (build {build:.1f} s)",
        baseline=f"PostGIS {postgis:,.0f}/s",
        ratio=f"{ratio:,.1f}×",
        target=TARGET, ok=ok,
        data={"real_per_s": real, "lookups": done, "freshness_checks": len(checks), "freshness_check_ms": check_ms,
              "build_s": build, "anywhere_per_s": spread, "anywhere_wrong": spread_wrong,
              "postgis_same_lookup_per_s": same, "postgis_micro_only_per_s": micro,
              "ratio": ratio, "wrong": wrong, "wrong_postgis": wrong_pg, "boundaries": len(idx.ids)},
        notes=notes,
    )
