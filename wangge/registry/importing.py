"""Importing households and residents from XLSX/CSV, and grid boundaries from GeoJSON.

A household import goes through three steps (`households_import_file` runs them for the CLI, the
background job and tests):

1. `read_table` turns the file into rows of cells keyed by canonical column name, with spreadsheet row
   numbers (the header is row 1). File-level problems raise `InvalidInput` naming the field "file".
2. `households_check` parses, validates and resolves every row against the database and returns a
   `Plan`: what would be created, updated or left unchanged, and every row error. It only reads.
3. `households_import` (one transaction) plans again inside the transaction, so that what it writes is
   checked against the data as it is at that moment, and writes.

Why step 2 runs outside the write transaction: progress is written to the `ImportJob` row while the
job runs, and another connection (the page polling it) sees only committed rows. On SQLite a second
connection cannot even write while a write transaction is open. So the slow, per-row part runs first
in autocommit mode, reporting progress, and fails fast; the write transaction is short. Planning twice
costs little: it is a handful of bulk queries plus per-row parsing.

"Good rows" with skip_invalid: a household is the unit of import. When any row of a household has an
error, none of that household's rows are written (they are listed in `skipped_rows`), so a household is
never half-imported (e.g. a spouse without the head, or the wrong floor). Fix the file and import it
again: the households already imported come out unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, partial

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation

from wangge.core import geo, pii
from wangge.core.errors import ApplicationError, Conflict, FieldError, InvalidInput, NotFound
from wangge.people.access import EDIT_REGISTRY, Scope, actor_scope, require

from . import services
from .models import (
    Building,
    CareFlag,
    GridNode,
    Household,
    ImportJob,
    ImportStage,
    ImportStatus,
    Level,
    Occupancy,
    Relation,
    Resident,
    Unit,
)

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

MAX_FILE_BYTES = 20 * 1024 * 1024
PROGRESS_EVERY = 100
MAX_STORED_ERRORS = 1000
HEADER_SEARCH_ROWS = 10

# -- the file format (documented in docs/import-format.md) -------------------------------------------

ESTATE = "小区"
BUILDING = "楼栋"
UNIT = "单元"
FLOOR = "楼层"
ROOM = "房号"
OCCUPANCY = "居住状态"
NAME = "姓名"
ID_NUMBER = "身份证号"
PHONE = "联系电话"
RELATION = "与户主关系"
CARE_FLAGS = "关爱标签"
PARTY = "党员"

REQUIRED_COLUMNS = (BUILDING, UNIT, FLOOR, ROOM, NAME, ID_NUMBER, PHONE, RELATION)
OPTIONAL_COLUMNS = (ESTATE, OCCUPANCY, CARE_FLAGS, PARTY)
EXPORT_COLUMNS = (ESTATE, BUILDING, UNIT, FLOOR, ROOM, OCCUPANCY, NAME, ID_NUMBER, PHONE, RELATION, CARE_FLAGS, PARTY)
KNOWN_COLUMNS = frozenset(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
RESIDENT_COLUMNS = (NAME, ID_NUMBER, PHONE, RELATION, CARE_FLAGS, PARTY)

# Other spellings of the headers seen in community offices' sheets.
HEADER_ALIASES = {
    "楼号": BUILDING,
    "楼栋号": BUILDING,
    "单元号": UNIT,
    "房间号": ROOM,
    "门牌号": ROOM,
    "室号": ROOM,
    "身份证号码": ID_NUMBER,
    "公民身份号码": ID_NUMBER,
    "手机号": PHONE,
    "手机号码": PHONE,
    "电话": PHONE,
    "联系方式": PHONE,
    "户主关系": RELATION,
    "与户主的关系": RELATION,
    "是否党员": PARTY,
    "小区名称": ESTATE,
}

# Model field → column, for errors raised by the services and by full_clean().
FIELD_COLUMNS = {
    "name": NAME,
    "id_number": ID_NUMBER,
    "phone": PHONE,
    "relation": RELATION,
    "care_flags": CARE_FLAGS,
    "is_party_member": PARTY,
    "floor": FLOOR,
    "room": ROOM,
    "occupancy": OCCUPANCY,
}

RELATION_ALIASES = {
    "户主": Relation.SELF,
    "妻子": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE,
    "妻": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "儿子": Relation.CHILD,
    "女儿": Relation.CHILD,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "孙子": Relation.GRANDCHILD,
    "孙女": Relation.GRANDCHILD,
    "外孙子女": Relation.GRANDCHILD,
    "祖父": Relation.GRANDPARENT,
    "祖母": Relation.GRANDPARENT,
    "外祖父母": Relation.GRANDPARENT,
    "兄弟": Relation.SIBLING,
    "姐妹": Relation.SIBLING,
    "租客": Relation.TENANT,
    "承租人": Relation.TENANT,
}
PARTY_WORDS = {"是": True, "否": False, "": False, "党员": True, "中共党员": True, "非党员": False}
CARE_SEPARATORS = re.compile(r"[、,，;；\s]+")
MASK_CHARS = ("*", "＊")


@cache
def _labels(choices_cls) -> dict[str, str]:
    """value → the Chinese label. The file format is Chinese whatever the page language is."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices_cls.choices}


