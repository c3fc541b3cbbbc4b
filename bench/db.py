"""The bench database: a dedicated PostgreSQL database (`wangge_bench`), created afresh for each run,
migrated with `wangge migrate`, with PostGIS enabled in it (and only in it) for B2's baseline."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psycopg

SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
NAME = os.environ.get("BENCH_DATABASE", "wangge_bench")
URL = f"{SERVER}/{NAME}"


class BenchError(RuntimeError):
    """A problem with the machine the benchmarks need (PostgreSQL, PostGIS) rather than a missed target."""


def _admin() -> psycopg.Connection:
    try:
        return psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise BenchError(
            f"PostgreSQL is not reachable at {SERVER} (user postgres, trust auth): {exc}".strip()
        ) from exc


def server_version() -> str:
    with _admin() as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def drop() -> None:
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')


def create(*, progress=print) -> float:
    """Drop and create the bench database and migrate it; returns the seconds it took."""
    start = time.perf_counter()
    drop()
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{NAME}"')
    progress(f"database {NAME}: created, migrating (wangge migrate)…")
    env = {**os.environ, "DATABASE_URL": URL, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    done = subprocess.run(
        [sys.executable, "-m", "wangge", "migrate", "--no-input"], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise BenchError(f"wangge migrate failed on {NAME}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return time.perf_counter() - start


def enable_postgis() -> str:
    """CREATE EXTENSION postgis in the bench database; its version. The product itself never needs it."""
    with psycopg.connect(URL, autocommit=True) as conn:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except psycopg.Error as exc:
            major = server_version().split(".")[0]
            raise BenchError(
                f"PostGIS is not installed for PostgreSQL {major}: "
                f"run `sudo apt-get install -y postgresql-{major}-postgis-3` (make bench does it as root). {exc}"
            ) from exc
        return conn.execute("SELECT postgis_lib_version()").fetchone()[0]


def use() -> None:
    """Point Django (in this process and the ones it starts) at the bench database."""
    os.environ["DATABASE_URL"] = URL
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
