"""Building (and replacing) the synthetic city. See docs/synth.md.

`city_synthesize` checks the options, then in one transaction writes the registry and the people
(`population`), the history of matters with their events, escalations, visits and disputes (`matters`,
`fieldwork`), and — on PostgreSQL — rebuilds the indexes it set aside; after the commit it vacuums the matters,
analyzes the tables and rebuilds the rollups. Bad options and an existing synthetic city are refused before anything
is written.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import time
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from wangge.core.errors import InvalidInput
from wangge.matters import sla, taxonomy
from wangge.matters.models import Category
from wangge.registry.locate import boundaries_changed
from wangge.registry.models import GridNode, Level, Resident

from . import layout
from .bulk import Writer
from .clock import FastClock
from .fieldwork import Disputes
from .matters import History
from .population import Keys, Population
from .progress import Progress

DAY = 86400
SYNTH_NAME = f"{layout.DISTRICT_NAME}（模拟）"
MAX_MONTHS = 120
# Tables that get their secondary indexes and constraints back only at the end (PostgreSQL).
BIG_TABLES = ("registry_household", "registry_resident", "matters_matter", "matters_event", "matters_escalation",
              "visits_visit", "visits_visit_matters")


@dataclass
class Result:
    rows: dict[str, int] = field(default_factory=dict)            # table → rows written
    # (phase, seconds, tables, CPU seconds of this process and its workers, CPU seconds of the database
    # backend — None when it cannot be read, e.g. a remote server)
    phases: list[tuple[str, float, list[str], float, float | None]] = field(default_factory=list)
    indexes: list[tuple[str, float]] = field(default_factory=list)    # table → seconds to rebuild
    seconds: float = 0.0
    replaced: dict[str, int] = field(default_factory=dict)
    rollups: str = ""
    states: dict[str, int] = field(default_factory=dict)


def _int(value, name: str, *, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            raise InvalidInput.field(name, f"应为整数，而不是 {value!r}") from None
    if value < low:
        raise InvalidInput.field(name, f"不能小于 {low}（现为 {value}）")
    if high is not None and value > high:
        raise InvalidInput.field(name, f"不能大于 {high}（现为 {value}）")
    return value


def check_options(*, subdistricts, households, matters, months, seed) -> dict:
    """The options as numbers, or InvalidInput naming the option that is wrong."""
    subdistricts = _int(subdistricts, "--subdistricts", low=1, high=layout.MAX_CHILDREN)
    households = _int(households, "--households", low=1)
    matters = _int(matters, "--matters", low=0)
    months = _int(months, "--months", low=1, high=MAX_MONTHS)
    seed = _int(seed, "--seed", low=-(2**63))
    if households < subdistricts:
        raise InvalidInput.field("--households", f"住户数（{households}）不能少于街道数（--subdistricts {subdistricts}）")
    if layout.communities_per_subdistrict(households, subdistricts) > layout.MAX_CHILDREN:
        raise InvalidInput.field(
            "--households", f"每个街道最多 {layout.MAX_CHILDREN} 个社区（约 {layout.HOUSEHOLDS_PER_COMMUNITY} 户一个）；"
                            f"请增加 --subdistricts"
        )
    return {"subdistricts": subdistricts, "households": households, "matters": matters, "months": months,
            "seed": seed}


def existing_city() -> GridNode | None:
    return GridNode.objects.filter(code=layout.DISTRICT_CODE, level=Level.DISTRICT).first()


class City:
    """What every stage of one load shares."""

    def __init__(self, *, seed: int, months: int, households: int, district, writer: Writer, progress: Progress,
                 visits: bool = True):
        self.seed = seed
        self.months = months
        self.households = households
        self.district = district
        self.writer = writer
        self.progress = progress
        self.visits = visits
        self.keys = Keys()
        self.tz = timezone.get_default_timezone()
        self.now = float(int(time.time()))
        today = dt.datetime.fromtimestamp(self.now, self.tz).date()
        month = today.month - 1 - months
        first = dt.date(today.year + month // 12, month % 12 + 1, min(today.day, 28))
        self.start = dt.datetime.combine(first, dt.time(), tzinfo=self.tz).timestamp()
        self.duty_start = self.start - 30 * DAY
        self.today = self.now
        self.clock = FastClock(sla.calendar(), self.duty_start - 2 * DAY, self.now + 500 * DAY)
        self.taken_id_numbers = set(
            Resident.objects.filter(id_number__startswith=layout.DISTRICT_CODE).values_list("id_number", flat=True)
        )
        self.population: Population | None = None

    def midnight(self, t: float) -> float:
        local = dt.datetime.fromtimestamp(t, self.tz)
        return dt.datetime.combine(local.date(), dt.time(), tzinfo=self.tz).timestamp()

    def local_day(self, t: float) -> str:
        return dt.datetime.fromtimestamp(t, self.tz).date().isoformat()


def city_synthesize(*, subdistricts, households, matters, seed=1, months=24, replace: bool = False,
                    rollups: bool = True, visits: bool = True, progress: Progress | None = None) -> Result:
    """Build the synthetic city. Refused (nothing written) on a bad option, or when the synthetic district
    exists and `replace` is not given; with `replace`, the old city goes in the same transaction."""
    options = check_options(subdistricts=subdistricts, households=households, matters=matters, months=months,
                            seed=seed)
    progress = progress or Progress(quiet=True)
    old = existing_city()
    if old is not None and old.name != SYNTH_NAME:
        raise InvalidInput.field("--replace", f"编码 {old.code} 的县（区）“{old.name}”不是模拟城市，不会改动它")
    if old is not None and not replace:
        raise InvalidInput.field(
            "--replace", f"数据库中已有模拟城市（{old.name}，编码 {old.code}）；加 --replace 删除后重新生成"
        )
    result = Result()
    started = time.perf_counter()
    with transaction.atomic():
        clock = _Clock()
        if old is not None:
            result.replaced = city_delete(old)
            clock.phase(result, "replace")
            progress.say(f"已删除原模拟城市：{sum(result.replaced.values()):,} 行，{result.phases[-1][1]:.1f} 秒")
        if not Category.objects.filter(children__isnull=True, active=True).exists():
            taxonomy.seed()   # a database flushed after its migrations (tests)
            sla.forget_calendar()
        writer, matter_count = _load(options, progress, result, clock, visits=visits)
        clock.mark()
    clock.phase(result, "commit")
    boundaries_changed()  # written by COPY, not by the registry services: this process's next lookup rebuilds
    if writer.postgres:
        writer.analyze()
        clock.phase(result, "analyze")
    if rollups and matter_count:
        result.rollups = _rollups(progress)
        clock.phase(result, "rollups")
    result.seconds = time.perf_counter() - started
    return result


def _load(options: dict, progress: Progress, result: Result, clock: _Clock, *, visits: bool) -> tuple[Writer, int]:
    district = layout.plan_city(subdistricts=options["subdistricts"], households=options["households"],
                                seed=options["seed"])
    district.name = SYNTH_NAME
    clock.phase(result, "plan")
    writer = Writer()
    city = City(seed=options["seed"], months=options["months"], households=options["households"], district=district,
                writer=writer, progress=progress, visits=visits)
    population = city.population = Population(city)
    disputes = Disputes(city, matters=options["matters"], dispute_share=_dispute_share())
    history = History(city, disputes)
    writer.start()
    writer.drop_indexes([name for name in BIG_TABLES if name in writer.tables])

    stage = progress.stage("住户", options["households"])
    population.run(stage)
    for table in writer.tables.values():
        table.flush()
    stage.close()
    registry_tables = [name for name, table in writer.tables.items() if table.count]
    clock.phase(result, "registry", registry_tables)

    stage = progress.stage("关键小事", options["matters"])
    history.generate(options["matters"], stage, workers=_workers(writer, options["matters"]))
    writer.finish()
    stage.close()
    clock.phase(result, "matters", [n for n, tb in writer.tables.items() if tb.count and n not in registry_tables])

    writer.restore_indexes(progress.say)
    result.indexes = writer.timings
    if writer.postgres:
        clock.phase(result, "indexes")
    result.rows = {name: table.count for name, table in writer.tables.items()}
    with connection.cursor() as c:
        c.execute("SELECT state, COUNT(*) FROM matters_matter WHERE subdistrict_id IN "
                  "(SELECT id FROM registry_gridnode WHERE path LIKE %s AND level = 'subdistrict') GROUP BY state",
                  [f"/{district.id}/%"])
        result.states = dict(c.fetchall())
    return writer, options["matters"]


def _workers(writer: Writer, matters: int) -> int:
    """Processes that simulate matters: on PostgreSQL with enough of them, one per core (the database works
    on its own process meanwhile); SYNTH_WORKERS overrides."""
    configured = os.environ.get("SYNTH_WORKERS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured) if writer.postgres else 1
    if not writer.postgres or matters < 100_000:
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


class _Clock:
    """Wall time and CPU time of a phase, ours (with the worker processes) and the database backend's."""

    def __init__(self):
        self.backend = None
        if connection.vendor == "postgresql":
            with connection.cursor() as c:
                c.execute("SELECT pg_backend_pid()")
                self.backend = c.fetchone()[0]
        self.mark()

    @staticmethod
    def ours() -> float:
        me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime

    def database(self) -> float | None:
        try:
            with open(f"/proc/{self.backend}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError, TypeError):
            return None

    def mark(self) -> None:
        self.wall, self.cpu, self.db = time.perf_counter(), self.ours(), self.database()

    def phase(self, result: Result, name: str, tables: list[str] | None = None) -> None:
        db = self.database()
        result.phases.append((name, time.perf_counter() - self.wall, tables or [], self.ours() - self.cpu,
                              db - self.db if db is not None and self.db is not None else None))
        self.mark()


def _dispute_share() -> float:
    from wangge.demo.matters import CONTENT

    total = sum(w for w, _ in CONTENT.values())
    share = sum(w for code, (w, _) in CONTENT.items() if code.startswith("dispute") or code == "order-noise")
    return share / total if total else 0.1


def _rollups(progress: Progress) -> str:
    try:
        from wangge.insights.rollups.services import rollups_rebuild
    except ImportError:
        message = "统计汇总（rollups）尚不可用，未重建；可用后请运行 wangge rollups rebuild"
        progress.say(message)
        return message
    rows = rollups_rebuild(progress=progress.say)
    return f"统计汇总已重建：{rows:,} 行"


# -- replacing -------------------------------------------------------------------------------------------


def city_delete(district: GridNode) -> dict[str, int]:
    """Delete the district and everything that hangs from it: every tenant row of its subdistricts, every row
    whose foreign key leads (in any number of steps) to a row deleted, and the foreign keys that are SET_NULL
    cleared. Rows are marked first (one temporary table of ids per model, to a fixpoint), then deleted, so
    the order of the deletes does not matter within the transaction (foreign keys are checked at commit)."""
    from django.db.models import SET_DEFAULT, SET_NULL

    qn = connection.ops.quote_name
    models = [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]
    marks: dict = {}

    def mark_table(model) -> str:
        if model not in marks:
            name = f"synth_del_{len(marks)}"
            with connection.cursor() as c:
                c.execute(f"CREATE TEMPORARY TABLE {name} (id {model._meta.pk.db_type(connection)} PRIMARY KEY)")
            marks[model] = name
        return marks[model]

    def add(model, where: str, params=()) -> int:
        name = mark_table(model)
        pk = qn(model._meta.pk.column)
        with connection.cursor() as c:
            c.execute(f"INSERT INTO {name} (id) SELECT {pk} FROM {qn(model._meta.db_table)} t WHERE ({where}) "
                      f"AND NOT EXISTS (SELECT 1 FROM {name} d WHERE d.id = t.{pk})", list(params))
            return c.rowcount

    subdistricts = list(GridNode.objects.filter(path__startswith=district.path, level=Level.SUBDISTRICT)
                        .values_list("pk", flat=True)) or [0]
    sub_list = ", ".join(str(int(s)) for s in subdistricts)
    add(GridNode, "t.path LIKE %s", [f"{district.path}%"])
    for model in models:
        if any(f.name == "subdistrict" and f.is_relation for f in model._meta.concrete_fields) and model is not GridNode:
            add(model, f"t.subdistrict_id IN ({sub_list})")
    nulls: set = set()
    changed = True
    while changed:
        changed = False
        for model in models:
            for f in model._meta.concrete_fields:
                if not f.is_relation or f.related_model not in marks:
                    continue
                target = marks[f.related_model]
                if f.remote_field.on_delete in (SET_NULL, SET_DEFAULT):
                    nulls.add((model, f, target))
                    continue
                if add(model, f"t.{qn(f.column)} IN (SELECT id FROM {target})"):
                    changed = True
    counts: dict[str, int] = {}
    with connection.cursor() as c:
        for model, f, target in nulls:
            own = marks.get(model)
            skip = f" AND {qn(model._meta.pk.column)} NOT IN (SELECT id FROM {own})" if own else ""
            c.execute(f"UPDATE {qn(model._meta.db_table)} SET {qn(f.column)} = NULL "
                      f"WHERE {qn(f.column)} IN (SELECT id FROM {target}){skip}")
        for model, name in marks.items():
            c.execute(f"DELETE FROM {qn(model._meta.db_table)} WHERE {qn(model._meta.pk.column)} IN "
                      f"(SELECT id FROM {name})")
            if c.rowcount:
                counts[model._meta.db_table] = c.rowcount
            c.execute(f"DROP TABLE {name}")
    return counts
