"""The `wangge` console command: Django's manage.py with wangge's settings.

Domain errors raised by a command end it with exit code 2 and a one-line message.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.config.settings.base")
    from django.core.management import execute_from_command_line

    from wangge.core.errors import ApplicationError

    try:
        execute_from_command_line(sys.argv)
    except ApplicationError as exc:
        sys.stderr.write(f"错误：{exc}\n")
        sys.exit(2)
