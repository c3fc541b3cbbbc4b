"""Scoped reads of the grid registry. Every list and detail goes through the actor's scope here."""

from __future__ import annotations

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from wangge.core.errors import NotFound, one_of
from wangge.core.text import normalize_query
from wangge.people.access import EDIT_REGISTRY, Scope, actor_scope

from .models import LEVEL_ORDER, Building, GridNode, Household, ImportJob, Level, Relation, Resident, Unit


def _search(qs: QuerySet, q: str | None, *fields: str) -> QuerySet:
    needle = normalize_query(q or "")
    if not needle:
        return qs
    cond = Q()
    for field in fields:
        cond |= Q(**{f"{field}__icontains": needle})
    return qs.filter(cond)


def within_node(scope: Scope, within: int | None) -> GridNode | None:
    """The grid node of a list's `within=`, or None without one; NotFound when the scope does not see it.
    Every scoped list of every app resolves `within` here."""
    if within is None:
        return None
    return grid_get(actor=scope, grid_id=within)


# -- grids ---------------------------------------------------------------------------------------------


def grid_visible_q(scope: Scope) -> Q:
    q = scope.grid_q()
    if not scope.is_admin and scope.household_chain:
        q |= Q(pk__in=scope.household_chain)
    return q


def grid_list(
    *, actor, level: str | None = None, parent: int | None = None, within: int | None = None, q: str | None = None
) -> QuerySet[GridNode]:
    scope = actor_scope(actor)
    qs = GridNode.objects.filter(grid_visible_q(scope))
    if level:
        one_of(level, LEVEL_ORDER, "level", "层级")
        qs = qs.filter(level=level)
    if parent is not None:
        qs = qs.filter(parent_id=grid_get(actor=scope, grid_id=parent).pk)
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(path__startswith=node.path)
    return _search(qs, q, "search_text").order_by("code")


def grid_get(*, actor, grid_id: int) -> GridNode:
    scope = actor_scope(actor)
    node = GridNode.objects.filter(grid_visible_q(scope), pk=grid_id).first()
    if node is None:
        raise NotFound(f"未找到网格 {grid_id}")
    return node


def grid_by_code(*, actor, code: str) -> GridNode:
    scope = actor_scope(actor)
    node = GridNode.objects.filter(grid_visible_q(scope), code=code).first()
    if node is None:
        raise NotFound(f"未找到网格编码 {code}")
    return node


def grid_ancestors(grid: GridNode) -> list[GridNode]:
    ids = grid.ancestor_ids()
    by_id = GridNode.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def grid_roots(*, actor) -> list[GridNode]:
    """The top nodes of the actor's visible forest (the tree browser starts here)."""
    scope = actor_scope(actor)
    qs = GridNode.objects.filter(grid_visible_q(scope))
    if scope.is_admin:
        return list(qs.filter(parent__isnull=True).order_by("code"))
    nodes = list(qs.order_by("depth", "code"))
    ids = {n.pk for n in nodes}
    return [n for n in nodes if n.parent_id not in ids]


def grid_stats(grid: GridNode) -> dict:
    """Households, residents and people on duty in a node's subtree."""
    from wangge.people.models import Duty

    prefix = grid.path
    in_tree = Q(unit__micro_grid__path__startswith=prefix) | Q(unit__building__estate_grid__path__startswith=prefix)
    households = Household.objects.filter(in_tree).count()
    residents = Resident.objects.filter(
        Q(household__unit__micro_grid__path__startswith=prefix)
        | Q(household__unit__building__estate_grid__path__startswith=prefix),
        left_at__isnull=True,
    ).count()
    on_duty = Duty.objects.current().filter(grid__path__startswith=prefix).values("person").distinct().count()
    children = grid.children.count()
    return {"households": households, "residents": residents, "on_duty": on_duty, "children": children}


def grid_child_counts(grid: GridNode) -> list[dict]:
    return list(grid.children.annotate(n=Count("children")).values("id", "n"))


# -- buildings, units, households, residents ---------------------------------------------------------------


