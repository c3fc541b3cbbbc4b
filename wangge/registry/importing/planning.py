"""Planning a household import: resolve every parsed row to its unit, group the rows into households,
and compare them with what the registry holds — what would be created, updated or left unchanged, and
every error. Planning only reads, with a handful of bulk queries whatever the size of the file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q

from wangge.core.errors import FieldError
from wangge.people.access import EDIT_REGISTRY, Scope, require

from ..models import Building, GridNode, Household, ImportStage, Level, Occupancy, Relation, Resident, Unit
from .format import (
    BUILDING,
    BUILDING_SUFFIXES,
    ESTATE,
    EXPORT_COLUMNS,
    FIELD_COLUMNS,
    FLOOR,
    ID_NUMBER,
    OCCUPANCY,
    RELATION,
    UNIT,
    UNIT_SUFFIXES,
)
from .reading import Table
from .reports import PROGRESS_EVERY, ImportReport, ImportRowError, Progress
from .rows import Row, parse_row

# The resident fields an import sets (besides id_number, which identifies the resident).
RESIDENT_FIELDS = ("name", "phone", "relation", "care_flags", "is_party_member", "gender", "birth_date")


@dataclass
class HouseholdPlan:
    unit: Unit
    room: str
    existing: Household | None
    rows: list[Row] = field(default_factory=list)
    floor: int | None = None
    floor_row: int | None = None
    occupancy: str | None = None
    occupancy_row: int | None = None
    head_row: int | None = None
    changes: dict = field(default_factory=dict)
    new: Household | None = None  # the household to create, as checked

    @property
    def bad(self) -> bool:
        return any(r.errors for r in self.rows)


@dataclass
class _Basis:
    """The registry rows a plan was made from (see `_registry_state`), and how to load them again."""

    grid: GridNode
    names: set[str]  # building names (and their variants) the file names
    building_ids: list[int]
    keys: set[tuple[int, str]]  # (unit id, room) of the file's households
    ids: list[str]  # the file's ID numbers
    household_ids: list[int]  # the registered households among them
    state: tuple

    def holds(self) -> bool:
        """Whether the registry still holds what the plan was made from: a handful of bulk queries, no
        parsing or checking of rows."""
        places = _places_state(self.grid, self.names, self.building_ids)
        return self.state == (places, _registry_state(self.keys, self.ids, self.household_ids))


@dataclass
class Plan:
    table: Table
    households: list[HouseholdPlan]
    loose: list[Row]  # rows whose household could not be resolved
    basis: _Basis | None = None

    def still_holds(self, grid: GridNode) -> bool:
        """Whether the plan was made for `grid` and nothing it depends on has changed in the registry since."""
        return self.basis is not None and self.basis.grid == grid and self.basis.holds()

    @property
    def errors(self) -> list[FieldError]:
        rows = [r for h in self.households for r in h.rows] + self.loose
        order = {c: i for i, c in enumerate(EXPORT_COLUMNS)}
        errors = [e for r in rows for e in r.errors]
        return sorted(errors, key=lambda e: (e.row or 0, order.get(e.field, 99)))

    @property
    def good(self) -> list[HouseholdPlan]:
        return [h for h in self.households if not h.bad]

    @property
    def good_rows(self) -> int:
        """The rows an import would write."""
        return sum(len(h.rows) for h in self.good)

    def check(self, *, skip_invalid: bool) -> None:
        """Raise ImportRowError (nothing written) when rows are wrong, unless the bad households are to be
        skipped."""
        if self.errors and not skip_invalid:
            raise ImportRowError(self.report(written=False))

    def report(self, *, written: bool) -> ImportReport:
        report = ImportReport(total_rows=len(self.table.rows), errors=self.errors, written=written)
        if written:
            for household in self.good:
                report.households.count(household.existing, household.changes)
                for row in household.rows:
                    if row.person is not None:
                        report.residents.count(row.resident, row.changes)
            bad_rows = [r.row for h in self.households if h.bad for r in h.rows] + [r.row for r in self.loose]
            report.skipped_rows = sorted(bad_rows)
        return report


def _variants(value: str, suffixes: tuple[str, ...]) -> list[str]:
    """'1' also means '1单元' / '1号楼': offices often type the number alone."""
    return [value, *(value + s for s in suffixes)] if value.isdigit() else [value]


def _chunks(items: list) -> Iterator[list]:
    """`items` in slices small enough for one `__in` lookup (SQLite takes 999 parameters a query)."""
    limit = connection.features.max_query_params
    size = 5000 if limit is None else min(5000, limit // 2)
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Places:
    """The estates, buildings and units under the target grid that the file names, loaded in bulk. A file
    names the same few places on many rows: each (estate, building) and (building, unit) is resolved once
    and the answer — the place, or the error — reused for every row naming it."""

    def __init__(self, grid: GridNode, rows: list[Row]):
        self.grid = grid
        self.names = names = {v for r in rows for v in _variants(r.building, BUILDING_SUFFIXES)}
        self.buildings: dict[str, list[Building]] = {}
        # The same, by (estate name or code, building name): the 小区 column picks among them.
        self.estate_buildings: dict[tuple[str, str], list[Building]] = {}
        for b in _buildings(grid, names):
            self.buildings.setdefault(b.name, []).append(b)
            for word in dict.fromkeys((b.estate_grid.name, b.estate_grid.code)):
                self.estate_buildings.setdefault((word, b.name), []).append(b)
        by_id = {b.pk: b for bs in self.buildings.values() for b in bs}
        self.units: dict[tuple[int, str], Unit] = {}
        for chunk in _chunks(list(by_id)):
            for u in Unit.objects.filter(building_id__in=chunk).select_related("micro_grid").defer(
                "micro_grid__boundary"
            ):
                u.building = by_id[u.building_id]  # already loaded, with its estate grid
                self.units[(u.building_id, u.name)] = u
        self.estates = _estates(grid)
        # Estates the 小区 column may name: those under the grid, or the one above a micro-grid.
        self.estate_words = {w for pair in self.estates for w in pair[1:]}
        self._building_answers: dict[tuple[str, str], Building | tuple[str, str]] = {}
        self._unit_answers: dict[tuple[int, str], Unit | tuple[str, str]] = {}

    def state(self) -> tuple:
        """What the resolution of places depended on, comparable with `_places_state()`."""
        buildings = sorted(_building_state(b) for bs in self.buildings.values() for b in bs)
        units = sorted(_unit_state(u) for u in self.units.values())
        return buildings, units, sorted(self.estates)

    def building(self, row: Row) -> Building | None:
        key = (row.estate, row.building)
        answer = self._building_answers.get(key)
        if answer is None:
            answer = self._building_answers[key] = self._resolve_building(row.estate, row.building)
        if isinstance(answer, tuple):
            row.error(*answer)
            return None
        return answer

    def _resolve_building(self, estate: str, building: str) -> Building | tuple[str, str]:
        found: list[Building] = []
        for name in _variants(building, BUILDING_SUFFIXES):
            found = self.buildings.get(name, [])
            if found:
                break
        if estate:
            if estate not in self.estate_words:
                return ESTATE, f"未找到小区“{estate}”"
            found = self.estate_buildings.get((estate, found[0].name), []) if found else []
            if not found:
                return BUILDING, f"未找到楼栋“{building}”（{estate}）"
        if not found:
            return BUILDING, f"未找到楼栋“{building}”"
        if len(found) > 1:
            estates = "、".join(sorted(b.estate_grid.name for b in found))
            return BUILDING, f"楼栋“{building}”在多个小区中都有（{estates}），请填写“小区”列"
        return found[0]

    def unit(self, row: Row, building: Building) -> Unit | None:
        key = (building.pk, row.unit)
        answer = self._unit_answers.get(key)
        if answer is None:
            answer = self._unit_answers[key] = self._resolve_unit(row.unit, building)
        if isinstance(answer, tuple):
            row.error(*answer)
            return None
        return answer

    def _resolve_unit(self, name: str, building: Building) -> Unit | tuple[str, str]:
        unit = None
        for variant in _variants(name, UNIT_SUFFIXES):
            unit = self.units.get((building.pk, variant))
            if unit is not None:
                break
        if unit is None:
            return UNIT, f"未找到单元“{name}”（{building.name}）"
        unit_grid = unit.micro_grid or building.estate_grid
        if not unit_grid.path.startswith(self.grid.path):
            return UNIT, f"{building.name}{unit.name}不在网格“{self.grid.name}”内"
        return unit


# -- the registry rows a plan depends on ---------------------------------------------------------------
# A plan is made outside the write transaction (see the package docstring). Inside it, the import loads
# again, as plain values, the rows the plan was made from and compares them with what the plan saw: when
# nothing changed, the plan still holds; otherwise the import plans again. Each `_*_state` function and
# the query beside it list the same values.

_BUILDING_VALUES = ("id", "name", "floors", "estate_grid_id", "estate_grid__path", "estate_grid__name",
                    "estate_grid__code")
_UNIT_VALUES = ("id", "building_id", "name", "micro_grid_id", "micro_grid__path")
_HOUSEHOLD_VALUES = ("id", "unit_id", "room", "floor", "occupancy")
_RESIDENT_VALUES = ("id", "id_number", "household_id", "left_at", *RESIDENT_FIELDS)
_HEAD_VALUES = ("id", "household_id", "id_number", "name")


def _buildings(grid: GridNode, names: set[str]):
    in_grid = Q(estate_grid__path__startswith=grid.path) | Q(units__micro_grid__path__startswith=grid.path)
    buildings = Building.objects.filter(in_grid, name__in=names).select_related("estate_grid")
    return buildings.defer("estate_grid__boundary").distinct()


def _estates(grid: GridNode) -> list[tuple]:
    return list(
        GridNode.objects.filter(
            Q(path__startswith=grid.path) | Q(pk__in=grid.ancestor_ids()), level=Level.ESTATE_GRID
        ).values_list("pk", "name", "code")
    )


def _building_state(b: Building) -> tuple:
    return b.pk, b.name, b.floors, b.estate_grid_id, b.estate_grid.path, b.estate_grid.name, b.estate_grid.code


def _unit_state(u: Unit) -> tuple:
    return u.pk, u.building_id, u.name, u.micro_grid_id, u.micro_grid.path if u.micro_grid else None


def _household_state(h: Household) -> tuple:
    return tuple(getattr(h, name) for name in _HOUSEHOLD_VALUES)


def _resident_state(r: Resident) -> tuple:
    return tuple(getattr(r, name) for name in _RESIDENT_VALUES)


def _head_state(r: Resident) -> tuple:
    return tuple(getattr(r, name) for name in _HEAD_VALUES)


def _places_state(grid: GridNode, names: set[str], building_ids: list[int]) -> tuple:
    buildings = sorted(_buildings(grid, names).values_list(*_BUILDING_VALUES))
    units = []
    for chunk in _chunks(building_ids):
        units += Unit.objects.filter(building_id__in=chunk).values_list(*_UNIT_VALUES)
    return buildings, sorted(units), sorted(_estates(grid))


@dataclass
class _Registry:
    """What the database holds for the households and residents a file names."""

    households: dict[tuple[int, str], Household]  # by (unit id, room), only those the file names
    residents: dict[str, Resident]  # by ID number, only those the file names
    heads: dict[int, list[Resident]]  # current heads of the households above, by household id

    def state(self) -> tuple:
        return (
            sorted(_household_state(h) for h in self.households.values()),
            sorted(_resident_state(r) for r in self.residents.values()),
            sorted(_head_state(r) for hs in self.heads.values() for r in hs),
        )


def _load_registry(keys: set[tuple[int, str]], ids: list[str]) -> _Registry:
    households: dict[tuple[int, str], Household] = {}
    for chunk in _chunks(sorted({unit_id for unit_id, _ in keys})):
        for h in Household.objects.filter(unit_id__in=chunk):
            if (h.unit_id, h.room) in keys:
                households[(h.unit_id, h.room)] = h
    residents: dict[str, Resident] = {}
    for chunk in _chunks(ids):
        for r in Resident.objects.filter(id_number__in=chunk):
            residents[r.id_number] = r
    # Residents registered in households the file does not name: load those households' addresses
    # (for the error message) in bulk rather than one query per row.
    known = {h.pk for h in households.values()}
    elsewhere = sorted({r.household_id for r in residents.values()} - known)
    for chunk in _chunks(elsewhere):
        by_id = Household.objects.select_related("unit__building__estate_grid").in_bulk(chunk)
        for r in residents.values():
            if r.household_id in by_id:
                r.household = by_id[r.household_id]
    heads: dict[int, list[Resident]] = {}
    for chunk in _chunks(sorted(known)):
        for r in Resident.objects.filter(household_id__in=chunk, relation=Relation.SELF, left_at__isnull=True):
            heads.setdefault(r.household_id, []).append(r)
    return _Registry(households=households, residents=residents, heads=heads)


def _registry_state(keys: set[tuple[int, str]], ids: list[str], household_ids: list[int]) -> tuple:
    households = []
    for chunk in _chunks(sorted({unit_id for unit_id, _ in keys})):
        households += [
            h for h in Household.objects.filter(unit_id__in=chunk).values_list(*_HOUSEHOLD_VALUES)
            if (h[1], h[2]) in keys
        ]
    residents = []
    for chunk in _chunks(ids):
        residents += Resident.objects.filter(id_number__in=chunk).values_list(*_RESIDENT_VALUES)
    heads = []
    for chunk in _chunks(sorted(household_ids)):
        heads += Resident.objects.filter(
            household_id__in=chunk, relation=Relation.SELF, left_at__isnull=True
        ).values_list(*_HEAD_VALUES)
    return sorted(households), sorted(residents), sorted(heads)


def make_plan(*, scope: Scope, grid: GridNode, table: Table, progress: Progress | None) -> Plan:
    require(scope, EDIT_REGISTRY, grid)
    total = len(table.rows)
    rows: list[Row] = []
    for index, (number, cells) in enumerate(table.rows, start=1):
        rows.append(parse_row(number, cells, table))
        if progress and index % PROGRESS_EVERY == 0:
            progress(ImportStage.CHECK, index, total)

    # The same ID number twice in the file.
    first_row: dict[str, int] = {}
    for row in rows:
        if row.person is None:
            continue
        id_number = row.person["id_number"]
        if id_number in first_row:
            row.error(ID_NUMBER, f"与第{first_row[id_number]}行重复")
        else:
            first_row[id_number] = row.row

    # Resolve places and group rows into households.
    places = _Places(grid, [r for r in rows if r.building])
    households: dict[tuple[int, str], HouseholdPlan] = {}
    loose: list[Row] = []
    for row in rows:
        building = places.building(row) if row.building else None
        unit = places.unit(row, building) if building is not None and row.unit else None
        if unit is None or not row.room:
            loose.append(row)
            continue
        key = (unit.pk, row.room)
        if key not in households:
            households[key] = HouseholdPlan(unit=unit, room=row.room, existing=None)
        households[key].rows.append(row)

    # What the database already holds for them.
    ids = [r.person["id_number"] for r in rows if r.person is not None]
    registry = _load_registry(set(households), ids)
    for key, plan in households.items():
        plan.existing = registry.households.get(key)
        _plan_household(plan, registry.residents, registry.heads.get(plan.existing.pk, []) if plan.existing else [])
    if progress:
        progress(ImportStage.CHECK, total, total)
    basis = _Basis(
        grid=grid,
        names=places.names,
        building_ids=sorted(b.pk for bs in places.buildings.values() for b in bs),
        keys=set(households),
        ids=ids,
        household_ids=sorted(h.pk for h in registry.households.values()),
        state=(places.state(), registry.state()),
    )
    return Plan(table=table, households=list(households.values()), loose=loose, basis=basis)


def _plan_household(plan: HouseholdPlan, residents: dict[str, Resident], db_heads: list[Resident]) -> None:
    building = plan.unit.building
    file_ids = {r.person["id_number"] for r in plan.rows if r.person is not None}
    for row in plan.rows:
        if row.floor is not None:
            if plan.floor is None:
                plan.floor, plan.floor_row = row.floor, row.row
                if not -5 <= row.floor <= building.floors:
                    row.error(FLOOR, f"应在 -5 到 {building.floors} 之间（{building.name}共{building.floors}层）")
            elif row.floor != plan.floor:
                row.error(FLOOR, f"同一户的楼层与第{plan.floor_row}行不一致（{row.floor} ≠ {plan.floor}）")
        if row.occupancy is not None:
            if plan.occupancy is None:
                plan.occupancy, plan.occupancy_row = row.occupancy, row.row
            elif row.occupancy != plan.occupancy:
                row.error(OCCUPANCY, f"同一户的居住状态与第{plan.occupancy_row}行不一致")
        person = row.person
        if person is None or person.get("_invalid"):
            continue
        if person["relation"] == Relation.SELF:
            if plan.head_row is not None:
                row.error(RELATION, f"该户已有户主（第{plan.head_row}行）")
            else:
                plan.head_row = row.row
                others = [h for h in db_heads if h.id_number not in file_ids]
                if others:
                    row.error(RELATION, f"该户已有户主（{others[0].name}，已登记）")
        existing = residents.get(person["id_number"])
        if existing is not None and existing.left_at is not None:
            # The ID number stays reserved for a resident who left; bringing them back is a move, made
            # on the household page (registry.services.resident_move), not a side effect of an import.
            row.error(ID_NUMBER, f"该居民已于{existing.left_at:%Y-%m-%d}登记离开，如已回来请在住户页面迁入恢复登记")
            continue
        if existing is not None and (plan.existing is None or existing.household_id != plan.existing.pk):
            row.error(ID_NUMBER, f"已登记在{existing.household.masked_address}")
            continue
        row.resident = existing
        row.changes = _resident_changes(existing, person) if existing is not None else {}
        values = {name: person[name] for name in RESIDENT_FIELDS}
        if existing is not None and not person["_phone_given"]:
            values["phone"] = existing.phone
        candidate = Resident(id_number=person["id_number"], **values)
        _check_model(row, candidate, fields=("id_number", *RESIDENT_FIELDS))
        if existing is None:
            row.new = candidate  # written as it was checked (writing.py)

    if plan.existing is None:
        if plan.floor is not None:
            occupancy = plan.occupancy or Occupancy.OWNER
            candidate = Household(
                unit=plan.unit, floor=plan.floor, room=plan.room, occupancy=occupancy,
                subdistrict_id=plan.unit.subdistrict_id,
            )
            _check_model(plan.rows[0], candidate, fields=("floor", "room", "occupancy"))
            plan.new = candidate  # written as it was checked (writing.py)
    else:
        changes = {}
        if plan.floor is not None and plan.floor != plan.existing.floor:
            changes["floor"] = plan.floor
        if plan.occupancy is not None and plan.occupancy != plan.existing.occupancy:
            changes["occupancy"] = plan.occupancy
        plan.changes = changes


def _resident_changes(resident: Resident, person: dict) -> dict:
    changes = {}
    for name in RESIDENT_FIELDS:
        value = person[name]
        if name == "phone" and not person["_phone_given"]:
            continue  # a blank phone keeps the registered one
        current = getattr(resident, name)
        if name == "care_flags":
            if set(current or []) == set(value):
                continue
        elif current == value:
            continue
        changes[name] = value
    return changes


def _check_model(row: Row, obj, *, fields: tuple[str, ...]) -> None:
    """full_clean() the `fields` of an unsaved object holding a row's values, without queries (uniqueness,
    constraints and foreign keys are checked by the plan itself; the other fields are the import's own)."""
    try:
        obj.full_clean(exclude=_others(type(obj), fields), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                row.error(FIELD_COLUMNS.get(name, name), str(message))


@cache
def _others(model, fields: tuple[str, ...]) -> list[str]:
    return [f.name for f in model._meta.fields if f.name not in fields]
