"""A small, complete world for tests, built through the services as users would build it.

Two communities (A and B) of one subdistrict; A has two area grids, each with one estate of two
micro-grids; B has one of each. Every household and every person is labelled with the micro-grid it
belongs to, so tests can check scope against the labels rather than against the code under test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import timezone

from wangge.core.pii import id_check_char
from wangge.matters import taxonomy
from wangge.matters.models import Category
from wangge.people import services as people
from wangge.people.models import OrganisationKind, Role
from wangge.registry import services as registry
from wangge.registry.models import GridNode, Level


def rect(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def fake_id(n: int, birth: str = "19800101") -> str:
    first = f"140728{birth}{n % 1000:03d}"
    return first + id_check_char(first)


def fake_phone(n: int) -> str:
    return f"139{n:08d}"


@dataclass
class World:
    grids: dict[str, GridNode] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)
    persons: dict[str, object] = field(default_factory=dict)
    duties: dict[str, object] = field(default_factory=dict)
    households: dict[str, list] = field(default_factory=dict)   # micro-grid key → households
    residents: dict[str, list] = field(default_factory=dict)    # micro-grid key → residents
    organisations: dict[str, object] = field(default_factory=dict)

    def grid(self, key: str) -> GridNode:
        return self.grids[key]

    def micro_keys_under(self, key: str) -> list[str]:
        path = self.grids[key].path
        return [k for k, g in self.grids.items() if g.level == Level.MICRO_GRID and g.path.startswith(path)]


def build_world(password: str = "pw") -> World:
    # The categories come from a data migration; a transactional test before this one may have flushed
    # them.
    if not Category.objects.exists():
        taxonomy.seed()
    w = World()
    User = get_user_model()
    g = w.grids
    g["district"] = registry.grid_create(parent=None, level="district", code="140728", name="平遥县",
                                         boundary=rect(112.0, 37.0, 112.4, 37.4))
    g["sub"] = registry.grid_create(parent=g["district"], level="subdistrict", code="140728001", name="城西街道",
                                    boundary=rect(112.10, 37.10, 112.30, 37.30))
    # Community A: west half; community B: east half.
    g["A"] = registry.grid_create(parent=g["sub"], level="community", code="140728001001", name="红旗社区",
                                  boundary=rect(112.10, 37.10, 112.20, 37.30))
    g["B"] = registry.grid_create(parent=g["sub"], level="community", code="140728001002", name="新華社区",
                                  boundary=rect(112.20, 37.10, 112.30, 37.30))
    layout = {"A": [(112.10, 112.15), (112.15, 112.20)], "B": [(112.20, 112.30)]}
    n = 0
    for community, spans in layout.items():
        for ai, (x0, x1) in enumerate(spans, start=1):
            akey = f"{community}{ai}"
            g[akey] = registry.grid_create(parent=g[community], level="area_grid", code=f"{g[community].code}{ai:03d}",
                                           name=f"{g[community].name}第{ai}网格", boundary=rect(x0, 37.10, x1, 37.30))
            ekey = f"{akey}e"
            g[ekey] = registry.grid_create(parent=g[akey], level="estate_grid", code=f"{g[akey].code}001",
                                           name=f"{akey}小区", boundary=rect(x0, 37.10, x1, 37.30))
            building = registry.building_create(estate_grid=g[ekey], name="1号楼", floors=6,
                                                lon=(x0 + x1) / 2, lat=37.2)
            for mi in (1, 2):
                mkey = f"{ekey}m{mi}"
                mid = 37.10 + 0.1 * (mi - 1)
                g[mkey] = registry.grid_create(parent=g[ekey], level="micro_grid", code=f"{g[ekey].code}{mi:03d}",
                                               name=f"{akey}微网格{mi}", boundary=rect(x0, mid, x1, mid + 0.1))
                unit = registry.unit_create(building=building, name=f"{mi}单元", micro_grid=g[mkey])
                w.households[mkey] = []
                w.residents[mkey] = []
                for floor in (1, 2):
                    household = registry.household_create(unit=unit, floor=floor, room=f"{floor}0{mi}")
                    w.households[mkey].append(household)
                    for relation in ("self", "spouse"):
                        n += 1
                        w.residents[mkey].append(registry.resident_create(
                            household=household, name=f"居民{n}", id_number=fake_id(n), phone=fake_phone(n),
                            relation=relation,
                        ))

    def staff(key: str, username: str, role: str, grid_key: str):
        n_ = len(w.persons) + 500
        person = people.person_create(name=f"{username}人员", phone=fake_phone(n_), grid=g[grid_key])
        w.users[key] = people.person_grant_login(person=person, username=username, password=password)
        w.persons[key] = person
        w.duties[key] = people.duty_assign(person=person, role=role, grid=g[grid_key])
        return person

    staff("committee_A", "committee_a", Role.TWO_COMMITTEE_MEMBER, "A")
    leader = staff("leader_A1", "leader_a1", Role.TWO_COMMITTEE_MEMBER, "A")
    w.duties["leader_A1"] = people.duty_assign(person=leader, role=Role.GRID_LEADER, grid=g["A1"])
    staff("leader_A2", "leader_a2", Role.GRID_LEADER, "A2")
    staff("leader_B1", "leader_b1", Role.GRID_LEADER, "B1")
    staff("committee_B", "committee_b", Role.TWO_COMMITTEE_MEMBER, "B")
    staff("member_A1e", "member_a1e", Role.GRID_MEMBER, "A1e")
    staff("member_A2e", "member_a2e", Role.GRID_MEMBER, "A2e")
    staff("member_B1e", "member_b1e", Role.GRID_MEMBER, "B1e")
    for mkey in [k for k in g if "m" in k and g[k].level == Level.MICRO_GRID]:
        staff(f"micro_{mkey}", f"micro_{mkey.lower()}", Role.MICRO_GRID_MEMBER, mkey)
    staff("liaison_A", "liaison_a", Role.JOINT_UNIT_LIAISON, "A")
    # Someone who served micro-grid A1em1 last year: their duty has ended, so it gives no access.
    former = people.person_create(name="前任微网格员", phone=fake_phone(900), grid=g["A1em1"])
    w.persons["former"] = former
    w.duties["former"] = people.duty_assign(
        person=former, role=Role.MICRO_GRID_MEMBER, grid=g["A1em1"],
        start=timezone.now() - dt.timedelta(days=400), end=timezone.now() - dt.timedelta(days=30),
    )

    # A resident with a login, in micro-grid A1em1.
    resident = w.residents["A1em1"][0]
    person = people.person_create(name=resident.name, resident=resident)
    w.users["resident"] = people.person_grant_login(person=person, username="resident", password=password)
    w.persons["resident"] = person
    # An admin, and a user with no duties at all.
    w.users["admin"] = User.objects.create_superuser("admin", "admin@example.invalid", password)
    w.users["nobody"] = User.objects.create_user("nobody", password=password)

    w.organisations["A_party"] = people.organisation_create(
        name="红旗社区党委", kind=OrganisationKind.COMMUNITY_PARTY_COMMITTEE, grid=g["A"])
    w.organisations["B_party"] = people.organisation_create(
        name="新华社区党委", kind=OrganisationKind.COMMUNITY_PARTY_COMMITTEE, grid=g["B"])
    w.organisations["police"] = people.organisation_create(
        name="城西派出所", kind=OrganisationKind.POLICE_STATION, grid=g["sub"])
    return w


def add_namesakes(w: World) -> tuple:
    """Two persons called 张伟 in community A, for pickers that must tell them apart: a resident of
    micro-grid A1em1 (no duty) and the building steward of estate A2e. Not part of the standard world, so
    that its counts stay as they are."""
    household = w.households["A1em1"][1]
    resident = registry.resident_create(household=household, name="张伟", id_number=fake_id(901),
                                        phone=fake_phone(901), relation="child")
    w.persons["zhangwei_resident"] = people.person_create(name="张伟", resident=resident)
    steward = people.person_create(name="张伟", phone=fake_phone(902), grid=w.grid("A2e"))
    w.duties["zhangwei_steward"] = people.duty_assign(person=steward, role=Role.BUILDING_STEWARD, grid=w.grid("A2e"))
    w.persons["zhangwei_steward"] = steward
    return w.persons["zhangwei_resident"], steward


def add_resident_without_person(w: World, *, name: str = "王秀英", micro: str = "A1em1", n: int = 903):
    """A resident of `micro` who is no person yet (no duty, no login): what a grid leader finds in the duty
    picker when appointing from the households. Not part of the standard world."""
    household = w.households[micro][0]
    resident = registry.resident_create(household=household, name=name, id_number=fake_id(n), phone=fake_phone(n),
                                        relation="parent")
    return resident
