"""B7: the memory of a fresh web worker with 100,000 micro-grid boundaries loaded.

A subprocess sets Django up with wangge's settings (bench.settings: base settings, DEBUG off) against the
bench database, loads the WSGI application and every URL (as a gunicorn worker has done after its first
request), then builds the locate index the way a request does (`locate.index()`), then locates one point in
every micro-grid through `locate.locate_id`, the API's own path. RSS is read from /proc/self/status at each
step; the target applies to the largest RSS after loading. Last, for the record and outside the target, the
worker turns a name into pinyin (`core.text.search_key`), which loads pypinyin's dictionaries as a worker
that saves a resident or a grid does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from . import db
from .harness import ROOT, Result

NUMBER = "B7"
WHAT = "web worker RSS with 100,000 micro-grid boundaries"
TARGET = "RSS ≤ 250 MB"
NEEDS = ("city",)
LIMIT_MB = 250


def _status() -> dict:
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1]) / 1024
    return out


def child() -> None:
    """Runs in the fresh process; prints one JSON line."""
    steps = {"interpreter": _status()}
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application
    from django.urls import get_resolver

    get_wsgi_application()
    get_resolver().url_patterns  # noqa: B018 — imports every view and API module, as the first request does
    steps["app loaded"] = _status()
    pinyin_at_start = "pypinyin" in sys.modules

    from wangge.registry import locate

    start = time.perf_counter()
    idx = locate.index()
    build = time.perf_counter() - start
    steps["index loaded"] = _status()

    import random

    from .city import NX, NY, cell_point

    rng = random.Random(3)
    for i in range(NX):
        for j in range(NY):
            locate.locate_id(*cell_point(i, j, rng))
    steps["after a lookup in every micro-grid"] = _status()

    from wangge.core.text import search_key

    search_key("张伟")
    steps["after a first name in pinyin"] = _status()
    print(json.dumps({"steps": steps, "build_s": build, "boundaries": len(idx.ids),
                      "pypinyin_at_start": pinyin_at_start}))


def run(ctx) -> Result:
    ctx.city()
    env = {**os.environ, "DATABASE_URL": db.URL, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    done = subprocess.run([sys.executable, "-m", "bench.b7_memory"], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"the worker process failed: {done.stderr[-1500:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    steps = data["steps"]
    for name, s in steps.items():
        ctx.say(f"{name}: RSS {s['VmRSS']:.0f} MB (peak so far {s['VmHWM']:.0f} MB)")
    before = steps["app loaded"]["VmRSS"]
    loaded = steps["index loaded"]["VmRSS"]
    used = steps["after a lookup in every micro-grid"]["VmRSS"]
    peak = steps["after a lookup in every micro-grid"]["VmHWM"]
    pinyin = steps["after a first name in pinyin"]["VmRSS"]
    worst = max(loaded, used)
    ok = worst <= LIMIT_MB
    notes = [
        f"the worker holds {before:.0f} MB before any boundary is loaded (Django and every app"
        f"{', pypinyin included' if data['pypinyin_at_start'] else '; pypinyin is loaded on first use'}); "
        f"the index adds {loaded - before:.0f} MB ({(loaded - before) * 1024 * 1024 / data['boundaries']:,.0f} "
        f"bytes per boundary) and lookups {used - loaded:+.0f} MB; building it peaks at {peak:.0f} MB",
        f"outside the target: {pinyin:.0f} MB once the worker has turned a first name into pinyin "
        f"(pypinyin's dictionaries, +{pinyin - used:.0f} MB)",
    ]
    return Result(
        NUMBER, WHAT,
        figure=f"{worst:.0f} MB ({before:.0f} MB before loading, {loaded:.0f} MB after, {used:.0f} MB after "
               f"lookups; peak {peak:.0f} MB)",
        baseline="—", ratio="—", target=TARGET, ok=ok,
        data={"rss_mb": {k: v["VmRSS"] for k, v in steps.items()}, "peak_mb": peak, "build_s": data["build_s"],
              "pypinyin_at_start": data["pypinyin_at_start"]},
        notes=notes,
    )


if __name__ == "__main__":
    child()
