"""Every read of notices, filtered through the access scope.

Audience: the current residents of the households under any targeted grid (the whole subtree) or in any
targeted building, narrowed by the notice's filter —
- `party_members`: residents who are party members (the registry's flag, or a current party membership of
  their person; see `elections.selectors.party_member_q`);
- `owners`: the head of household (relation 本人) and their spouse in an owner-occupied household.
Staff see the notices whose targets lie in their VIEW scope or above it (they live in the audience's
area); a resident sees the live notices (published, after `publish_at`, not expired) of which they are
part of the audience."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from wangge.community.elections.selectors import party_member_q
from wangge.core.errors import InvalidInput, NotFound, one_of
from wangge.core.text import normalize_query
from wangge.people.access import NOTICES, VIEW, Scope, actor_scope, require
from wangge.people.models import Person
from wangge.registry.models import Building, Occupancy, Relation, Resident
from wangge.registry.selectors import within_node

from .models import Audience, Notice, Receipt, Status


def owner_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}household__occupancy": Occupancy.OWNER,
                f"{prefix}relation__in": [Relation.SELF, Relation.SPOUSE]})


def audience_residents(notice: Notice) -> QuerySet[Resident]:
    paths = list(notice.grids.values_list("path", flat=True))
    building_ids = list(notice.buildings.values_list("pk", flat=True))
    where = Q(household__unit__building_id__in=building_ids)
    for path in paths:
        where |= Q(household__unit__micro_grid__path__startswith=path)
        where |= Q(household__unit__building__estate_grid__path__startswith=path)
    qs = Resident.objects.filter(where, left_at__isnull=True)
    if notice.audience == Audience.PARTY_MEMBERS:
        qs = qs.filter(party_member_q())
    elif notice.audience == Audience.OWNERS:
        qs = qs.filter(owner_q())
    return qs


def in_audience(notice: Notice, resident: Resident | None) -> bool:
    return resident is not None and audience_residents(notice).filter(pk=resident.pk).exists()


def _resident_of(scope: Scope) -> Resident | None:
    if not scope.household_id or not scope.person_id:
        return None
    person = Person.objects.select_related("resident__household__unit").filter(pk=scope.person_id).first()
    return person.resident if person is not None else None


def live_q(now=None) -> Q:
    now = now or timezone.now()
    return Q(status=Status.PUBLISHED, publish_at__lte=now) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def resident_q(scope: Scope) -> Q:
    resident = _resident_of(scope)
    if resident is None:
        return Q(pk__in=[])
    reach = Notice.objects.filter(Q(grids__id__in=scope.household_chain)
                                  | Q(buildings__id=resident.household.unit.building_id)).values("pk")
    kinds = [Audience.EVERYONE]
    if Resident.objects.filter(party_member_q(), pk=resident.pk).exists():
        kinds.append(Audience.PARTY_MEMBERS)
    if Resident.objects.filter(owner_q(), pk=resident.pk).exists():
        kinds.append(Audience.OWNERS)
    return live_q() & Q(pk__in=reach, audience__in=kinds)


def staff_q(scope: Scope) -> Q:
    if scope.is_admin:
        return Q()
    if not scope.paths(VIEW):
        return Q(pk__in=[])
    above = list(scope.ancestor_ids())
    reach = Notice.objects.filter(
        scope.grid_q("grids__", VIEW) | Q(grids__id__in=above)
        | scope.grid_q("buildings__estate_grid__", VIEW) | Q(buildings__estate_grid_id__in=above)
    ).values("pk")
    q = Q(pk__in=reach)
    if scope.person_id:
        q |= Q(author_id=scope.person_id)
    return q


def notice_visible_q(scope: Scope) -> Q:
    return staff_q(scope) | resident_q(scope) if scope.household_id else staff_q(scope)


def notice_list(*, actor, status: str | None = None, within: int | None = None, q: str | None = None,
                unread: bool | None = None) -> QuerySet[Notice]:
    scope = actor_scope(actor)
    qs = Notice.objects.filter(notice_visible_q(scope))
    if status:
        one_of(status, Status.values, "status", "状态")
        qs = qs.filter(status=status)
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(pk__in=Notice.objects.filter(
            Q(grids__path__startswith=node.path) | Q(buildings__estate_grid__path__startswith=node.path)
        ).values("pk"))
    if q:
        needle = normalize_query(q)
        qs = qs.filter(Q(title__icontains=needle) | Q(body__icontains=needle))
    if unread is not None and scope.person_id:
        read = Receipt.objects.filter(person_id=scope.person_id).values("notice_id")
        qs = qs.exclude(pk__in=read) if unread else qs.filter(pk__in=read)
    return qs.prefetch_related("grids", Prefetch("buildings", Building.objects.select_related("estate_grid"))).order_by("-pinned", "-publish_at", "-id")


def notice_get(*, actor, notice_id: int) -> Notice:
    scope = actor_scope(actor)
    notice = Notice.objects.filter(notice_visible_q(scope), pk=notice_id).first()
    if notice is None:
        raise NotFound(f"未找到公告 {notice_id}")
    return notice


def target_grids(notice: Notice) -> list:
    """The grid nodes a writer must hold NOTICES over: each targeted grid and each building's estate."""
    grids = list(notice.grids.all())
    grids += [b.estate_grid for b in notice.buildings.all()]
    return grids


def require_publisher(scope: Scope, grids: list) -> None:
    if not grids:
        raise InvalidInput.field("grids", "请选择网格或楼栋")
    for grid in grids:
        require(scope, NOTICES, grid)


def can_publish(scope: Scope, notice: Notice) -> bool:
    grids = target_grids(notice)
    return bool(grids) and all(scope.can(NOTICES, g) for g in grids)


def notice_for_publisher(*, actor, notice_id: int) -> Notice:
    scope = actor_scope(actor)
    notice = notice_get(actor=scope, notice_id=notice_id)
    require_publisher(scope, target_grids(notice))
    return notice


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def receipts(*, actor, notice_id: int) -> dict:
    """Read count over the audience and who has not read yet (names masked)."""
    notice = notice_for_publisher(actor=actor, notice_id=notice_id)
    audience = audience_residents(notice)
    read_ids = set(Receipt.objects.filter(notice=notice).values_list("person__resident_id", flat=True))
    rows = list(audience.select_related("household__unit__building").order_by("household_id", "id")
                .values("pk", "name", "household__unit__building__name", "household__unit__name"))
    unread = [r for r in rows if r["pk"] not in read_ids]
    return {
        "notice": notice.pk,
        "audience": len(rows),
        "read": len(rows) - len(unread),
        "receipts": Receipt.objects.filter(notice=notice).count(),
        "unread": [{"name": mask_name(r["name"]),
                    "place": f"{r['household__unit__building__name']}{r['household__unit__name']}"} for r in unread],
    }
