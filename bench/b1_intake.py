"""B1: report intake over HTTP, gunicorn with 2 sync workers, PostgreSQL.

wangge: `POST /api/v1/matters` (matters.api.matter_create) with a bearer token from `POST
/api/v1/auth/token`-style issue (people.services.token_issue) — a resident reporting an overflowing bin
(category env-garbage) at a point given in GCJ-02 as phones send it. Each request converts and locates
the point among the 100,000 micro-grids, routes the matter to the micro-grid member on duty, inserts the
matter and its events, notifies, and answers 201. Points are spread over the first subdistrict.
Baseline: a bare Django JSON view (bench/urls.py: parse the JSON body, answer 201) behind the same
middleware, on the same gunicorn, with the same request body and headers. For reference only, two more views
are measured: a floor view, the least a transactional intake could do (two reads and one write in raw SQL,
one commit), which shows how much of the target the database's round trips and commit alone leave; and a
lean view, a report written by hand in raw SQL outside wangge's layers (bench/urls.py), which shows how far
an intake could go if it gave them up.

All are warmed up first (each worker builds its locate index on its first report), then loaded by
`bench.load` with CONCURRENCY connections for SECONDS.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time

from . import db, load
from .harness import ROOT, Result

NUMBER = "B1"
WHAT = "report intake over HTTP (gunicorn, 2 workers)"
TARGET = "≥ 0.30 of the bare view's req/s, no errors"
NEEDS = ("city",)
MIN_SHARE = 0.30
WORKERS = 2
CONCURRENCY = 8
SECONDS = 15.0
WARMUP_SECONDS = 12.0
CATEGORY = "env-garbage"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _reporter() -> str:
    """A resident's login and a bearer token for it."""
    from django.contrib.auth import get_user_model

    from wangge.people.services import token_issue

    user_model = get_user_model()
    password = "bench-" + os.urandom(6).hex()
    user_model.objects.filter(username="bench-reporter").delete()
    user_model.objects.create_user(username="bench-reporter", password=password)
    token, _ = token_issue(username="bench-reporter", password=password)
    return token


def _bodies(city, n: int) -> list[dict]:
    from wangge.core import geo

    from .city import cell_point

    rng = random.Random(1)
    i0, j0, i1, j1 = city.first_subdistrict().block
    bodies = []
    for k in range(n):
        lon, lat = geo.wgs84_to_gcj02(*cell_point(rng.randrange(i0, i1), rng.randrange(j0, j1), rng))
        bodies.append({"category": CATEGORY, "description": f"垃圾桶满溢，已两天没有清运（第{k + 1}次上报）",
                       "lon": round(lon, 6), "lat": round(lat, 6), "crs": "gcj02"})
    return bodies


def _serve(port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db.URL, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.wsgi:application", "--workers", str(WORKERS),
         "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), "--timeout", "120", "--log-level", "warning",
         "--backlog", "2048"],
        env=env, cwd=ROOT, start_new_session=True,
    )


