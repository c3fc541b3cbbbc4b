"""`wangge visitors-purge [--days N]`: delete visitor records older than the retention period (the same
as the nightly job). Bad input ends with exit code 2 (wangge.cli)."""

from django.core.management.base import BaseCommand

from wangge.fieldwork.visitors import services


class Command(BaseCommand):
    help = "删除超过保留期（VISITOR_RETENTION_DAYS，默认30天）的访客登记记录"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="保留天数（默认取 VISITOR_RETENTION_DAYS）")

    def handle(self, *args, days=None, **options):
        days = services.retention_days() if days is None else days
        deleted = services.visitor_purge(days=days)
        self.stdout.write(f"已删除 {deleted} 条超过 {days} 天的访客登记")
