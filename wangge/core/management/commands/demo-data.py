"""`wangge demo-data`: load the deterministic demo community (城西街道, 平遥县), or say it is already there."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from wangge.demo.generator import DEFAULT_SEED, build_plan
from wangge.demo.loader import load_plan, summary

LABELS = [
    ("area_grids", "区域网格"),
    ("estate_grids", "小区网格"),
    ("micro_grids", "微网格"),
    ("buildings", "楼栋"),
    ("units", "单元"),
    ("households", "住户"),
    ("residents", "居民"),
    ("organisations", "组织"),
    ("persons", "在岗人员"),
    ("duties", "在岗职责"),
    ("memberships", "组织成员"),
]


class Command(BaseCommand):
    help = "Load the demo community (Chengxi subdistrict, Pingyao county), the same every run; " \
           "does nothing when it is already loaded."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the generator")
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")

    def handle(self, *args, seed, no_progress=False, **options):
        quiet = no_progress or options["verbosity"] == 0

        def progress(total: int, desc: str):
            return tqdm(total=total, desc=desc, unit="", file=self.stderr, disable=quiet, leave=False,
                        dynamic_ncols=True)

        plan = build_plan(seed)
        result = load_plan(plan, progress=progress)
        if not result.loaded:
            self.stdout.write("演示数据已加载，未做改动。（用 wangge demo-logins 查看演示账号）")
            return
        self.stdout.write(self.style.SUCCESS(f"演示数据已加载：城西街道（平遥县），用时 {result.seconds:.1f} 秒"))
        for name, counts in summary():
            parts = "、".join(f"{label} {counts[key]}" for key, label in LABELS)
            self.stdout.write(f"  {name}：{parts}")
            self.stdout.write(
                f"    住户中自住 {counts['owner']}、出租 {counts['rented']}、空置 {counts['vacant']}"
            )
        if result.matters:
            m = result.matters
            self.stdout.write(
                f"  关键小事 {m['matters']} 件（一年），处置记录 {m['events']} 条，超时升级 {m['escalations']} 次"
            )
        if result.fieldwork:
            f = result.fieldwork
            self.stdout.write(
                f"  外勤：入户走访 {f.get('visits', 0)} 次，调解纠纷 {f.get('disputes', 0)} 件（达成协议 {f.get('disputes_agreed', 0)} 件），"
                f"门岗 {f.get('gate_posts', 0)} 个，访客 {f.get('visitors', 0)} 人次，摄像头 {f.get('cameras', 0)} 个，"
                f"案事件 {f.get('incidents', 0)} 件，突发事件 {f.get('emergencies', 0)} 次"
            )
        if result.community:
            c = result.community
            self.stdout.write(
                f"  议事厅：会议 {c.get('hall_sessions', 0)} 次，议题 {c.get('hall_items', 0)} 个，"
                f"决议 {c.get('meeting_resolutions', 0)} 项，征求意见 {c.get('consultations', 0)} 次；"
                f"社区活动 {c.get('activities', 0)} 场（党建 {c.get('activities_party', 0)} 场），"
                f"场地 {c.get('venues', 0)} 处，评选 {c.get('elections', 0)} 项，通知 {c.get('notices', 0)} 条"
            )
        for username in result.skipped_logins:
            self.stderr.write(f"账号 {username} 已存在，未修改其密码")