def building_list(*, actor, within: int | None = None, q: str | None = None) -> QuerySet[Building]:
    scope = actor_scope(actor)
    qs = Building.objects.select_related("estate_grid")
    if not scope.is_admin:
        cond = scope.grid_q("estate_grid__")
        for path in scope.paths():
            cond |= Q(Exists(Unit.objects.filter(building=OuterRef("pk"), micro_grid__path__startswith=path)))
        if scope.household_id:
            cond |= Q(units__households__id=scope.household_id)
        qs = qs.filter(cond)
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(
            Q(estate_grid__path__startswith=node.path)
            | Q(Exists(Unit.objects.filter(building=OuterRef("pk"), micro_grid__path__startswith=node.path)))
        )
    return _search(qs, q, "search_text").order_by("estate_grid__code", "name")


def _unit_q(scope: Scope, prefix: str = "") -> Q:
    if scope.is_admin:
        return Q()
    cond = scope.grid_q(f"{prefix}micro_grid__") | scope.grid_q(f"{prefix}building__estate_grid__")
    return cond


def unit_list(*, actor, within: int | None = None, q: str | None = None) -> QuerySet[Unit]:
    scope = actor_scope(actor)
    cond = _unit_q(scope)
    if not scope.is_admin and scope.household_id:
        cond |= Q(households__id=scope.household_id)
    qs = Unit.objects.filter(cond).select_related("building", "micro_grid")
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(Q(micro_grid__path__startswith=node.path) | Q(building__estate_grid__path__startswith=node.path))
    needle = normalize_query(q or "")
    if needle:
        qs = qs.filter(Q(name__icontains=needle) | Q(building__search_text__icontains=needle))
    return qs.order_by("building__estate_grid__code", "building__name", "name")


def household_list(*, actor, within: int | None = None, q: str | None = None) -> QuerySet[Household]:
    scope = actor_scope(actor)
    cond = _unit_q(scope, "unit__")
    if not scope.is_admin and scope.household_id:
        cond |= Q(pk=scope.household_id)
    qs = Household.objects.filter(cond).select_related("unit__building__estate_grid", "unit__micro_grid").annotate(
        resident_count=Count("residents", filter=Q(residents__left_at__isnull=True))
    )
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(
            Q(unit__micro_grid__path__startswith=node.path) | Q(unit__building__estate_grid__path__startswith=node.path)
        )
    needle = normalize_query(q or "")
    if needle:
        qs = qs.filter(
            Q(room__icontains=needle)
            | Q(unit__name__icontains=needle)
            | Q(unit__building__search_text__icontains=needle)
            | Q(Exists(Resident.objects.filter(household=OuterRef("pk"), search_text__icontains=needle,
                                               left_at__isnull=True)))
        )
    return qs.order_by("unit__building__estate_grid__code", "unit__building__name", "unit__name", "floor", "room")


RESIDENT_STATUSES = ("current", "left", "all")


def current_residents() -> QuerySet[Resident]:
    """Residents still living in their household: what lists and counts show by default."""
    return Resident.objects.filter(left_at__isnull=True)


def resident_list(
    *, actor, within: int | None = None, q: str | None = None, status: str = "current"
) -> QuerySet[Resident]:
    """Residents in the actor's scope: those living there now (`status="current"`, the default), those who
    have left (`"left"`), or both (`"all"`)."""
    one_of(status, RESIDENT_STATUSES, "status", "状态")
    scope = actor_scope(actor)
    cond = _unit_q(scope, "household__unit__")
    if not scope.is_admin and scope.household_id:
        cond |= Q(household_id=scope.household_id)
    qs = Resident.objects.filter(cond).select_related(
        "household__unit__building__estate_grid", "household__unit__micro_grid"
    )
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(
            Q(household__unit__micro_grid__path__startswith=node.path)
            | Q(household__unit__building__estate_grid__path__startswith=node.path)
        )
    if status != "all":
        qs = qs.filter(left_at__isnull=status == "current")
    return _search(qs, q, "search_text").order_by("household_id", "id")


