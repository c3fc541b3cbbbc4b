"""Every read of door-to-door visits, filtered through the access scope.

The due list and the coverage tables are computed from one household query (the last met visit, the
last visit, its outcome and its follow-up date come as correlated subqueries), one query for the current
residents (care flags, the head's name) and one for the plans on the paths above: a constant number of
queries however many households there are.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from wangge.core import pii
from wangge.core.errors import NotFound, PermissionDenied, one_of
from wangge.core.text import normalize_query
from wangge.people.access import ROLE_CAPABILITIES, VIEW, VISIT, Scope, actor_scope
from wangge.people.models import Duty
from wangge.registry.models import CareFlag, GridNode, Household, Level, Occupancy, Resident, path_ids
from wangge.registry.selectors import within_node

from .models import DEFAULT_CARE_PERIOD_DAYS, DEFAULT_PERIOD_DAYS, Outcome, Visit, VisitPlan

CARE_LABELS = dict(CareFlag.choices)
VISIT_ROLES = [role for role, caps in ROLE_CAPABILITIES.items() if VISIT in caps]


# -- plans -------------------------------------------------------------------------------------------


def plan_list(*, actor, within: int | None = None, q: str | None = None, active: bool | None = None
              ) -> QuerySet[VisitPlan]:
    scope = actor_scope(actor)
    qs = VisitPlan.objects.filter(scope.grid_q("grid__")).select_related("grid", "updated_by")
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(grid__path__startswith=node.path)
    if active is not None:
        qs = qs.filter(active=active)
    needle = normalize_query(q or "")
    if needle:
        qs = qs.filter(Q(grid__search_text__contains=needle) | Q(grid__code__startswith=needle))
    return qs.order_by("grid__path")


def plan_get(*, actor, plan_id: int) -> VisitPlan:
    scope = actor_scope(actor)
    plan = VisitPlan.objects.filter(scope.grid_q("grid__"), pk=plan_id).select_related("grid", "updated_by").first()
    if plan is None:
        raise NotFound("未找到该走访计划")
    return plan


@dataclass(frozen=True)
class Rule:
    """The plan that applies at a grid node: its own, the nearest one above, or the defaults."""

    period_days: int = DEFAULT_PERIOD_DAYS
    care_period_days: int = DEFAULT_CARE_PERIOD_DAYS
    care_flags: frozenset[str] = frozenset(CareFlag.values)
    plan_id: int | None = None
    plan_grid: str = ""   # the name of the grid whose plan it is ("" for the defaults)


DEFAULT_RULE = Rule()


class Rules:
    """Finds the rule for grid paths, reading every active plan on those paths in one query."""

    def __init__(self, paths):
        ids = {i for path in paths for i in path_ids(path)}
        plans = VisitPlan.objects.filter(active=True, grid_id__in=ids).select_related("grid") if ids else []
        self.by_grid = {
            p.grid_id: Rule(p.period_days, p.care_period_days, frozenset(p.care_flags or []), p.pk, p.grid.name)
            for p in plans
        }
        self._memo: dict[str, Rule] = {}

    def for_path(self, path: str) -> Rule:
        rule = self._memo.get(path)
        if rule is None:
            ids = path_ids(path)
            rule = next((self.by_grid[i] for i in reversed(ids) if i in self.by_grid), DEFAULT_RULE)
            self._memo[path] = rule
        return rule


def rule_for(grid: GridNode) -> Rule:
    return Rules([grid.path]).for_path(grid.path)


# -- who is due ----------------------------------------------------------------------------------------


def _natural(text: str) -> tuple:
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part)


@dataclass
class Row:
    """One household with what its visits say today."""

    household: Household
    grid: GridNode
    rule: Rule
    care: list[str] = field(default_factory=list)       # care flags that count under the rule (labels)
    head: str = ""
    residents: int = 0
    last_met_at: dt.datetime | None = None
    last_at: dt.datetime | None = None
    last_outcome: str = ""
    follow_up_on: dt.date | None = None
    today: dt.date | None = None

    @property
    def period_days(self) -> int:
        return self.rule.care_period_days if self.care else self.rule.period_days

    @property
    def due_on(self) -> dt.date | None:
        """The day the next met visit is due; None when the household was never met (due now)."""
        if self.last_met_at is None:
            return None
        return timezone.localdate(self.last_met_at) + dt.timedelta(days=self.period_days)

    @property
    def status(self) -> str:
        """never · overdue · due (today) · ok (visited within its period, not yet due)."""
        due = self.due_on
        if due is None:
            return "never"
        if due < self.today:
            return "overdue"
        return "due" if due == self.today else "ok"

    @property
    def in_period(self) -> bool:
        return self.status in ("ok", "due")

    @property
    def overdue_days(self) -> int:
        due = self.due_on
        return (self.today - due).days if due is not None and due < self.today else 0

    @property
    def follow_up_due(self) -> bool:
        return self.follow_up_on is not None and self.follow_up_on <= self.today

    @property
    def tried_today(self) -> str:
        """The outcome of today's last visit when nobody was met (the worker may knock again)."""
        if self.last_at is not None and timezone.localdate(self.last_at) == self.today and self.last_outcome != Outcome.MET:
            return self.last_outcome
        return ""

    @property
    def tried_today_label(self) -> str:
        return str(Outcome(self.tried_today).label) if self.tried_today else ""

    @property
    def on_today_list(self) -> bool:
        return self.status in ("never", "overdue", "due") or self.follow_up_due

    @property
    def masked_room(self) -> str:
        return pii.mask_room(self.household.room)

    @property
    def walk_key(self) -> tuple:
        h = self.household
        return (h.unit.building.estate_grid.code, _natural(h.unit.building.name), _natural(h.unit.name), h.floor,
                _natural(h.room))


