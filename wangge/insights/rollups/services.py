"""Writing the rollups: deltas from each change of a matter, the fold that spreads them to every ancestor
exactly once, the visit rollups written as each visit is logged, and the rebuild (and check) from the
matters and visits tables."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from wangge.core import bulkload
from wangge.registry.models import GridNode

from . import contributions
from .models import (
    METRICS,
    VISIT_METRICS,
    Ancestry,
    DayCount,
    Delta,
    LastMet,
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
    return [
        Ancestry(node_id=pk, ancestor_id=int(part))
        for pk, path in nodes
        for part in path.strip("/").split("/")
        if part
    ]


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


def _ancestors(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _visit_upsert(changes: dict[tuple[str, object], Counter]) -> None:
    """Add {(grid path, local day): counts} to the day and month rows of every ancestor of each grid, in a
    fixed order (node, period), so that two visits logged at once cannot deadlock on each other's rows."""
    for model, period in ((VisitDay, "day"), (VisitMonth, "month")):
        rows: dict[tuple[int, object], Counter] = defaultdict(Counter)
        for (path, day), counts in changes.items():
            key = day if period == "day" else day.replace(day=1)
            for node in _ancestors(path):
                rows[(node, key)].update(counts)
        values = [(node, key, *(rows[node, key][m] for m in VISIT_METRICS))
                  for node, key in sorted(rows) if any(rows[node, key].values())]
        if not values:
            continue
        table = _table(model)
        marks = ", ".join(["(" + ", ".join(["%s"] * (2 + len(VISIT_METRICS))) + ")"] * len(values))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (node_id, {period}, {', '.join(VISIT_METRICS)}) VALUES {marks} "
                f"ON CONFLICT (node_id, {period}) DO UPDATE SET {_add(table, VISIT_METRICS)}",
                [v for row in values for v in row],
            )


def _last_met(visit) -> tuple[str, object] | None:
    """Make `visit` the household's latest met visit if it is one; returns the (grid path, day) that loses
    the household's `last_met`, when there was an earlier one. None when the visit is not the latest."""
    latest = LastMet.objects.select_for_update(of=("self",)).filter(household_id=visit.household_id)
    row = latest.values_list("visited_at", "grid__path").first()
    if row is None:
        try:
            with transaction.atomic():
                LastMet.objects.create(household_id=visit.household_id, grid_id=visit.grid_id,
                                       visited_at=visit.visited_at)
            return ("", None)
        except IntegrityError:  # logged at the same moment by another worker, who has committed since
            row = latest.values_list("visited_at", "grid__path").first()
    visited_at, path = row
    if visit.visited_at <= visited_at:
        return None
    latest.update(grid_id=visit.grid_id, visited_at=visit.visited_at)
    return path, timezone.localdate(visited_at)


def visit_record(visit) -> None:
    """Count one visit just logged in the visit rollups of every ancestor of its grid (called by
    `visit_log` through `visits.signals.visit_logged`, in its transaction)."""
    from wangge.fieldwork.visits.models import Outcome

    day = timezone.localdate(visit.visited_at)
    met = visit.outcome == Outcome.MET
    changes: dict[tuple[str, object], Counter] = defaultdict(Counter)
    here = changes[(visit.grid.path, day)]
    here["visits"] += 1
    if met:
        here["met"] += 1
        replaced = _last_met(visit)
        if replaced is not None:
            here["last_met"] += 1
            if replaced[0]:
                changes[replaced]["last_met"] -= 1
    _visit_upsert(changes)


def _visit_rows_sql(last_met: str) -> tuple[str, list]:
    """(grid_id, day, visits, met, last_met) of every visit and of every household's latest met visit,
    read from the table `last_met`."""
    from wangge.fieldwork.visits.models import Outcome, Visit

    visit_day, p1 = contributions.local_date_sql("v.visited_at")
    last_day, p2 = contributions.local_date_sql("l.visited_at")
    return (
        f"SELECT v.grid_id, {visit_day} AS day, 1 AS visits, "
        f"CASE WHEN v.outcome = '{Outcome.MET.value}' THEN 1 ELSE 0 END AS met, 0 AS last_met "
        f"FROM {_table(Visit)} v UNION ALL "
        f"SELECT l.grid_id, {last_day} AS day, 0 AS visits, 0 AS met, 1 AS last_met FROM {last_met} l",
        [*p1, *p2],
    )


