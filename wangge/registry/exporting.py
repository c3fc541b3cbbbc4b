"""Exporting a grid's households and residents to XLSX, in the import format (docs/import-format.md).

ID numbers, phones and room numbers are masked unless the actor may unmask on that grid and asks for
it with a reason; then every resident exported in full is written to the PII access log. Only a full
(unmasked) export can be imported again: masked cells are refused by the importer.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.utils import timezone

from wangge.core import pii
from wangge.core.errors import InvalidInput
from wangge.people.access import UNMASK, VIEW, Scope, actor_scope, require

from . import selectors
from .importing import (
    BUILDING,
    CARE_FLAGS,
    ESTATE,
    EXPORT_COLUMNS,
    FLOOR,
    ID_NUMBER,
    NAME,
    OCCUPANCY,
    PARTY,
    PHONE,
    RELATION,
    ROOM,
    UNIT,
    care_flag_label,
    occupancy_label,
    relation_label,
)
from .models import GridNode, Relation, Resident

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_COLUMNS = {ID_NUMBER, PHONE, ROOM}
COLUMN_WIDTHS = {ESTATE: 16, BUILDING: 10, UNIT: 8, FLOOR: 6, ROOM: 8, OCCUPANCY: 9, NAME: 10, ID_NUMBER: 21,
                 PHONE: 14, RELATION: 11, CARE_FLAGS: 18, PARTY: 6}


@dataclass
class Export:
    content: bytes
    file_name: str
    households: int
    residents: int
    unmasked: bool


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise InvalidInput.field("reason", "请说明完整导出的事由")
    return reason[:200]


@transaction.atomic
def households_export(*, actor, grid: GridNode, unmask: bool = False, reason: str = "") -> Export:
    """The households and residents under `grid` as an XLSX workbook. `actor` is a user (or None for the
    system, which may only export masked: the access log needs a person)."""
    scope = actor_scope(actor)
    require(scope, VIEW, grid)
    if unmask:
        if actor is None or isinstance(actor, Scope):
            raise InvalidInput.field("user", "完整导出需要指明操作人，以便记入个人信息查看记录")
        require(scope, UNMASK, grid)
        reason = _check_reason(reason)

    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("住户")
    for index, column in enumerate(EXPORT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = COLUMN_WIDTHS.get(column, 10)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in EXPORT_COLUMNS:
        cell = WriteOnlyCell(sheet, value=column)
        cell.font = bold
        header.append(cell)
    sheet.append(header)

    def row_cells(values: dict) -> list:
        cells = []
        for column in EXPORT_COLUMNS:
            cell = WriteOnlyCell(sheet, value=values.get(column, ""))
            if column in TEXT_COLUMNS:
                cell.number_format = "@"  # keep 18-digit ID numbers from becoming 1.40728E+17
            cells.append(cell)
        return cells

    residents_in_order = Resident.objects.filter(left_at__isnull=True).annotate(
        head_first=Case(When(relation=Relation.SELF, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("head_first", "id")
    households = (
        selectors.household_list(actor=scope, within=grid.pk)
        .select_related("unit__building__estate_grid")
        .prefetch_related(Prefetch("residents", queryset=residents_in_order))
    )
    shown: list[Resident] = []
    n_households = 0
    for household in households.iterator(chunk_size=1000):
        n_households += 1
        unit = household.unit
        place = {
            ESTATE: unit.building.estate_grid.name,
            BUILDING: unit.building.name,
            UNIT: unit.name,
            FLOOR: household.floor,
            ROOM: household.room if unmask else pii.mask_room(household.room),
            OCCUPANCY: occupancy_label(household.occupancy),
        }
        residents = list(household.residents.all())
        if not residents:
            sheet.append(row_cells(place))
            continue
        for resident in residents:
            shown.append(resident)
            sheet.append(row_cells({
                **place,
                NAME: resident.name,
                ID_NUMBER: resident.id_number if unmask else pii.mask_id_number(resident.id_number),
                PHONE: resident.phone if unmask else pii.mask_phone(resident.phone),
                RELATION: relation_label(resident.relation),
                CARE_FLAGS: "、".join(care_flag_label(f) for f in resident.care_flags or []),
                PARTY: "是" if resident.is_party_member else "否",
            }))
    if unmask:
        from wangge.people.services import pii_log_bulk

        pii_log_bulk(actor=actor, residents=shown, reason=reason, purpose="export")
    buffer = io.BytesIO()
    workbook.save(buffer)
    stamp = timezone.localdate().strftime("%Y%m%d")
    file_name = f"住户_{grid.code}_{stamp}{'_完整' if unmask else ''}.xlsx"
    return Export(
        content=buffer.getvalue(), file_name=file_name, households=n_households, residents=len(shown),
        unmasked=unmask,
    )
