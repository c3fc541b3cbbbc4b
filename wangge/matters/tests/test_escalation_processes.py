"""Escalation with real worker processes: one killed halfway and restarted, two running at once. Runs on
its own database (a fresh SQLite file, or a fresh PostgreSQL database when the suite runs on PostgreSQL)
because the workers are separate processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid

import pytest
from django.conf import settings

SETUP = """
import datetime as dt
from django.utils import timezone
from wangge.matters import services
from wangge.matters.models import Matter
from wangge.testing.world import build_world

w = build_world()
resident = w.users["resident"]
for i in range(N):
    services.matter_report(actor=resident, report=services.Report(
        category="env-garbage", description=f"垃圾{i}", lon=112.125, lat=37.15))
Matter.objects.update(deadline=timezone.now() - dt.timedelta(minutes=5))
"""

CRASH = """
import os
from wangge.matters import services
# Die in the middle of the escalation's transaction, after its rows are written.
services.notify = lambda **kwargs: os._exit(9)
services.sweep()
"""

REPORT = """
import json
from wangge.matters.models import Escalation, Matter
print(json.dumps({
    "escalations": list(Escalation.objects.order_by("matter_id", "deadline_seq").values_list("matter_id", "deadline_seq")),
    "levels": sorted(Matter.objects.values_list("escalation_level", flat=True)),
}))
"""

BREACH_AGAIN = """
import datetime as dt
from django.utils import timezone
from wangge.matters.models import Matter
Matter.objects.update(deadline=timezone.now() - dt.timedelta(minutes=1))
"""


@pytest.fixture
def separate_db(tmp_path):
    """Environment for worker processes on a database of their own."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "wangge.config.settings.test", "WANGGE_VAR_DIR": str(tmp_path)}
    db = settings.DATABASES["default"]
    dropper = None
    if db["ENGINE"].endswith("sqlite3"):
        env.pop("DATABASE_URL", None)
        env["SQLITE_NAME"] = "workers.sqlite3"
    else:
        import psycopg

        name = f"wangge_workers_{uuid.uuid4().hex[:8]}"
        dsn = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname=postgres"
        if db.get("PASSWORD"):
            dsn += f" password={db['PASSWORD']}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
        )

        def dropper():
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    run(env, ["-m", "wangge", "migrate", "-v", "0"])
    yield env
    if dropper:
        dropper()


def run(env, args, *, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}: {result.stderr[-2000:]}")
    return result


def script(env, code: str, *, check=True) -> subprocess.CompletedProcess:
    prelude = "import django; django.setup()\n"
    return run(env, ["-c", prelude + textwrap.dedent(code)], check=check)


def state(env) -> dict:
    return json.loads(script(env, REPORT).stdout)


def sweep(env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "wangge", "sweep"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_a_killed_worker_loses_nothing_and_two_workers_never_double(separate_db):
    env = separate_db
    script(env, "N = 12\n" + SETUP)
    # A worker dies halfway through the first escalation: nothing of it remains.
    crashed = script(env, CRASH, check=False)
    assert crashed.returncode == 9, crashed.stderr[-2000:]
    assert state(env) == {"escalations": [], "levels": [0] * 12}
    # Restarted, the sweep escalates every breach once.
    assert "已升级 12 件" in run(env, ["-m", "wangge", "sweep"]).stdout
    assert "已升级 0 件" in run(env, ["-m", "wangge", "sweep"]).stdout
    first = state(env)
    assert len(first["escalations"]) == 12 and first["levels"] == [1] * 12
    # Every deadline breaches again; two workers sweep at the same time.
    script(env, BREACH_AGAIN)
    workers = [sweep(env), sweep(env)]
    for worker in workers:
        _out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err[-2000:]
    second = state(env)
    assert len(second["escalations"]) == 24 and len(set(map(tuple, second["escalations"]))) == 24
    assert second["levels"] == [2] * 12