def relation_label(value: str) -> str:
    return _labels(Relation).get(value, value)


def occupancy_label(value: str) -> str:
    return _labels(Occupancy).get(value, value)


def care_flag_label(value: str) -> str:
    return _labels(CareFlag).get(value, value)


@cache
def _words(choices_cls) -> dict[str, str]:
    """Chinese label (or the stored value itself) → value, for reading cells."""
    words = {label: value for value, label in _labels(choices_cls).items()}
    words.update({value: value for value in choices_cls.values})
    if choices_cls is Relation:
        words.update(RELATION_ALIASES)
    return words


@cache
def _care_flag_order() -> dict[str, int]:
    return {value: index for index, value in enumerate(CareFlag.values)}


# -- reading a file ---------------------------------------------------------------------------------

_SPACE_RE = re.compile(r"[\s\u3000\xa0\ufeff\u200b]+")


def _text(value) -> str:
    """A cell as trimmed text. Whole-number floats (Excel stores every number as a float) lose '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _SPACE_RE.sub(" ", str(value)).strip()


def _header_name(value) -> str | None:
    text = _SPACE_RE.sub("", _text(value))
    text = text.lstrip("*＊")
    for suffix in ("（必填）", "(必填)", "（选填）", "(选填)", "（可选）", "(可选)"):
        text = text.removesuffix(suffix)
    text = HEADER_ALIASES.get(text, text)
    return text if text in KNOWN_COLUMNS else None


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


@dataclass
class Table:
    file_name: str
    header_row: int
    columns: list[str]  # the known columns present, in file order
    rows: list[tuple[int, dict]]  # (spreadsheet row number, {column: raw cell value})

    def has(self, column: str) -> bool:
        return column in self.columns


def _file_error(message: str) -> InvalidInput:
    return InvalidInput.field("file", message)


def file_kind(*, data: bytes, file_name: str) -> str:
    """'xlsx' or 'csv', or InvalidInput naming the field "file" when the file cannot be one."""
    name = (file_name or "").strip().lower()
    if not data or not data.strip():
        raise _file_error("文件为空")
    if len(data) > MAX_FILE_BYTES:
        raise _file_error(f"文件过大（上限 {MAX_FILE_BYTES // (1024 * 1024)} MB）")
    is_zip = data[:4] == b"PK\x03\x04"
    if name.endswith(".xlsx"):
        if not is_zip:
            raise _file_error("不是有效的 .xlsx 文件（可能已损坏、已加密，或是改了扩展名的其他文件）")
        return "xlsx"
    if name.endswith(".csv"):
        if is_zip:
            raise _file_error("文件内容是 Excel 工作簿，扩展名却是 .csv；请把扩展名改为 .xlsx")
        return "csv"
    if name.endswith((".xls", ".et", ".wps")):
        raise _file_error("不支持旧版 Excel（.xls）或 WPS 格式，请另存为 .xlsx 或 CSV")
    raise _file_error("只能导入 .xlsx 或 .csv 文件")


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error("无法识别文件编码，请另存为 UTF-8 或 GB18030 编码的 CSV")


def _csv_sheets(data: bytes) -> Iterator[tuple[str, Iterator[tuple[int, list]], int | None]]:
    text = _decode_csv(data)
    if not text.strip():
        raise _file_error("文件为空")
    reader = csv.reader(io.StringIO(text, newline=""))
    yield "csv", enumerate(reader, start=1), None


def _xlsx_sheets(data: bytes) -> Iterator[tuple[str, Iterator[tuple[int, list]], int | None]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, Exception) as exc:  # openpyxl raises many kinds of errors on bad files
        raise _file_error("不是有效的 .xlsx 文件（可能已损坏或已加密）") from exc
    try:
        for sheet in workbook.worksheets:
            if not hasattr(sheet, "iter_rows"):  # chart sheets
                continue
            rows = (
                (number, list(values))
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
            )
            yield sheet.title, rows, sheet.max_row
    finally:
        workbook.close()


def _find_header(rows: Iterator[tuple[int, list]]) -> tuple[list[tuple[int, list]], int | None]:
    """Read up to HEADER_SEARCH_ROWS rows; return them and the index of the header among them (the
    first row naming at least three required columns: title rows above the table are common)."""
    seen: list[tuple[int, list]] = []
    for number, values in rows:
        seen.append((number, values))
        names = {_header_name(v) for v in values}
        if len(names & set(REQUIRED_COLUMNS)) >= 3:
            return seen, len(seen) - 1
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    return seen, None


def read_table(*, data: bytes, file_name: str, progress: Progress | None = None) -> Table:
    """The rows of an XLSX (first sheet with the headers) or CSV file, keyed by canonical column."""
    kind = file_kind(data=data, file_name=file_name)
    sheets = _xlsx_sheets(data) if kind == "xlsx" else _csv_sheets(data)
    first_seen: list[tuple[int, list]] | None = None
    chosen = None
    for _title, rows, max_row in sheets:
        seen, index = _find_header(rows)
        if first_seen is None:
            first_seen = seen
        if index is not None:
            chosen = (seen, index, rows, max_row)
            break
    if chosen is None:
        header = next((values for _, values in first_seen or [] if any(_text(v) for v in values)), None)
        if header is None:
            raise _file_error("文件为空")
        present = {_header_name(v) for v in header}
        missing = [c for c in REQUIRED_COLUMNS if c not in present]
        raise _file_error(f"缺少必需的列：{'、'.join(missing)}（表头应在第1行）")
    seen, index, rest, max_row = chosen
    header_number, header = seen[index]
    positions: dict[str, int] = {}
    for position, value in enumerate(header):
        name = _header_name(value)
        if name is None:
            continue
        if name in positions:
            raise _file_error(
                f"“{name}”列出现了两次（{_column_letter(positions[name])}列和{_column_letter(position)}列）"
            )
        positions[name] = position
    missing = [c for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        raise _file_error(f"缺少必需的列：{'、'.join(missing)}")
    columns = sorted(positions, key=positions.get)

    table_rows: list[tuple[int, dict]] = []
    total = (max_row - header_number) if max_row else 0

    def take(number: int, values: list) -> None:
        cells = {c: (values[p] if p < len(values) else None) for c, p in positions.items()}
        if any(_text(v) for v in cells.values()):
            table_rows.append((number, cells))
        if progress and number % PROGRESS_EVERY == 0:
            progress(ImportStage.READ, number - header_number, max(total, number - header_number))

    for number, values in seen[index + 1 :]:
        take(number, values)
    try:
        for number, values in rest:
            take(number, values)
    except csv.Error as exc:
        raise _file_error(f"不是有效的 CSV 文件：{exc}") from exc
    if not table_rows:
        raise _file_error("文件中没有数据行")
    return Table(file_name=file_name, header_row=header_number, columns=columns, rows=table_rows)


# -- parsing one row ----------------------------------------------------------------------------------


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

    def error(self, column: str, message: str) -> None:
        self.errors.append(FieldError(column, message, self.row))


def _masked(text: str) -> bool:
    return any(ch in text for ch in MASK_CHARS)


_FLOOR_RE = re.compile(r"^(-?\d+)\s*(层|楼|F|f)?$")
_SCIENTIFIC_RE = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


def _parse_row(number: int, cells: dict, table: Table) -> Row:
    row = Row(row=number)
    text = {c: _text(v) for c, v in cells.items()}
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
        row.error(ROOM, "已脱敏（含*），无法导入；请使用不脱敏的完整导出文件")
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
        row.occupancy = _words(Occupancy).get(occupancy)
        if row.occupancy is None:
            row.error(OCCUPANCY, f"未知居住状态“{occupancy}”，应为 {'、'.join(_labels(Occupancy).values())} 之一")

    if not any(text.get(c, "") for c in RESIDENT_COLUMNS):
        return row  # a household without residents (e.g. a vacant flat)

    raw_id = cells[ID_NUMBER]
    id_text = text[ID_NUMBER].lstrip("'")
    id_problem = None
    if isinstance(raw_id, float) or _SCIENTIFIC_RE.match(id_text):
        id_problem = "被保存成了数字，末几位已丢失；请把该列设为文本格式后重新录入"
    elif _masked(id_text):
        id_problem = "已脱敏（含*），无法导入；请使用不脱敏的完整导出文件"
    phone_text = text[PHONE].lstrip("'")
    phone_problem = "已脱敏（含*），无法导入；请使用不脱敏的完整导出文件" if _masked(phone_text) else None

    relation_text = text[RELATION]
    relation = _words(Relation).get(relation_text)
    if not relation_text:
        row.error(RELATION, "不能为空")
    elif relation is None:
        row.error(RELATION, f"未知关系“{relation_text}”，应为 {'、'.join(_labels(Relation).values())} 之一")
    flags: list[str] = []
    if table.has(CARE_FLAGS):
        words = _words(CareFlag)
        for label in (w for w in CARE_SEPARATORS.split(text[CARE_FLAGS]) if w):
            if label not in words:
                row.error(CARE_FLAGS, f"未知关爱标签“{label}”，应为 {'、'.join(_labels(CareFlag).values())}")
            else:
                flags.append(words[label])
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
        fields["care_flags"] = sorted(set(fields["care_flags"]), key=_care_flag_order().__getitem__)
        fields["is_party_member"] = party
        fields["_phone_given"] = bool(phone_text)
        row.person = fields
    elif not id_problem:
        # Keep the ID number so that a duplicate of it is still found; the row is not written.
        row.person = {"id_number": pii.normalize_id_number(id_text), "_invalid": True}
    return row


# -- planning --------------------------------------------------------------------------------------


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class ImportReport:
    total_rows: int = 0
    households: Counts = field(default_factory=Counts)
    residents: Counts = field(default_factory=Counts)
    errors: list[FieldError] = field(default_factory=list)
    skipped_rows: list[int] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self, max_errors: int | None = MAX_STORED_ERRORS) -> dict:
        errors = self.errors if max_errors is None else self.errors[:max_errors]
        return {
            "ok": self.ok,
            "written": self.written,
            "total_rows": self.total_rows,
            "households": self.households.as_dict(),
            "residents": self.residents.as_dict(),
            "errors": [e.as_dict() for e in errors],
            "error_count": len(self.errors),
            "errors_truncated": len(errors) < len(self.errors),
            "skipped_rows": self.skipped_rows,
        }

    def summary(self) -> str:
        h, r = self.households, self.residents
        text = (
            f"共 {self.total_rows} 行；住户 新增 {h.created}、更新 {h.updated}、未变 {h.unchanged}；"
            f"居民 新增 {r.created}、更新 {r.updated}、未变 {r.unchanged}"
        )
        if self.errors:
            text += f"；{len(self.errors)} 处错误"
            text += f"，跳过 {len(self.skipped_rows)} 行" if self.written else "，未写入任何数据"
        return text

    def lines(self) -> list[str]:
        return [self.summary(), *(str(e) for e in self.errors)]


class ImportRowError(InvalidInput):
    """Rows of an import file are wrong and nothing was written. `report` lists every error."""

    def __init__(self, report):
        errors = list(report.errors)
        first = str(errors[0]) if errors else "导入文件有错误"
        super().__init__(f"{len(errors)} 处错误，未写入任何数据（首个：{first}）", errors=errors)
        self.report = report


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
    grid: GridNode
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

    def report(self, *, written: bool) -> ImportReport:
        report = ImportReport(total_rows=len(self.table.rows), errors=self.errors, written=written)
        if written:
            for household in self.good:
                _count(report.households, household.existing, household.changes)
                for row in household.rows:
                    if row.person is not None:
                        _count(report.residents, row.resident, row.changes)
            bad_rows = [r.row for h in self.households if h.bad for r in h.rows] + [r.row for r in self.loose]
            report.skipped_rows = sorted(bad_rows)
        return report


def _count(counts: Counts, existing, changes: dict) -> None:
    if existing is None:
        counts.created += 1
    elif changes:
        counts.updated += 1
    else:
        counts.unchanged += 1


BUILDING_SUFFIXES = ("号楼", "栋", "幢")
UNIT_SUFFIXES = ("单元",)


def _variants(value: str, suffixes: tuple[str, ...]) -> list[str]:
    """'1' also means '1单元' / '1号楼': offices often type the number alone."""
    return [value, *(value + s for s in suffixes)] if value.isdigit() else [value]


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


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _validation_errors(row: Row, exc: ValidationError) -> None:
    for name, messages in exc.message_dict.items():
        for message in messages:
            row.error(FIELD_COLUMNS.get(name, name), str(message))


def _plan(*, scope: Scope, grid: GridNode, table: Table, progress: Progress | None) -> Plan:
    require(scope, EDIT_REGISTRY, grid)
    total = len(table.rows)
    rows: list[Row] = []
    for index, (number, cells) in enumerate(table.rows, start=1):
        rows.append(_parse_row(number, cells, table))
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
        for r in Resident.objects.filter(household_id__in=chunk, relation=Relation.SELF):
            heads.setdefault(r.household_id, []).append(r)

    for key, plan in households.items():
        plan.existing = existing_households.get(key)
        _plan_household(plan, residents, heads.get(plan.existing.pk, []) if plan.existing else [])
    if progress:
        progress(ImportStage.CHECK, total, total)
    return Plan(grid=grid, table=table, households=list(households.values()), loose=loose)


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
        if existing is not None and (plan.existing is None or existing.household_id != plan.existing.pk):
            row.error(ID_NUMBER, f"已登记在{existing.household.masked_address}")
            continue
        row.resident = existing
        row.changes = _resident_changes(existing, person) if existing is not None else {}
        values = {name: person[name] for name in _RESIDENT_FIELDS}
        if existing is not None and not person["_phone_given"]:
            values["phone"] = existing.phone
        _check_model(row, Resident(id_number=person["id_number"], **values), exclude=["household"])

    if plan.existing is None:
        occupancy = plan.occupancy or Occupancy.OWNER
        plan.changes = {}
        if plan.floor is not None:
            candidate = Household(unit=plan.unit, floor=plan.floor, room=plan.room, occupancy=occupancy)
            _check_model(plan.rows[0], candidate, exclude=["unit"])
    else:
        changes = {}
        if plan.floor is not None and plan.floor != plan.existing.floor:
            changes["floor"] = plan.floor
        if plan.occupancy is not None and plan.occupancy != plan.existing.occupancy:
            changes["occupancy"] = plan.occupancy
        plan.changes = changes


_RESIDENT_FIELDS = ("name", "phone", "relation", "care_flags", "is_party_member", "gender", "birth_date")


def _resident_changes(resident: Resident, person: dict) -> dict:
    changes = {}
    for name in _RESIDENT_FIELDS:
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
        _validation_errors(row, exc)


# -- the service ---------------------------------------------------------------------------------------


def households_check(*, actor, grid: GridNode, table: Table, progress: Progress | None = None) -> Plan:
    """Validate a table against the database without writing (see the module docstring)."""
    return _plan(scope=actor_scope(actor), grid=grid, table=table, progress=progress)


@transaction.atomic
def households_import(
    *, actor, grid: GridNode, table: Table, skip_invalid: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Create and update the households and residents of `table` under `grid`. Raises ImportRowError
    (nothing written) when a row is wrong, unless `skip_invalid`: then the households without errors
    are written and the others reported."""
    plan = _plan(scope=actor_scope(actor), grid=grid, table=table, progress=None)
    if plan.errors and not skip_invalid:
        raise ImportRowError(plan.report(written=False))
    good = plan.good
    total = sum(len(h.rows) for h in good)
    done = 0
    for household_plan in good:
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
            **{name: person[name] for name in _RESIDENT_FIELDS},
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
    if plan.errors and not skip_invalid:
        raise ImportRowError(plan.report(written=False))
    if progress:
        progress(ImportStage.WRITE, 0, sum(len(h.rows) for h in plan.good))
    try:
        return households_import(actor=actor, grid=grid, table=table, skip_invalid=skip_invalid, progress=progress)
    except IntegrityError as exc:
        raise Conflict("导入期间数据被他人修改，请重新导入") from exc