def household_q(scope: Scope, capability: str = VIEW) -> Q:
    """Households whose grid (the unit's micro-grid, or the estate grid when the unit has none) is in the
    scope with `capability`."""
    if scope.is_admin:
        return Q()
    return (Q(unit__micro_grid__isnull=False) & scope.grid_q("unit__micro_grid__", capability)) | (
        Q(unit__micro_grid__isnull=True) & scope.grid_q("unit__building__estate_grid__", capability)
    )


def _under(node: GridNode) -> Q:
    return Q(unit__micro_grid__path__startswith=node.path) | Q(
        unit__micro_grid__isnull=True, unit__building__estate_grid__path__startswith=node.path
    )


def rows(*, scope: Scope, capability: str = VIEW, node: GridNode | None = None, today: dt.date | None = None,
         include_vacant: bool = False) -> list[Row]:
    """Every household in the scope (under `node`) with its rule, care flags and last visits, in walking
    order: estate → building → unit → floor → room. Vacant households are left out unless asked for."""
    today = today or timezone.localdate()
    visits = Visit.objects.filter(household=OuterRef("pk")).order_by("-visited_at", "-id")
    base = Household.objects.filter(household_q(scope, capability))
    if node is not None:
        base = base.filter(_under(node))
    if not include_vacant:
        base = base.exclude(occupancy=Occupancy.VACANT)
    households = list(base.select_related("unit__building__estate_grid", "unit__micro_grid").annotate(
        last_met_at=Subquery(visits.filter(outcome=Outcome.MET).values("visited_at")[:1]),
        last_at=Subquery(visits.values("visited_at")[:1]),
        last_outcome=Subquery(visits.values("outcome")[:1]),
        last_follow_up=Subquery(visits.values("follow_up_on")[:1]),
    ))
    people: dict[int, list[tuple[str, str, list]]] = {}
    if households:
        residents = Resident.objects.filter(left_at__isnull=True, household__in=base.values("pk")).values_list(
            "household_id", "name", "relation", "care_flags"
        ).order_by("household_id", "id")
        for hid, name, relation, flags in residents:
            people.setdefault(hid, []).append((name, relation, flags or []))
    grids = [h.unit.micro_grid or h.unit.building.estate_grid for h in households]
    rules = Rules({g.path for g in grids})
    out = []
    for h, grid in zip(households, grids, strict=True):
        rule = rules.for_path(grid.path)
        living = people.get(h.pk, [])
        flags = {f for _n, _r, fl in living for f in fl}
        care = [str(CARE_LABELS.get(f, f)) for f in CareFlag.values if f in flags and f in rule.care_flags]
        head = next((n for n, r, _f in living if r == "self"), living[0][0] if living else "")
        out.append(Row(
            household=h, grid=grid, rule=rule, care=care, head=head, residents=len(living),
            last_met_at=h.last_met_at, last_at=h.last_at, last_outcome=h.last_outcome or "",
            follow_up_on=h.last_follow_up, today=today,
        ))
    out.sort(key=lambda r: r.walk_key)
    return out


