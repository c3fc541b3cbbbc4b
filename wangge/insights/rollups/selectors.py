"""Reading the rollups: any node's subtree, any period, live (the rollups plus the changes not yet folded).

A period [start, end] is read from the month rows for the whole months inside it and from the day rows for
the days at its edges, so a year costs twelve month rows per category and channel, whatever the number of
matters below the node.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields

from django.db.models import Q, Sum
from django.utils import timezone

from wangge.core.months import month_start, next_month
from wangge.matters.lifecycle import OPEN_STATES
from wangge.registry.models import GridNode, path_ids

from .models import (
    METRICS,
    VISIT_METRICS,
    DayCount,
    Delta,
    MetMonth,
    MonthCount,
    StateCount,
    VisitDay,
    VisitMonth,
)

SATISFIED_WEIGHT = 0.8  # a "basically satisfied" rating counts as 0.8 of a satisfied one


@dataclass(frozen=True)
class Figures:
    """The counts of one node and period, and the indicators of digital city management evaluation."""

    received: int = 0
    due: int = 0
    done: int = 0
    done_on_time: int = 0
    reworked: int = 0
    rated: int = 0
    satisfied: int = 0
    basic: int = 0
    handling_s: int = 0
    breached: int = 0
    closed: int = 0
    closed_on_time: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    @classmethod
    def of(cls, row: dict) -> Figures:
        return cls(**{m: int(row.get(m) or 0) for m in METRICS})

    @staticmethod
    def _ratio(part: float, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def closure_rate(self) -> float | None:
        """结案率 = 结案数 ÷ 应结案数"""
        return self._ratio(self.done, self.due)

    @property
    def on_time_rate(self) -> float | None:
        """按期结案率 = 按期结案数 ÷ 应结案数"""
        return self._ratio(self.done_on_time, self.due)

    @property
    def rework_rate(self) -> float | None:
        """返工率 = 返工数 ÷ 应结案数"""
        return self._ratio(self.reworked, self.due)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率 = (满意数 + 0.8 × 基本满意数) ÷ 评价数"""
        return self._ratio(self.satisfied + SATISFIED_WEIGHT * self.basic, self.rated)

    @property
    def handling_hours(self) -> float | None:
        """平均处置时长 = 结案事项从上报到结案的用时之和 ÷ 结案数"""
        return self._ratio(self.handling_s / 3600, self.done)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)} | {
            "closure_rate": self.closure_rate,
            "on_time_rate": self.on_time_rate,
            "rework_rate": self.rework_rate,
            "satisfaction_rate": self.satisfaction_rate,
            "handling_hours": self.handling_hours,
        }


ZERO = Figures()
_SUMS = {m: Sum(m) for m in METRICS}


def split(start: dt.date, end: dt.date) -> tuple[tuple[dt.date, dt.date] | None, list[tuple[dt.date, dt.date]]]:
    """The whole months inside [start, end] (first days of the first and last), and the day ranges left."""
    first = start if start.day == 1 else next_month(start)
    ends_a_month = next_month(end) - dt.timedelta(days=1) == end
    last = month_start(end, 0 if ends_a_month else -1)
    if first > last:
        return None, [(start, end)] if start <= end else []
    days = []
    if start < first:
        days.append((start, first - dt.timedelta(days=1)))
    tail = next_month(last)
    if tail <= end:
        days.append((tail, end))
    return (first, last), days


def _rows(nodes: Iterable[GridNode], start: dt.date, end: dt.date, by: tuple[str, ...]) -> Iterable[dict]:
    """Summed rows per node (`node_id`) and per `by` key, from months, days and pending changes. Split by
    "day", every day is read from the day rows: a month row cannot say on which of its days it counted.
    Split by "month", the rows of the days at the period's edges come keyed by "day"."""
    nodes = list(nodes)
    ids = [n.pk for n in nodes]
    months, days = split(start, end) if "day" not in by else (None, [(start, end)])
    day_by = tuple("day" if k == "month" else k for k in by)  # a day row's month is its day's
    if months:
        yield from (
            MonthCount.objects.filter(node_id__in=ids, month__range=months)
            .values("node_id", *by).annotate(**_SUMS).order_by()
        )
    for first, last in days:
        yield from (
            DayCount.objects.filter(node_id__in=ids, day__range=(first, last))
            .values("node_id", *day_by).annotate(**_SUMS).order_by()
        )
    yield from _pending(nodes, start, end, day_by)


def _owner(ids: set[int]):
    """The function naming which of the nodes `ids` holds a node of materialised path `path` (or None)."""

    def owner(path: str) -> int | None:
        return next((node_id for node_id in path_ids(path) if node_id in ids), None)

    return owner


def _pending(nodes: list[GridNode], start: dt.date, end: dt.date, by: tuple[str, ...]) -> Iterable[dict]:
    """Changes not yet folded, attributed to whichever of `nodes` holds their grid node."""
    owner = _owner({n.pk for n in nodes})
    within = Q()
    for node in nodes:
        within |= Q(grid__path__startswith=node.path)
    rows = (
        Delta.objects.filter(within, day__range=(start, end))
        .values("grid__path", *by).annotate(**_SUMS).order_by()
    )
    for row in rows:
        node_id = owner(row.pop("grid__path"))
        if node_id is not None:
            yield {"node_id": node_id, **row}


