"""The demo community drawn in memory: grids, buildings, households, residents, organisations, duties.

`build_plan(seed)` is pure Python and deterministic: the same seed gives the same map, the same people
and the same ID numbers, byte for byte (`Plan.fingerprint()`). Nothing here touches the database; the
loader writes the plan through the services.

The featured community (康宁社区) reproduces the source article: a community party committee with one
grid party group per area grid and the property company's party branch under it; three area grids,
six estate grids and exactly 38 micro-grids, each with its own micro-grid member from its buildings;
six party members from active residents and property staff serving as grid members and building
stewards; two-committee members as grid leaders; the property company's party members as information
officers; liaisons from the police station, the housing and construction bureau and the fire brigade.
A second, smaller community (永和社区) sits beside it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo

from wangge.people.models import OrganisationKind as Kind
from wangge.people.models import Role
from wangge.registry.models import CareFlag, Level, Occupancy, Relation

from . import geometry as geo
from .names import Identities

DEFAULT_SEED = 20210803
# Ages are reckoned on this day, so that a seed always gives the same birth dates and ID numbers.
REFERENCE_DATE = dt.date(2025, 8, 3)
# Duties and memberships of the demo began on this day.
DUTY_START = dt.datetime(2024, 3, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DEMO_PASSWORD = "demo"

DISTRICT_CODE = "140728"
SUBDISTRICT_CODE = "140728001"
FEATURED_CODE = "140728001001"
SECOND_CODE = "140728001002"

# Street lattice of the subdistrict (metres from lon 112.17, lat 37.20): five columns, three rows.
LATTICE_XS = [-690.0, -370.0, -90.0, 250.0, 480.0, 690.0]
LATTICE_YS = [-390.0, -130.0, 110.0, 390.0]


@dataclass(frozen=True)
class BuildingType:
    floors: int
    units: int
    per_floor: int   # households per floor in each unit
    width_m: float   # east-west length of the footprint


BUILDING_TYPES = {
    "walkup6x3": BuildingType(6, 3, 2, 60.0),
    "walkup6x2": BuildingType(6, 2, 2, 40.0),
    "walkup5x2": BuildingType(5, 2, 2, 40.0),
    "tower11": BuildingType(11, 2, 2, 40.0),
    "tower18": BuildingType(18, 2, 2, 40.0),
}
BUILDING_DEPTH_M = 12.0
MICRO_PAD_M = 6.0      # a micro-grid reaches this far around its buildings
BUILDING_GAP_M = 10.0  # between two buildings of one micro-grid
BLOCK_GAP_M = 8.0      # least distance between two micro-grids


@dataclass(frozen=True)
class EstateSpec:
    name: str
    cells: tuple[int, int, int, int]     # lattice block (i0, k0, i1, k1)
    micro_grids: tuple[tuple[str, ...], ...]  # building types of each micro-grid
    profile: str                         # "old", "mixed" or "new": who tends to live there


@dataclass(frozen=True)
class CommunitySpec:
    code: str
    name: str
    areas: tuple[tuple[EstateSpec, ...], ...]   # area grids, each a column of the lattice
    property_company: str
    property_party_org: str | None
    featured: bool


def _mg(kind: str, n: int) -> tuple[tuple[str, ...], ...]:
    return tuple((kind,) for _ in range(n))


def _pairs(kind: str, n: int) -> tuple[tuple[str, ...], ...]:
    return tuple((kind, kind) for _ in range(n))


COMMUNITIES = (
    CommunitySpec(
        code=FEATURED_CODE,
        name="康宁社区",
        areas=(
            (
                EstateSpec("康宁花园", (0, 0, 1, 1), _mg("walkup6x3", 7), "mixed"),
                EstateSpec("锦绣苑", (0, 1, 1, 3), _mg("tower18", 4) + _mg("tower11", 4), "new"),
            ),
            (
                EstateSpec("金秋小区", (1, 0, 2, 2), _pairs("walkup5x2", 4) + _mg("walkup6x3", 4), "old"),
                EstateSpec("建设小区", (1, 2, 2, 3), _mg("walkup6x3", 5), "old"),
            ),
            (
                EstateSpec("西关新村", (2, 0, 3, 1), _pairs("walkup6x2", 3) + _mg("walkup6x3", 2), "mixed"),
                EstateSpec("惠民家园", (2, 1, 3, 3), _mg("tower11", 5), "new"),
            ),
        ),
        property_company="平遥县晋德物业服务有限公司",
        property_party_org="晋德物业党支部",
        featured=True,
    ),
    CommunitySpec(
        code=SECOND_CODE,
        name="永和社区",
        areas=(
            (
                EstateSpec("永和小区", (3, 0, 4, 2), _mg("walkup6x3", 4), "old"),
                EstateSpec("顺城苑", (3, 2, 4, 3), _mg("walkup6x2", 2), "mixed"),
            ),
            (EstateSpec("和平里", (4, 0, 5, 3), _mg("walkup6x3", 3), "mixed"),),
        ),
        property_company="平遥县顺安物业管理有限公司",
        property_party_org=None,
        featured=False,
    ),
)


# -- the plan ------------------------------------------------------------------------------------------


@dataclass
class ResidentPlan:
    name: str
    id_number: str
    phone: str
    relation: str
    gender: str
    age: int
    care_flags: list[str] = field(default_factory=list)
    is_party_member: bool = False


@dataclass
class HouseholdPlan:
    floor: int
    room: str
    occupancy: str
    residents: list[ResidentPlan] = field(default_factory=list)


@dataclass
class UnitPlan:
    name: str
    households: list[HouseholdPlan] = field(default_factory=list)


@dataclass
class BuildingPlan:
    name: str
    floors: int
    lon: float
    lat: float
    units: list[UnitPlan] = field(default_factory=list)


@dataclass
class GridPlan:
    code: str
    name: str
    level: str
    boundary: dict
    children: list[GridPlan] = field(default_factory=list)
    buildings: list[BuildingPlan] = field(default_factory=list)   # micro-grids only: all their units

    def walk(self) -> Iterator[GridPlan]:
        yield self
        for child in self.children:
            yield from child.walk()

    def micro_grids(self) -> list[GridPlan]:
        return [g for g in self.walk() if g.level == Level.MICRO_GRID]

    def households(self) -> Iterator[HouseholdPlan]:
        for micro in self.micro_grids():
            for building in micro.buildings:
                for unit in building.units:
                    yield from unit.households

    def residents(self) -> Iterator[ResidentPlan]:
        for household in self.households():
            yield from household.residents


@dataclass
class PersonPlan:
    key: str
    name: str
    phone: str = ""
    grid: str = ""                      # code of the grid where they serve (the tenant key)
    resident: str | None = None          # ID number of the resident they are


@dataclass
class OrganisationPlan:
    key: str
    name: str
    kind: str
    grid: str
    parent: str | None = None


@dataclass
class MembershipPlan:
    person: str
    organisation: str
    post: str = ""
    is_party_member: bool = False


@dataclass
class DutyPlan:
    person: str
    role: str
    grid: str
    organisation: str | None = None
    note: str = ""


@dataclass
class LoginPlan:
    username: str
    person: str
    role_zh: str
    role_en: str
    grid: str = ""                      # the scope shown beside the login ("" for the admin, or: where
    is_superuser: bool = False          # the login's first duty is)


@dataclass
class Plan:
    seed: int
    district: GridPlan
    persons: list[PersonPlan] = field(default_factory=list)
    organisations: list[OrganisationPlan] = field(default_factory=list)
    memberships: list[MembershipPlan] = field(default_factory=list)
    duties: list[DutyPlan] = field(default_factory=list)   # in the order they must be assigned
    logins: list[LoginPlan] = field(default_factory=list)

    def grid(self, code: str) -> GridPlan:
        for node in self.district.walk():
            if node.code == code:
                return node
        raise KeyError(code)

    def grids(self) -> Iterator[GridPlan]:
        return self.district.walk()

    def counts(self, code: str | None = None) -> dict[str, int]:
        root = self.grid(code) if code else self.district
        households = list(root.households())
        return {
            "grids": sum(1 for _ in root.walk()),
            "micro_grids": len(root.micro_grids()),
            "buildings": sum(len(m.buildings) for m in root.micro_grids()),
            "households": len(households),
            "residents": sum(len(h.residents) for h in households),
        }

    def fingerprint(self) -> str:
        """SHA-256 of everything in the plan: two runs with one seed give the same digest."""
        data = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(data.encode()).hexdigest()


# -- drawing the map and filling the buildings ---------------------------------------------------------


def build_plan(seed: int = DEFAULT_SEED) -> Plan:
    map_rng = random.Random(f"{seed}:map")
    people_rng = random.Random(f"{seed}:people")
    names = Identities(people_rng)
    lattice = geo.Lattice(LATTICE_XS, LATTICE_YS, map_rng)

    district = GridPlan(DISTRICT_CODE, "平遥县", Level.DISTRICT, geo.geojson(geo.county_outline(map_rng)))
    columns = len(LATTICE_XS) - 1
    rows = len(LATTICE_YS) - 1
    subdistrict = GridPlan(
        SUBDISTRICT_CODE, "城西街道", Level.SUBDISTRICT, geo.geojson(lattice.block(0, 0, columns, rows))
    )
    district.children.append(subdistrict)
    plan = Plan(seed=seed, district=district)
    for spec in COMMUNITIES:
        subdistrict.children.append(_community(spec, lattice, names))
    staff = _Staff(plan, names, people_rng)
    staff.subdistrict_units()
    for spec in COMMUNITIES:
        staff.community(spec)
    staff.logins()
    return plan


def _community(spec: CommunitySpec, lattice: geo.Lattice, names: Identities) -> GridPlan:
    cells = [e.cells for area in spec.areas for e in area]
    i0, k0 = min(c[0] for c in cells), min(c[1] for c in cells)
    i1, k1 = max(c[2] for c in cells), max(c[3] for c in cells)
    community = GridPlan(spec.code, spec.name, Level.COMMUNITY, geo.geojson(lattice.block(i0, k0, i1, k1)))
    for a, estates in enumerate(spec.areas, start=1):
        ai0, ak0 = min(e.cells[0] for e in estates), min(e.cells[1] for e in estates)
        ai1, ak1 = max(e.cells[2] for e in estates), max(e.cells[3] for e in estates)
        area = GridPlan(
            f"{spec.code}{a:03d}", f"{spec.name}第{a}网格", Level.AREA_GRID,
            geo.geojson(lattice.block(ai0, ak0, ai1, ak1)),
        )
        community.children.append(area)
        for e, estate_spec in enumerate(estates, start=1):
            area.children.append(_estate(estate_spec, f"{area.code}{e:03d}", lattice, names))
    return community


def _estate(spec: EstateSpec, code: str, lattice: geo.Lattice, names: Identities) -> GridPlan:
    outline = lattice.block(*spec.cells)
    estate = GridPlan(code, spec.name, Level.ESTATE_GRID, geo.geojson(outline))
    blocks = _layout(lattice.inner_box(*spec.cells), spec.micro_grids)
    number = 0
    for m, (types, (bx0, by0, bx1, by1), centres) in enumerate(blocks, start=1):
        buildings = []
        for kind, (cx, cy) in zip(types, centres, strict=True):
            number += 1
            lon, lat = geo.lonlat(cx, cy)
            buildings.append(_building(f"{number}号楼", BUILDING_TYPES[kind], lon, lat, spec.profile, names))
        label = "、".join(b.name.removesuffix("号楼") for b in buildings) + "号楼"
        micro = geo.rect(bx0, by0, bx1, by1)
        if not outline.contains(micro):
            raise RuntimeError(f"micro-grid {m} of {spec.name} falls outside the estate")  # pragma: no cover
        estate.children.append(
            GridPlan(f"{code}{m:03d}", f"{spec.name}{label}微网格", Level.MICRO_GRID, geo.geojson(micro),
                     buildings=buildings)
        )
    return estate


def _layout(inner, groups) -> list[tuple[tuple[str, ...], tuple[float, float, float, float], list]]:
    """Place the micro-grids of an estate in rows inside its inner box (metres), south-west first.
    Each gets its rectangle and the centres of its buildings."""
    x0, y0, x1, y1 = inner
    width = x1 - x0
    sized = []
    for types in groups:
        w = sum(BUILDING_TYPES[t].width_m for t in types) + BUILDING_GAP_M * (len(types) - 1) + 2 * MICRO_PAD_M
        sized.append((types, w))
    rows: list[list] = [[]]
    used = 0.0
    for item in sized:
        need = item[1] + (BLOCK_GAP_M if rows[-1] else 0)
        if rows[-1] and used + need > width:
            rows.append([])
            used, need = 0.0, item[1]
        rows[-1].append(item)
        used += need
    height = BUILDING_DEPTH_M + 2 * MICRO_PAD_M
    if len(rows) * height + (len(rows) - 1) * BLOCK_GAP_M > y1 - y0:
        raise RuntimeError("estate too small for its buildings")  # pragma: no cover
    placed = []
    for r, row in enumerate(rows):
        cy = y0 + (y1 - y0) * (r + 0.5) / len(rows)
        gap = (width - sum(w for _, w in row)) / (len(row) + 1)
        x = x0 + gap
        for types, w in row:
            box = (x, cy - height / 2, x + w, cy + height / 2)
            centres = []
            bx = x + MICRO_PAD_M
            for t in types:
                bw = BUILDING_TYPES[t].width_m
                centres.append((bx + bw / 2, cy))
                bx += bw + BUILDING_GAP_M
            placed.append((types, box, centres))
            x += w + gap
    return placed


def _building(name: str, kind: BuildingType, lon: float, lat: float, profile: str, names: Identities) -> BuildingPlan:
    rng = names.rng
    building = BuildingPlan(name, kind.floors, lon, lat)
    vacant, rented = {"old": (0.05, 0.12), "mixed": (0.07, 0.13), "new": (0.13, 0.15)}[profile]
    for u in range(1, kind.units + 1):
        unit = UnitPlan(f"{u}单元")
        building.units.append(unit)
        for floor in range(1, kind.floors + 1):
            for door in range(1, kind.per_floor + 1):
                draw = rng.random()
                if draw < vacant:
                    occupancy = Occupancy.VACANT
                elif draw < vacant + rented:
                    occupancy = Occupancy.RENTED
                else:
                    occupancy = Occupancy.OWNER
                household = HouseholdPlan(floor, f"{floor}{door:02d}", occupancy)
                if occupancy != Occupancy.VACANT:
                    household.residents = _family(occupancy, profile, floor, names)
                unit.households.append(household)
    return building


# -- families ------------------------------------------------------------------------------------------

OWNER_MIX = {
    "old": [("elderly_alone", 11), ("elderly_couple", 24), ("couple", 9), ("couple_child", 20),
            ("couple_2children", 5), ("three_gen", 12), ("grandparents_grandchild", 8), ("single", 5),
            ("parent_child", 6)],
    "mixed": [("elderly_alone", 6), ("elderly_couple", 14), ("couple", 14), ("couple_child", 31),
              ("couple_2children", 8), ("three_gen", 10), ("grandparents_grandchild", 4), ("single", 7),
              ("parent_child", 6)],
    "new": [("elderly_alone", 2), ("elderly_couple", 6), ("couple", 20), ("couple_child", 37),
            ("couple_2children", 11), ("three_gen", 9), ("grandparents_grandchild", 2), ("single", 8),
            ("parent_child", 5)],
}
RENTED_MIX = [("single", 36), ("couple", 28), ("couple_child", 24), ("co_tenants", 12)]


@dataclass
class _Member:
    relation: str
    age: int
    gender: str
    surname: str | None = None
    flags: list[str] = field(default_factory=list)


def _family(occupancy: str, profile: str, floor: int, names: Identities) -> list[ResidentPlan]:
    rng = names.rng
    mix = RENTED_MIX if occupancy == Occupancy.RENTED else OWNER_MIX[profile]
    kind = rng.choices([k for k, _ in mix], [w for _, w in mix])[0]
    if kind in ("elderly_alone", "elderly_couple") and floor >= 6 and rng.random() < 0.5:
        kind = "couple_child"   # people over seventy rarely choose the top floor of a walk-up
    members = _compose(kind, rng)
    if occupancy == Occupancy.RENTED and kind != "co_tenants":
        for m in members[1:]:
            if m.relation not in (Relation.SPOUSE, Relation.CHILD):
                m.relation = Relation.TENANT
    return _people(members, names)


def _other(gender: str) -> str:
    return "F" if gender == "M" else "M"


def _children(parent_age: int, n: int, rng: random.Random) -> list[_Member]:
    kids = []
    age = parent_age - rng.randint(23, 34)
    for _ in range(n):
        if age < 0:
            break
        kids.append(_Member(Relation.CHILD, age, rng.choice("MF")))
        age -= rng.randint(2, 7)
    return kids


def _compose(kind: str, rng: random.Random) -> list[_Member]:
    def couple(lo: int, hi: int) -> list[_Member]:
        head_gender = "M" if rng.random() < 0.72 else "F"
        age = rng.randint(lo, hi)
        spouse_age = max(20, age + rng.randint(-6, 3) * (1 if head_gender == "M" else -1))
        return [_Member(Relation.SELF, age, head_gender), _Member(Relation.SPOUSE, spouse_age, _other(head_gender))]

    if kind == "elderly_alone":
        head = _Member(Relation.SELF, rng.randint(68, 92), "F" if rng.random() < 0.65 else "M",
                       flags=[CareFlag.ELDERLY_ALONE])
        if rng.random() < 0.12:
            head.flags.append(CareFlag.LOW_INCOME)
            if rng.random() < 0.4:
                head.flags.append(CareFlag.SPECIAL_NEEDS)
        return [head]
    if kind == "elderly_couple":
        return couple(62, 88)
    if kind == "couple":
        return couple(24, 60)
    if kind == "couple_child":
        members = couple(28, 55)
        return members + _children(min(m.age for m in members), 1, rng)
    if kind == "couple_2children":
        members = couple(32, 52)
        return members + _children(min(m.age for m in members), 2, rng)
    if kind == "three_gen":
        members = couple(32, 56)
        head = members[0]
        members += _children(min(m.age for m in members), 2 if rng.random() < 0.3 else 1, rng)
        parents = [rng.choice("MF")] if rng.random() < 0.7 else ["M", "F"]
        for gender in parents:
            age = head.age + rng.randint(22, 33)
            if age <= 96:
                members.append(_Member(Relation.PARENT, age, gender))
        return members
    if kind == "grandparents_grandchild":
        members = couple(56, 72)
        age = min(m.age for m in members) - rng.randint(46, 60)
        if age >= 2:
            child = _Member(Relation.GRANDCHILD, age, rng.choice("MF"))
            if age < 16 and rng.random() < 0.6:
                child.flags.append(CareFlag.LEFT_BEHIND_CHILD)
            members.append(child)
        return members
    if kind == "single":
        return [_Member(Relation.SELF, rng.randint(22, 48), rng.choice("MF"))]
    if kind == "parent_child":
        head = _Member(Relation.SELF, rng.randint(32, 56), "F" if rng.random() < 0.65 else "M")
        return [head] + _children(head.age, 1, rng)
    if kind == "co_tenants":
        return [_Member(Relation.SELF, rng.randint(20, 35), rng.choice("MF"))] + [
            _Member(Relation.TENANT, rng.randint(20, 35), rng.choice("MF")) for _ in range(rng.choice((1, 1, 2)))
        ]
    raise ValueError(kind)  # pragma: no cover


def _people(members: list[_Member], names: Identities) -> list[ResidentPlan]:
    rng = names.rng
    head = members[0]
    spouse = next((m for m in members if m.relation == Relation.SPOUSE), None)
    head.surname = names.surname()
    if spouse is not None:
        spouse.surname = names.surname()
    # Children mostly take the father's surname; a single mother's child may carry an absent father's.
    if head.gender == "M":
        paternal = head.surname
    elif spouse is not None:
        paternal = spouse.surname
    else:
        paternal = head.surname if rng.random() < 0.5 else names.surname()
    for m in members:
        if m.relation in (Relation.CHILD, Relation.GRANDCHILD):
            mother = head if head.gender == "F" else spouse
            m.surname = mother.surname if mother is not None and rng.random() < 0.05 else paternal
        elif m.relation == Relation.PARENT and m.gender == "M":
            m.surname = head.surname
        # Veterans and the disabled are spread over the adults.
        if m.gender == "M" and 45 <= m.age <= 80 and rng.random() < 0.04:
            m.flags.append(CareFlag.VETERAN)
        if m.age >= 18 and rng.random() < 0.015:
            m.flags.append(CareFlag.DISABLED)
    residents = []
    for m in members:
        birth = names.birth_date(m.age, REFERENCE_DATE)
        phone = ""
        if m.age >= 16 and rng.random() < (0.6 if m.age >= 80 else 0.96):
            phone = names.phone()
        party = m.age >= 18 and rng.random() < _party_rate(m.age)
        residents.append(ResidentPlan(
            name=names.name(m.gender, birth.year, m.surname),
            id_number=names.id_number(birth, m.gender),
            phone=phone,
            relation=m.relation,
            gender=m.gender,
            age=m.age,
            care_flags=list(dict.fromkeys(m.flags)),
            is_party_member=party,
        ))
    return residents


def _party_rate(age: int) -> float:
    if age < 30:
        return 0.04
    if age < 45:
        return 0.08
    if age < 60:
        return 0.11
    return 0.14


# -- organisations, people and duties --------------------------------------------------------------------

ROLE_EN = {
    Role.TWO_COMMITTEE_MEMBER: "two-committee member",
    Role.GRID_LEADER: "grid leader",
    Role.GRID_MEMBER: "grid member",
    Role.MICRO_GRID_MEMBER: "micro-grid member",
    Role.BUILDING_STEWARD: "building steward",
    Role.INFORMATION_OFFICER: "information officer",
    Role.PROPERTY_SUPERVISOR: "property-service supervisor",
    Role.PROPERTY_STAFF: "property staff",
    Role.JOINT_UNIT_LIAISON: "joint-unit liaison",
    Role.RESIDENT_REPRESENTATIVE: "resident representative",
    Role.PARTY_BUILDING_HEAD: "party-member building head",
}


class _Staff:
    """Fills in the organisations and who serves where, choosing people from the plan's residents."""

    def __init__(self, plan: Plan, names: Identities, rng: random.Random):
        self.plan = plan
        self.names = names
        self.rng = rng
        self.taken: set[str] = set()   # ID numbers of residents who already are a person
        self.keys: set[str] = set()
        self.featured: dict[str, str] = {}   # what the logins point at: label → person key

    # -- helpers ----------------------------------------------------------------------------------
    def org(self, key: str, name: str, kind: str, grid: str, parent: str | None = None) -> str:
        self.plan.organisations.append(OrganisationPlan(key, name, kind, grid, parent))
        return key

    def outsider(self, key: str, grid: str, *, age: tuple[int, int] = (28, 55)) -> str:
        """A person who works here but is not registered as a resident of the demo."""
        gender = self.rng.choice("MF")
        birth_year = REFERENCE_DATE.year - self.rng.randint(*age)
        self._add(PersonPlan(key, self.names.name(gender, birth_year), self.names.phone(), grid))
        return key

    def from_resident(self, key: str, resident: ResidentPlan, grid: str) -> str:
        self.taken.add(resident.id_number)
        self._add(PersonPlan(key, resident.name, resident.phone, grid, resident=resident.id_number))
        return key

    def _add(self, person: PersonPlan) -> None:
        if person.key in self.keys:
            raise ValueError(f"duplicate person key {person.key}")  # pragma: no cover
        self.keys.add(person.key)
        self.plan.persons.append(person)

    def pick(self, grid: GridPlan, *, party: str | None = None, lo: int = 28, hi: int = 68,
             head: bool = False) -> ResidentPlan:
        """An active resident below `grid`: aged lo..hi, reachable by phone, not yet serving.

        party="yes": a party member (one is made a party member when nobody there is); "prefer": a party
        member when there is one; "no": preferably not a party member; None: anyone."""
        pool = [r for r in grid.residents() if lo <= r.age <= hi and r.phone and r.id_number not in self.taken
                and (not head or r.relation == Relation.SELF)]
        members = [r for r in pool if r.is_party_member]
        if party in ("yes", "prefer") and members:
            return self.rng.choice(members)
        if party == "no":
            pool = [r for r in pool if not r.is_party_member] or pool
        chosen = self.rng.choice(pool)
        if party == "yes":
            chosen.is_party_member = True
        return chosen

    def member(self, person: str, organisation: str, post: str = "", party: bool = False) -> None:
        self.plan.memberships.append(MembershipPlan(person, organisation, post, party))

    def duty(self, person: str, role: str, grid: str, organisation: str | None = None, note: str = "") -> None:
        self.plan.duties.append(DutyPlan(person, role, grid, organisation, note))

    # -- the subdistrict's own organisations --------------------------------------------------------
    def subdistrict_units(self) -> None:
        self.org("office", "城西街道办事处", Kind.SUBDISTRICT_OFFICE, SUBDISTRICT_CODE)
        self.org("police", "平遥县公安局城西派出所", Kind.POLICE_STATION, SUBDISTRICT_CODE)
        self.org("housing", "平遥县住房和城乡建设管理局", Kind.HOUSING_BUREAU, DISTRICT_CODE)
        self.org("fire", "平遥县消防救援大队城西消防救援站", Kind.FIRE_BRIGADE, SUBDISTRICT_CODE)

    # -- one community ----------------------------------------------------------------------------
    def community(self, spec: CommunitySpec) -> None:
        plan = self.plan
        node = plan.grid(spec.code)
        areas = node.children
        estates = [e for a in areas for e in a.children]
        c = spec.code
        committee = self.org(f"{c}:committee", f"{spec.name}党委", Kind.COMMUNITY_PARTY_COMMITTEE, c)
        groups = [
            self.org(f"{a.code}:group", f"{a.name}党小组", Kind.GRID_PARTY_GROUP, a.code, parent=committee)
            for a in areas
        ]
        residents_committee = self.org(f"{c}:rc", f"{spec.name}居民委员会", Kind.RESIDENTS_COMMITTEE, c)
        party_org = None
        if spec.property_party_org:
            # The third level of the party organisation (社区党委 → 网格党小组 → 物业企业党组织): the property
            # company's branch sits under the party group of the area grid where its office is.
            party_org = self.org(f"{c}:ppo", spec.property_party_org, Kind.PROPERTY_PARTY_ORG, c, parent=groups[0])
        company = self.org(f"{c}:company", spec.property_company, Kind.PROPERTY_COMPANY, c)

        # Two committees (两委). Their two_committee_member duties come first, so that the grid-leader
        # duties assigned next make them property-service supervisors too (网格长兼任物业服务监督员).
        secretary = self.outsider(f"{c}:secretary", c, age=(40, 55))
        self.member(secretary, committee, "党委书记", party=True)
        self.member(secretary, residents_committee, "居委会主任", party=True)
        self.duty(secretary, Role.TWO_COMMITTEE_MEMBER, c, committee, "书记、主任“一肩挑”")
        leaders = []
        for n, area in enumerate(areas):
            leader = self.outsider(f"{area.code}:leader", c, age=(32, 54))
            self.member(leader, committee, "党委副书记" if n == 0 else "党委委员", party=True)
            self.member(leader, residents_committee, "居委会委员", party=True)
            self.duty(leader, Role.TWO_COMMITTEE_MEMBER, c, committee)
            leaders.append(leader)
        if spec.featured:
            deputy = self.outsider(f"{c}:deputy", c, age=(35, 50))
            self.member(deputy, residents_committee, "居委会副主任")
            self.duty(deputy, Role.TWO_COMMITTEE_MEMBER, c, residents_committee)
            clerk = self.outsider(f"{c}:clerk", c, age=(26, 40))
            self.member(clerk, committee, "党委委员（纪检）", party=True)
            self.member(clerk, residents_committee, "居委会委员", party=True)
            self.duty(clerk, Role.TWO_COMMITTEE_MEMBER, c, committee)
            self.featured.update(secretary=secretary, gridleader=leaders[0])
        for leader, area, group in zip(leaders, areas, groups, strict=True):
            self.member(leader, group, "组长", party=True)
            self.duty(leader, Role.GRID_LEADER, area.code, group)

        group_of = {e.code: g for a, g in zip(areas, groups, strict=True) for e in a.children}

        # The property company: staff, its party members (who are all information officers), and the
        # grid members drawn from it.
        manager = self.outsider(f"{c}:manager", c, age=(38, 52))
        self.member(manager, company, "项目经理", party=party_org is not None)
        self.duty(manager, Role.PROPERTY_STAFF, c, company, "项目经理")
        grid_members: dict[str, str] = {}
        if party_org:
            self.member(manager, party_org, "支部书记", party=True)
            self.duty(manager, Role.INFORMATION_OFFICER, areas[0].code, party_org)
            service = self.outsider(f"{c}:service", c, age=(28, 45))
            self.member(service, company, "客服主管", party=True)
            self.member(service, party_org, "党员", party=True)
            self.duty(service, Role.PROPERTY_STAFF, c, company, "客服主管")
            self.duty(service, Role.INFORMATION_OFFICER, areas[1].code, party_org)
            self.featured["officer"] = manager
            # "6 party members chosen from active residents and from property staff" (3 + 3).
            for estate in estates[1::2]:
                key = self.outsider(f"{estate.code}:steward", c, age=(30, 50))
                self.member(key, company, "楼栋管家", party=True)
                self.member(key, party_org, "党员", party=True)
                self.member(key, group_of[estate.code], "党员", party=True)
                self.duty(key, Role.PROPERTY_STAFF, estate.code, company)
                self.duty(key, Role.INFORMATION_OFFICER, estate.code, party_org)
                grid_members[estate.code] = key
        for n, estate in enumerate(estates):
            posts = ("保安", "保洁员", "维修工")
            key = self.outsider(f"{estate.code}:staff", c, age=(25, 58))
            self.member(key, company, posts[n % len(posts)])
            self.duty(key, Role.PROPERTY_STAFF, estate.code, company, posts[n % len(posts)])

        for estate in estates:
            if estate.code in grid_members:
                key = grid_members[estate.code]
            else:
                resident = self.pick(estate, party="yes" if spec.featured else None, lo=32, hi=62)
                key = self.from_resident(f"{estate.code}:gridmember", resident, estate.code)
                if resident.is_party_member:
                    self.member(key, group_of[estate.code], "党员", party=True)
                grid_members[estate.code] = key
                if spec.featured and "gridmember" not in self.featured:
                    self.featured["gridmember"] = key
            self.duty(key, Role.GRID_MEMBER, estate.code, group_of[estate.code])
            if spec.featured:
                self.duty(key, Role.BUILDING_STEWARD, estate.code, company if key.endswith(":steward") else None)

        # One micro-grid member per micro-grid, from the party members or active residents living there.
        for estate in estates:
            for micro in estate.children:
                resident = self.pick(micro, party="prefer" if self.rng.random() < 0.6 else None)
                key = self.from_resident(f"{micro.code}:micro", resident, micro.code)
                self.duty(key, Role.MICRO_GRID_MEMBER, micro.code, residents_committee)
                if resident.is_party_member:
                    self.member(key, group_of[estate.code], "党员", party=True)
                if spec.featured and "microgrid" not in self.featured:
                    self.featured["microgrid"] = key
                    self.featured["microgrid_grid"] = micro.code

        # Party-member building heads and resident representatives.
        for area, group in zip(areas, groups, strict=True):
            for n in range(2 if spec.featured else 0):
                micro = self.rng.choice(area.micro_grids())
                resident = self.pick(micro, party="yes", lo=45, hi=75)
                key = self.from_resident(f"{area.code}:head{n}", resident, micro.code)
                self.member(key, group, "党员", party=True)
                self.duty(key, Role.PARTY_BUILDING_HEAD, micro.code, group)
            for n in range(2 if spec.featured else 1):
                resident = self.pick(area, lo=35, hi=72, head=True)
                key = self.from_resident(f"{area.code}:rep{n}", resident, area.code)
                self.duty(key, Role.RESIDENT_REPRESENTATIVE, area.code, residents_committee)

        # Joint units (共驻共建单位) send liaisons to the community.
        units = [("police", "社区民警"), ("housing", "联络员"), ("fire", "联络员")] if spec.featured else [
            ("police", "社区民警")]
        for unit, post in units:
            key = self.outsider(f"{c}:{unit}", c, age=(28, 50))
            self.member(key, unit, post, party=True)
            self.duty(key, Role.JOINT_UNIT_LIAISON, c, unit, post)
            if spec.featured and unit == "police":
                self.featured["police"] = key

        if spec.featured:
            # A resident with a login and no duty, living in the `microgrid` login's micro-grid.
            micro = plan.grid(self.featured["microgrid_grid"])
            resident = self.pick(micro, lo=25, hi=70, head=True, party="no")
            self.featured["resident"] = self.from_resident(f"{c}:resident", resident, micro.code)

    # -- logins ----------------------------------------------------------------------------------------
    def logins(self) -> None:
        f = self.featured
        self._add(PersonPlan("admin", "系统管理员"))
        leader_area = f"{FEATURED_CODE}001"
        resident = next(p for p in self.plan.persons if p.key == f["resident"])
        officer_grid = next(d.grid for d in self.plan.duties
                            if d.person == f["officer"] and d.role == Role.INFORMATION_OFFICER)
        gridmember_grid = next(d.grid for d in self.plan.duties
                               if d.person == f["gridmember"] and d.role == Role.GRID_MEMBER)
        self.plan.logins = [
            LoginPlan("admin", "admin", "系统管理员", "administrator", is_superuser=True),
            LoginPlan("gridleader", f["gridleader"], "网格长（兼社区两委成员、物业服务监督员）",
                      "grid leader (also two-committee member and property-service supervisor)", leader_area),
            LoginPlan("microgrid", f["microgrid"], "微网格员", "micro-grid member", f["microgrid_grid"]),
            LoginPlan("resident", f["resident"], "居民", "resident", resident.grid),
            LoginPlan("secretary", f["secretary"], "社区党委书记、居委会主任（两委成员）",
                      "community party secretary and residents' committee director (two-committee member)",
                      FEATURED_CODE),
            LoginPlan("gridmember", f["gridmember"], "网格员、楼栋管家（党员）",
                      "grid member and building steward (party member)", gridmember_grid),
            LoginPlan("officer", f["officer"], "信息员（物业企业党支部书记）",
                      "information officer (party secretary of the property company)", officer_grid),
            LoginPlan("police", f["police"], "共建单位联络员（社区民警）",
                      "joint-unit liaison (community police officer)", FEATURED_CODE),
            # Made by the gate-duty loader (demo/gates.py) with the guards it hires.
            LoginPlan("guard", "", "门岗保安（物业服务人员）", "gate guard (property staff)"),
        ]
