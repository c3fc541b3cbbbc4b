"""Every read of disputes, scoped by MEDIATE: parties' data is sensitive, so only those who may mediate
over a dispute's grid (grid members, grid leaders, two-committee members) see it."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from wangge.core.errors import InvalidInput, NotFound, one_of
from wangge.core.text import normalize_query
from wangge.people.access import MEDIATE, actor_scope, require
from wangge.people.models import Person
from wangge.registry.models import GridNode, path_ids
from wangge.registry.selectors import within_node

from .models import Dispute, Kind, Party, Session, Status


def dispute_list(
    *, actor, status: list[str] | None = None, kind: str | None = None, within: int | None = None,
    q: str | None = None, follow_up_due: bool | None = None,
) -> QuerySet[Dispute]:
    scope = actor_scope(actor)
    qs = (
        Dispute.objects.filter(scope.grid_q("grid__", MEDIATE))
        .select_related("grid")
        .prefetch_related(Prefetch("mediators", queryset=Person.objects.order_by("id")))
        .annotate(party_count=Count("parties", distinct=True), session_count=Count("sessions", distinct=True))
    )
    if status:
        unknown = [s for s in status if s not in Status.values]
        if unknown:
            raise InvalidInput.field("status", f"未知状态 {'、'.join(unknown)}")
        qs = qs.filter(status__in=status)
    if kind:
        one_of(kind, Kind.values, "kind", "纠纷类型")
        qs = qs.filter(kind=kind)
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(grid__path__startswith=node.path)
    if follow_up_due is not None:
        due = Q(status=Status.AGREEMENT, follow_up_done_on__isnull=True)
        qs = qs.filter(due) if follow_up_due else qs.exclude(due)
    if q:
        needle = normalize_query(q)
        qs = qs.filter(Q(search_text__contains=needle) | Q(pk=int(needle) if needle.isdigit() else 0)
                       | Q(parties__name__contains=q.strip())).distinct()
    return qs.order_by("-opened_at", "-id")


def dispute_get(*, actor, dispute_id: int) -> Dispute:
    """One dispute with its parties, sessions and mediators: 404 outside the scope, 403 inside without
    MEDIATE."""
    scope = actor_scope(actor)
    dispute = (
        Dispute.objects.select_related("grid", "household__unit__building__estate_grid", "matter")
        .prefetch_related(
            Prefetch("parties", queryset=Party.objects.select_related("resident__household").order_by("id")),
            Prefetch("sessions", queryset=Session.objects.prefetch_related("parties_present", "mediators_present")
                     .order_by("held_at", "id")),
            Prefetch("mediators", queryset=Person.objects.order_by("id")),
        )
        .filter(pk=dispute_id).first()
    )
    if dispute is None:
        raise NotFound("未找到该纠纷")
    require(scope, MEDIATE, dispute.grid)
    return dispute


def can_mediate_somewhere(actor) -> bool:
    scope = actor_scope(actor)
    return scope.is_admin or bool(scope.paths(MEDIATE))


def mediator_choices(*, actor, grid: GridNode) -> list[Person]:
    """Persons who may be named mediators of a dispute in `grid` by this actor (see services._mediators)."""
    from wangge.people.access import ROLE_CAPABILITIES, SUPERVISE, VIEW
    from wangge.people.models import Duty

    scope = actor_scope(actor)
    leader = scope.is_admin or scope.can(SUPERVISE, grid)
    ancestors = path_ids(grid.path)
    roles = [r for r, caps in ROLE_CAPABILITIES.items() if MEDIATE in caps]
    duties = Duty.objects.current().select_related("person", "grid")
    if leader:
        duties = duties.filter(scope.grid_q("grid__", VIEW))
    else:
        duties = duties.filter(role__in=roles, grid_id__in=ancestors)
    seen: dict[int, Person] = {}
    for duty in duties.order_by("grid__depth", "person__name")[:300]:
        seen.setdefault(duty.person_id, duty.person)
    return list(seen.values())
