"""Serve wangge with its job worker: the web server in this process, the huey consumer beside it."""

import os
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server and the huey job worker together (Ctrl-C stops both)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--workers", type=int, default=2, help="huey worker threads")

    def handle(self, *args, host, port, workers, **options):
        worker = subprocess.Popen(
            [sys.executable, "-m", "wangge", "run_huey", "--workers", str(workers), "--worker-type", "thread"],
            env=os.environ.copy(),
        )
        self.stdout.write(f"job worker started (pid {worker.pid}); serving on http://{host}:{port}/")
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)
        finally:
            worker.send_signal(signal.SIGINT)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
