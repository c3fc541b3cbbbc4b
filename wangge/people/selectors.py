"""Scoped reads of persons, organisations, memberships and duties."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from wangge.core.errors import InvalidInput, NotFound
from wangge.core.text import normalize_query
from wangge.registry.selectors import grid_get

from .access import Scope, actor_scope
from .models import Duty, Membership, Organisation, Person, PiiAccessLog, Role


def _duty_visible_q(scope: Scope, prefix: str = "") -> Q:
    if scope.is_admin:
        return Q()
    cond = scope.grid_q(f"{prefix}grid__")
    if scope.household_chain:
        cond |= Q(**{f"{prefix}grid_id__in": scope.household_chain})
    if scope.person_id:
        cond |= Q(**{f"{prefix}person_id": scope.person_id})
    return cond


def duty_list(
    *, actor, role: str | None = None, within: int | None = None, q: str | None = None, current: bool | None = True,
    person: int | None = None,
) -> QuerySet[Duty]:
    scope = actor_scope(actor)
    qs = Duty.objects.filter(_duty_visible_q(scope)).select_related("person", "grid", "organisation")
    if role:
        if role not in Role.values:
            raise InvalidInput.field("role", f"未知职责 {role!r}，应为 {'、'.join(Role.values)} 之一")
        qs = qs.filter(role=role)
    if within is not None:
        qs = qs.filter(grid__path__startswith=grid_get(actor=scope, grid_id=within).path)
    if current is True:
        qs = qs.current()
    elif current is False:
        qs = qs.exclude(pk__in=Duty.objects.current().values("pk"))
    if person is not None:
        qs = qs.filter(person_id=person)
    needle = normalize_query(q or "")
    if needle:
        qs = qs.filter(Q(person__search_text__icontains=needle) | Q(grid__search_text__icontains=needle))
    return qs.order_by("grid__code", "role", "id")


def duty_get(*, actor, duty_id: int) -> Duty:
    duty = duty_list(actor=actor, current=None).filter(pk=duty_id).first()
    if duty is None:
        raise NotFound(f"未找到职责 {duty_id}")
    return duty


def _person_visible_q(scope: Scope) -> Q:
    if scope.is_admin:
        return Q()
    cond = Q(pk__in=[]) if scope.person_id is None else Q(pk=scope.person_id)
    for path in scope.paths():
        cond |= Q(Exists(Duty.objects.filter(person=OuterRef("pk"), grid__path__startswith=path)))
        cond |= Q(resident__household__unit__micro_grid__path__startswith=path)
        cond |= Q(resident__household__unit__building__estate_grid__path__startswith=path)
        cond |= Q(Exists(Membership.objects.filter(person=OuterRef("pk"), organisation__grid__path__startswith=path)))
    if scope.household_chain:
        cond |= Q(Exists(Duty.objects.current().filter(person=OuterRef("pk"), grid_id__in=scope.household_chain)))
    if scope.household_id:
        cond |= Q(resident__household_id=scope.household_id)
    return cond


def person_list(*, actor, within: int | None = None, q: str | None = None) -> QuerySet[Person]:
    scope = actor_scope(actor)
    qs = Person.objects.filter(_person_visible_q(scope))
    if within is not None:
        path = grid_get(actor=scope, grid_id=within).path
        qs = qs.filter(
            Q(Exists(Duty.objects.filter(person=OuterRef("pk"), grid__path__startswith=path)))
            | Q(resident__household__unit__micro_grid__path__startswith=path)
            | Q(Exists(Membership.objects.filter(person=OuterRef("pk"), organisation__grid__path__startswith=path)))
        )
    needle = normalize_query(q or "")
    if needle:
        qs = qs.filter(search_text__icontains=needle)
    return qs.order_by("id")


def person_get(*, actor, person_id: int) -> Person:
    person = person_list(actor=actor).filter(pk=person_id).first()
    if person is None:
        raise NotFound(f"未找到人员 {person_id}")
    return person


def _organisation_visible_q(scope: Scope) -> Q:
    """Organisations in the scope's subtrees, and those at the nodes above them (the community party
    committee is known to every micro-grid member of the community)."""
    if scope.is_admin:
        return Q()
    cond = scope.grid_q("grid__") | Q(grid_id__in=scope.ancestor_ids())
    if scope.household_chain:
        cond |= Q(grid_id__in=scope.household_chain)
    if scope.person_id:
        cond |= Q(Exists(Membership.objects.filter(organisation=OuterRef("pk"), person_id=scope.person_id)))
    return cond


def organisation_list(
    *, actor, kind: str | None = None, within: int | None = None, q: str | None = None
) -> QuerySet[Organisation]:
    from .models import OrganisationKind

    scope = actor_scope(actor)
    qs = Organisation.objects.filter(_organisation_visible_q(scope)).select_related("grid", "parent")
    if kind:
        if kind not in OrganisationKind.values:
            raise InvalidInput.field("kind", f"未知组织类别 {kind!r}")
        qs = qs.filter(kind=kind)
    if within is not None:
        qs = qs.filter(grid__path__startswith=grid_get(actor=scope, grid_id=within).path)
    needle = normalize_query(q or "")
    if needle:
        qs = qs.filter(search_text__icontains=needle)
    return qs.order_by("id")


def organisation_get(*, actor, organisation_id: int) -> Organisation:
    org = organisation_list(actor=actor).filter(pk=organisation_id).first()
    if org is None:
        raise NotFound(f"未找到组织 {organisation_id}")
    return org


def membership_list(*, actor, organisation: Organisation) -> QuerySet[Membership]:
    return organisation.memberships.filter(end__isnull=True).select_related("person").order_by("id")


def pii_log_list(*, actor) -> QuerySet[PiiAccessLog]:
    scope = actor_scope(actor)
    if not scope.is_admin:
        raise NotFound("未找到")
    return PiiAccessLog.objects.select_related("actor").order_by("-at", "-id")
