from django.core.management.base import BaseCommand

from wangge.matters.services import sweep


class Command(BaseCommand):
    help = "升级所有已超时的事项（与后台每分钟运行的任务相同；可与其同时运行，每次超时只升级一次）"

    def handle(self, *args, **options):
        escalated = sweep()
        self.stdout.write(f"已升级 {escalated} 件超时事项")
