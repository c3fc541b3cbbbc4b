"""The map of the synthetic city, drawn in memory: the grid tree with household counts, the buildings and
units of every estate, and a rectangle for every node.

Sizes go bottom-up: an estate is as big as its buildings in rows need; a parent arranges its children in
rows (near-square overall). Boxes go top-down: each row of children is stretched to the parent's width and
the rows to its height, so children tile their parent exactly and nothing inside a child is squeezed.
Rectangles are in metres on a local plane around a real city (Taiyuan's 小店区, lon 112.565, lat 37.736)
and become lon/lat rounded to 1e-7 degrees; a shared edge is converted once, so neighbours match exactly.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from wangge.demo.generator import BUILDING_DEPTH_M, BUILDING_TYPES, MICRO_PAD_M, BuildingType
from wangge.registry.models import Level

DISTRICT_CODE = "140105"
DISTRICT_NAME = "小店区"
CENTER_LON = 112.565
CENTER_LAT = 37.736
_KX = 111_320.0 * math.cos(math.radians(CENTER_LAT))
_KY = 110_950.0

HOUSEHOLDS_PER_COMMUNITY = 3000
HOUSEHOLDS_PER_AREA = 750
HOUSEHOLDS_PER_ESTATE = 300
MAX_CHILDREN = 999            # three digits of grid code per level

PLOT_GAP_M = 8.0              # between two building plots (micro-grids)
ESTATE_MARGIN_M = 12.0        # the road inside an estate's edge
PLOT_H = BUILDING_DEPTH_M + 2 * MICRO_PAD_M

# Which buildings each kind of estate has (weights), and how many households stand empty or are let.
PROFILES = {
    "old": ([("walkup6x3", 5), ("walkup6x2", 3), ("walkup5x2", 2)], (0.05, 0.12)),
    "mixed": ([("walkup6x3", 5), ("walkup6x2", 2), ("tower11", 3)], (0.07, 0.13)),
    "new": ([("tower11", 4), ("tower18", 5)], (0.13, 0.15)),
}
PROFILE_WEIGHTS = [("old", 35), ("mixed", 40), ("new", 25)]

_SUB_A = "坞营北平黄亲龙学长许杨刘西孙东南清晋汾并"
_SUB_B = "城盘营阳陵贤泉府治坦堡庄寨河湖源安华兴康"
_COM_A = "和幸阳康锦金新建胜红友光文朝永长安丰恒嘉瑞春秋福乐明德育民兴"
_COM_B = "平福光乐绣桥华设利星谊明化阳安青泰收源禾祥晖苑园宁远秀欣兴顺盛"
_EST_A = "翠碧锦绣金银星月桂兰枫梧桐柳竹松梅荷丽景华晨曦汇龙凤鸣泰和润"
_EST_B = "园苑庭府湾城居轩"
_EST_SUFFIX = {
    "old": ["小区", "新村", "宿舍", "里"],
    "mixed": ["小区", "家园", "花园", "苑"],
    "new": ["花园", "嘉园", "名邸", "华府", "家园"],
}


@dataclass(slots=True, eq=False)
class Unit:
    name: str
    index: int                  # 0-based position in its building, west to east
    building: Building
    households: int
    micro: Node | None = None
    id: int = 0
    door: tuple[float, float] = (0.0, 0.0)    # metres


@dataclass(slots=True, eq=False)
class Building:
    number: int
    kind: BuildingType
    units: list[Unit] = field(default_factory=list)
    id: int = 0
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)   # its plot (building + pad), metres

    @property
    def name(self) -> str:
        return f"{self.number}号楼"

    @property
    def plot_width(self) -> float:
        return self.kind.width_m + 2 * MICRO_PAD_M


@dataclass(slots=True, eq=False)
class Node:
    level: str
    code: str
    name: str
    parent: Node | None
    households: int
    children: list[Node] = field(default_factory=list)
    id: int = 0
    path: str = ""
    depth: int = 0
    size: tuple[float, float] = (0.0, 0.0)
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    rows: list[list] = field(default_factory=list)   # children (or building plots) in rows
    profile: str = ""                                # estates
    buildings: list[Building] = field(default_factory=list)   # estates
    units: list[Unit] = field(default_factory=list)  # micro-grids
    adults: list[tuple] = field(default_factory=list)   # micro-grids: residents who report (a sample)
    held: dict[str, list[int]] = field(default_factory=dict)   # role → person ids on duty here

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def subdistrict(self) -> Node | None:
        node = self
        while node is not None and node.level != Level.SUBDISTRICT:
            node = node.parent
        return node


def split(n: int, k: int) -> list[int]:
    """`n` in `k` parts as even as possible, the larger parts first."""
    base, extra = divmod(n, k)
    return [base + (1 if i < extra else 0) for i in range(k)]


def children_for(households: int, per: int) -> int:
    return max(1, min(households, round(households / per)))


def communities_per_subdistrict(households: int, subdistricts: int) -> int:
    return children_for(-(-households // subdistricts), HOUSEHOLDS_PER_COMMUNITY)


def _names(a: str, b: str, rng: random.Random) -> list[str]:
    combos = [x + y for x in a for y in b if x != y]
    rng.shuffle(combos)
    return combos


def plan_city(*, subdistricts: int, households: int, seed: int) -> Node:
    rng = random.Random(f"{seed}:map")
    district = Node(Level.DISTRICT, DISTRICT_CODE, DISTRICT_NAME, None, households)
    sub_names = _names(_SUB_A, _SUB_B, rng)
    com_names = _names(_COM_A, _COM_B, rng)
    est_names = _names(_EST_A, _EST_B, rng)
    n_com = n_est = 0
    for s, sh in enumerate(split(households, subdistricts), start=1):
        name = (sub_names[s - 1] if s <= len(sub_names) else f"第{s}") + "街道"
        sub = Node(Level.SUBDISTRICT, f"{DISTRICT_CODE}{s:03d}", name, district, sh)
        district.children.append(sub)
        for c, ch in enumerate(split(sh, children_for(sh, HOUSEHOLDS_PER_COMMUNITY)), start=1):
            base = com_names[n_com % len(com_names)]
            cname = base + ("" if n_com < len(com_names) else str(n_com // len(com_names) + 1)) + "社区"
            n_com += 1
            community = Node(Level.COMMUNITY, f"{sub.code}{c:03d}", cname, sub, ch)
            sub.children.append(community)
            for a, ah in enumerate(split(ch, children_for(ch, HOUSEHOLDS_PER_AREA)), start=1):
                area = Node(Level.AREA_GRID, f"{community.code}{a:03d}", f"{cname}第{a}网格", community, ah)
                community.children.append(area)
                for e, eh in enumerate(split(ah, children_for(ah, HOUSEHOLDS_PER_ESTATE)), start=1):
                    profile = rng.choices([p for p, _ in PROFILE_WEIGHTS], [w for _, w in PROFILE_WEIGHTS])[0]
                    base = est_names[n_est % len(est_names)]
                    ename = (base + ("" if n_est < len(est_names) else str(n_est // len(est_names) + 1))
                             + rng.choice(_EST_SUFFIX[profile]))
                    n_est += 1
                    estate = Node(Level.ESTATE_GRID, f"{area.code}{e:03d}", ename, area, eh, profile=profile)
                    area.children.append(estate)
                    _buildings(estate, rng)
    _number(district)
    _size(district)
    w, h = district.size
    _place(district, (-w / 2, -h / 2, w / 2, h / 2))
    return district


def _buildings(estate: Node, rng: random.Random) -> None:
    """Buildings until the estate's households are housed; a walk-up is one micro-grid, a tower one per
    unit (each about 20–40 households)."""
    kinds, weights = zip(*PROFILES[estate.profile][0], strict=True)
    left = estate.households
    number = 0
    while left > 0:
        number += 1
        kind = BUILDING_TYPES[rng.choices(kinds, weights)[0]]
        building = Building(number, kind)
        per_unit = kind.floors * kind.per_floor
        for u in range(kind.units):
            take = min(per_unit, left)
            if take == 0:
                break
            building.units.append(Unit(f"{u + 1}单元", u, building, take))
            left -= take
        estate.buildings.append(building)
    m = 0
    for building in estate.buildings:
        tower = building.kind.floors > 6
        groups = [[u] for u in building.units] if tower else [building.units]
        for group in groups:
            m += 1
            label = f"{building.name}{group[0].name}" if tower else building.name
            micro = Node(Level.MICRO_GRID, f"{estate.code}{m:03d}", f"{estate.name}{label}微网格", estate,
                         sum(u.households for u in group))
            micro.units = group
            for unit in group:
                unit.micro = micro
            estate.children.append(micro)


def _number(district: Node) -> None:
    """Depths and the rows' order; ids and paths come later, from the database's sequence."""
    for node in district.walk():
        node.depth = 0 if node.parent is None else node.parent.depth + 1
        if len(node.children) > MAX_CHILDREN:
            raise ValueError(f"{node.name} would have {len(node.children)} children")  # pragma: no cover


def _rows(items: list, widths: list[float], target: float) -> list[list[int]]:
    rows: list[list[int]] = [[]]
    used = 0.0
    for i, w in enumerate(widths):
        if rows[-1] and used + w > target:
            rows.append([])
            used = 0.0
        rows[-1].append(i)
        used += w
    return rows


def _size(node: Node) -> None:
    if node.level == Level.ESTATE_GRID:
        plots = [b.plot_width + PLOT_GAP_M for b in node.buildings]
        area = sum(w * (PLOT_H + PLOT_GAP_M) for w in plots)
        target = max(max(plots), math.sqrt(area * 1.3))
        node.rows = [[node.buildings[i] for i in row] for row in _rows(node.buildings, plots, target)]
        width = max(sum(b.plot_width + PLOT_GAP_M for b in row) - PLOT_GAP_M for row in node.rows)
        height = len(node.rows) * (PLOT_H + PLOT_GAP_M) - PLOT_GAP_M
        node.size = (width + 2 * ESTATE_MARGIN_M, height + 2 * ESTATE_MARGIN_M)
        return
    for child in node.children:
        _size(child)
    widths = [c.size[0] for c in node.children]
    area = sum(c.size[0] * c.size[1] for c in node.children)
    target = max(max(widths), math.sqrt(area))
    node.rows = [[node.children[i] for i in row] for row in _rows(node.children, widths, target)]
    node.size = (max(sum(c.size[0] for c in row) for row in node.rows),
                 sum(max(c.size[1] for c in row) for row in node.rows))


def _cuts(start: float, end: float, parts: list[float]) -> list[float]:
    """Edges dividing [start, end] in proportion to `parts`; the last edge is `end` exactly."""
    total = sum(parts)
    edges = [start]
    acc = 0.0
    for p in parts[:-1]:
        acc += p
        edges.append(start + (end - start) * acc / total)
    edges.append(end)
    return edges


def _place(node: Node, box: tuple[float, float, float, float]) -> None:
    node.box = box
    x0, y0, x1, y1 = box
    if node.level == Level.ESTATE_GRID:
        _place_buildings(node)
        return
    heights = [max(c.size[1] for c in row) for row in node.rows]
    ys = _cuts(y1, y0, heights)   # rows from north to south
    for row, top, bottom in zip(node.rows, ys, ys[1:], strict=False):
        xs = _cuts(x0, x1, [c.size[0] for c in row])
        for child, left, right in zip(row, xs, xs[1:], strict=False):
            _place(child, (left, bottom, right, top))


def _place_buildings(estate: Node) -> None:
    x0, y0, x1, y1 = estate.box
    m = ESTATE_MARGIN_M
    ix0, iy0, ix1, iy1 = x0 + m, y0 + m, x1 - m, y1 - m
    n = len(estate.rows)
    for r, row in enumerate(estate.rows):
        cy = iy1 - (iy1 - iy0) * (r + 0.5) / n
        gap = ((ix1 - ix0) - sum(b.plot_width for b in row)) / (len(row) + 1)
        x = ix0 + gap
        for building in row:
            building.box = (x, cy - PLOT_H / 2, x + building.plot_width, cy + PLOT_H / 2)
            x += building.plot_width + gap
            px0, py0, px1, py1 = building.box
            k = building.kind.units
            bw = building.kind.width_m
            for unit in building.units:
                unit.door = (px0 + MICRO_PAD_M + (unit.index + 0.5) * bw / k, py0 + MICRO_PAD_M / 2)
            tower = building.kind.floors > 6
            if tower:
                for unit in building.units:
                    unit.micro.box = (px0 + (px1 - px0) * unit.index / k if unit.index else px0, py0,
                                      px0 + (px1 - px0) * (unit.index + 1) / k if unit.index + 1 < k else px1, py1)
            else:
                building.units[0].micro.box = building.box


# -- coordinates ---------------------------------------------------------------------------------------------


def lon(x: float) -> float:
    return round(CENTER_LON + x / _KX, 7)


def lat(y: float) -> float:
    return round(CENTER_LAT + y / _KY, 7)


def boundary(box: tuple[float, float, float, float]) -> dict:
    """The box as a GeoJSON Polygon, ring ordered as shapely's `box` (and so `geo.to_geojson`) writes it."""
    a, b, c, d = lon(box[0]), lat(box[1]), lon(box[2]), lat(box[3])
    return {"type": "Polygon", "coordinates": [[[c, b], [c, d], [a, d], [a, b], [c, b]]]}


def counts(district: Node) -> dict[str, int]:
    out = {level: 0 for level in (Level.SUBDISTRICT, Level.COMMUNITY, Level.AREA_GRID, Level.ESTATE_GRID,
                                  Level.MICRO_GRID)}
    buildings = units = 0
    for node in district.walk():
        if node.level in out:
            out[node.level] += 1
        if node.level == Level.ESTATE_GRID:
            buildings += len(node.buildings)
            units += sum(len(b.units) for b in node.buildings)
    return {**{str(k): v for k, v in out.items()}, "buildings": buildings, "units": units}
