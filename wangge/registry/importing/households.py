"""The household import services: check a table, import it, or read, check and import a file."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from wangge.core.errors import Conflict
from wangge.people.access import EDIT_REGISTRY, actor_scope, require

from ..models import GridNode, Household, ImportStage, Occupancy, Resident
from .planning import RESIDENT_FIELDS, HouseholdPlan, Plan, make_plan
from .reading import Table, read_table
from .reports import PROGRESS_EVERY, ImportReport, Progress
from .rows import Row


def households_check(*, actor, grid: GridNode, table: Table, progress: Progress | None = None) -> Plan:
    """Validate a table against the database without writing (see the package docstring)."""
    return make_plan(scope=actor_scope(actor), grid=grid, table=table, progress=progress)


@transaction.atomic
def households_import(
    *, actor, grid: GridNode, table: Table, skip_invalid: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Create and update the households and residents of `table` under `grid`. Raises ImportRowError
    (nothing written) when a row is wrong, unless `skip_invalid`: then the households without errors
    are written and the others reported."""
    plan = make_plan(scope=actor_scope(actor), grid=grid, table=table, progress=None)
    plan.check(skip_invalid=skip_invalid)
    total = plan.good_rows
    done = 0
    for household_plan in plan.good:
        household = _write_household(household_plan)
        for row in household_plan.rows:
            if row.person is not None:
                _write_resident(row, household)
        before = done
        done += len(household_plan.rows)
        if progress and done // PROGRESS_EVERY != before // PROGRESS_EVERY:
            progress(ImportStage.WRITE, done, total)
    if progress:
        progress(ImportStage.WRITE, total, total)
    return plan.report(written=True)


def _write_household(plan: HouseholdPlan) -> Household:
    if plan.existing is None:
        household = Household(
            unit=plan.unit,
            floor=plan.floor,
            room=plan.room,
            occupancy=plan.occupancy or Occupancy.OWNER,
            subdistrict_id=plan.unit.subdistrict_id,
        )
        household.save()
        return household
    household = plan.existing
    if plan.changes:
        for name, value in plan.changes.items():
            setattr(household, name, value)
        household.save(update_fields=[*plan.changes, "updated_at"])
    return household


def _write_resident(row: Row, household: Household) -> None:
    person = row.person
    if row.resident is None:
        resident = Resident(
            household=household,
            subdistrict_id=household.subdistrict_id,
            id_number=person["id_number"],
            **{name: person[name] for name in RESIDENT_FIELDS},
        )
        resident.save()
        return
    if row.changes:
        resident = row.resident
        for name, value in row.changes.items():
            setattr(resident, name, value)
        fields = [*row.changes, "updated_at"]
        if "name" in row.changes:
            fields.append("search_text")
        resident.save(update_fields=fields)


def households_import_file(
    *,
    actor,
    grid: GridNode,
    data: bytes,
    file_name: str,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Read, check and import a file. Raises InvalidInput (field "file") for a file that cannot be read,
    ImportRowError when rows are wrong and nothing was written, NotFound/PermissionDenied for the grid."""
    require(actor_scope(actor), EDIT_REGISTRY, grid)
    table = read_table(data=data, file_name=file_name, progress=progress)
    plan = households_check(actor=actor, grid=grid, table=table, progress=progress)
    plan.check(skip_invalid=skip_invalid)
    if progress:
        progress(ImportStage.WRITE, 0, plan.good_rows)
    try:
        return households_import(actor=actor, grid=grid, table=table, skip_invalid=skip_invalid, progress=progress)
    except IntegrityError as exc:
        raise Conflict("导入期间数据被他人修改，请重新导入") from exc