# -- background jobs ------------------------------------------------------------------------------------


def _subdistrict_of(grid: GridNode) -> GridNode | None:
    return grid if grid.level == Level.SUBDISTRICT else grid.subdistrict


@transaction.atomic
def import_job_create(*, actor, grid: GridNode, upload, skip_invalid: bool = False) -> ImportJob:
    """Store an uploaded file and queue its import. `upload` is a Django UploadedFile (or any object with
    .name, .size and .read()). Wrong types, empty and oversized files are refused here, at once."""
    require(actor_scope(actor), EDIT_REGISTRY, grid)
    if upload is None:
        raise InvalidInput.field("file", "请选择要导入的文件")
    name = (getattr(upload, "name", "") or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise _file_error(f"文件过大（上限 {MAX_FILE_BYTES // (1024 * 1024)} MB）")
    data = upload.read()
    file_kind(data=data, file_name=name)
    job = ImportJob(
        created_by=actor,
        grid=grid,
        file_name=name[:255],
        skip_invalid=skip_invalid,
        subdistrict=_subdistrict_of(grid),
    )
    job.file.save(name, ContentFile(data), save=False)
    job.save()
    transaction.on_commit(partial(_enqueue, job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from .tasks import household_import_run

    household_import_run(job_id)


class _JobProgress:
    """Writes progress to the job row at most every PROGRESS_EVERY rows. Progress of the write stage
    after its start is not written: it happens inside the import's transaction, where nobody else could
    see it (and on SQLite a second connection could not write it)."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.last: tuple[str, int] = ("", 0)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == ImportStage.WRITE and done > 0:
            return
        if stage == self.last[0] and done - self.last[1] < PROGRESS_EVERY and done < total:
            return
        self.last = (stage, done)
        ImportJob.objects.filter(pk=self.job.pk).update(stage=stage, processed_rows=done, total_rows=total)


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued import job. Not one transaction: progress must be visible while it runs; the import
    itself writes in one transaction (households_import)."""
    job = ImportJob.objects.select_related("grid", "created_by").filter(pk=job_id).first()
    if job is None:
        return None
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now(), stage=ImportStage.READ
    )
    if not claimed:
        return job  # already run (a retried or duplicated message)
    status = ImportStatus.FAILED
    report: dict
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        result = households_import_file(
            actor=job.created_by, grid=job.grid, data=data, file_name=job.file_name,
            skip_invalid=job.skip_invalid, progress=_JobProgress(job),
        )
        status, report = ImportStatus.DONE, result.as_dict()
    except ImportRowError as exc:
        report = exc.report.as_dict()
    except ApplicationError as exc:
        errors = exc.errors or [FieldError("file", exc.message)]
        report = ImportReport(errors=errors).as_dict()
    except Exception:
        logger.exception("import job %s failed", job.pk)
        report = ImportReport(errors=[FieldError("file", "导入时发生内部错误，请联系管理员")]).as_dict()
    total = report.get("total_rows") or 0
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, report=report, finished_at=timezone.now(), total_rows=total, processed_rows=total,
    )
    job.refresh_from_db()
    if job.file:
        # The file holds full ID numbers: keep it no longer than needed.
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
        job.file = ""
    return job


def import_job_list(*, actor):
    """The actor's own import jobs (all jobs for an admin)."""
    scope = actor_scope(actor)
    qs = ImportJob.objects.select_related("grid", "created_by")
    if not scope.is_admin:
        qs = qs.filter(created_by_id=scope.user_id) if scope.user_id else qs.none()
    return qs.order_by("-created_at", "-id")


def import_job_get(*, actor, job_id: int) -> ImportJob:
    job = import_job_list(actor=actor).filter(pk=job_id).first()
    if job is None:
        raise NotFound(f"未找到导入任务 {job_id}")
    return job


def import_grid_choices(*, actor, limit: int = 500) -> list[GridNode]:
    """Grids the actor may import into, down to estate grids (and micro-grids where that is all they
    may edit), for the upload form."""
    scope = actor_scope(actor)
    levels = [Level.DISTRICT, Level.SUBDISTRICT, Level.COMMUNITY, Level.AREA_GRID, Level.ESTATE_GRID]
    if scope.is_admin:
        return list(GridNode.objects.filter(level__in=levels).order_by("code")[:limit])
    roots = scope.paths(EDIT_REGISTRY)
    if not roots:
        return []
    q = Q(pk__in=[])
    for path in roots:
        q |= Q(path__startswith=path, level__in=levels) | Q(path=path)
    return list(GridNode.objects.filter(q).order_by("code")[:limit])


# -- boundaries -----------------------------------------------------------------------------------------


@dataclass
class BoundaryReport:
    total: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[FieldError] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "ok": self.ok, "written": self.written, "total": self.total, "updated": self.updated,
            "unchanged": self.unchanged, "errors": [e.as_dict() for e in self.errors],
        }

    def summary(self) -> str:
        text = f"共 {self.total} 个要素；更新 {self.updated}、未变 {self.unchanged}"
        if self.errors:
            text += f"；{len(self.errors)} 处错误" + ("" if self.written else "，未写入任何数据")
        return text

    def lines(self) -> list[str]:
        return [self.summary(), *(str(e) for e in self.errors)]


