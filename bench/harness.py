"""The harness: finds the benchmark modules, prepares what they need once, runs them, prints one table,
writes `var/bench/latest.json` and (with --record) appends the run to `bench/RESULTS.md`.

A benchmark is a module `bench/b<N>_<name>.py` with:

    NUMBER = "B2"                 # its row in the issue's table
    WHAT = "locate a point …"     # one line
    TARGET = "≥ 20× PostGIS …"    # the goal, as printed
    NEEDS = ("city", "postgis")   # what the harness prepares first: "city" (the 100,000 micro-grid lattice
                                  # with buildings and people on duty, bench/city.py), "postgis"
    def run(ctx: Context) -> Result

`run` measures its baseline in the same run and returns a `Result`; it may print progress with
`ctx.say`. Dropping a new module into the folder is all it takes to add a benchmark.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import platform
import re
import subprocess
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import db

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
VAR = ROOT / "var" / "bench"
RESULTS = BENCH_DIR / "RESULTS.md"
_MODULE_RE = re.compile(r"^b(\d+)_(\w+)\.py$")


@dataclass
class Result:
    number: str
    what: str
    figure: str  # wangge's figure(s), as printed
    baseline: str  # the baseline's figure, as printed ("—" when the row has none)
    ratio: str  # as printed ("—" when none)
    target: str
    ok: bool
    seconds: float = 0.0
    data: dict = field(default_factory=dict)  # the raw numbers, for latest.json
    notes: list[str] = field(default_factory=list)  # why a target was missed, breakdowns


class Context:
    """What benchmarks share in one run: the bench database, the city in it, printing."""

    def __init__(self) -> None:
        self._city = None
        self.postgis_version: str | None = None
        VAR.mkdir(parents=True, exist_ok=True)
        self.var = VAR

    @staticmethod
    def say(message: str) -> None:
        print(f"  · {message}", flush=True)

    def city(self):
        if self._city is None:
            from . import city

            built = city.build(progress=self.say)
            built.units = city.add_buildings(built, progress=self.say)
            city.add_duties(built, progress=self.say)
            self._city = built
        return self._city


def discover() -> list:
    """The benchmark modules, by number."""
    found = []
    for path in BENCH_DIR.iterdir():
        match = _MODULE_RE.match(path.name)
        if match:
            found.append((int(match.group(1)), path.stem))
    return [importlib.import_module(f"bench.{stem}") for _, stem in sorted(found)]


def select(modules: list, names: list[str]) -> list:
    if not names:
        return modules
    chosen = []
    for name in names:
        key = name.lower().removesuffix(".py")
        match = [
            m for m in modules
            if key in (m.NUMBER.lower(), m.NUMBER.lower().lstrip("b"), m.__name__.rsplit(".", 1)[1],
                       m.__name__.rsplit(".", 1)[1].split("_", 1)[1])
        ]
        if not match:
            known = ", ".join(f"{m.NUMBER} ({m.__name__.rsplit('.', 1)[1]})" for m in modules)
            raise SystemExit(f"unknown benchmark {name!r}; known: {known}")
        chosen += [m for m in match if m not in chosen]
    return chosen


def _meminfo_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _commit() -> str:
    try:
        done = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=5)
        dirty = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=10,
        )
        return done.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine(postgis: str | None) -> dict:
    import django
    import shapely

    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": round(_meminfo_gib(), 1),
        "postgresql": db.server_version(),
        "postgis": postgis,
        "python": platform.python_version(),
        "django": django.get_version(),
        "shapely": f"{shapely.__version__} (GEOS {shapely.geos_version_string})",
        "os": platform.platform(),
        "commit": _commit(),
        "load_average": round(os.getloadavg()[0], 1),
    }


def machine_line(m: dict) -> str:
    postgis = f", PostGIS {m['postgis']}" if m.get("postgis") else ""
    return (f"{m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; PostgreSQL {m['postgresql']}{postgis}; "
            f"Python {m['python']}, Django {m['django']}, shapely {m['shapely']}; {m['os']}; commit {m['commit']}; "
            f"load average {m['load_average']} at the start")


def table(results: list[Result]) -> str:
    head = ("#", "what", "wangge", "baseline", "ratio", "target", "result")
    rows = [(r.number, r.what, r.figure, r.baseline, r.ratio, r.target, "PASS" if r.ok else "FAIL") for r in results]
    widths = [max(len(str(row[i])) for row in [head, *rows]) for i in range(len(head))]
    line = lambda row: "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def markdown(results: list[Result], m: dict, started: dt.datetime, seconds: float) -> str:
    out = [
        f"## {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine_line(m)}. Run took {seconds / 60:.1f} min.",
        "",
        "| # | what | wangge | baseline | ratio | target | result |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        cells = [r.number, r.what, r.figure, r.baseline, r.ratio, r.target, "PASS" if r.ok else "**FAIL**"]
        out.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    notes = [(r.number, n) for r in results for n in r.notes]
    if notes:
        out += ["", "Notes:", ""]
        out += [f"- {number}: {note}" for number, note in notes]
    return "\n".join(out) + "\n"


def record(text: str) -> None:
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nAppended by `python -m bench --record`, oldest first.\n\n")
    with RESULTS.open("a", encoding="utf-8") as f:
        f.write("\n" + text)


def run(names: list[str], *, save: bool, keep_db: bool) -> int:
    os.chdir(ROOT)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    modules = select(discover(), names)
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    ctx = Context()
    needs = {n for m in modules for n in getattr(m, "NEEDS", ())}
    print(f"wangge benchmarks: {', '.join(m.NUMBER for m in modules)}", flush=True)
    try:
        seconds = db.create(progress=ctx.say)
        ctx.say(f"database {db.NAME} ready in {seconds:.0f} s")
        if "postgis" in needs:
            ctx.postgis_version = db.enable_postgis()
            ctx.say(f"PostGIS {ctx.postgis_version} enabled in {db.NAME}")
    except db.BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    db.use()
    import django

    django.setup()
    m = machine(ctx.postgis_version)
    print(f"machine: {machine_line(m)}", flush=True)

    results: list[Result] = []
    for module in modules:
        print(f"\n{module.NUMBER}: {module.WHAT}", flush=True)
        start = time.perf_counter()
        try:
            result = module.run(ctx)
        except Exception as exc:  # a crash is a missed target, reported with the rest
            traceback.print_exc()
            result = Result(module.NUMBER, module.WHAT, f"error: {exc}"[:120], "—", "—", module.TARGET, False)
        result.seconds = time.perf_counter() - start
        print(f"  {'PASS' if result.ok else 'FAIL'} in {result.seconds:.0f} s: {result.figure}; baseline "
              f"{result.baseline}; ratio {result.ratio}", flush=True)
        for note in result.notes:
            print(f"  note: {note}", flush=True)
        results.append(result)

    seconds = time.perf_counter() - clock
    print(f"\n{table(results)}\n\n{sum(r.ok for r in results)}/{len(results)} targets met in {seconds / 60:.1f} min")
    payload = {"started": started.isoformat(), "seconds": round(seconds, 1), "machine": m,
               "results": [asdict(r) for r in results]}
    (VAR / "latest.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    print(f"results: {VAR / 'latest.json'}")
    if save:
        record(markdown(results, m, started, seconds))
        print(f"recorded in {RESULTS}")
    if not keep_db:
        from django.db import connections

        connections.close_all()
        db.drop()
    return 0 if all(r.ok for r in results) else 1