def figures(node: GridNode, start: dt.date, end: dt.date) -> Figures:
    """All matters below `node` (and at it) for the local days start..end, inclusive."""
    total = ZERO
    for row in _rows([node], start, end, ()):
        total += Figures.of(row)
    return total


def figures_of(nodes: list[GridNode], start: dt.date, end: dt.date) -> dict[int, Figures]:
    """Figures of each node's subtree, by node id (nodes with no matters left out)."""
    out: dict[int, Figures] = defaultdict(lambda: ZERO)
    for row in _rows(nodes, start, end, ()):
        out[row["node_id"]] += Figures.of(row)
    return dict(out)


def breakdown(node: GridNode, start: dt.date, end: dt.date, by: str) -> dict:
    """Figures per `by`: "category" (id), "source", "day", "month" (first day) or "child" (child node id).
    Keys with no matters are left out; the caller fills the ones it shows."""
    out: dict = defaultdict(lambda: ZERO)
    if by == "child":
        return figures_of(list(node.children.all()), start, end)
    field = {"category": "category_id", "source": "source", "day": "day", "month": "month"}[by]
    for row in _rows([node], start, end, (field,)):
        key = row[field] if field in row else row["day"]  # a month breakdown's edge days come keyed by day
        if by == "month":
            key = key.replace(day=1)
        out[key] += Figures.of(row)
    return dict(out)


@dataclass(frozen=True)
class States:
    """Matters below a node now, per state; `overdue` are the open ones that missed a deadline."""

    by_state: dict
    overdue: int

    @property
    def open(self) -> int:
        return sum(n for state, n in self.by_state.items() if state in OPEN_STATES)


def states(node: GridNode, *, category_id: int | None = None) -> States:
    rows = StateCount.objects.filter(node=node)
    pending = Delta.objects.filter(day__isnull=True, grid__path__startswith=node.path)
    if category_id is not None:
        rows, pending = rows.filter(category_id=category_id), pending.filter(category_id=category_id)
    by_state: dict = defaultdict(int)
    overdue = 0
    for state, breached, count in [
        *rows.values("state", "breached").annotate(n=Sum("count")).values_list("state", "breached", "n"),
        *pending.values("state", "breached_now").annotate(n=Sum("current")).values_list("state", "breached_now", "n"),
    ]:
        by_state[state] += count
        if breached and state in OPEN_STATES:
            overdue += count
    return States(by_state={k: v for k, v in by_state.items() if v}, overdue=overdue)


def open_by_child(node: GridNode) -> dict[int, int]:
    """Open matters now under each child of `node`, by child id."""
    children = list(node.children.values_list("pk", flat=True))
    owner = _owner(set(children))
    out: dict[int, int] = defaultdict(int)
    rows = (StateCount.objects.filter(node_id__in=children, state__in=OPEN_STATES)
            .values("node_id").annotate(n=Sum("count")).values_list("node_id", "n"))
    pending = (Delta.objects.filter(day__isnull=True, state__in=OPEN_STATES, grid__path__startswith=node.path)
               .values("grid__path").annotate(n=Sum("current")).values_list("grid__path", "n"))
    for pk, n in [*rows, *((owner(path), n) for path, n in pending)]:
        if pk is not None:
            out[pk] += n
    return dict(out)


# -- visits ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitFigures:
    """Door-to-door visits below a node in a period: visits, visits that met the household, and the
    households met at least once."""

    visits: int = 0
    met: int = 0
    households: int = 0


def _visit_sums(node: GridNode, start: dt.date, end: dt.date, metrics: tuple[str, ...]) -> dict[str, int]:
    months, days = split(start, end)
    total = dict.fromkeys(metrics, 0)
    sums = {m: Sum(m) for m in metrics}
    parts = [VisitMonth.objects.filter(node=node, month__range=months).aggregate(**sums)] if months else []
    parts += [VisitDay.objects.filter(node=node, day__range=days_).aggregate(**sums) for days_ in days]
    for part in parts:
        for m in metrics:
            total[m] += part[m] or 0
    return total


def visit_figures(node: GridNode, start: dt.date, end: dt.date, *, today: dt.date) -> VisitFigures:
    """Visits below `node` (and at it) for the local days start..end, inclusive. The households met are read
    from the rollups when the period is whole months (it starts on the first of a month and ends on the
    last, or today): the met visits of its months that follow a household's met visit before them. Any
    other period counts them from the visits themselves."""
    from wangge.fieldwork.visits.models import Outcome, Visit

    sums = _visit_sums(node, start, end, VISIT_METRICS)
    whole_months = start.day == 1 and (end >= today or next_month(end) - dt.timedelta(days=1) == end)
    if whole_months:
        # To the month after today's when it runs to today: a phone clock a little ahead may have logged
        # a visit "tomorrow".
        last = month_start(end if end < today else today + dt.timedelta(days=1))
        households = (MetMonth.objects.filter(node=node, month__range=(start, last), previous__lt=start)
                      .aggregate(n=Sum("met"))["n"] or 0)
    else:
        tz = timezone.get_current_timezone()
        households = (
            Visit.objects.filter(
                grid__path__startswith=node.path, outcome=Outcome.MET,
                visited_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
                visited_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
            ).values("household_id").distinct().count()
        )
    return VisitFigures(visits=sums["visits"], met=sums["met"], households=households)
