"""Writing the rollups: deltas from each change of a matter, the fold that spreads them to every ancestor
exactly once, the visit rollups written as each visit is logged, and the rebuild (and check) from the
matters and visits tables."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from wangge.core import bulkload
from wangge.registry.models import GridNode, path_ids

from . import contributions
from .models import (
    METRICS,
    NEVER,
    VISIT_METRICS,
    Ancestry,
    DayCount,
    Delta,
    MetMonth,
    MonthCount,
    StateCount,
    VisitDay,
    VisitMonth,
)

FOLD_BATCH = 20_000
PERIOD_COLUMNS = ("grid_id", "category_id", "source", "day", *METRICS)
STATE_COLUMNS = ("grid_id", "category_id", "state", "breached", "current")

Progress = Callable[[str], None]


# -- deltas ---------------------------------------------------------------------------------------------


def record(*, before: dict | None, after: dict | None) -> list[Delta]:
    """Append what a change of one matter adds to or takes from the rollups (called by the matters
    services through `matters.signals.matter_changed`, in their transaction)."""
    rows = []
    for key, amounts in contributions.difference(before, after).items():
        if key[0] == "d":
            _kind, grid, category, source, day = key
            rows.append(Delta(grid_id=grid, category_id=category, source=source, day=day, **amounts))
        else:
            _kind, grid, category, state, breached = key
            rows.append(Delta(grid_id=grid, category_id=category, state=state, breached_now=breached,
                              current=amounts["current"]))
    return Delta.objects.bulk_create(rows) if rows else []


# -- ancestry -------------------------------------------------------------------------------------------


def _ancestry_rows(nodes: Iterable[tuple[int, str]]) -> list[Ancestry]:
    return [Ancestry(node_id=pk, ancestor_id=ancestor) for pk, path in nodes for ancestor in path_ids(path)]


def ancestry_ensure(grid_ids: Iterable[int]) -> int:
    """Ancestry rows for the nodes that have none yet (a node created since the last fold)."""
    ids = set(grid_ids)
    if not ids:
        return 0
    known = set(Ancestry.objects.filter(node_id__in=ids).values_list("node_id", flat=True).distinct())
    missing = GridNode.objects.filter(pk__in=ids - known).values_list("pk", "path")
    rows = _ancestry_rows(missing)
    Ancestry.objects.bulk_create(rows, batch_size=5_000, ignore_conflicts=True)
    return len(rows)


def ancestry_rebuild() -> int:
    """Every node's ancestors, afresh from the materialised paths."""
    Ancestry.objects.all().delete()
    total = 0
    batch: list[Ancestry] = []
    for pk, path in GridNode.objects.order_by("pk").values_list("pk", "path").iterator(chunk_size=5_000):
        batch.extend(_ancestry_rows([(pk, path)]))
        if len(batch) >= 20_000:
            total += len(Ancestry.objects.bulk_create(batch, batch_size=5_000))
            batch = []
    total += len(Ancestry.objects.bulk_create(batch, batch_size=5_000))
    return total


# -- the fold -------------------------------------------------------------------------------------------


def _table(model) -> str:
    return model._meta.db_table


def _add(table: str, metrics: Iterable[str]) -> str:
    return ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in metrics)


def _fold_periods(source_sql: str, params: list) -> None:
    """Add leaf period rows (PERIOD_COLUMNS) to the day and month rollups of every ancestor."""
    ancestry, metrics = _table(Ancestry), list(METRICS)
    sums = ", ".join(f"SUM(s.{m})" for m in metrics)
    cols = ", ".join(metrics)
    with connection.cursor() as cursor:
        for model, period, expression in (
            (DayCount, "day", "s.day"),
            (MonthCount, "month", contributions.month_sql("s.day")),
        ):
            table = _table(model)
            cursor.execute(
                f"INSERT INTO {table} (node_id, {period}, category_id, source, {cols}) "
                f"SELECT a.ancestor_id, {expression}, s.category_id, s.source, {sums} "
                f"FROM ({source_sql}) s JOIN {ancestry} a ON a.node_id = s.grid_id WHERE TRUE "
                f"GROUP BY a.ancestor_id, {expression}, s.category_id, s.source "
                f"ON CONFLICT (node_id, {period}, category_id, source) DO UPDATE SET {_add(table, metrics)}",
                params,
            )


