"""`wangge rollups fold|rebuild [--check]`: keep the matters and visits rollups, or compare them with the
matters and visits."""

from __future__ import annotations

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from wangge.insights.rollups import services


class Command(BaseCommand):
    help = "汇总统计：fold 合并待汇总的变化；rebuild 从事项表和走访表重算；rebuild --check 只比较不修改。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["fold", "rebuild"])
        parser.add_argument("--check", action="store_true", help="只比较汇总与事项表、走访表，有差异时退出码为 1")

    def handle(self, *args, action: str, check: bool, **options):
        start = time.monotonic()

        def say(message: str) -> None:
            self.stderr.write(f"[{time.monotonic() - start:7.1f}s] {message}")

        if action == "fold":
            if check:
                raise CommandError("--check 只用于 rebuild")
            self.stdout.write(f"folded {services.fold_all(progress=say):,} changes")
        elif check:
            differences = services.rollups_check(progress=say)
            if differences:
                for row in differences:
                    self.stdout.write(json.dumps(row, ensure_ascii=False))
                self.stdout.write(f"rollups differ from the matters and visits tables ({len(differences)} rows shown)")
                sys.exit(1)
            self.stdout.write("rollups agree with the matters and visits tables")
        else:
            rows = services.rollups_rebuild(progress=say)
            self.stdout.write(f"rollups rebuilt: {rows:,} day rows in {time.monotonic() - start:.1f}s")