def _get(qs: QuerySet, pk: int, what: str):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"未找到{what} {pk}")
    return obj


def building_get(*, actor, building_id: int) -> Building:
    return _get(building_list(actor=actor), building_id, "楼栋")


def unit_get(*, actor, unit_id: int) -> Unit:
    return _get(unit_list(actor=actor), unit_id, "单元")


def household_get(*, actor, household_id: int) -> Household:
    return _get(household_list(actor=actor), household_id, "住户")


def resident_get(*, actor, resident_id: int) -> Resident:
    """One resident in the scope, whether still living there or not (a known id shows its history)."""
    return _get(resident_list(actor=actor, status="all"), resident_id, "居民")


def household_residents(household: Household, *, status: str = "current") -> QuerySet[Resident]:
    """The residents of one household (already checked against the scope), the head first."""
    qs = household.residents.annotate(
        head_first=Case(When(relation=Relation.SELF, then=Value(0)), default=Value(1), output_field=IntegerField())
    )
    if status != "all":
        qs = qs.filter(left_at__isnull=status == "current")
    return qs.order_by("head_first", "id")


def household_at(*, actor, unit_id: int, room: str) -> Household:
    """The household at a room of a unit, in the actor's scope (pickers ask by building, unit and room)."""
    room = (room or "").strip()
    household = household_list(actor=actor).filter(unit_id=unit_id, room=room).first()
    if household is None:
        raise NotFound(f"该单元没有登记 {room} 室")
    return household


def unit_edit_choices(*, actor, within: GridNode | None = None, limit: int = 1000) -> list[Unit]:
    """Units where the actor may register households (EDIT_REGISTRY at the unit's micro-grid, or at the
    estate grid of a unit without one), for the pickers of the household pages."""
    scope = actor_scope(actor)
    qs = Unit.objects.select_related("building__estate_grid", "micro_grid")
    if not scope.is_admin:
        cond = Q(pk__in=[])
        for path in scope.paths(EDIT_REGISTRY):
            cond |= Q(micro_grid__path__startswith=path) | Q(
                micro_grid__isnull=True, building__estate_grid__path__startswith=path
            )
        qs = qs.filter(cond)
    if within is not None:
        qs = qs.filter(
            Q(micro_grid__path__startswith=within.path) | Q(building__estate_grid__path__startswith=within.path)
        )
    return list(qs.order_by("building__estate_grid__code", "building__name", "name")[:limit])


def resident_grid(resident: Resident) -> GridNode:
    unit = resident.household.unit
    return unit.micro_grid or unit.building.estate_grid


# -- import jobs -----------------------------------------------------------------------------------------


def import_job_list(*, actor) -> QuerySet[ImportJob]:
    """The actor's own import jobs (all jobs for an admin), newest first."""
    scope = actor_scope(actor)
    qs = ImportJob.objects.select_related("grid", "created_by")
    if not scope.is_admin:
        qs = qs.filter(created_by_id=scope.user_id) if scope.user_id else qs.none()
    return qs.order_by("-created_at", "-id")


def import_job_get(*, actor, job_id: int) -> ImportJob:
    return _get(import_job_list(actor=actor), job_id, "导入任务")


def import_grid_choices(*, actor, limit: int = 500) -> list[GridNode]:
    """Grids the actor may import into, down to estate grids (and micro-grids where that is all they
    may edit), for the upload form."""
    scope = actor_scope(actor)
    levels = [Level.DISTRICT, Level.SUBDISTRICT, Level.COMMUNITY, Level.AREA_GRID, Level.ESTATE_GRID]
    if scope.is_admin:
        return list(GridNode.objects.filter(level__in=levels).order_by("code")[:limit])
    roots = scope.paths(EDIT_REGISTRY)
    if not roots:
        return []
    q = Q(pk__in=[])
    for path in roots:
        q |= Q(path__startswith=path, level__in=levels) | Q(path=path)
    return list(GridNode.objects.filter(q).order_by("code")[:limit])