def _fold_states(source_sql: str, params: list) -> None:
    table, ancestry = _table(StateCount), _table(Ancestry)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (node_id, category_id, state, breached, count) "
            f"SELECT a.ancestor_id, s.category_id, s.state, s.breached, SUM(s.current) "
            f"FROM ({source_sql}) s JOIN {ancestry} a ON a.node_id = s.grid_id WHERE TRUE "
            f"GROUP BY a.ancestor_id, s.category_id, s.state, s.breached "
            f"ON CONFLICT (node_id, category_id, state, breached) DO UPDATE SET {_add(table, ['count'])}",
            params,
        )


def _claimed(ids: list[int]) -> tuple[str, list]:
    if connection.vendor == "postgresql":
        return "id = ANY(%s)", [ids]
    return f"id IN ({', '.join(str(int(i)) for i in ids)})", []


def fold(*, batch: int = FOLD_BATCH) -> int:
    """Fold one batch of deltas into the rollups and delete them, in one transaction. Deltas another fold
    holds are skipped (FOR UPDATE SKIP LOCKED), so folds may run at once and each delta counts once.
    Returns how many deltas were folded."""
    with transaction.atomic():
        ids = list(
            Delta.objects.select_for_update(skip_locked=True).order_by("id").values_list("id", flat=True)[:batch]
        )
        if not ids:
            return 0
        where, params = _claimed(ids)
        delta = _table(Delta)
        ancestry_ensure(Delta.objects.filter(id__in=ids).values_list("grid_id", flat=True).distinct())
        _fold_periods(
            f"SELECT {', '.join(PERIOD_COLUMNS)} FROM {delta} WHERE day IS NOT NULL AND {where}", params
        )
        _fold_states(
            f"SELECT grid_id, category_id, state, breached_now AS breached, current FROM {delta} "
            f"WHERE day IS NULL AND {where}",
            params,
        )
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {delta} WHERE {where}", params)
        return len(ids)


def fold_all(*, progress: Progress | None = None) -> int:
    """Fold until no delta is left (the job's and the commands' loop)."""
    total = 0
    while done := fold():
        total += done
        if progress:
            progress(f"folded {total:,} changes")
    return total


# -- visits ---------------------------------------------------------------------------------------------


def _spread(into: dict[tuple, Counter], path: str, key: tuple, counts: dict) -> None:
    """Add `counts` at `key` to the rows of every ancestor of the node at `path` (and the node's own)."""
    for node in path_ids(path):
        into[(node, *key)].update(counts)


def _upsert(model, keys: tuple[str, ...], metrics: tuple[str, ...], rows: dict[tuple, Counter]) -> None:
    """Add {(node_id, *keys): counts} to `model`'s rows in key order, so that two visits logged at once lock
    the rows they share in the same order and cannot deadlock."""
    values = [(*key, *(counts[m] for m in metrics)) for key, counts in sorted(rows.items()) if any(counts.values())]
    if not values:
        return
    table, columns = _table(model), ("node_id", *keys, *metrics)
    marks = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {marks} "
            f"ON CONFLICT (node_id, {', '.join(keys)}) DO UPDATE SET {_add(table, metrics)}",
            [v for row in values for v in row],
        )


def _month(at) -> dt.date:
    return timezone.localdate(at).replace(day=1)


def visit_record(visit) -> None:
    """Count one visit just logged in the visit rollups of every ancestor of its grid (called by `visit_log`
    through `visits.signals.visit_logged`, in its transaction). A met visit takes the household's row lock,
    then finds its neighbours among the household's met visits: it counts after the one before it, and the
    one after it, if it was logged late, now counts after it instead."""
    from wangge.fieldwork.visits.models import Outcome, Visit
    from wangge.registry.models import Household

    day = timezone.localdate(visit.visited_at)
    month = day.replace(day=1)
    met = visit.outcome == Outcome.MET
    days: dict[tuple, Counter] = defaultdict(Counter)
    months: dict[tuple, Counter] = defaultdict(Counter)
    followers: dict[tuple, Counter] = defaultdict(Counter)
    if met:
        list(Household.objects.select_for_update().filter(pk=visit.household_id).values_list("pk"))
        mine = Visit.objects.filter(household_id=visit.household_id, outcome=Outcome.MET).exclude(pk=visit.pk)
        at = visit.visited_at
        before = (mine.filter(Q(visited_at__lt=at) | Q(visited_at=at, pk__lt=visit.pk))
                  .order_by("-visited_at", "-pk").values_list("visited_at", flat=True).first())
        after = (mine.filter(Q(visited_at__gt=at) | Q(visited_at=at, pk__gt=visit.pk))
                 .order_by("visited_at", "pk").values_list("visited_at", "grid__path").first())
        previous = _month(before) if before else NEVER
        _spread(followers, visit.grid.path, (month, previous), {"met": 1})
        if after:
            later_at, later_path = after
            _spread(followers, later_path, (_month(later_at), previous), {"met": -1})
            _spread(followers, later_path, (_month(later_at), month), {"met": 1})
    counts = {"visits": 1, "met": int(met)}
    _spread(days, visit.grid.path, (day,), counts)
    _spread(months, visit.grid.path, (month,), counts)
    _upsert(VisitDay, ("day",), VISIT_METRICS, days)
    _upsert(VisitMonth, ("month",), VISIT_METRICS, months)
    _upsert(MetMonth, ("month", "previous"), ("met",), followers)


