"""Who handles a matter, and who is next when its deadline passes.

Routing reads the category's rule: the role (or the liaison of a kind of organisation, e.g. the police
station) that handles it, looked for from the rule's level up the matter's grid chain. The nearest holder
wins; else the nearest grid leader; else the community's two-committee members.

Escalation climbs one rung of the ladder micro-grid member → grid member → grid leader → community →
subdistrict, skipping rungs nobody holds. Rungs are ranked by (height in the tree, role), so a matter
handled by the property company at the estate goes to the estate's grid leader, not back down.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from wangge.people.models import Duty, Person, Role
from wangge.registry.models import LEVEL_ORDER, GridNode, Level, path_ids

from .models import Category


@dataclass(frozen=True)
class Handler:
    person: Person
    role: str
    grid: GridNode

    @property
    def rank(self) -> tuple[int, int]:
        return rank(self.grid, self.role)


_ROLE_RANK = {Role.GRID_MEMBER: 1, Role.GRID_LEADER: 2, Role.TWO_COMMITTEE_MEMBER: 3}
LADDER_ROLES = (Role.MICRO_GRID_MEMBER, Role.GRID_MEMBER, Role.GRID_LEADER, Role.TWO_COMMITTEE_MEMBER)


def rank(grid: GridNode | None, role: str) -> tuple[int, int]:
    """Higher is further up: first by the node's height (fewer path parts), then by role."""
    if grid is None:
        return (-99, -1)
    return (-grid.depth, _ROLE_RANK.get(role, 0))


def chain_ids(grid: GridNode) -> list[int]:
    """The node's id and its ancestors' ids, nearest first, from its materialised path (no query)."""
    return path_ids(grid.path)[::-1]


def _duties(grid_ids: list[int], roles, at) -> list[Duty]:
    return list(
        Duty.objects.current(at)
        .filter(grid_id__in=grid_ids, role__in=list(roles))
        .select_related("person", "organisation", "grid")
        .defer("grid__boundary")
        .order_by("start", "id")
    )


def route(category: Category, grid: GridNode, *, at=None) -> Handler | None:
    """The person who should handle a new matter of `category` located at `grid`, or None when nobody
    holds any duty up the chain (the matter waits for a dispatcher). One query: the duties up the chain,
    each with its grid (whose level the rule is checked against)."""
    at = at or timezone.now()
    ids = chain_ids(grid)
    start_level = LEVEL_ORDER.index(category.handler_level)
    roles = {category.handler_role, Role.GRID_LEADER, Role.TWO_COMMITTEE_MEMBER}
    if category.handler_org_kind:
        roles.add(Role.JOINT_UNIT_LIAISON)
    duties = _duties(ids, roles, at)

    def first(match) -> Handler | None:
        """The nearest node's first duty that matches (the earliest started)."""
        for node_id in ids:
            for duty in duties:
                if duty.grid_id == node_id and match(duty):
                    return Handler(duty.person, duty.role, duty.grid)
        return None

    def eligible(duty: Duty) -> bool:
        # The rule's level or above: a lift is the estate's property company's, even if reported in a unit.
        return LEVEL_ORDER.index(duty.grid.level) <= start_level

    if category.handler_org_kind:
        found = first(
            lambda d: eligible(d)
            and d.role == Role.JOINT_UNIT_LIAISON
            and d.organisation is not None
            and d.organisation.kind == category.handler_org_kind,
        )
    else:
        found = first(lambda d: eligible(d) and d.role == category.handler_role)
    return (
        found
        or first(lambda d: d.role == Role.GRID_LEADER)
        or first(lambda d: d.grid.level == Level.COMMUNITY and d.role == Role.TWO_COMMITTEE_MEMBER)
    )


def ladder(grid: GridNode, *, at=None) -> list[Handler]:
    """Everyone a matter at `grid` may climb to, lowest first."""
    handlers = [
        Handler(d.person, d.role, d.grid)
        for d in _duties(chain_ids(grid), LADDER_ROLES, at or timezone.now())
        if d.role != Role.TWO_COMMITTEE_MEMBER or d.grid.level in (Level.COMMUNITY, Level.SUBDISTRICT)
    ]
    # The subdistrict's rung: whoever leads there.
    handlers.sort(key=lambda h: h.rank)
    return handlers


def next_rung(grid: GridNode, current_rank: tuple[int, int], *, exclude: int | None = None, at=None) -> Handler | None:
    """The lowest handler ranked above `current_rank` (not the current assignee), or None at the top."""
    for handler in ladder(grid, at=at):
        if handler.rank > current_rank and handler.person.pk != exclude:
            return handler
    return None


def first_leader(grid: GridNode, *, at=None) -> Handler | None:
    """The nearest grid leader up the chain (who reviews a matter a resident was unhappy with)."""
    return next((h for h in ladder(grid, at=at) if h.role == Role.GRID_LEADER), None)
