"""Scoped reads of persons, organisations, memberships and duties."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from wangge.core.errors import NotFound, one_of
from wangge.core.text import normalize_query
from wangge.registry.models import GridNode, Resident
from wangge.registry.selectors import grid_get, resident_list

from .access import Scope, actor_scope
from .models import Duty, Membership, Organisation, Person, PiiAccessLog, Role


def _duty_visible_q(scope: Scope, prefix: str = "") -> Q:
    if scope.is_admin:
        return Q()
    cond = scope.grid_q(f"{prefix}grid__")
    if scope.household_chain:
        # Residents see who serves them now, not who served before.
        now = timezone.now()
        cond |= Q(**{f"{prefix}grid_id__in": scope.household_chain, f"{prefix}start__lte": now}) & (
            Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gt": now})
        )
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
        one_of(role, Role.values, "role", "职责")
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
        cond |= Q(grid__path__startswith=path)
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
            Q(grid__path__startswith=path)
            | Q(Exists(Duty.objects.filter(person=OuterRef("pk"), grid__path__startswith=path)))
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


def person_pick_list(*, actor, q: str | None = None) -> QuerySet[Person]:
    """`person_list` for a person picker: each person with `current_duties` (their current duties that
    the actor may see, with the grid), so that two 张伟 can be told apart — one more query however many
    persons there are."""
    scope = actor_scope(actor)
    duties = duty_list(actor=scope).order_by("start", "id")
    return person_list(actor=scope, q=q).prefetch_related(Prefetch("duties", queryset=duties, to_attr="current_duties"))


def _residents_below(*, actor, grid: GridNode, q: str | None = None) -> QuerySet[Resident]:
    return resident_list(actor=actor, q=q).filter(
        Q(household__unit__micro_grid__path__startswith=grid.path)
        | Q(household__unit__building__estate_grid__path__startswith=grid.path)
    )


def resident_pick_list(*, actor, grid: GridNode, q: str | None = None) -> QuerySet[Resident]:
    """For a person picker at `grid`: the residents of its subtree who are not persons yet (those who
    are appear in `person_pick_list`), with their household's address, found like persons by name,
    pinyin or initials. `grid` must already be checked against the scope."""
    return _residents_below(actor=actor, grid=grid, q=q).filter(person__isnull=True).order_by(
        "household__unit__building__name", "household__unit__name", "household__floor", "household__room", "id"
    )


def resident_pick_get(*, actor, grid: GridNode, resident_id: int) -> Resident:
    """A resident picked at `grid` — in its subtree, whether or not they have become a person since."""
    resident = _residents_below(actor=actor, grid=grid).filter(pk=resident_id).first()
    if resident is None:
        raise NotFound(f"未找到居民 {resident_id}")
    return resident


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
        one_of(kind, OrganisationKind.values, "kind", "组织类别")
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


# -- the organisations pages ------------------------------------------------------------------------------


def organisation_list_counted(
    *, actor, kind: str | None = None, within: int | None = None, q: str | None = None
) -> QuerySet[Organisation]:
    """`organisation_list`, each row with `member_count` and `party_member_count` (current memberships,
    as `membership_list` counts them), in the same query."""
    current = Q(memberships__end__isnull=True)
    return organisation_list(actor=actor, kind=kind, within=within, q=q).annotate(
        member_count=Count("memberships", filter=current),
        party_member_count=Count("memberships", filter=current & Q(memberships__is_party_member=True)),
    )


def organisation_children(*, actor, organisation: Organisation) -> QuerySet[Organisation]:
    """The organisations directly below `organisation` that the actor may see, counted."""
    return organisation_list_counted(actor=actor).filter(parent_id=organisation.pk)


def organisation_parent(*, actor, organisation: Organisation) -> Organisation | None:
    """The organisation above `organisation` when the actor may see it; None otherwise (and at the top)."""
    if organisation.parent_id is None:
        return None
    return organisation_list(actor=actor).filter(pk=organisation.parent_id).first()


def organisation_member_list(*, actor, organisation: Organisation) -> QuerySet[Membership]:
    """`membership_list` with the other hats each member wears (兼任), in two more queries however many
    members there are: `person.current_duties` (their current duties the actor may see, with the grid) and
    `person.other_memberships` (their current posts in other organisations the actor may see)."""
    scope = actor_scope(actor)
    other_posts = (
        Membership.objects.filter(end__isnull=True, organisation__in=organisation_list(actor=scope).values("pk"))
        .exclude(organisation_id=organisation.pk)
        .select_related("organisation")
        .order_by("organisation_id", "id")
    )
    return membership_list(actor=scope, organisation=organisation).prefetch_related(
        Prefetch("person__duties", queryset=duty_list(actor=scope), to_attr="current_duties"),
        Prefetch("person__memberships", queryset=other_posts, to_attr="other_memberships"),
    )