def due_list(*, actor, within: int | None = None, today: dt.date | None = None) -> list[Row]:
    """Today's list of a worker: households never met, overdue or due today, and follow-ups that have come
    due, in the grids where the worker may visit (under `within`), in walking order."""
    scope = actor_scope(actor)
    if not scope.is_admin and not scope.paths(VISIT):
        raise PermissionDenied("您没有入户走访的职责")
    node = within_node(scope, within)
    return [r for r in rows(scope=scope, capability=VISIT, node=node, today=today) if r.on_today_list]


def household_for_visit(*, actor, household_id: int, today: dt.date | None = None) -> Row:
    """One household the actor may visit, with its row: 404 outside the scope, 403 inside without VISIT."""
    scope = actor_scope(actor)
    h = Household.objects.select_related("unit__building__estate_grid", "unit__micro_grid").filter(
        pk=household_id).first()
    if h is None:
        raise NotFound("未找到该住户")
    grid = h.unit.micro_grid or h.unit.building.estate_grid
    if not scope.can(VISIT, grid):
        if scope.can(VIEW, grid):
            raise PermissionDenied("您在该住户所在的网格没有入户走访的权限")
        raise NotFound("未找到该住户")
    found = rows(scope=scope, capability=VIEW, node=grid, today=today, include_vacant=True)
    return next(r for r in found if r.household.pk == h.pk)


# -- coverage --------------------------------------------------------------------------------------------


@dataclass
class Tally:
    households: int = 0
    in_period: int = 0
    overdue: int = 0
    never: int = 0
    care: int = 0
    care_in_period: int = 0

    def add(self, row: Row) -> None:
        self.households += 1
        if row.in_period:
            self.in_period += 1
        elif row.status == "never":
            self.never += 1
        else:
            self.overdue += 1
        if row.care:
            self.care += 1
            self.care_in_period += row.in_period

    @property
    def share(self) -> float | None:
        return self.in_period / self.households if self.households else None

    @property
    def percent(self) -> str:
        return "—" if self.share is None else f"{self.share * 100:.0f}%"

    @property
    def gaps(self) -> int:
        return self.households - self.in_period


@dataclass
class GridCoverage:
    grid: GridNode
    tally: Tally


@dataclass
class WorkerCoverage:
    person_id: int
    name: str
    roles: list[str]
    grids: list[str]
    tally: Tally
    visits_30d: int = 0
    met_30d: int = 0


@dataclass
class Coverage:
    node: GridNode | None
    total: Tally
    grids: list[GridCoverage]
    workers: list[WorkerCoverage]
    gaps: list[Row]          # households not visited within their period, in walking order
    today: dt.date


def default_node(scope: Scope) -> GridNode | None:
    """Where coverage opens: the actor's (first) grid, or the top of the tree for an admin."""
    if scope.is_admin:
        return GridNode.objects.filter(parent__isnull=True).order_by("code").first()
    paths = scope.paths(VIEW)
    if not paths:
        return None
    ids = path_ids(paths[0])
    return GridNode.objects.filter(pk=ids[-1]).first()