def _write_fresh_visits(day: str, month: str, met_month: str) -> None:
    """Write every visit rollup from the visits table into empty tables (the rollups' own, or a check's)."""
    from wangge.fieldwork.visits.models import Outcome, Visit

    visits = _table(Visit)
    cols = ", ".join(VISIT_METRICS)

    def days(level: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {day} (node_id, day, {cols}) SELECT node_id, day, {cols} FROM {level}")

    def months(level: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {month} (node_id, month, {cols}) SELECT node_id, month, {cols} FROM {level}")

    visit_day, p1 = contributions.local_date_sql("v.visited_at")
    _sum_up_days((f"SELECT v.grid_id, {visit_day} AS day, 1 AS visits, "
                  f"CASE WHEN v.outcome = %s THEN 1 ELSE 0 END AS met FROM {visits} v", [*p1, Outcome.MET.value]),
                 (), VISIT_METRICS, days, months)

    def followers(level: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {met_month} (node_id, month, previous, met) "
                           f"SELECT node_id, month, previous, met FROM {level}")

    # Each met visit after the household's previous one, ordered as `visit_record` orders them: by time,
    # then by the order they were logged.
    this_day, p2 = contributions.local_date_sql("s.visited_at")
    previous_day, p3 = contributions.local_date_sql("s.before")
    _sum_up((
        f"SELECT s.grid_id, {contributions.month_sql(this_day)} AS month, "
        f"COALESCE({contributions.month_sql(previous_day)}, %s) AS previous, 1 AS met FROM ("
        f"SELECT v.grid_id, v.visited_at, LAG(v.visited_at) OVER ("
        f"PARTITION BY v.household_id ORDER BY v.visited_at, v.id) AS before "
        f"FROM {visits} v WHERE v.outcome = %s) s",
        [*p2, *p3, NEVER, Outcome.MET.value],
    ), ("month", "previous"), ("met",), followers)


# -- rebuild and check ----------------------------------------------------------------------------------


def _lock_sources() -> None:
    """Hold matters and visits still while the rollups are recomputed: changes wait for the commit
    (PostgreSQL)."""
    from wangge.fieldwork.visits.models import Visit

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE matters_matter, {_table(Visit)} IN SHARE MODE")


def _sums(metrics: tuple[str, ...]) -> str:
    """The SELECT list summing `metrics` of the rows aliased s, each as its column's type: PostgreSQL sums
    INTEGER to BIGINT and BIGINT to NUMERIC, and a level summed from NUMERIC or BIGINT columns takes about
    twice as long as one from INTEGER columns."""
    return ", ".join(f"CAST(SUM(s.{m}) AS {contributions.sql_type(m)}) AS {m}" for m in metrics)


_OWN = "wangge_rollup_own"
_OWN_MONTHS = "wangge_rollup_own_month"


def _sum_up(source: tuple[str, list], keys: tuple[str, ...], metrics: tuple[str, ...],
            write: Callable[[str], None]) -> None:
    """Sum rows of (grid_id, *keys, *metrics) — each node's own — into every ancestor, level by level from
    the deepest nodes up: a node's rows are its own plus its children's rows, so each source row is read
    once and each level sums the (far fewer) rows of the level below, instead of one GROUP BY over every
    row × every ancestor. `write(table)` is called with each level's temporary table (or view) of
    (node_id, *keys, *metrics) while it exists."""
    _own(source, keys, metrics)
    _levels(_OWN, keys, metrics, write)
    _drop(_OWN)


def _sum_up_days(source: tuple[str, list], keys: tuple[str, ...], metrics: tuple[str, ...],
                 days: Callable[[str], None], months: Callable[[str], None]) -> None:
    """`_sum_up` for rows of (grid_id, day, *keys, *metrics), then once more by month: `days(table)` gets each
    level's (node_id, day, *keys, *metrics), `months(table)` each level's (node_id, month, *keys, *metrics).
    The months are summed from the nodes' own rows per month, level by level, rather than from each level's
    day rows: a level has about three day rows for each month row."""
    _own(source, ("day", *keys), metrics)
    _levels(_OWN, ("day", *keys), metrics, days)
    key_cols = "".join(f", s.{k}" for k in keys)
    month = contributions.month_sql("s.day")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_OWN_MONTHS}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_OWN_MONTHS} AS SELECT s.node_id, s.depth, {month} AS month{key_cols}, "
            f"{_sums(metrics)} FROM {_OWN} s GROUP BY s.node_id, s.depth, {month}{key_cols}",
            [],
        )
    _drop(_OWN)
    _levels(_OWN_MONTHS, ("month", *keys), metrics, months)
    _drop(_OWN_MONTHS)


