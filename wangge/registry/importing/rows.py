"""Parsing one row of a table into a `Row`: its place (building, unit, floor, room, occupancy) and its
resident's cleaned fields, with every problem found in the row itself. Nothing here queries the database;
the plan (planning.py) checks rows against each other and against the registry."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from wangge.core import pii
from wangge.core.errors import FieldError, InvalidInput

from .. import services
from ..models import CareFlag, Occupancy, Relation, Resident
from .format import (
    BUILDING,
    CARE_FLAGS,
    CARE_SEPARATORS,
    ESTATE,
    FIELD_COLUMNS,
    FLOOR,
    ID_NUMBER,
    MASK_CHARS,
    NAME,
    OCCUPANCY,
    PARTY,
    PARTY_WORDS,
    PHONE,
    RELATION,
    RESIDENT_COLUMNS,
    ROOM,
    UNIT,
    care_flag_order,
    labels,
    words,
)
from .reading import Table, cell_text

MASKED = "已脱敏（含*），无法导入；请使用不脱敏的完整导出文件"

_FLOOR_RE = re.compile(r"^(-?\d+)\s*(层|楼|F|f)?$")
_SCIENTIFIC_RE = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


@dataclass
class Row:
    row: int
    estate: str = ""
    building: str = ""
    unit: str = ""
    floor: int | None = None
    room: str = ""
    occupancy: str | None = None  # None: not given (keep / default)
    person: dict | None = None  # cleaned resident fields; None for a household-only row
    errors: list[FieldError] = field(default_factory=list)
    # filled in while planning
    resident: Resident | None = None
    changes: dict = field(default_factory=dict)
    new: Resident | None = None  # the resident to create, as checked

    def error(self, column: str, message: str) -> None:
        self.errors.append(FieldError(column, message, self.row))


def _masked(text: str) -> bool:
    return any(ch in text for ch in MASK_CHARS)


def parse_row(number: int, cells: dict, table: Table) -> Row:
    row = Row(row=number)
    text = {c: cell_text(v) for c, v in cells.items()}
    for column in (BUILDING, UNIT, FLOOR, ROOM):
        if isinstance(cells[column], dt.date | dt.time):
            # Excel turns "3-1" into 1 March: the cell no longer holds what was typed.
            row.error(column, "被 Excel 识别成了日期或时间；请把该列设为文本格式后重新录入")
            text[column] = ""
    row.estate = text.get(ESTATE, "")
    row.building = text[BUILDING]
    row.unit = text[UNIT]
    row.room = text[ROOM].removesuffix("室").strip()
    for column, value in ((BUILDING, row.building), (UNIT, row.unit), (ROOM, row.room)):
        if not value and not any(e.field == column for e in row.errors):
            row.error(column, "不能为空")
    if _masked(row.room):
        row.error(ROOM, MASKED)
    floor_text = text[FLOOR]
    match = _FLOOR_RE.match(floor_text)
    if any(e.field == FLOOR for e in row.errors):
        pass
    elif not floor_text:
        row.error(FLOOR, "不能为空")
    elif match is None:
        row.error(FLOOR, f"应为整数，如 3 或 -1（现为“{floor_text}”）")
    else:
        row.floor = int(match.group(1))
    occupancy = text.get(OCCUPANCY, "")
    if occupancy:
        row.occupancy = words(Occupancy).get(occupancy)
        if row.occupancy is None:
            row.error(OCCUPANCY, f"未知居住状态“{occupancy}”，应为 {'、'.join(labels(Occupancy).values())} 之一")

    if not any(text.get(c, "") for c in RESIDENT_COLUMNS):
        return row  # a household without residents (e.g. a vacant flat)

    raw_id = cells[ID_NUMBER]
    id_text = text[ID_NUMBER].lstrip("'")
    id_problem = None
    if isinstance(raw_id, float) or _SCIENTIFIC_RE.match(id_text):
        id_problem = "被保存成了数字，末几位已丢失；请把该列设为文本格式后重新录入"
    elif _masked(id_text):
        id_problem = MASKED
    phone_text = text[PHONE].lstrip("'")
    phone_problem = MASKED if _masked(phone_text) else None

    relation_text = text[RELATION]
    relation = words(Relation).get(relation_text)
    if not relation_text:
        row.error(RELATION, "不能为空")
    elif relation is None:
        row.error(RELATION, f"未知关系“{relation_text}”，应为 {'、'.join(labels(Relation).values())} 之一")
    flags: list[str] = []
    if table.has(CARE_FLAGS):
        flag_words = words(CareFlag)
        for label in (w for w in CARE_SEPARATORS.split(text[CARE_FLAGS]) if w):
            if label not in flag_words:
                row.error(CARE_FLAGS, f"未知关爱标签“{label}”，应为 {'、'.join(labels(CareFlag).values())}")
            else:
                flags.append(flag_words[label])
    party = False
    if table.has(PARTY):
        party_text = text[PARTY]
        if party_text.upper() in ("Y", "YES", "TRUE", "1"):
            party = True
        elif party_text.upper() in ("N", "NO", "FALSE", "0"):
            party = False
        elif party_text in PARTY_WORDS:
            party = PARTY_WORDS[party_text]
        else:
            row.error(PARTY, f"应填“是”或“否”（现为“{party_text}”）")

    try:
        fields = services.clean_resident_fields(
            name=text[NAME],
            id_number=id_text,
            phone="" if phone_problem else phone_text,
            relation=relation or Relation.OTHER,
            care_flags=flags,
            row=number,
        )
    except InvalidInput as exc:
        for error in exc.errors:
            column = FIELD_COLUMNS.get(error.field, error.field)
            if not (column == ID_NUMBER and id_problem):
                row.error(column, error.message)
        fields = None
    if id_problem:
        row.error(ID_NUMBER, id_problem)
    if phone_problem:
        row.error(PHONE, phone_problem)
    person_ok = fields is not None and not any(e.field in RESIDENT_COLUMNS for e in row.errors)
    if person_ok:
        fields["care_flags"] = sorted(set(fields["care_flags"]), key=care_flag_order().__getitem__)
        fields["is_party_member"] = party
        fields["_phone_given"] = bool(phone_text)
        row.person = fields
    elif not id_problem:
        # Keep the ID number so that a duplicate of it is still found; the row is not written.
        row.person = {"id_number": pii.normalize_id_number(id_text), "_invalid": True}
    return row
