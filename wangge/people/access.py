"""The one access mechanism.

A user's scope is the union of the subtrees of the grid nodes where they hold a current duty; what they
may do there follows from the duty's role. Residents see their own household and the grid chain above
it (so they know who serves them). Superusers see everything. Every selector filters through `Scope`,
and nothing else decides who sees what.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from wangge.core.errors import NotFound, PermissionDenied
from wangge.registry.models import LEVEL_ORDER, GridNode, Level, Resident, path_ids

from .models import Duty, Role

VIEW = "view"
EDIT_REGISTRY = "registry.edit"
UNMASK = "pii.unmask"
MANAGE_PEOPLE = "people.manage"
DISPATCH = "matters.dispatch"  # accept, dispatch, verify, close, reassign and merge matters
SUPERVISE = "matters.supervise"  # supervise (督办) a matter

# Field work (wangge/fieldwork).
VISIT = "visits.log"  # log door-to-door visits to the households of the grid
PLAN_VISITS = "visits.plan"  # set the visit plans of a grid
MEDIATE = "disputes.mediate"  # open, mediate and conclude dispute cases
GATE = "gates.keep"  # keep a gate: check visitors, check in to one's own shifts
ROSTER = "gates.roster"  # set up posts, shift templates and rosters; approve swaps
CAMERAS = "cameras.manage"  # keep the camera registry
INCIDENTS = "incidents.handle"  # take incidents, review footage, hand over to the police
EMERGENCY = "emergencies.declare"  # declare an emergency or a drill, give the all-clear

# The deliberation hall and community life (wangge/hall, wangge/community).
HALL = "hall.run"  # run a hall: sessions, agenda, invitations, attendance, minutes, votes, resolutions, publishing
CONSULT = "consultations.run"  # open a consultation of residents and read its answers
ACTIVITIES = "activities.manage"  # hold activities: sign-ups, check-in, attendance
VENUES = "venues.manage"  # keep venues and decide their bookings
ELECTIONS = "elections.run"  # run an awards election: nominations, voting window, results
NOTICES = "notices.publish"  # publish notices to residents

# Subtrees rooted at these levels (a community and below: a few hundred nodes) are compared node by node;
# larger ones (a subdistrict's thousands) as a set the database checks rows against (Scope.few_nodes).
FEW_NODES_LEVELS = frozenset(LEVEL_ORDER[LEVEL_ORDER.index(Level.COMMUNITY):])

_LEAD = {VIEW, EDIT_REGISTRY, UNMASK, MANAGE_PEOPLE, DISPATCH, SUPERVISE,
         VISIT, PLAN_VISITS, MEDIATE, GATE, ROSTER, CAMERAS, INCIDENTS, EMERGENCY,
         HALL, CONSULT, ACTIVITIES, VENUES, ELECTIONS, NOTICES}
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.TWO_COMMITTEE_MEMBER: frozenset(_LEAD),
    Role.GRID_LEADER: frozenset(_LEAD),
    Role.GRID_MEMBER: frozenset({VIEW, EDIT_REGISTRY, UNMASK, DISPATCH, VISIT, MEDIATE, INCIDENTS, ACTIVITIES,
                                 NOTICES}),
    Role.MICRO_GRID_MEMBER: frozenset({VIEW, VISIT}),
    Role.BUILDING_STEWARD: frozenset({VIEW, VISIT}),
    Role.INFORMATION_OFFICER: frozenset({VIEW, CAMERAS}),
    Role.PROPERTY_SUPERVISOR: frozenset({VIEW, GATE, ROSTER, CAMERAS, INCIDENTS}),
    Role.PROPERTY_STAFF: frozenset({VIEW, GATE, CAMERAS, INCIDENTS}),
    Role.JOINT_UNIT_LIAISON: frozenset({VIEW, INCIDENTS}),
    Role.RESIDENT_REPRESENTATIVE: frozenset({VIEW}),
    Role.PARTY_BUILDING_HEAD: frozenset({VIEW, VISIT, ACTIVITIES}),
}


@dataclass(frozen=True)
class Grant:
    path: str
    role: str
    grid_id: int
    level: str = ""  # the grid node's; unknown is taken as a large subtree


@dataclass
class Scope:
    user_id: int | None
    is_admin: bool = False
    grants: list[Grant] = field(default_factory=list)
    person_id: int | None = None
    household_id: int | None = None
    household_chain: list[int] = field(default_factory=list)

    # -- what the grants allow -------------------------------------------------------------------
    def paths(self, capability: str = VIEW) -> list[str]:
        """The roots of the subtrees where `capability` holds, with nested roots dropped."""
        roots = sorted({g.path for g in self.grants if capability in ROLE_CAPABILITIES.get(g.role, ())})
        kept: list[str] = []
        for path in roots:
            if not any(path.startswith(k) for k in kept):
                kept.append(path)
        return kept

    def grid_q(self, prefix: str = "", capability: str = VIEW) -> Q:
        """A Q over a model whose grid node is reached by `prefix` (e.g. "unit__micro_grid__")."""
        if self.is_admin:
            return Q()
        q = Q(pk__in=[])
        for path in self.paths(capability):
            q |= Q(**{f"{prefix}path__startswith": path})
        return q

    def node_ids(self, capability: str = VIEW) -> QuerySet:
        """The ids of the nodes in the subtrees where `capability` holds, as a subquery: the database finds
        them inside the query that compares with them. Not for an administrator (everything)."""
        return GridNode.objects.filter(self.grid_q("", capability)).order_by().values("pk")

    def few_nodes(self, capability: str = VIEW) -> bool:
        """Whether every subtree where `capability` holds is rooted at a community or below: a few hundred
        nodes at most, which the database best probes an index for one by one (`field__any`, a worker's
        queue); a subdistrict's thousands are better checked as a set against each row (`field__in`)."""
        roots = set(self.paths(capability))
        return all(g.level in FEW_NODES_LEVELS for g in self.grants if g.path in roots)

    def can(self, capability: str, grid) -> bool:
        if self.is_admin:
            return True
        return any(grid.path.startswith(p) for p in self.paths(capability))

    def sees_grid(self, grid) -> bool:
        return self.can(VIEW, grid) or grid.id in self.household_chain

    @property
    def is_staff_scope(self) -> bool:
        return self.is_admin or bool(self.grants)

    def ancestor_ids(self) -> set[int]:
        """Ids of the nodes above each grant root (visible for context, e.g. their organisations)."""
        ids: set[int] = set()
        for path in self.paths(VIEW):
            ids.update(path_ids(path))
        return ids


