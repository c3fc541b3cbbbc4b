"""The household import services: check a table, import it, or read, check and import a file."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction

from wangge.core.errors import Conflict
from wangge.people.access import EDIT_REGISTRY, actor_scope, require

from ..models import GridNode, ImportStage
from .planning import Plan, make_plan
from .reading import Table, read_table
from .reports import ImportReport, Progress
from .writing import write as _write


def households_check(*, actor, grid: GridNode, table: Table, progress: Progress | None = None) -> Plan:
    """Validate a table against the database without writing (see the package docstring)."""
    return make_plan(scope=actor_scope(actor), grid=grid, table=table, progress=progress)


@transaction.atomic
def households_import(
    *,
    actor,
    grid: GridNode,
    table: Table,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    plan: Plan | None = None,
) -> ImportReport:
    """Create and update the households and residents of `table` under `grid`. Raises ImportRowError
    (nothing written) when a row is wrong, unless `skip_invalid`: then the households without errors
    are written and the others reported.

    `plan` is what `households_check` made of the same table, before this transaction began. It is used
    when the registry still holds what it was made from (`Plan.still_holds`: the rows it read, loaded
    again in bulk); otherwise, or without it, the table is planned again here."""
    scope = actor_scope(actor)
    if plan is not None and plan.table is table and plan.still_holds(grid):
        require(scope, EDIT_REGISTRY, grid)
    else:
        plan = make_plan(scope=scope, grid=grid, table=table, progress=None)
    plan.check(skip_invalid=skip_invalid)
    _write(plan.good, total=plan.good_rows, progress=progress)
    if progress:
        progress(ImportStage.WRITE, plan.good_rows, plan.good_rows)
    return plan.report(written=True)


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
    with _cycle_collection_paused():
        table = read_table(data=data, file_name=file_name, progress=progress)
        plan = households_check(actor=actor, grid=grid, table=table, progress=progress)
        plan.check(skip_invalid=skip_invalid)
        if progress:
            progress(ImportStage.WRITE, 0, plan.good_rows)
        try:
            return households_import(
                actor=actor, grid=grid, table=table, skip_invalid=skip_invalid, progress=progress, plan=plan
            )
        except IntegrityError as exc:
            raise Conflict("导入期间数据被他人修改，请重新导入") from exc


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file is imported. An import holds every row, its
    plan and its model objects at once (hundreds of thousands of objects); the collector, triggered by
    every few hundred allocations, would walk them again and again, for about a tenth of the import's
    time. They are freed by reference counting when the import returns (few of them form cycles), and
    the collector runs again as usual afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