def _write_fresh_visits(last_met: str, day: str, month: str) -> None:
    """Write each household's latest met visit, then every visit rollup, from the visits table into empty
    tables (the rollups' own, or a check's)."""
    from wangge.fieldwork.visits.models import Outcome, Visit

    cols = ", ".join(VISIT_METRICS)
    in_month = contributions.month_sql("s.day")
    with connection.cursor() as cursor:
        # Ties on the time go to the visit logged first, as `visit_record` keeps the earlier one.
        cursor.execute(
            f"INSERT INTO {last_met} (household_id, grid_id, visited_at) "
            f"SELECT household_id, grid_id, visited_at FROM ("
            f"SELECT household_id, grid_id, visited_at, ROW_NUMBER() OVER ("
            f"PARTITION BY household_id ORDER BY visited_at DESC, id ASC) AS n "
            f"FROM {_table(Visit)} WHERE outcome = %s) s WHERE n = 1",
            [Outcome.MET.value],
        )

    def periods(level: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {day} (node_id, day, {cols}) SELECT node_id, day, {cols} FROM {level}")
            cursor.execute(
                f"INSERT INTO {month} (node_id, month, {cols}) "
                f"SELECT s.node_id, {in_month}, {_sums(VISIT_METRICS)} FROM {level} s "
                f"GROUP BY s.node_id, {in_month}",
                [],
            )

    _sum_up(_visit_rows_sql(last_met), ("day",), VISIT_METRICS, periods)


# -- rebuild and check ----------------------------------------------------------------------------------


def _lock_sources() -> None:
    """Hold matters and visits still while the rollups are recomputed: changes wait for the commit
    (PostgreSQL)."""
    from wangge.fieldwork.visits.models import Visit

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE matters_matter, {_table(Visit)} IN SHARE MODE")


def _sums(metrics: tuple[str, ...]) -> str:
    """The SELECT list summing `metrics` of the rows aliased s, as BIGINT (PostgreSQL sums to NUMERIC)."""
    return ", ".join(f"CAST(SUM(s.{m}) AS BIGINT) AS {m}" for m in metrics)


def _sum_up(source: tuple[str, list], keys: tuple[str, ...], metrics: tuple[str, ...],
            write: Callable[[str], None]) -> None:
    """Sum rows of (grid_id, *keys, *metrics) — each node's own — into every ancestor, level by level from
    the deepest nodes up: a node's rows are its own plus its children's rows, so each source row is read
    once and each level sums the (far fewer) rows of the level below, instead of one GROUP BY over every
    row × every ancestor. `write(table)` is called with each level's temporary table of
    (node_id, *keys, *metrics) while it exists."""
    sql, params = source
    nodes = _table(GridNode)
    key_cols = ", ".join(f"s.{k}" for k in keys)
    values = ", ".join(f"s.{m}" for m in metrics)
    sums = _sums(metrics)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS wangge_rollup_own")
        cursor.execute(
            f"CREATE TEMPORARY TABLE wangge_rollup_own AS SELECT s.grid_id AS node_id, g.depth, {key_cols}, {sums} "
            f"FROM ({sql}) s JOIN {nodes} g ON g.id = s.grid_id GROUP BY s.grid_id, g.depth, {key_cols}",
            params,
        )
        cursor.execute(f"SELECT MIN(depth), MAX(depth) FROM {nodes}")
        top, bottom = cursor.fetchone()
        below = None
        for depth in range(bottom if bottom is not None else -1, (top or 0) - 1, -1):
            level = f"wangge_rollup_level{depth}"
            children = (
                f" UNION ALL SELECT g.parent_id, {key_cols}, {values} FROM {below} s JOIN {nodes} g ON g.id = s.node_id"
            ) if below else ""
            cursor.execute(f"DROP TABLE IF EXISTS {level}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {level} AS SELECT s.node_id, {key_cols}, {sums} FROM ("
                f"SELECT s.node_id, {key_cols}, {values} FROM wangge_rollup_own s WHERE s.depth = %s{children}"
                f") s GROUP BY s.node_id, {key_cols}",
                [depth],
            )
            write(level)
            if below:
                cursor.execute(f"DROP TABLE {below}")
            below = level
        if below:
            cursor.execute(f"DROP TABLE {below}")
        cursor.execute("DROP TABLE wangge_rollup_own")


PERIOD_KEYS = ("day", "category_id", "source")
STATE_KEYS = ("category_id", "state", "breached")


def _write_fresh(day: str, month: str, state: str) -> None:
    """Write every rollup from the matters table into empty tables (the rollups' own, or a check's). Each
    level's month rows are summed from its day rows as they are written."""
    cols = ", ".join(METRICS)
    sums = _sums(METRICS)
    in_month = contributions.month_sql("s.day")

    def periods(level: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {day} (node_id, day, category_id, source, {cols}) "
                           f"SELECT node_id, day, category_id, source, {cols} FROM {level}")
            cursor.execute(
                f"INSERT INTO {month} (node_id, month, category_id, source, {cols}) "
                f"SELECT s.node_id, {in_month}, s.category_id, s.source, {sums} FROM {level} s "
                f"GROUP BY s.node_id, {in_month}, s.category_id, s.source",
                [],
            )

    def states(level: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {state} (node_id, category_id, state, breached, count) "
                           f"SELECT node_id, category_id, state, breached, current FROM {level}")

    _sum_up(contributions.period_rows_sql(+1), PERIOD_KEYS, METRICS, periods)
    _sum_up(contributions.state_rows_sql(+1), STATE_KEYS, ("current",), states)


@transaction.atomic
def rollups_rebuild(*, progress: Progress | None = None) -> int:
    """Recompute every rollup from the matters and visits tables. Returns the number of matter day rows
    written."""
    say = progress or (lambda _message: None)
    postgres = connection.vendor == "postgresql"
    if postgres:
        # TRUNCATE and ALTER TABLE refuse tables with foreign-key checks still deferred in this transaction:
        # check as rows are written for the rest of it.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    _lock_sources()
    say("grid ancestry")
    ancestry_rebuild()
    say("counting matters")
    _load(_write_fresh, DayCount, MonthCount, StateCount, also=[Delta])
    say("counting visits")
    _load(_write_fresh_visits, LastMet, VisitDay, VisitMonth)
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {_table(Ancestry)}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
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
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    _lock_sources()
    _load(_write_fresh_visits, LastMet, VisitDay, VisitMonth)
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
            last_met = "wangge_fresh_lastmet"
            cursor.execute(f"DROP TABLE IF EXISTS {last_met}")
            cursor.execute(f"CREATE TEMPORARY TABLE {last_met} AS SELECT household_id, grid_id, visited_at "
                           f"FROM {_table(LastMet)} WHERE 1 = 0")
            _write_fresh_visits(last_met, *fresh[3:])
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
