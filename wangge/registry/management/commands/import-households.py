"""`wangge import-households FILE --grid CODE [--skip-invalid] [--user USERNAME] [--json]`

Exit 0 when every row was imported, 1 when rows had errors (none written, or with --skip-invalid the
households without errors written), 2 for an unreadable file, an unknown grid or user (wangge.cli).
"""

import json
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from tqdm import tqdm

from wangge.core.errors import InvalidInput, NotFound
from wangge.registry import importing
from wangge.registry.models import GridNode, ImportStage

STAGE_LABELS = {ImportStage.READ: "读取", ImportStage.CHECK: "校验", ImportStage.WRITE: "写入"}


def acting_user(username: str | None):
    """The user a command acts as (their scope applies), or None for the system itself."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise InvalidInput.field("user", f"未找到用户 {username}")
    return user


def grid_by_code(code: str) -> GridNode:
    grid = GridNode.objects.filter(code=(code or "").strip()).first()
    if grid is None:
        raise NotFound(f"未找到网格编码 {code}", errors=[])
    return grid


def read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput.field("file", f"无法读取文件 {path}：{exc.strerror}") from exc


class ProgressBars:
    """One tqdm bar per stage, on stderr; silent when stderr is not a terminal."""

    def __init__(self):
        self.stage = None
        self.bar = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = tqdm(total=total or None, desc=STAGE_LABELS.get(stage, stage), unit="行", disable=None,
                            file=sys.stderr, leave=False)
        if self.bar is not None:
            if total and self.bar.total != total:
                self.bar.total = total
            self.bar.n = done
            self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def run_import(command: BaseCommand, run, *, as_json: bool, heading: str | None = None) -> None:
    """Run `run(progress)` (an import service) with progress bars, print its report — as JSON, or
    `heading` and a line per error — and exit 1 when rows had errors (wangge.cli maps other errors)."""
    bars = ProgressBars()
    try:
        report = run(bars)
    except importing.ImportRowError as exc:
        report = exc.report
    finally:
        bars.close()
    if as_json:
        command.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        for line in ([heading] if heading else []) + report.lines():
            command.stdout.write(line)
    if report.errors:
        raise SystemExit(1)


class Command(BaseCommand):
    help = "Import households and residents from an XLSX or CSV file (format: docs/import-format.md)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx or .csv file")
        parser.add_argument("--grid", required=True, help="code of the grid to import under")
        parser.add_argument("--skip-invalid", action="store_true",
                            help="write the households without errors and report the others")
        parser.add_argument("--user", help="act as this user (their scope applies); default: the system")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, file, grid, skip_invalid=False, user=None, **options):
        actor = acting_user(user)
        grid_node = grid_by_code(grid)
        data = read_file(file)
        name = Path(file).name
        run_import(
            self,
            lambda progress: importing.households_import_file(
                actor=actor, grid=grid_node, data=data, file_name=name, skip_invalid=skip_invalid, progress=progress
            ),
            as_json=options["json"],
            heading=f"{grid_node.name}（{grid_node.code}）← {name}",
        )
