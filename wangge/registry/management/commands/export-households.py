"""`wangge export-households --grid CODE -o FILE.xlsx [--unmask --reason TEXT --user USERNAME]`

Masked by default. A full export needs --user (whose unmask permission is checked and who is written
to the PII access log for every resident exported) and --reason.
"""

import importlib
from pathlib import Path

from django.core.management.base import BaseCommand

from wangge.core.errors import InvalidInput
from wangge.registry import exporting

_common = importlib.import_module("wangge.registry.management.commands.import-households")


class Command(BaseCommand):
    help = "Export a grid's households and residents to XLSX in the import format (masked by default)."

    def add_arguments(self, parser):
        parser.add_argument("--grid", required=True, help="code of the grid to export (with everything below)")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
        parser.add_argument("--unmask", action="store_true", help="full ID numbers, phones and rooms (logged)")
        parser.add_argument("--reason", default="", help="why a full export is needed (logged)")
        parser.add_argument("--user", help="act as this user; required with --unmask")

    def handle(self, *args, grid, output, unmask=False, reason="", user=None, **options):
        actor = _common.acting_user(user)
        if unmask and actor is None:
            raise InvalidInput.field("user", "完整导出需要 --user 指明操作人，以便记入个人信息查看记录")
        node = _common.grid_by_code(grid)
        export = exporting.households_export(actor=actor, grid=node, unmask=unmask, reason=reason)
        target = Path(output)
        try:
            target.write_bytes(export.content)
        except OSError as exc:
            raise InvalidInput.field("output", f"无法写入 {output}：{exc.strerror}") from exc
        masked = "完整（已记入查看记录）" if export.unmasked else "已脱敏"
        self.stdout.write(
            f"已导出 {node.name}（{node.code}）{export.households} 户、{export.residents} 名居民到 {target}（{masked}）"
        )
