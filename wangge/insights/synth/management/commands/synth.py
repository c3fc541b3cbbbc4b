"""`wangge synth`: build the synthetic city (see docs/synth.md)."""

from django.core.management.base import BaseCommand

from wangge.insights.synth.progress import Progress
from wangge.insights.synth.services import city_synthesize


class Command(BaseCommand):
    help = ("Build a synthetic city beside whatever is in the database: grids down to micro-grids, buildings, "
            "households, residents, duties, a history of matters, visits and disputes, bulk-inserted.")

    def add_arguments(self, parser):
        parser.add_argument("--subdistricts", type=str, required=True, help="number of subdistricts (街道)")
        parser.add_argument("--households", type=str, required=True, help="number of households, in all")
        parser.add_argument("--matters", type=str, required=True, help="number of matters over the history")
        parser.add_argument("--seed", type=str, default="1", help="seed of the generator (default 1)")
        parser.add_argument("--months", type=str, default="24", help="months of history (default 24)")
        parser.add_argument("--no-rollups", action="store_true", help="do not rebuild the rollups at the end")
        parser.add_argument("--replace", action="store_true", help="delete an existing synthetic city first")
        parser.add_argument("--no-progress", action="store_true", help="hide the progress lines")

    def handle(self, *args, subdistricts, households, matters, seed, months, no_rollups=False, replace=False,
               no_progress=False, **options):
        progress = Progress(self.stderr._out, quiet=no_progress or options["verbosity"] == 0)
        result = city_synthesize(subdistricts=subdistricts, households=households, matters=matters, seed=seed,
                                 months=months, replace=replace, rollups=not no_rollups, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"模拟城市已生成，用时 {result.seconds:.1f} 秒"))
        for phase, seconds, tables, cpu, db in result.phases:
            used = f"（CPU：本进程及子进程 {cpu:.1f} 秒" + (f"，数据库 {db:.1f} 秒）" if db is not None else "）")
            self.stdout.write(f"  {phase}: {seconds:.1f} 秒{used}")
            for name in tables:
                rows = result.rows.get(name, 0)
                rate = rows / seconds if seconds else 0
                self.stdout.write(f"    {name}: {rows:,} 行，{rate:,.0f} 行/秒")
        for name, seconds in result.indexes:
            self.stdout.write(f"  索引 {name}: {seconds:.1f} 秒")
        if result.states:
            total = sum(result.states.values())
            mix = "、".join(f"{state} {n / total:.1%}" for state, n in sorted(result.states.items(),
                                                                              key=lambda kv: -kv[1]))
            self.stdout.write(f"  事项状态：{mix}")
        if result.rollups:
            self.stdout.write(f"  {result.rollups}")