def _own(source: tuple[str, list], keys: tuple[str, ...], metrics: tuple[str, ...]) -> None:
    """The temporary table of each node's own rows, summed per (node, *keys), with the node's depth."""
    sql, params = source
    key_cols = ", ".join(f"s.{k}" for k in keys)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_OWN}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_OWN} AS SELECT s.grid_id AS node_id, g.depth, {key_cols}, {_sums(metrics)} "
            f"FROM ({sql}) s JOIN {_table(GridNode)} g ON g.id = s.grid_id GROUP BY s.grid_id, g.depth, {key_cols}",
            params,
        )


def _levels(own: str, keys: tuple[str, ...], metrics: tuple[str, ...], write: Callable[[str], None]) -> None:
    """Each level's rows, from the deepest up, handed to `write` and dropped once the level above is summed.
    The deepest level has no children: its rows are the own rows at its depth as they stand, read through a
    view rather than copied."""
    nodes = _table(GridNode)
    key_cols = ", ".join(f"s.{k}" for k in keys)
    values = ", ".join(f"s.{m}" for m in metrics)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(depth), MAX(depth) FROM {nodes}")
        top, bottom = cursor.fetchone()
        below, below_is_view = None, False
        for depth in range(bottom if bottom is not None else -1, (top or 0) - 1, -1):
            level = f"wangge_rollup_level{depth}"
            is_view = below is None
            if is_view:
                cursor.execute(f"CREATE TEMPORARY VIEW {level} AS SELECT s.node_id, {key_cols}, {values} "
                               f"FROM {own} s WHERE s.depth = {int(depth)}")
            else:
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {level} AS SELECT s.node_id, {key_cols}, {_sums(metrics)} FROM ("
                    f"SELECT s.node_id, {key_cols}, {values} FROM {own} s WHERE s.depth = %s UNION ALL "
                    f"SELECT g.parent_id, {key_cols}, {values} FROM {below} s JOIN {nodes} g ON g.id = s.node_id"
                    f") s GROUP BY s.node_id, {key_cols}",
                    [depth],
                )
            write(level)
            if below:
                _drop(below, view=below_is_view)
            below, below_is_view = level, is_view
        if below:
            _drop(below, view=below_is_view)