def _wait_ready(port: int, server: subprocess.Popen) -> None:
    request = load.request_bytes("GET", "/healthz", f"127.0.0.1:{port}", b"", {})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            status, _ = load.first_response("127.0.0.1", port, request, timeout=5)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run(ctx) -> Result:
    from wangge.matters.models import Matter

    city = ctx.city()
    token = _reporter()
    port = _free_port()
    host = f"127.0.0.1:{port}"
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    bodies = [json.dumps(b, ensure_ascii=False).encode() for b in _bodies(city, 2000)]
    intake = [load.request_bytes("POST", "/api/v1/matters", host, b, headers) for b in bodies]
    bare = [load.request_bytes("POST", "/bench/bare", host, b, headers) for b in bodies]
    floor = [load.request_bytes("POST", "/bench/floor", host, b, headers) for b in bodies]
    lean = [load.request_bytes("POST", "/bench/lean", host, b, headers) for b in bodies]

    server = _serve(port)
    try:
        _wait_ready(port, server)
        status, answer = load.first_response("127.0.0.1", port, intake[0])
        if status != 201:
            raise RuntimeError(f"POST /api/v1/matters answered {status}: {answer[-500:]!r}")
        ctx.say(f"gunicorn on {host}, {WORKERS} workers; warming up {WARMUP_SECONDS:.0f} s (locate index per worker)")
        load.run("127.0.0.1", port, intake, concurrency=CONCURRENCY, seconds=WARMUP_SECONDS)
        before = Matter.objects.count()
        wangge = load.run("127.0.0.1", port, intake, concurrency=CONCURRENCY, seconds=SECONDS)
        created = Matter.objects.count() - before
        ctx.say(f"intake: {wangge.summary(201)}; statuses {dict(wangge.statuses)}; {created:,} matters created; "
                f"load generator used {wangge.client_cpu:.0%} of a core")
        load.run("127.0.0.1", port, bare, concurrency=CONCURRENCY, seconds=3)
        baseline = load.run("127.0.0.1", port, bare, concurrency=CONCURRENCY, seconds=SECONDS)
        ctx.say(f"bare view: {baseline.summary(201)}; load generator used {baseline.client_cpu:.0%} of a core")
        load.run("127.0.0.1", port, floor, concurrency=CONCURRENCY, seconds=3)
        least = load.run("127.0.0.1", port, floor, concurrency=CONCURRENCY, seconds=SECONDS)
        ctx.say(f"floor view (two reads, one write, one commit, raw SQL): {least.summary(201)}")
        load.run("127.0.0.1", port, lean, concurrency=CONCURRENCY, seconds=3)
        hand = load.run("127.0.0.1", port, lean, concurrency=CONCURRENCY, seconds=SECONDS)
        ctx.say(f"lean view (a hand-written intake in raw SQL, three round trips): {hand.summary(201)}")
    finally:
        _stop(server)

    routed = Matter.objects.filter(grid__level="micro_grid", assignee__isnull=False).count()
    total = Matter.objects.count()
    errors = wangge.errors(201) + baseline.errors(201)
    share = wangge.rate / baseline.rate if baseline.rate else 0.0
    floor_share = least.rate / baseline.rate if baseline.rate else 0.0
    lean_share = hand.rate / baseline.rate if baseline.rate else 0.0
    ok = share >= MIN_SHARE and errors == 0 and routed == total
    notes = []
    if routed != total:
        notes.append(f"{total - routed} of {total} matters not located to a micro-grid or not assigned")
    if share < MIN_SHARE:
        from wangge.registry import locate

        start = time.perf_counter()
        for _ in range(20):
            locate._fingerprint()
        check_ms = (time.perf_counter() - start) / 20 * 1000
        notes.append(
            f"an intake request takes {1000 * WORKERS / wangge.rate:.0f} ms of a worker against "
            f"{1000 * WORKERS / baseline.rate:.1f} ms for the bare view; locating compares its index with the "
            f"database (registry.locate._fingerprint, {check_ms:.0f} ms) once every {locate.CHECK_SECONDS:.0f} s "
            f"per worker, not per request"
        )
        notes.append(
            f"for reference, the floor view (the token and a grid node read, the token's last use written, one "
            f"commit, in raw SQL with no model) reaches {least.rate:,.0f} req/s, {floor_share:.2f} of the bare view"
        )
        notes.append(
            f"for reference, the lean view (a report by hand in raw SQL: the token read, the node and its duties "
            f"read, the matter, its events, its rollup delta and the inbox entry written in one statement; no "
            f"model, no API framework, few checks) reaches {hand.rate:,.0f} req/s, {lean_share:.2f} of the bare view"
        )
    return Result(
        NUMBER, WHAT,
        figure=f"{wangge.rate:,.0f} req/s, p50 {wangge.percentile(50):.0f} ms, p99 {wangge.percentile(99):.0f} ms, "
               f"{wangge.errors(201)} errors",
        baseline=f"bare view {baseline.rate:,.0f} req/s, p50 {baseline.percentile(50):.0f} ms, "
                 f"p99 {baseline.percentile(99):.0f} ms, {baseline.errors(201)} errors",
        ratio=f"{share:.2f}",
        target=TARGET, ok=ok,
        data={"intake": {"rps": wangge.rate, "p50_ms": wangge.percentile(50), "p99_ms": wangge.percentile(99),
                         "errors": wangge.errors(201), "statuses": dict(wangge.statuses),
                         "client_cpu": wangge.client_cpu, "matters_created": created},
              "bare": {"rps": baseline.rate, "p50_ms": baseline.percentile(50), "p99_ms": baseline.percentile(99),
                       "errors": baseline.errors(201), "client_cpu": baseline.client_cpu},
              "floor": {"rps": least.rate, "p50_ms": least.percentile(50), "p99_ms": least.percentile(99),
                        "errors": least.errors(201), "share": floor_share},
              "lean": {"rps": hand.rate, "p50_ms": hand.percentile(50), "p99_ms": hand.percentile(99),
                       "errors": hand.errors(201), "statuses": dict(hand.statuses), "share": lean_share},
              "share": share, "workers": WORKERS, "concurrency": CONCURRENCY, "seconds": SECONDS},
        notes=notes,
    )