def coverage(*, actor, within: int | None = None, today: dt.date | None = None) -> Coverage:
    """Share of households visited (met) within their period, per child grid of `within` (the node itself
    when it has none) and per worker holding a visiting duty under it, with the list of gaps."""
    scope = actor_scope(actor)
    today = today or timezone.localdate()
    node = within_node(scope, within) if within is not None else default_node(scope)
    if node is None:
        raise PermissionDenied("您没有在岗职责，无法查看走访覆盖情况")
    found = rows(scope=scope, capability=VIEW, node=node, today=today)
    children = list(node.children.order_by("code")) if node.level != Level.MICRO_GRID else []
    if not scope.is_admin:
        children = [c for c in children if scope.can(VIEW, c)]
    groups = [GridCoverage(c, Tally()) for c in children] or [GridCoverage(node, Tally())]
    total = Tally()
    for row in found:
        total.add(row)
        for g in groups:
            if row.grid.path.startswith(g.grid.path):
                g.tally.add(row)
                break
    duties = (
        Duty.objects.current().filter(role__in=VISIT_ROLES, grid__path__startswith=node.path)
        .select_related("person", "grid").order_by("person__name", "person_id", "grid__code")
    )
    workers: dict[int, WorkerCoverage] = {}
    paths: dict[int, list[str]] = {}
    for d in duties:
        w = workers.setdefault(d.person_id, WorkerCoverage(d.person_id, d.person.name, [], [], Tally()))
        label = str(d.get_role_display())
        if label not in w.roles:
            w.roles.append(label)
        if d.grid.name not in w.grids:
            w.grids.append(d.grid.name)
        paths.setdefault(d.person_id, []).append(d.grid.path)
    for pid, w in workers.items():
        roots = paths[pid]
        for row in found:
            if any(row.grid.path.startswith(p) for p in roots):
                w.tally.add(row)
    if workers:
        since = timezone.now() - dt.timedelta(days=30)
        counts = Visit.objects.filter(worker_id__in=list(workers), visited_at__gte=since).values("worker_id").annotate(
            n=Count("id"), met=Count("id", filter=Q(outcome=Outcome.MET)))
        for c in counts:
            workers[c["worker_id"]].visits_30d, workers[c["worker_id"]].met_30d = c["n"], c["met"]
    gaps = [r for r in found if not r.in_period]
    return Coverage(node=node, total=total, grids=groups, workers=list(workers.values()), gaps=gaps, today=today)


# -- visits ----------------------------------------------------------------------------------------------


def _visits() -> QuerySet[Visit]:
    return Visit.objects.select_related(
        "household__unit__building__estate_grid", "household__unit__micro_grid", "grid", "worker"
    ).prefetch_related("matters__category")


def visit_list(
    *, actor, within: int | None = None, q: str | None = None, outcome: str | None = None,
    household: int | None = None, worker: int | None = None, since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[Visit]:
    scope = actor_scope(actor)
    qs = _visits().filter(scope.grid_q("grid__"))
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(grid__path__startswith=node.path)
    if outcome:
        one_of(outcome, Outcome.values, "outcome", "的走访结果")
        qs = qs.filter(outcome=outcome)
    if household is not None:
        qs = qs.filter(household_id=household)
    if worker is not None:
        qs = qs.filter(worker_id=worker)
    if since is not None:
        qs = qs.filter(visited_at__date__gte=since)
    if until is not None:
        qs = qs.filter(visited_at__date__lte=until)
    needle = normalize_query(q or "")
    if needle:
        qs = qs.filter(
            Q(worker__search_text__contains=needle) | Q(household__unit__building__search_text__contains=needle)
            | Q(grid__search_text__contains=needle) | Q(notes__icontains=needle)
        )
    return qs.order_by("-visited_at", "-id")


def visit_get(*, actor, visit_id: int) -> Visit:
    scope = actor_scope(actor)
    visit = _visits().filter(scope.grid_q("grid__"), pk=visit_id).first()
    if visit is None:
        raise NotFound("未找到该走访记录")
    return visit


def recent_visits(household_id: int, limit: int = 5) -> list[Visit]:
    return list(_visits().filter(household_id=household_id).order_by("-visited_at", "-id")[:limit])