def _drop(relation: str, *, view: bool = False) -> None:
    """Drop a temporary table (or view) of the rebuild."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP {'VIEW' if view else 'TABLE'} {relation}")


PERIOD_KEYS = ("category_id", "source")  # and the day or the month
STATE_KEYS = ("category_id", "state", "breached")


def _write_fresh(day: str, month: str, state: str) -> None:
    """Write every rollup from the matters table into empty tables (the rollups' own, or a check's)."""
    cols = ", ".join(METRICS)
    keys = ", ".join(PERIOD_KEYS)

    def days(level: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {day} (node_id, day, {keys}, {cols}) "
                           f"SELECT node_id, day, {keys}, {cols} FROM {level}")

    def months(level: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {month} (node_id, month, {keys}, {cols}) "
                           f"SELECT node_id, month, {keys}, {cols} FROM {level}")

    def states(level: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {state} (node_id, category_id, state, breached, count) "
                           f"SELECT node_id, category_id, state, breached, current FROM {level}")

    _sum_up_days(contributions.period_rows_sql(+1), PERIOD_KEYS, METRICS, days, months)
    _sum_up(contributions.state_rows_sql(+1), STATE_KEYS, ("current",), states)


@contextmanager
def _rebuilding():
    """The frame of a rebuild, inside its transaction: matters and visits held still, and on PostgreSQL
    foreign keys checked as rows are written (TRUNCATE and ALTER TABLE refuse tables with checks still
    deferred in the transaction), deferred again at the end."""
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    _lock_sources()
    yield
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@transaction.atomic
def rollups_rebuild(*, progress: Progress | None = None) -> int:
    """Recompute every rollup from the matters and visits tables. Returns the number of matter day rows
    written."""
    say = progress or (lambda _message: None)
    with _rebuilding():
        say("grid ancestry")
        ancestry_rebuild()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {_table(Ancestry)}")
        say("counting matters")
        _load(_write_fresh, DayCount, MonthCount, StateCount, also=[Delta])
        say("counting visits")
        _load(_write_fresh_visits, VisitDay, VisitMonth, MetMonth)
    return DayCount.objects.count()


def _load(write: Callable[..., None], *models, also=()) -> None:
    """Empty `models` (and `also`), then `write(*their tables)` with their indexes and constraints set aside
    for the load (core.bulkload) on PostgreSQL; the transaction makes this invisible to everyone else."""
    _empty(*also, *models)
    tables = [_table(m) for m in models]
    set_aside = bulkload.set_aside(tables)
    write(*tables)
    bulkload.put_back(set_aside)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")


@transaction.atomic
def visits_rebuild(*, progress: Progress | None = None) -> int:
    """Recompute the visit rollups alone from the visits table (a city whose matters rollups are sound).
    Returns the number of day rows written."""
    (progress or (lambda _message: None))("counting visits")
    with _rebuilding():
        _load(_write_fresh_visits, VisitDay, VisitMonth, MetMonth)
    return VisitDay.objects.count()


def _empty(*models) -> None:
    if connection.vendor != "postgresql":
        for model in models:
            model.objects.all().delete()
        return
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(_table(m) for m in models)}")


class _RollBack(Exception):
    pass


def rollups_check(*, progress: Progress | None = None, limit: int = 20) -> list[dict]:
    """The rollup rows that disagree with the matters and visits tables, as {table, key, difference} (stored
    minus fresh); empty when they agree. Folds what is pending, then computes the rollups afresh into temporary
    tables, inside a transaction that is rolled back, and compares."""
    say = progress or (lambda _message: None)
    fold_all(progress=progress)
    compared = (
        (DayCount, ("node_id", "day", "category_id", "source"), METRICS),
        (MonthCount, ("node_id", "month", "category_id", "source"), METRICS),
        (StateCount, ("node_id", "category_id", "state", "breached"), ("count",)),
        (VisitDay, ("node_id", "day"), VISIT_METRICS),
        (VisitMonth, ("node_id", "month"), VISIT_METRICS),
        (MetMonth, ("node_id", "month", "previous"), ("met",)),
    )
    differences: list[dict] = []
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            _lock_sources()
            say("counting matters afresh")
            fresh = []
            for model, key, metrics in compared:
                name = f"wangge_fresh_{model._meta.model_name}"
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
                cursor.execute(f"CREATE TEMPORARY TABLE {name} AS SELECT {', '.join((*key, *metrics))} "
                               f"FROM {_table(model)} WHERE 1 = 0")
                fresh.append(name)
            _write_fresh(*fresh[:3])
            say("counting visits afresh")
            _write_fresh_visits(*fresh[3:])
            say("comparing with the matters and visits tables")
            for (model, key, metrics), name in zip(compared, fresh, strict=True):
                keys = ", ".join(key)
                cursor.execute(
                    f"SELECT {keys}, {', '.join(f'SUM({m})' for m in metrics)} FROM ("
                    f"SELECT {keys}, {', '.join(metrics)} FROM {_table(model)} UNION ALL "
                    f"SELECT {keys}, {', '.join(f'-{m}' for m in metrics)} FROM {name}) s GROUP BY {keys} "
                    f"HAVING {' OR '.join(f'SUM({m}) <> 0' for m in metrics)} ORDER BY {keys} LIMIT %s",
                    [limit],
                )
                differences += [
                    _difference(model, dict(zip((*key, *metrics), row, strict=True)), key)
                    for row in cursor.fetchall()
                ]
            raise _RollBack
    except _RollBack:
        pass
    return differences


def _difference(model, row: dict, key: tuple) -> dict:
    return {
        "table": model._meta.model_name,
        "key": {k: str(row[k]) for k in key},
        "difference": {k: v for k, v in row.items() if k not in key and v},
    }
