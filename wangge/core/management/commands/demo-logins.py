"""`wangge demo-logins`: print the demo logins, each with its role and scope (for `make demo`)."""

from django.core.management.base import BaseCommand

from wangge.demo.generator import DEFAULT_SEED, DEMO_PASSWORD, build_plan
from wangge.demo.loader import demo_loaded, login_lines


class Command(BaseCommand):
    help = "List the logins of the demo community with their roles and scopes."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed the demo was loaded with")

    def handle(self, *args, seed, **options):
        if not demo_loaded():
            self.stderr.write("演示数据尚未加载，请先运行 wangge demo-data")
            raise SystemExit(1)
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）demo logins (password: {DEMO_PASSWORD}):")
        lines = login_lines(build_plan(seed))
        width = max(len(line.username) for line in lines)
        for line in lines:
            self.stdout.write(f"  {line.text(width)}")
