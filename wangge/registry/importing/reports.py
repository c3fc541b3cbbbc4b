"""What an import tells its caller: progress while it runs, a report when it is done, and the error
raised when rows are wrong and nothing was written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from wangge.core.errors import FieldError, InvalidInput

# progress(stage, done, total): called every PROGRESS_EVERY rows of a stage (an ImportStage value).
Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 100


def file_error(message: str) -> InvalidInput:
    """A problem with the file as a whole: the error names the field "file"."""
    return InvalidInput.field("file", message)


class Report:
    """What the household and boundary reports share: `errors`, and `summary()` with the errors below it."""

    errors: list[FieldError]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        raise NotImplementedError

    def lines(self) -> list[str]:
        return [self.summary(), *(str(e) for e in self.errors)]


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}

    def count(self, existing, changes: dict) -> None:
        if existing is None:
            self.created += 1
        elif changes:
            self.updated += 1
        else:
            self.unchanged += 1


@dataclass
class ImportReport(Report):
    total_rows: int = 0
    households: Counts = field(default_factory=Counts)
    residents: Counts = field(default_factory=Counts)
    errors: list[FieldError] = field(default_factory=list)
    skipped_rows: list[int] = field(default_factory=list)
    written: bool = False

    def as_dict(self, max_errors: int | None = None) -> dict:
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


class ImportRowError(InvalidInput):
    """Rows of an import file are wrong and nothing was written. `report` lists every error."""

    def __init__(self, report: Report):
        errors = list(report.errors)
        first = str(errors[0]) if errors else "导入文件有错误"
        super().__init__(f"{len(errors)} 处错误，未写入任何数据（首个：{first}）", errors=errors)
        self.report = report
