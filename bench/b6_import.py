"""B6: import 100,000 households from XLSX.

The workbook has the documented columns (docs/import-format.md) and fake but valid-looking rows: every
household of the bench city's first subdistrict (9 buildings × 2 units × 6 floors × 2 rooms per estate)
up to 100,000, one row each: 10% vacant (a household-only row), the others with their head of household
(valid GB 11643 ID number, mainland mobile, care labels, party membership). One row per household keeps
the run within minutes at today's import speed; the cost per row is what the ratio measures. The file
is written once with openpyxl and kept in var/bench/ (it is deterministic).

wangge: `households_import_file` (what the CLI and the background job run: read, check, write) into the
first subdistrict, as the system, timed per stage through its progress callback.
Baseline: reading the same bytes with openpyxl in read-only mode (every cell of every row).
BENCH_PROFILE=1 also runs the import under cProfile and writes var/bench/b6_import.prof.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import time

from .harness import Result

NUMBER = "B6"
WHAT = "import 100,000 households from XLSX"
TARGET = "≤ 3× the openpyxl read time"
NEEDS = ("city",)
HOUSEHOLDS = 100_000
MAX_RATIO = 3.0
RESIDENTS_PER_HOUSEHOLD = 1  # of an occupied household
FILE_VERSION = 2  # bump when the generated content changes

HEADER = ["小区", "楼栋", "单元", "楼层", "房号", "居住状态", "姓名", "身份证号", "联系电话", "与户主关系", "关爱标签", "党员"]
REGION = "140728"


def _id_number(n: int, gender: int, born: dt.date) -> str:
    """A unique, valid ID number: n picks the birth date offset and sequence, so no two are equal."""
    from wangge.core.pii import id_check_char

    seq = (n // 20_000) * 2 + gender + 100  # n // 20000 < 445 keeps it at three digits
    day = born + dt.timedelta(days=(n * 7919) % 20_000 // 1000)  # spread, and unique with seq and born
    first17 = f"{REGION}{day:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def _workbook(path, units) -> int:
    """Write the workbook; returns its number of data rows."""
    import openpyxl

    from .city import GIVEN, SURNAMES

    rng = random.Random(6)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("住户名册")
    ws.append(HEADER)
    rows = households = 0
    person = 0
    used: set[str] = set()
    for estate, building, unit, floors, rooms in units:
        for floor in range(1, floors + 1):
            for r in range(1, rooms + 1):
                if households == HOUSEHOLDS:
                    break
                households += 1
                room = f"{floor}0{r}"
                roll = rng.random()
                occupancy = "空置" if roll < 0.10 else ("出租" if roll < 0.28 else "自住")
                place = [estate, building, unit, floor, room, occupancy]
                if occupancy == "空置":
                    ws.append(place + [None] * 6)
                    rows += 1
                    continue
                size = RESIDENTS_PER_HOUSEHOLD
                surname = rng.choice(SURNAMES)
                for k in range(size):
                    relation = ("本人", "配偶", "子女", "父母")[k] if occupancy == "自住" else ("租户" if k else "本人")
                    gender = rng.randrange(2)
                    born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(26_000))
                    while True:
                        person += 1
                        id_number = _id_number(person, gender, born)
                        if id_number not in used:
                            break
                    used.add(id_number)
                    name = (surname if relation != "配偶" else rng.choice(SURNAMES)) + "".join(
                        rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
                    phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}" if rng.random() < 0.8 else None
                    care = "独居老人" if size == 1 and born.year < 1955 else (
                        "低保户" if rng.random() < 0.03 else ("残疾人" if rng.random() < 0.02 else None))
                    party = "是" if rng.random() < 0.08 else "否"
                    ws.append(place + [name, id_number, phone, relation, care, party])
                    rows += 1
    wb.save(path)
    return rows


def _read(data: bytes) -> tuple[float, int]:
    import openpyxl

    start = time.perf_counter()
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    cells = 0
    for ws in wb.worksheets:
        for values in ws.iter_rows(values_only=True):
            cells += len(values)
    wb.close()
    return time.perf_counter() - start, cells


def run(ctx) -> Result:
    from wangge.registry.importing import households_import_file
    from wangge.registry.models import GridNode, Household, Resident

    city = ctx.city()
    path = ctx.var / f"households-{HOUSEHOLDS}-v{FILE_VERSION}.xlsx"
    if not path.exists():
        start = time.perf_counter()
        rows = _workbook(path, city.units)
        ctx.say(f"workbook written: {rows:,} rows in {time.perf_counter() - start:.0f} s ({path.name})")
    data = path.read_bytes()
    ctx.say(f"workbook: {len(data) / 1024 / 1024:.1f} MB")

    read_s, _ = _read(data)
    ctx.say(f"openpyxl read-only: {read_s:.1f} s")

    Resident.objects.all().delete()
    Household.objects.all().delete()
    grid = GridNode.objects.get(pk=city.first_subdistrict().id)
    marks: dict[str, float] = {}

    def progress(stage, done, total):
        marks.setdefault(stage, time.perf_counter())

    profile = os.environ.get("BENCH_PROFILE") == "1"
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start = time.perf_counter()
    report = households_import_file(actor=None, grid=grid, data=data, file_name=path.name, progress=progress)
    end = time.perf_counter()
    if profile:
        profiler.disable()
        profiler.dump_stats(ctx.var / "b6_import.prof")
        ctx.say(f"profile: {ctx.var / 'b6_import.prof'}")
    import_s = end - start
    stages = {}
    order = [s for s in ("read", "check", "write") if s in marks]
    for k, stage in enumerate(order):
        stages[stage] = (marks[order[k + 1]] if k + 1 < len(order) else end) - (marks[stage] if k else start)
    households = report.households.created
    residents = report.residents.created
    ctx.say(f"import: {import_s:.1f} s ({', '.join(f'{s} {t:.1f} s' for s, t in stages.items())}); "
            f"{households:,} households, {residents:,} residents created")

    ratio = import_s / read_s
    ok = ratio <= MAX_RATIO and households == HOUSEHOLDS and not report.errors
    notes = []
    if report.errors:
        notes.append(f"{len(report.errors)} row errors, first: {report.errors[0]}")
    if ratio > MAX_RATIO:
        rows = report.total_rows
        notes.append(
            f"{import_s:.0f} s for {rows:,} rows = {import_s / rows * 1e6:,.0f} µs a row against "
            f"{read_s / rows * 1e6:,.0f} µs to read it; by stage: "
            + ", ".join(f"{s} {t:.0f} s ({t / read_s:.1f}× the read)" for s, t in stages.items())
        )
    return Result(
        NUMBER, WHAT,
        figure=f"{import_s:.1f} s ({HOUSEHOLDS / import_s:,.0f} households/s; "
               + ", ".join(f"{s} {t:.1f} s" for s, t in stages.items()) + ")",
        baseline=f"openpyxl read {read_s:.1f} s",
        ratio=f"{ratio:.1f}×",
        target=TARGET, ok=ok,
        data={"import_s": import_s, "read_s": read_s, "stages_s": stages, "rows": report.total_rows,
              "households": households, "residents": residents, "file_mb": len(data) / 1024 / 1024},
        notes=notes,
    )
