"""What one matter adds to the rollups, in Python (for a change, from the matters services) and in SQL (for a
rebuild from the matters table). The two are written side by side so that they cannot drift apart:
`wangge rollups rebuild --check` and the tests compare them.

A matter contributes to at most two period rows of its own grid node — the day it was reported, and the day
it was closed — and to one state row. A change of the matter is the difference of its contributions before
and after.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from django.conf import settings
from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from wangge.matters.models import Rating, State

from .models import METRICS

NOT_FILED = (State.REJECTED, State.WITHDRAWN, State.MERGED)
DONE = (State.CLOSED, State.EVALUATED)

# The same conditions as ORM filters, for the pages that list the matters behind a figure.
FILED_Q = ~Q(state__in=NOT_FILED)
DONE_Q = FILED_Q & Q(state__in=DONE)
ON_TIME_Q = Q(resolved_at__isnull=False) & (Q(resolve_due__isnull=True) | Q(resolved_at__lte=F("resolve_due")))

PeriodKey = tuple  # ("d", grid_id, category_id, source, day)
StateKey = tuple  # ("s", grid_id, category_id, state, breached)


def _on_time(m: Mapping) -> bool:
    resolved, due = m["resolved_at"], m["resolve_due"]
    return resolved is not None and (due is None or resolved <= due)


def _seconds(at) -> int:
    return int(at.timestamp())


def contributions(m: Mapping | None) -> dict[tuple, Counter]:
    """{key: Counter(metric → amount)} for one matter's stored fields (None: no matter)."""
    if m is None:
        return {}
    grid, category, source = m["grid_id"], m["category_id"], m["source"]
    reported = ("d", grid, category, source, timezone.localdate(m["created_at"]))
    out: dict[tuple, Counter] = {reported: Counter(received=1)}
    filed = m["state"] not in NOT_FILED
    done = m["state"] in DONE
    on_time = _on_time(m)
    if filed:
        c = out[reported]
        c["due"] += 1
        if done:
            c["done"] += 1
            c["done_on_time"] += on_time
            c["handling_s"] += _seconds(m["closed_at"]) - _seconds(m["created_at"])
        c["reworked"] += m["rework_count"] > 0
        c["rated"] += bool(m["rating"])
        c["satisfied"] += m["rating"] == Rating.SATISFIED
        c["basic"] += m["rating"] == Rating.BASIC
        c["breached"] += bool(m["breached"])
    if done:
        closed = ("d", grid, category, source, timezone.localdate(m["closed_at"]))
        c = out.setdefault(closed, Counter())
        c["closed"] += 1
        c["closed_on_time"] += on_time
    out[("s", grid, category, m["state"], bool(m["breached"]))] = Counter(current=1)
    return out


def difference(before: Mapping | None, after: Mapping | None) -> dict[tuple, Counter]:
    """What changed between two versions of a matter, without the keys that did not change."""
    old, new = contributions(before), contributions(after)
    out = {}
    for key in old.keys() | new.keys():
        delta = Counter(new.get(key, {}))
        delta.subtract(old.get(key, {}))
        delta = {k: v for k, v in delta.items() if v}
        if delta:
            out[key] = delta
    return out


# -- the same in SQL ---------------------------------------------------------------------------------------
#
# Each query yields rows of the matter's own grid node, in the columns the fold takes: period rows
# (grid_id, category_id, source, day, *METRICS) and state rows (grid_id, category_id, state, breached, current).
# `sign` is 1 for a rebuild and -1 for a check (which subtracts what the rollups should hold).


def _vendor() -> str:
    return connection.vendor


def local_date_sql(column: str) -> tuple[str, list]:
    """The local calendar day (settings.TIME_ZONE) of a stored datetime column."""
    if _vendor() == "postgresql":
        return f"(({column}) AT TIME ZONE %s)::date", [settings.TIME_ZONE]
    return f"django_datetime_cast_date({column}, %s, %s)", [settings.TIME_ZONE, connection.timezone_name]


def month_sql(day: str) -> str:
    """The first day of the month of a date column."""
    if _vendor() == "postgresql":
        return f"date_trunc('month', {day})::date"
    return f"strftime('%%Y-%%m-01', {day})"


def _seconds_sql(column: str) -> str:
    if _vendor() == "postgresql":
        return f"EXTRACT(EPOCH FROM date_trunc('second', {column}))::bigint"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


# Metrics that outgrow INTEGER: a city's seconds of handling in a month pass 2^31.
WIDE = frozenset({"handling_s"})


def sql_type(metric: str) -> str:
    return "BIGINT" if metric in WIDE else "INTEGER"


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"  # fixed state codes, never user input


def period_rows_sql(sign: int, where: str = "TRUE") -> tuple[str, list]:
    """Period rows of every matter matching `where` (SQL over table m), grouped per grid node × day."""
    filed = f"m.state NOT IN {_in(NOT_FILED)}"
    done = f"m.state IN {_in(DONE)}"
    on_time = "(m.resolved_at IS NOT NULL AND (m.resolve_due IS NULL OR m.resolved_at <= m.resolve_due))"
    reported_day, p1 = local_date_sql("m.created_at")
    closed_day, p2 = local_date_sql("m.closed_at")

    def when(condition: str, value: str = "1") -> str:
        return f"CASE WHEN {condition} THEN {value} ELSE 0 END"

    reported = {
        "received": "1",
        "due": when(filed),
        "done": when(f"{filed} AND {done}"),
        "done_on_time": when(f"{filed} AND {done} AND {on_time}"),
        "reworked": when(f"{filed} AND m.rework_count > 0"),
        "rated": when(f"{filed} AND m.rating <> ''"),
        "satisfied": when(f"{filed} AND m.rating = '{Rating.SATISFIED}'"),
        "basic": when(f"{filed} AND m.rating = '{Rating.BASIC}'"),
        "handling_s": when(f"{filed} AND {done}",
                           f"{_seconds_sql('m.closed_at')} - {_seconds_sql('m.created_at')}"),
        "breached": when(f"{filed} AND m.breached"),
        "closed": "0",
        "closed_on_time": "0",
    }
    closed = {metric: "0" for metric in METRICS} | {"closed": "1", "closed_on_time": when(on_time)}
    table = "matters_matter"

    def select(day: str, values: dict, condition: str) -> str:
        sums = ", ".join(f"CAST({sign} * SUM({values[metric]}) AS {sql_type(metric)}) AS {metric}"
                         for metric in METRICS)
        return (f"SELECT m.grid_id, m.category_id, m.source, {day} AS day, {sums} FROM {table} m "
                f"WHERE ({where}) AND {condition} GROUP BY m.grid_id, m.category_id, m.source, {day}")

    sql = f"{select(reported_day, reported, 'TRUE')} UNION ALL {select(closed_day, closed, done)}"
    # the day expression appears twice in each SELECT (the column and the GROUP BY)
    return sql, [*p1, *p1, *p2, *p2]


def state_rows_sql(sign: int, where: str = "TRUE") -> tuple[str, list]:
    breached = "CASE WHEN m.breached THEN 1 ELSE 0 END" if _vendor() == "sqlite" else "m.breached"
    return (
        f"SELECT m.grid_id, m.category_id, m.state, {breached} AS breached, {sign} * COUNT(*) AS current "
        f"FROM matters_matter m WHERE ({where}) GROUP BY m.grid_id, m.category_id, m.state, m.breached",
        [],
    )
