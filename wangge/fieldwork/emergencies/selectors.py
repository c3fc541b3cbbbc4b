"""Every read of emergencies, filtered through the access scope.

An emergency is seen by whoever may view its grid, and by the workers of any of its households (a
micro-grid member sees an estate-wide emergency through the households of their micro-grid). Within an
emergency, each worker sees the households of their own grids; those who see its whole grid see all."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from wangge.core.errors import NotFound, one_of
from wangge.core.text import normalize_query
from wangge.people.access import VIEW, Scope, actor_scope
from wangge.registry.selectors import within_node

from .models import Emergency, HouseholdState, HouseholdStatus, Kind, Status


def household_q(scope: Scope, prefix: str = "household__") -> Q:
    """Households whose micro-grid or estate grid is in the scope (VIEW)."""
    if scope.is_admin:
        return Q()
    return scope.grid_q(f"{prefix}unit__micro_grid__", VIEW) | scope.grid_q(f"{prefix}unit__building__estate_grid__",
                                                                            VIEW)


def emergency_visible_q(scope: Scope) -> Q:
    if scope.is_admin:
        return Q()
    if not scope.paths(VIEW):
        return Q(pk__in=[])
    mine = HouseholdStatus.objects.filter(household_q(scope), emergency=OuterRef("pk"))
    return scope.grid_q("grid__", VIEW) | Q(Exists(mine))


def _counted(qs: QuerySet[Emergency]) -> QuerySet[Emergency]:
    return qs.annotate(
        n_total=Count("households"),
        n_safe=Count("households", filter=Q(households__status=HouseholdState.SAFE)),
        n_needs_help=Count("households", filter=Q(households__status=HouseholdState.NEEDS_HELP)),
        n_not_reached=Count("households", filter=Q(households__status=HouseholdState.NOT_REACHED)),
    )


def emergency_list(
    *, actor, status: str | None = None, kind: str | None = None, drill: bool | None = None,
    within: int | None = None, q: str | None = None,
) -> QuerySet[Emergency]:
    scope = actor_scope(actor)
    qs = Emergency.objects.filter(emergency_visible_q(scope))
    if status:
        one_of(status, Status.values, "status", "状态")
        qs = qs.filter(status=status)
    if kind:
        one_of(kind, Kind.values, "kind", "类别")
        qs = qs.filter(kind=kind)
    if drill is not None:
        qs = qs.filter(drill=drill)
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(Q(grid__path__startswith=node.path) | Q(
            Exists(HouseholdStatus.objects.filter(emergency=OuterRef("pk"))
                   .filter(Q(household__unit__micro_grid__path__startswith=node.path)
                           | Q(household__unit__building__estate_grid__path__startswith=node.path)))))
    needle = normalize_query(q or "")
    if needle:
        qs = qs.filter(Q(search_text__contains=needle) | Q(pk=int(needle) if needle.isdigit() else 0))
    return _counted(qs.select_related("grid", "declared_by", "cleared_by")).order_by("-declared_at", "-id")


def emergency_get(*, actor, emergency_id: int) -> Emergency:
    scope = actor_scope(actor)
    emergency = _counted(Emergency.objects.filter(emergency_visible_q(scope), pk=emergency_id)
                         .select_related("grid", "declared_by", "cleared_by")).first()
    if emergency is None:
        raise NotFound("未找到该突发事件")
    return emergency


def household_list(
    *, actor, emergency: Emergency, status: str | None = None, building: int | None = None, q: str | None = None,
) -> QuerySet[HouseholdStatus]:
    """The emergency's households the actor may see, by building, floor, unit and room."""
    scope = actor_scope(actor)
    qs = (HouseholdStatus.objects.filter(emergency=emergency).filter(household_q(scope))
          .select_related("household__unit__building", "household__unit__micro_grid", "confirmed_by")
          .prefetch_related("household__residents__person"))
    if status:
        one_of(status, HouseholdState.values, "status", "状态")
        qs = qs.filter(status=status)
    if building is not None:
        qs = qs.filter(household__unit__building_id=building)
    needle = normalize_query(q or "")
    if needle:
        qs = qs.filter(Q(household__room__icontains=needle) | Q(household__unit__building__name__icontains=needle)
                       | Q(household__residents__search_text__contains=needle)).distinct()
    return qs.order_by("household__unit__building__name", "household__floor", "household__unit__name",
                       "household__room", "id")


def counts(qs: QuerySet[HouseholdStatus]) -> dict[str, int]:
    """Households by status, with the total and the share confirmed (safe or needs help), in percent."""
    rows = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    out = {s: rows.get(s, 0) for s in HouseholdState.values}
    out["total"] = sum(out.values())
    done = out["total"] - out[HouseholdState.NOT_REACHED]
    out["confirmed"] = done
    out["percent"] = round(100 * done / out["total"]) if out["total"] else 100
    return out


def emergency_counts(emergency: Emergency) -> dict[str, int]:
    return counts(HouseholdStatus.objects.filter(emergency=emergency))


def by_building_and_floor(rows) -> list[dict]:
    """[{"building": name, "floors": [{"floor": n, "rows": [...]}, …]}, …] for the live page."""
    buildings: dict[int, dict] = {}
    for row in rows:
        b = row.household.unit.building
        group = buildings.setdefault(b.pk, {"building": b, "floors": {}})
        group["floors"].setdefault(row.household.floor, []).append(row)
    return [{"building": g["building"], "floors": [{"floor": f, "rows": r} for f, r in sorted(g["floors"].items())]}
            for g in buildings.values()]