def scope_for(user, *, at=None) -> Scope:
    """Compute the scope from the user's current duties. Nothing is cached across requests, so ending a
    duty ends its access at once."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope(user_id=None)
    if user.is_superuser:
        return Scope(user_id=user.pk, is_admin=True)
    person = getattr(user, "person", None)
    if person is None:
        return Scope(user_id=user.pk)
    duties = Duty.objects.current(at or timezone.now()).filter(person=person).order_by()
    grants = [Grant(*row) for row in duties.values_list("grid__path", "role", "grid_id", "grid__level")]
    household_id = None
    chain: list[int] = []
    # A resident who has left their household (moved away, died) no longer sees it.
    if person.resident_id:
        home = (Resident.objects.filter(pk=person.resident_id, left_at__isnull=True)
                .values_list("household_id", "household__unit__micro_grid__path").first())
        if home is not None:
            household_id, micro_path = home
            chain = path_ids(micro_path or "")
    return Scope(
        user_id=user.pk,
        grants=grants,
        person_id=person.pk,
        household_id=household_id,
        household_chain=chain,
    )


def request_scope(request) -> Scope:
    """The scope of the request's user, computed once per request."""
    scope = getattr(request, "_wangge_scope", None)
    if scope is None:
        scope = scope_for(request.user)
        request._wangge_scope = scope
    return scope


def require(scope: Scope, capability: str, grid) -> None:
    """Raise NotFound when `grid` is outside the scope (ids don't leak), PermissionDenied when inside
    but the role may not do `capability` there."""
    if scope.can(capability, grid):
        return
    if scope.sees_grid(grid):
        raise PermissionDenied("您在该网格没有此项权限")
    raise NotFound("未找到")


SYSTEM = Scope(user_id=None, is_admin=True)


@dataclass
class Actor:
    """Who is acting in a service call: the user (None for the system: jobs, CLI, demo data), their scope,
    their person, and the name recorded on what they do. Apps may extend it (matters adds its roles)."""

    user: object | None
    scope: Scope
    person: object | None = None
    label: str = "系统"

    @classmethod
    def of(cls, actor) -> Actor:
        """From a user, a Scope, None (the system) or another Actor (reusing its scope)."""
        if isinstance(actor, cls):
            return actor
        if isinstance(actor, Actor):
            return cls(actor.user, actor.scope, actor.person, actor.label)
        if actor is None or isinstance(actor, Scope):
            return cls(None, actor_scope(actor))
        person = getattr(actor, "person", None) if getattr(actor, "is_authenticated", False) else None
        label = person.name if person else actor.get_username()
        return cls(actor, actor_scope(actor), person, label)

    @classmethod
    def for_request(cls, request) -> Actor:
        """The actor of a web or API request, on the request's scope (computed once per request)."""
        cache = getattr(request, "_wangge_actors", None)
        if cache is None:
            cache = request._wangge_actors = {}
        actor = cache.get(cls)
        if actor is None:
            user = request.user
            person = getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None
            label = person.name if person else user.get_username()
            actor = cache[cls] = cls(user, request_scope(request), person, label)
        return actor

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "pk", None)


def actor_scope(actor) -> Scope:
    """Scope for a service call: None is the system itself (CLI, demo data, jobs), trusted fully."""
    if actor is None:
        return SYSTEM
    if isinstance(actor, Scope):
        return actor
    return scope_for(actor)
