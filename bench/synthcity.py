"""The synthetic city the city-scale benchmarks (B3, B4, B5) read: built once by `wangge synth` into its own
PostgreSQL database and kept between runs (building ten million matters takes the better part of half an
hour). A database is reused when its synthetic city has the asked-for size; `BENCH_SYNTH_REBUILD=1` builds
it again.

Sizes: `BENCH_SYNTH_HOUSEHOLDS` (default 1,000,000), `BENCH_SYNTH_MATTERS` (10,000,000),
`BENCH_SYNTH_SUBDISTRICTS` (10). The 1M-matter city of B5's baseline is a tenth of each.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psycopg

from . import db
from .harness import ROOT

HOUSEHOLDS = int(os.environ.get("BENCH_SYNTH_HOUSEHOLDS", "1000000"))
MATTERS = int(os.environ.get("BENCH_SYNTH_MATTERS", "10000000"))
SUBDISTRICTS = int(os.environ.get("BENCH_SYNTH_SUBDISTRICTS", "10"))


def name_for(matters: int) -> str:
    return f"wangge_synth_{matters}"


def url_for(matters: int) -> str:
    return f"{db.SERVER}/{name_for(matters)}"


def _count(matters: int) -> int | None:
    """Matters in that database's synthetic city, or None when there is no such database or city."""
    try:
        with psycopg.connect(url_for(matters), connect_timeout=5) as conn:
            row = conn.execute("SELECT count(*) FROM matters_matter").fetchone()
            return row[0]
    except psycopg.Error:
        return None


def ensure(*, households: int, matters: int, subdistricts: int, say=print) -> str:
    """The URL of a database holding a synthetic city of this size; builds it when missing."""
    found = _count(matters)
    if found == matters and not os.environ.get("BENCH_SYNTH_REBUILD"):
        say(f"synthetic city {name_for(matters)}: reused ({found:,} matters)")
        return url_for(matters)
    say(f"synthetic city {name_for(matters)}: building {households:,} households and {matters:,} matters "
        f"(wangge synth; kept for the next runs)…")
    start = time.perf_counter()
    with psycopg.connect(f"{db.SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name_for(matters)}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name_for(matters)}"')
    env = {**os.environ, "DATABASE_URL": url_for(matters), "DJANGO_SETTINGS_MODULE": "bench.settings"}
    for args in (["migrate", "--no-input", "-v0"],
                 ["synth", "--subdistricts", str(subdistricts), "--households", str(households),
                  "--matters", str(matters)]):
        done = subprocess.run([sys.executable, "-m", "wangge", *args], env=env, cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=None)
        if done.returncode != 0:
            raise db.BenchError(f"wangge {args[0]} failed on {name_for(matters)}:\n{done.stdout[-2000:]}")
    say(f"synthetic city built in {(time.perf_counter() - start) / 60:.1f} min")
    return url_for(matters)


def run_child(module: str, url: str, *args: str, timeout: int = 3600) -> str:
    """Run `python -m <module> <args>` against the synthetic city's database; its stdout."""
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    done = subprocess.run([sys.executable, "-m", module, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{module} failed: {done.stderr[-2000:]}")
    return done.stdout


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
