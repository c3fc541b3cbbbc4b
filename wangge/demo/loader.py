"""Writing the demo plan to the database through the registry and people services, in one transaction.

Every grid, building, unit, household, resident, person, organisation, membership, duty and login is
created by the same service function a user's action would call, so the demo passes the same
validation (GB 11643 check characters, mobile numbers, grid codes, boundaries, micro-grid placement).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count

from wangge.core.errors import InvalidInput
from wangge.insights.rollups.services import rollups_rebuild
from wangge.people import services as people
from wangge.people.models import Duty, Membership, Organisation, Person
from wangge.registry import services as registry
from wangge.registry.models import Building, GridNode, Household, Level, Resident, Unit

from .activities import load_activities, load_venues
from .agenda import load_agenda
from .cameras import load_cameras, load_incidents
from .consultations import load_consultations
from .disputes import load_disputes
from .elections import load_elections, load_notices
from .emergencies import load_emergencies
from .gates import load_gates
from .generator import DEMO_PASSWORD, DUTY_START, FEATURED_CODE, SECOND_CODE, GridPlan, Plan
from .matters import load_matters
from .meetings import load_meetings
from .visitors import load_visitors
from .visits import load_visits


class Bar(Protocol):
    def update(self, n: int = 1) -> object: ...

    def close(self) -> object: ...


# `progress(total, desc)` opens a progress bar, e.g. a tqdm one; the default shows nothing.
Progress = Callable[[int, str], Bar]


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _silent(total: int, desc: str) -> Bar:
    return _Silent()


@dataclass
class LoadResult:
    loaded: bool                         # False when the demo was already there and nothing was written
    seconds: float = 0.0
    skipped_logins: list[str] = field(default_factory=list)
    matters: dict[str, int] = field(default_factory=dict)   # what load_matters wrote: matters, events, …
    fieldwork: dict[str, int] = field(default_factory=dict)  # what the field-work loaders wrote
    community: dict[str, int] = field(default_factory=dict)  # what the hall and community loaders wrote


def demo_loaded() -> bool:
    return GridNode.objects.filter(code=FEATURED_CODE).exists()


def load_plan(plan: Plan, *, progress: Progress = _silent, password: str = DEMO_PASSWORD) -> LoadResult:
    """Write `plan` unless the demo community is already in the database (then write nothing)."""
    if demo_loaded():
        return LoadResult(loaded=False)
    if GridNode.objects.filter(code=plan.district.code).exists():
        raise InvalidInput.field(
            "code", f"数据库中已有编码为 {plan.district.code} 的网格，但不是演示数据；请换一个空数据库再加载演示数据"
        )
    started = time.perf_counter()
    with transaction.atomic():
        grids = _grids(plan, progress)
        residents = _households(plan, grids, progress)
        skipped = _people(plan, grids, residents, progress, password)
        matters = load_matters(plan)
        fieldwork = load_fieldwork()
        community = load_community()
        rollups_rebuild()  # the demo's history was written in bulk, not change by change
    return LoadResult(loaded=True, seconds=time.perf_counter() - started, skipped_logins=skipped, matters=matters,
                      fieldwork=fieldwork, community=community)


def load_fieldwork() -> dict[str, int]:
    """Field work on the loaded registry and matters: gates first (visitors and cameras stand at them)."""
    counts: dict[str, int] = {}
    for load in (load_gates, load_visitors, load_visits, load_disputes, load_cameras, load_incidents,
                 load_emergencies):
        counts.update(load())
    return counts


def load_community() -> dict[str, int]:
    """The deliberation hall (sessions and agenda first, then what happened at them, then consultations on
    their major items) and community life (venues before the activities held in them)."""
    counts: dict[str, int] = {}
    for load in (load_agenda, load_meetings, load_consultations, load_venues, load_activities, load_elections,
                 load_notices):
        counts.update(load())
    return counts


def _grids(plan: Plan, progress: Progress) -> dict[str, GridNode]:
    nodes: dict[str, GridNode] = {}
    pending: list[tuple[GridPlan, GridNode | None]] = [(plan.district, None)]
    ordered = []
    while pending:
        node, parent_code = pending.pop(0)
        ordered.append((node, parent_code))
        pending.extend((child, node.code) for child in node.children)
    bar = progress(len(ordered), "网格")
    for node, parent_code in ordered:
        nodes[node.code] = registry.grid_create(
            parent=nodes[parent_code] if parent_code else None, level=node.level, code=node.code, name=node.name,
            boundary=node.boundary,
        )
        bar.update(1)
    bar.close()
    return nodes


def _households(plan: Plan, grids: dict[str, GridNode], progress: Progress) -> dict[str, Resident]:
    """Buildings, units, households and residents (a validated bulk create per unit). Returns the
    residents by ID number."""
    micro_grids = [m for m in plan.grids() if m.level == Level.MICRO_GRID]
    total = sum(len(u.households) for m in micro_grids for b in m.buildings for u in b.units)
    bar = progress(total, "住户")
    for micro in micro_grids:
        micro_node = grids[micro.code]
        estate = grids[micro.code[:-3]]
        for b in micro.buildings:
            building = registry.building_create(estate_grid=estate, name=b.name, floors=b.floors, lon=b.lon, lat=b.lat)
            for u in b.units:
                unit = registry.unit_create(building=building, name=u.name, micro_grid=micro_node)
                registry.household_bulk_create(unit=unit, households=[
                    {
                        "floor": h.floor, "room": h.room, "occupancy": h.occupancy,
                        "residents": [
                            {
                                "name": r.name, "id_number": r.id_number, "phone": r.phone, "relation": r.relation,
                                "care_flags": r.care_flags, "is_party_member": r.is_party_member,
                            }
                            for r in h.residents
                        ],
                    }
                    for h in u.households
                ])
                bar.update(len(u.households))
    bar.close()
    wanted = {p.resident for p in plan.persons if p.resident}
    return {r.id_number: r for r in Resident.objects.filter(id_number__in=wanted)}


def _people(plan: Plan, grids: dict[str, GridNode], residents: dict[str, Resident], progress: Progress,
            password: str) -> list[str]:
    organisations: dict[str, Organisation] = {}
    for o in plan.organisations:
        organisations[o.key] = people.organisation_create(
            name=o.name, kind=o.kind, grid=grids[o.grid], parent=organisations[o.parent] if o.parent else None,
        )
    persons: dict[str, Person] = {}
    bar = progress(len(plan.persons) + len(plan.duties), "人员与职责")
    for p in plan.persons:
        if p.resident:
            persons[p.key] = people.person_create(name=p.name, resident=residents[p.resident])
        else:
            persons[p.key] = people.person_create(name=p.name, phone=p.phone, grid=grids[p.grid] if p.grid else None)
        bar.update(1)
    since = DUTY_START.date()
    for m in plan.memberships:
        people.membership_add(
            person=persons[m.person], organisation=organisations[m.organisation], post=m.post,
            is_party_member=m.is_party_member, start=since,
        )
    for d in plan.duties:
        people.duty_assign(
            person=persons[d.person], role=d.role, grid=grids[d.grid],
            organisation=organisations[d.organisation] if d.organisation else None, start=DUTY_START, note=d.note,
        )
        bar.update(1)
    bar.close()
    skipped = []
    User = get_user_model()
    for login in plan.logins:
        if not login.person:
            continue  # made by a later loader with the person it creates
        if User.objects.filter(username=login.username).exists():
            skipped.append(login.username)
            continue
        people.person_grant_login(
            person=persons[login.person], username=login.username, password=password,
            is_superuser=login.is_superuser,
        )
    return skipped


# -- what is in the database -------------------------------------------------------------------------------


def summary() -> list[tuple[str, dict[str, int]]]:
    """Counts per demo community and for the whole demo subdistrict, from the database."""
    rows = []
    for code in (FEATURED_CODE, SECOND_CODE):
        node = GridNode.objects.filter(code=code).first()
        if node is not None:
            rows.append((node.name, _counts(node)))
    return rows


def _counts(node: GridNode) -> dict[str, int]:
    path = node.path
    grids = GridNode.objects.filter(path__startswith=path)
    households = Household.objects.filter(unit__micro_grid__path__startswith=path)
    by_occupancy = dict(households.values_list("occupancy").annotate(n=Count("id")))
    duties = Duty.objects.current(at=dt.datetime.now(dt.UTC)).filter(grid__path__startswith=path)
    return {
        "area_grids": grids.filter(level=Level.AREA_GRID).count(),
        "estate_grids": grids.filter(level=Level.ESTATE_GRID).count(),
        "micro_grids": grids.filter(level=Level.MICRO_GRID).count(),
        "buildings": Building.objects.filter(estate_grid__path__startswith=path).count(),
        "units": Unit.objects.filter(micro_grid__path__startswith=path).count(),
        "households": households.count(),
        "owner": by_occupancy.get("owner", 0),
        "rented": by_occupancy.get("rented", 0),
        "vacant": by_occupancy.get("vacant", 0),
        "residents": Resident.objects.filter(household__unit__micro_grid__path__startswith=path).count(),
        "organisations": Organisation.objects.filter(grid__path__startswith=path).count(),
        "persons": duties.values("person").distinct().count(),
        "duties": duties.count(),
        "memberships": Membership.objects.filter(organisation__grid__path__startswith=path, end__isnull=True).count(),
    }


LEVEL_EN = {
    Level.DISTRICT: "county",
    Level.SUBDISTRICT: "subdistrict",
    Level.COMMUNITY: "community",
    Level.AREA_GRID: "area grid",
    Level.ESTATE_GRID: "estate grid",
    Level.MICRO_GRID: "micro-grid",
}


@dataclass
class LoginLine:
    username: str
    password: str
    role_zh: str
    role_en: str
    scope_zh: str
    scope_en: str
    person: str = ""
    exists: bool = True

    def __str__(self) -> str:
        return self.text()

    def text(self, width: int = 0) -> str:
        """One line, the user name padded to `width` so that a list lines up."""
        text = (f"{self.username.ljust(width)} / {self.password} — {self.role_zh} {self.role_en}, "
                f"{self.scope_zh} ({self.scope_en})")
        if self.person:
            text += f" · {self.person}"
        if not self.exists:
            text += " ［账号不存在 missing］"
        return text


def login_lines(plan: Plan, password: str = DEMO_PASSWORD) -> list[LoginLine]:
    """The demo logins with their role and scope, read back from the database."""
    User = get_user_model()
    lines = []
    for login in plan.logins:
        user = User.objects.filter(username=login.username).select_related("person").first()
        person = getattr(user, "person", None) if user is not None else None
        if login.is_superuser:
            scope_zh, scope_en = "全部网格", "everything"
        elif login.username == "resident" and person is not None and person.resident_id:
            household = Household.objects.select_related("unit__building__estate_grid").get(
                pk=person.resident.household_id
            )
            scope_zh = f"本户：{household.address}"
            scope_en = "own household"
        else:
            grid = GridNode.objects.filter(code=login.grid).first() if login.grid else None
            if grid is None and person is not None:
                duty = Duty.objects.current().filter(person=person).select_related("grid").order_by("pk").first()
                grid = duty.grid if duty else None
            scope_zh = grid.name if grid else login.grid
            scope_en = f"{LEVEL_EN.get(grid.level, grid.level)} {grid.code}" if grid else login.grid
        lines.append(LoginLine(
            login.username, password, login.role_zh, login.role_en, scope_zh, scope_en,
            person=person.name if person is not None and not login.is_superuser else "",
            exists=user is not None,
        ))
    return lines
