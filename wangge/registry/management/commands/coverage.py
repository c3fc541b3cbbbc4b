"""`wangge coverage [--grid CODE]`: exit 0 when coverage is complete, 1 with the list otherwise."""

import json

from django.core.management.base import BaseCommand, CommandError

from wangge.registry.coverage import KIND_LABELS, coverage_report
from wangge.registry.models import GridNode


class Command(BaseCommand):
    help = "Check that every household sits in exactly one micro-grid, every grid has someone on duty, " \
           "and estate boundaries neither overlap nor leave gaps."

    def add_arguments(self, parser):
        parser.add_argument("--grid", help="grid code to check (with everything below it)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, grid=None, **options):
        root = None
        if grid:
            root = GridNode.objects.filter(code=grid).first()
            if root is None:
                raise CommandError(f"grid: no grid has code {grid}", returncode=2)
        report = coverage_report(root=root)
        if options["json"]:
            self.stdout.write(_json(report))
        else:
            where = f"{root.name}（{root.code}）" if root else "全部网格"
            self.stdout.write(
                f"{where}：检查了 {report.households_checked} 户、{report.grids_checked} 个网格"
            )
            for kind, problems in report.by_kind().items():
                self.stdout.write(f"\n{KIND_LABELS.get(kind, kind)}（{len(problems)}）")
                for problem in problems:
                    self.stdout.write(f"  - {problem.message}")
            self.stdout.write("\n覆盖完整" if report.complete else f"\n发现 {len(report.problems)} 个问题")
        if not report.complete:
            raise SystemExit(1)


def _json(report) -> str:
    return json.dumps(
        {"complete": report.complete, "problems": [p.as_dict() for p in report.problems]}, ensure_ascii=False
    )