def _convert_coordinates(coordinates, crs: str):
    if isinstance(coordinates, list) and coordinates and isinstance(coordinates[0], int | float):
        lon, lat = geo.to_wgs84(float(coordinates[0]), float(coordinates[1]), crs)
        return [lon, lat, *coordinates[2:]]
    if isinstance(coordinates, list):
        return [_convert_coordinates(c, crs) for c in coordinates]
    return coordinates


def _to_wgs84(geometry, crs: str):
    if crs == "wgs84" or not isinstance(geometry, dict):
        return geometry
    try:
        return {**geometry, "coordinates": _convert_coordinates(geometry.get("coordinates"), crs)}
    except (ApplicationError, TypeError, ValueError, IndexError):
        return geometry  # parse_boundary names what is wrong with it


@transaction.atomic
def boundaries_import(
    *, actor=None, data: bytes, crs: str = "wgs84", skip_invalid: bool = False, progress: Progress | None = None
) -> BoundaryReport:
    """Set grid boundaries from a GeoJSON FeatureCollection whose features carry `properties.code`.
    Errors name the feature (`features[3].geometry`). Nothing is written when a feature is wrong, unless
    `skip_invalid`."""
    if crs not in geo.CRS_CHOICES:
        raise InvalidInput.field("crs", f"未知坐标系 {crs!r}，应为 {'、'.join(geo.CRS_CHOICES)} 之一")
    if not data or not data.strip():
        raise _file_error("文件为空")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise _file_error("文件应为 UTF-8 编码的 GeoJSON") from exc
    except json.JSONDecodeError as exc:
        raise _file_error(f"不是有效的 JSON：{exc.msg}（第{exc.lineno}行第{exc.colno}列）") from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise _file_error("应为 GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise _file_error("FeatureCollection 中没有要素（features）")

    scope = actor_scope(actor)
    report = BoundaryReport(total=len(features))
    codes: list[str | None] = []
    for feature in features:
        props = feature.get("properties") if isinstance(feature, dict) else None
        code = props.get("code") if isinstance(props, dict) else None
        codes.append(str(code).strip() if isinstance(code, str | int) and not isinstance(code, bool) else None)
    nodes = {n.code: n for n in GridNode.objects.filter(code__in=[c for c in codes if c])}
    first: dict[str, int] = {}
    updates: list[tuple[GridNode, dict]] = []
    for index, (feature, code) in enumerate(zip(features, codes, strict=True)):
        where = f"features[{index}]"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            report.errors.append(FieldError(where, "应为 GeoJSON Feature"))
            continue
        if not code:
            report.errors.append(FieldError(f"{where}.properties.code", "缺少网格编码"))
            continue
        node = nodes.get(code)
        if node is None or not scope.sees_grid(node):
            report.errors.append(FieldError(f"{where}.properties.code", f"未找到网格编码 {code}"))
            continue
        if not scope.can(EDIT_REGISTRY, node):
            report.errors.append(FieldError(f"{where}.properties.code", f"无权修改网格 {code} 的边界"))
            continue
        if code in first:
            report.errors.append(FieldError(f"{where}.properties.code", f"与 features[{first[code]}] 的网格编码重复"))
            continue
        first[code] = index
        try:
            geometry = geo.parse_boundary(_to_wgs84(feature.get("geometry"), crs), field=f"{where}.geometry")
        except InvalidInput as exc:
            report.errors.extend(exc.errors)
            continue
        boundary = geo.to_geojson(geometry)
        if boundary == node.boundary:
            report.unchanged += 1
        else:
            updates.append((node, boundary))
        if progress and (index + 1) % PROGRESS_EVERY == 0:
            progress(ImportStage.CHECK, index + 1, len(features))
    if report.errors and not skip_invalid:
        raise ImportRowError(report)
    for done, (node, boundary) in enumerate(updates, start=1):
        services.grid_update(actor=actor, grid=node, boundary=boundary)
        if progress and done % PROGRESS_EVERY == 0:
            progress(ImportStage.WRITE, done, len(updates))
    report.updated = len(updates)
    report.written = True
    return report
