"""Planning a household import: resolve every parsed row to its unit, group the rows into households,
and compare them with what the registry holds — what would be created, updated or left unchanged, and
every error. Planning only reads, with a handful of bulk queries whatever the size of the file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
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

    @property
    def bad(self) -> bool:
        return any(r.errors for r in self.rows)


@dataclass
class Plan:
    table: Table
    households: list[HouseholdPlan]
    loose: list[Row]  # rows whose household could not be resolved

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


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Places:
    """The estates, buildings and units under the target grid that the file names, loaded in bulk."""

    def __init__(self, grid: GridNode, rows: list[Row]):
        self.grid = grid
        names = {v for r in rows for v in _variants(r.building, BUILDING_SUFFIXES)}
        in_grid = Q(estate_grid__path__startswith=grid.path) | Q(units__micro_grid__path__startswith=grid.path)
        buildings = Building.objects.filter(in_grid, name__in=names).select_related("estate_grid").distinct()
        self.buildings: dict[str, list[Building]] = {}
        for b in buildings:
            self.buildings.setdefault(b.name, []).append(b)
        self.units: dict[tuple[int, str], Unit] = {}
        building_ids = [b.pk for bs in self.buildings.values() for b in bs]
        for chunk in _chunks(building_ids):
            for u in Unit.objects.filter(building_id__in=chunk).select_related("micro_grid"):
                self.units[(u.building_id, u.name)] = u
        # Estates the 小区 column may name: those under the grid, or the one above a micro-grid.
        estates = GridNode.objects.filter(
            Q(path__startswith=grid.path) | Q(pk__in=grid.ancestor_ids()), level=Level.ESTATE_GRID
        ).values_list("name", "code")
        self.estate_words = {w for pair in estates for w in pair}

    def building(self, row: Row) -> Building | None:
        found: list[Building] = []
        for name in _variants(row.building, BUILDING_SUFFIXES):
            found = self.buildings.get(name, [])
            if found:
                break
        if row.estate:
            if row.estate not in self.estate_words:
                row.error(ESTATE, f"未找到小区“{row.estate}”")
                return None
            found = [b for b in found if row.estate in (b.estate_grid.name, b.estate_grid.code)]
            if not found:
                row.error(BUILDING, f"未找到楼栋“{row.building}”（{row.estate}）")
                return None
        if not found:
            row.error(BUILDING, f"未找到楼栋“{row.building}”")
            return None
        if len(found) > 1:
            estates = "、".join(sorted(b.estate_grid.name for b in found))
            row.error(BUILDING, f"楼栋“{row.building}”在多个小区中都有（{estates}），请填写“小区”列")
            return None
        return found[0]

    def unit(self, row: Row, building: Building) -> Unit | None:
        unit = None
        for name in _variants(row.unit, UNIT_SUFFIXES):
            unit = self.units.get((building.pk, name))
            if unit is not None:
                break
        if unit is None:
            row.error(UNIT, f"未找到单元“{row.unit}”（{building.name}）")
            return None
        unit_grid = unit.micro_grid or building.estate_grid
        if not unit_grid.path.startswith(self.grid.path):
            row.error(UNIT, f"{building.name}{unit.name}不在网格“{self.grid.name}”内")
            return None
        return unit


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
    existing_households: dict[tuple[int, str], Household] = {}
    for chunk in _chunks(sorted({unit_id for unit_id, _ in households})):
        for h in Household.objects.filter(unit_id__in=chunk):
            if (h.unit_id, h.room) in households:
                existing_households[(h.unit_id, h.room)] = h
    ids = [r.person["id_number"] for r in rows if r.person is not None]
    residents: dict[str, Resident] = {}
    for chunk in _chunks(ids):
        for r in Resident.objects.filter(id_number__in=chunk):
            residents[r.id_number] = r
    # Residents registered in households the file does not name: load those households' addresses
    # (for the error message) in bulk rather than one query per row.
    known = {h.pk for h in existing_households.values()}
    elsewhere = sorted({r.household_id for r in residents.values()} - known)
    for chunk in _chunks(elsewhere):
        by_id = Household.objects.select_related("unit__building__estate_grid").in_bulk(chunk)
        for r in residents.values():
            if r.household_id in by_id:
                r.household = by_id[r.household_id]
    heads: dict[int, list[Resident]] = {}
    for chunk in _chunks([h.pk for h in existing_households.values()]):
        for r in Resident.objects.filter(household_id__in=chunk, relation=Relation.SELF, left_at__isnull=True):
            heads.setdefault(r.household_id, []).append(r)

    for key, plan in households.items():
        plan.existing = existing_households.get(key)
        _plan_household(plan, residents, heads.get(plan.existing.pk, []) if plan.existing else [])
    if progress:
        progress(ImportStage.CHECK, total, total)
    return Plan(table=table, households=list(households.values()), loose=loose)


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
        _check_model(row, Resident(id_number=person["id_number"], **values), exclude=["household"])

    if plan.existing is None:
        if plan.floor is not None:
            occupancy = plan.occupancy or Occupancy.OWNER
            candidate = Household(unit=plan.unit, floor=plan.floor, room=plan.room, occupancy=occupancy)
            _check_model(plan.rows[0], candidate, exclude=["unit"])
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


def _check_model(row: Row, obj, *, exclude: list[str]) -> None:
    """full_clean() an unsaved object holding a row's values, without queries (uniqueness, constraints
    and foreign keys are checked by the plan itself)."""
    try:
        obj.full_clean(exclude=[*exclude, "subdistrict"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                row.error(FIELD_COLUMNS.get(name, name), str(message))
