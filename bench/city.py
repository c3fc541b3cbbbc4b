"""The bench city: a lattice of 100,000 micro-grids bulk-inserted (COPY) into the bench database, under a
district → subdistrict → community → area grid → estate grid tree with valid codes, paths and boundaries,
plus what B1 and B6 need around it (buildings and units, the people on duty).

The lattice is irregular: every cell is an octagon-like polygon (8 vertices) whose corners and edge
midpoints are jittered and shared with its neighbours, so micro-grids tile the city without gaps or
overlaps, and each parent's boundary is the outline of its children. Deterministic (seeded).

Shape (each level a block of its children, columns × rows):
    district 4 × 1 subdistricts, subdistrict 1 × 10 communities, community 5 × 1 area grids,
    area grid 2 × 5 estates, estate 10 × 5 micro-grids  →  400 × 250 = 100,000 micro-grids,
    2,000 estates, 200 area grids, 40 communities, 4 subdistricts.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

X0, Y0 = 112.10, 37.15  # south-west corner, near Pingyao (county code 140728)
DX, DY = 0.0006, 0.0005  # one micro-grid: about 53 m × 55 m
DISTRICT_CODE = "140728"

# (level, columns, rows of children in one block of this level)
SHAPE = [
    ("district", 4, 1),
    ("subdistrict", 1, 10),
    ("community", 5, 1),
    ("area_grid", 2, 5),
    ("estate_grid", 10, 5),
]
NX = 4 * 1 * 5 * 2 * 10  # micro-grids across: 400
NY = 1 * 10 * 1 * 5 * 5  # and up: 250
MICRO_GRIDS = NX * NY

ESTATE_WORDS = [
    "锦绣", "和平", "幸福", "阳光", "翠湖", "金桂", "丽景", "春晖", "碧水", "书香", "文苑", "紫荆", "银杏",
    "枫林", "梧桐", "清河", "南湖", "北辰", "东方", "西城", "永安", "康乐", "怡景", "瑞祥", "富康",
]
ESTATE_SUFFIXES = [
    "苑", "园", "花园", "家园", "小区", "雅居", "新村", "华庭", "名邸", "公寓", "嘉园", "里", "佳苑", "景苑",
    "丽苑", "新城", "东区", "西区", "南区", "北区",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华玉兰桂平刚辉霞鹏建国红梅志文斌宇浩凯琳晨雪婷欣"

# B6: buildings in the first subdistrict's estates; each building has UNITS units, FLOORS floors and
# ROOMS rooms per floor and unit.
BUILDINGS_PER_ESTATE = 9
UNITS, FLOORS, ROOMS = 2, 6, 2


@dataclass
class Node:
    id: int
    level: str
    code: str
    name: str
    parent: int | None
    path: str
    depth: int
    subdistrict: int | None
    block: tuple[int, int, int, int]  # micro-grid cells i0, j0, i1, j1 (exclusive)
    children: list[int] = field(default_factory=list)


@dataclass
class City:
    nodes: list[Node]
    seconds: float
    micro_grid_ids: np.ndarray  # [i, j] → id
    bounds: tuple[float, float, float, float]  # lon0, lat0, lon1, lat1 of the lattice
    units: list[tuple] = field(default_factory=list)  # add_buildings(): (estate, building, unit, floors, rooms)

    def of_level(self, level: str) -> list[Node]:
        return [n for n in self.nodes if n.level == level]

    def first_subdistrict(self) -> Node:
        return self.of_level("subdistrict")[0]


@lru_cache(maxsize=4096)
def _key(part: str) -> str:
    from wangge.core.text import search_key

    return search_key(part)


def _lattice(rng: np.random.Generator):
    """Jittered corners V[i, j] and edge midpoints (H: along x, V: along y), shared by neighbours."""
    i = np.arange(NX + 1)[:, None]
    j = np.arange(NY + 1)[None, :]
    vx = X0 + i * DX + rng.uniform(-0.15, 0.15, (NX + 1, NY + 1)) * DX
    vy = Y0 + j * DY + rng.uniform(-0.15, 0.15, (NX + 1, NY + 1)) * DY
    # Midpoint of the edge V[i, j] → V[i+1, j], pushed up or down a little.
    hx = (vx[:-1, :] + vx[1:, :]) / 2
    hy = (vy[:-1, :] + vy[1:, :]) / 2 + rng.uniform(-0.1, 0.1, (NX, NY + 1)) * DY
    # Midpoint of the edge V[i, j] → V[i, j+1], pushed left or right a little.
    mx = (vx[:, :-1] + vx[:, 1:]) / 2 + rng.uniform(-0.1, 0.1, (NX + 1, NY)) * DX
    my = (vy[:, :-1] + vy[:, 1:]) / 2
    r = lambda a: np.round(a, 7)  # noqa: E731
    return r(vx), r(vy), r(hx), r(hy), r(mx), r(my)


def _ring(lat, i0: int, j0: int, i1: int, j1: int) -> list[list[float]]:
    """The outline of cells [i0, i1) × [j0, j1), counter-clockwise, through every shared vertex."""
    vx, vy, hx, hy, mx, my = lat
    pts = []
    for i in range(i0, i1):  # bottom, going east
        pts += [(vx[i, j0], vy[i, j0]), (hx[i, j0], hy[i, j0])]
    for j in range(j0, j1):  # right, going north
        pts += [(vx[i1, j], vy[i1, j]), (mx[i1, j], my[i1, j])]
    for i in range(i1 - 1, i0 - 1, -1):  # top, going west
        pts += [(vx[i + 1, j1], vy[i + 1, j1]), (hx[i, j1], hy[i, j1])]
    for j in range(j1 - 1, j0 - 1, -1):  # left, going south
        pts += [(vx[i0, j + 1], vy[i0, j + 1]), (mx[i0, j], my[i0, j])]
    pts.append(pts[0])
    return [[float(x), float(y)] for x, y in pts]


def _tree() -> tuple[list[Node], np.ndarray]:
    """Every node with its id (1…), code, path and block of cells, parents before children."""
    nodes: list[Node] = []
    micro = np.zeros((NX, NY), dtype=np.int64)
    district = Node(1, "district", DISTRICT_CODE, "基准县", None, "/1/", 0, None, (0, 0, NX, NY))
    nodes.append(district)
    levels = [name for name, _, _ in SHAPE] + ["micro_grid"]
    frontier = [district]
    for depth, (_, cols, rows) in enumerate(SHAPE, start=1):
        level = levels[depth]
        nxt = []
        for parent in frontier:
            i0, j0, i1, j1 = parent.block
            w, h = (i1 - i0) // cols, (j1 - j0) // rows
            for r in range(rows):
                for c in range(cols):
                    k = r * cols + c
                    node_id = len(nodes) + 1
                    sub = node_id if level == "subdistrict" else parent.subdistrict
                    node = Node(
                        node_id, level, f"{parent.code}{k + 1:03d}", "", parent.id, f"{parent.path}{node_id}/",
                        depth, sub, (i0 + c * w, j0 + r * h, i0 + (c + 1) * w, j0 + (r + 1) * h),
                    )
                    node.name = _name(level, k, parent)
                    nodes.append(node)
                    parent.children.append(node_id)
                    nxt.append(node)
                    if level == "micro_grid":
                        micro[node.block[0], node.block[1]] = node_id
        frontier = nxt
    return nodes, micro


def _name(level: str, k: int, parent: Node) -> str:
    if level == "subdistrict":
        return f"第{k + 1}街道"
    if level == "community":
        return f"{parent.name.removesuffix('街道')}-{k + 1}社区"
    if level == "area_grid":
        return f"第{k + 1}区域网格"
    if level == "estate_grid":
        return ""  # named by _name_estates, unique within the subdistrict
    return f"{k + 1}号微网格"


def _name_estates(nodes: list[Node]) -> None:
    """Estate names unique within each subdistrict (B6's file names estates in its 小区 column)."""
    count: dict[int, int] = {}
    for n in nodes:
        if n.level == "estate_grid":
            k = count.get(n.subdistrict, 0)
            count[n.subdistrict] = k + 1
            word = ESTATE_WORDS[(k // len(ESTATE_SUFFIXES)) % len(ESTATE_WORDS)]
            n.name = f"{word}{ESTATE_SUFFIXES[k % len(ESTATE_SUFFIXES)]}"
            if k >= len(ESTATE_WORDS) * len(ESTATE_SUFFIXES):
                n.name += str(k // (len(ESTATE_WORDS) * len(ESTATE_SUFFIXES)) + 1)


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _reset_sequence(cursor, table: str) -> None:
    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def build(*, progress=print) -> City:
    """Insert the city into the (freshly migrated, empty) bench database."""
    from django.db import connection, transaction

    start = time.perf_counter()
    rng = np.random.default_rng(20240611)
    lattice = _lattice(rng)
    nodes, micro = _tree()
    _name_estates(nodes)
    now = dt.datetime.now(dt.UTC)

    def grid_rows():
        for n in nodes:
            i0, j0, i1, j1 = n.block
            boundary = {"type": "Polygon", "coordinates": [_ring(lattice, i0, j0, i1, j1)]}
            search = f"{_key(n.name)} {n.code}"
            yield (n.id, n.level, n.code, n.name, n.path, n.depth, json.dumps(boundary), now, search,
                   n.parent, n.subdistrict)

    with transaction.atomic(), connection.cursor() as c:
        _copy(c.cursor, "registry_gridnode",
              ["id", "level", "code", "name", "path", "depth", "boundary", "boundary_changed_at", "search_text",
               "parent_id", "subdistrict_id"], grid_rows())
        _reset_sequence(c, "registry_gridnode")
    progress(f"city: {len(nodes):,} grid nodes ({MICRO_GRIDS:,} micro-grids) in {time.perf_counter() - start:.1f} s")
    vx, vy = lattice[0], lattice[1]
    bounds = (float(vx.min()), float(vy.min()), float(vx.max()), float(vy.max()))
    return City(nodes=nodes, seconds=time.perf_counter() - start, micro_grid_ids=micro, bounds=bounds)


def cell_point(i: int, j: int, rng: random.Random) -> tuple[float, float]:
    """A point well inside micro-grid cell (i, j) (the jitter moves borders by at most 25% of a cell)."""
    return (X0 + (i + 0.3 + 0.4 * rng.random()) * DX, Y0 + (j + 0.3 + 0.4 * rng.random()) * DY)


def add_buildings(city: City, *, progress=print) -> list[tuple]:
    """Buildings and units in every estate of the first subdistrict (for B6's households); returns
    (estate name, building name, unit name, floors, rooms per floor) for each unit."""
    from django.db import connection, transaction

    start = time.perf_counter()
    sub = city.first_subdistrict()
    estates = [n for n in city.nodes if n.level == "estate_grid" and n.subdistrict == sub.id]
    by_id = {n.id: n for n in city.nodes}
    buildings, units, slots = [], [], []
    bid = uid = 0
    for estate in estates:
        micro_ids = estate.children
        for b in range(1, BUILDINGS_PER_ESTATE + 1):
            bid += 1
            name = f"{b}号楼"
            first = by_id[micro_ids[(b - 1) * UNITS]]
            lon = X0 + (first.block[0] + 0.5) * DX
            lat = Y0 + (first.block[1] + 0.5) * DY
            buildings.append((bid, name, FLOORS, lon, lat, _key(name), estate.id, sub.id))
            for u in range(1, UNITS + 1):
                uid += 1
                micro = micro_ids[((b - 1) * UNITS + u - 1) % len(micro_ids)]
                units.append((uid, f"{u}单元", bid, micro, sub.id))
                slots.append((estate.name, name, f"{u}单元", FLOORS, ROOMS))
    with transaction.atomic(), connection.cursor() as c:
        _copy(c.cursor, "registry_building",
              ["id", "name", "floors", "lon", "lat", "search_text", "estate_grid_id", "subdistrict_id"], buildings)
        _copy(c.cursor, "registry_unit", ["id", "name", "building_id", "micro_grid_id", "subdistrict_id"], units)
        _reset_sequence(c, "registry_building")
        _reset_sequence(c, "registry_unit")
    progress(f"city: {len(buildings):,} buildings, {len(units):,} units in {time.perf_counter() - start:.1f} s")
    return slots


def add_duties(city: City, *, progress=print) -> None:
    """A micro-grid member on every micro-grid of the first subdistrict and a grid leader on every estate:
    who routing finds for a new matter."""
    from django.db import connection, transaction

    start = time.perf_counter()
    rng = random.Random(11)
    sub = city.first_subdistrict()
    posts = [(n, "micro_grid_member") for n in city.nodes if n.level == "micro_grid" and n.subdistrict == sub.id]
    posts += [(n, "grid_leader") for n in city.nodes if n.level == "estate_grid"]
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=365)
    persons, duties = [], []
    for k, (node, role) in enumerate(posts, start=1):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        persons.append((k, name, phone, _key(name), node.subdistrict, node.id))
        duties.append((k, role, since, "", node.id, node.subdistrict, k))
    with transaction.atomic(), connection.cursor() as c:
        _copy(c.cursor, "people_person", ["id", "name", "phone", "search_text", "subdistrict_id", "grid_id"], persons)
        _copy(c.cursor, "people_duty",
              ["id", "role", "start", "note", "grid_id", "subdistrict_id", "person_id"], duties)
        _reset_sequence(c, "people_person")
        _reset_sequence(c, "people_duty")
        c.execute("ANALYZE")
    progress(f"city: {len(persons):,} people on duty in {time.perf_counter() - start:.1f} s")
