"""Reading a file into a `Table`: what kind of file it is, CSV (UTF-8 or GB18030) or XLSX, where the header
is, and the data rows keyed by canonical column name with their spreadsheet row numbers (the header is
row 1). Problems with the file itself raise InvalidInput naming the field "file"."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..models import ImportStage
from .format import FILE_TOO_LARGE, HEADER_ALIASES, KNOWN_COLUMNS, MAX_FILE_BYTES, REQUIRED_COLUMNS
from .reports import PROGRESS_EVERY, Progress, file_error

# A header is looked for in the first rows: title rows above the table are common.
HEADER_SEARCH_ROWS = 10

_SPACE_RE = re.compile(r"[\s\u3000\xa0\ufeff\u200b]+")

# (sheet title, its rows as (row number, cell values), its row count when known)
Sheet = tuple[str, Iterator[tuple[int, list]], int | None]


@dataclass
class Table:
    columns: list[str]  # the known columns present, in file order
    rows: list[tuple[int, dict]]  # (spreadsheet row number, {column: raw cell value})

    def has(self, column: str) -> bool:
        return column in self.columns


def cell_text(value) -> str:
    """A cell as trimmed text. Whole-number floats (Excel stores every number as a float) lose '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and value.isprintable() and "  " not in value:
        # The common case, and a fast one: no whitespace but single ASCII spaces (every other space, tab,
        # line break, BOM or zero-width space is unprintable), so there is nothing to collapse.
        return value.strip()
    return _SPACE_RE.sub(" ", str(value)).strip()


def _header_name(value) -> str | None:
    text = _SPACE_RE.sub("", cell_text(value))
    text = text.lstrip("*＊")
    for suffix in ("（必填）", "(必填)", "（选填）", "(选填)", "（可选）", "(可选)"):
        text = text.removesuffix(suffix)
    text = HEADER_ALIASES.get(text, text)
    return text if text in KNOWN_COLUMNS else None


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def file_kind(*, data: bytes, file_name: str) -> str:
    """'xlsx' or 'csv', or InvalidInput naming the field "file" when the file cannot be one."""
    name = (file_name or "").strip().lower()
    if not data or not data.strip():
        raise file_error("文件为空")
    if len(data) > MAX_FILE_BYTES:
        raise file_error(FILE_TOO_LARGE)
    is_zip = data[:4] == b"PK\x03\x04"
    if name.endswith(".xlsx"):
        if not is_zip:
            raise file_error("不是有效的 .xlsx 文件（可能已损坏、已加密，或是改了扩展名的其他文件）")
        return "xlsx"
    if name.endswith(".csv"):
        if is_zip:
            raise file_error("文件内容是 Excel 工作簿，扩展名却是 .csv；请把扩展名改为 .xlsx")
        return "csv"
    if name.endswith((".xls", ".et", ".wps")):
        raise file_error("不支持旧版 Excel（.xls）或 WPS 格式，请另存为 .xlsx 或 CSV")
    raise file_error("只能导入 .xlsx 或 .csv 文件")


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise file_error("无法识别文件编码，请另存为 UTF-8 或 GB18030 编码的 CSV")


def _csv_sheets(data: bytes) -> Iterator[Sheet]:
    text = _decode_csv(data)
    if not text.strip():
        raise file_error("文件为空")
    reader = csv.reader(io.StringIO(text, newline=""))
    yield "csv", enumerate(reader, start=1), None


def _xlsx_sheets(data: bytes) -> Iterator[Sheet]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors on bad files
        raise file_error("不是有效的 .xlsx 文件（可能已损坏或已加密）") from exc
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
        header = next((values for _, values in first_seen or [] if any(cell_text(v) for v in values)), None)
        if header is None:
            raise file_error("文件为空")
        present = {_header_name(v) for v in header}
        missing = [c for c in REQUIRED_COLUMNS if c not in present]
        raise file_error(f"缺少必需的列：{'、'.join(missing)}（表头应在第1行）")
    seen, index, rest, max_row = chosen
    header_number, header = seen[index]
    positions: dict[str, int] = {}
    for position, value in enumerate(header):
        name = _header_name(value)
        if name is None:
            continue
        if name in positions:
            raise file_error(
                f"“{name}”列出现了两次（{_column_letter(positions[name])}列和{_column_letter(position)}列）"
            )
        positions[name] = position
    missing = [c for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        raise file_error(f"缺少必需的列：{'、'.join(missing)}")
    columns = sorted(positions, key=positions.get)

    table_rows: list[tuple[int, dict]] = []
    total = (max_row - header_number) if max_row else 0

    def take(number: int, values: list) -> None:
        cells = {c: (values[p] if p < len(values) else None) for c, p in positions.items()}
        if any(cell_text(v) for v in cells.values()):
            table_rows.append((number, cells))
        if progress and number % PROGRESS_EVERY == 0:
            progress(ImportStage.READ, number - header_number, max(total, number - header_number))

    for number, values in seen[index + 1 :]:
        take(number, values)
    try:
        for number, values in rest:
            take(number, values)
    except csv.Error as exc:
        raise file_error(f"不是有效的 CSV 文件：{exc}") from exc
    if not table_rows:
        raise file_error("文件中没有数据行")
    return Table(columns=columns, rows=table_rows)
