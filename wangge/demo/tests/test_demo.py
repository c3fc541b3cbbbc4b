"""The demo community as a user would notice it: sizes, the article's posts, valid personal data, complete
coverage, working logins with the right scopes, and the same data on every run."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q
from django.test import Client

from wangge.core import pii
from wangge.core.errors import InvalidInput
from wangge.demo.generator import (
    DEMO_PASSWORD,
    FEATURED_CODE,
    REFERENCE_DATE,
    SECOND_CODE,
    Plan,
    build_plan,
)
from wangge.demo.loader import login_lines
from wangge.people.models import Duty, Membership, Organisation, OrganisationKind, Person, Role
from wangge.registry import selectors
from wangge.registry import services as registry
from wangge.registry.coverage import coverage_report
from wangge.registry.locate import locate
from wangge.registry.models import Building, GridNode, Household, Level, Occupancy, Relation, Resident

pytestmark = pytest.mark.django_db


@dataclass
class Demo:
    plan: Plan
    output: str

    @property
    def logins(self):
        return self.plan.logins


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module by `wangge demo-data` inside a transaction that is rolled
    back afterwards, so other modules never see it. Each test runs in a savepoint inside it."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            out = StringIO()
            call_command("demo-data", "--no-progress", stdout=out)
            yield Demo(build_plan(), out.getvalue())
            transaction.set_rollback(True)


def _node(code: str) -> GridNode:
    return GridNode.objects.get(code=code)


def _current(**filters):
    return Duty.objects.current().filter(**filters)


def _households_under(node: GridNode):
    return Household.objects.filter(unit__micro_grid__path__startswith=node.path)


# -- size and shape ------------------------------------------------------------------------------------


def test_the_command_prints_a_summary(demo):
    assert "演示数据已加载" in demo.output
    assert "康宁社区" in demo.output and "微网格 38" in demo.output and "永和社区" in demo.output


def test_subdistrict_of_pingyao_with_two_communities(demo):
    district = _node("140728")
    assert district.name == "平遥县" and district.level == Level.DISTRICT
    subdistrict = _node("140728001")
    assert subdistrict.name == "城西街道" and subdistrict.parent == district
    communities = GridNode.objects.filter(parent=subdistrict, level=Level.COMMUNITY).order_by("code")
    assert [c.code for c in communities] == [FEATURED_CODE, SECOND_CODE]
    for node in GridNode.objects.all():
        assert node.code.startswith(node.parent.code if node.parent else "140728")
        assert node.boundary is not None, node


def test_featured_community_is_the_size_of_the_article(demo):
    featured = _node(FEATURED_CODE)
    under = GridNode.objects.filter(path__startswith=featured.path)
    assert under.filter(level=Level.AREA_GRID).count() >= 3
    assert under.filter(level=Level.ESTATE_GRID).count() >= 3
    assert under.filter(level=Level.MICRO_GRID).count() == 38
    assert _households_under(featured).count() >= 1500
    assert Resident.objects.filter(household__unit__micro_grid__path__startswith=featured.path).count() >= 3000
    second = _node(SECOND_CODE)
    assert _households_under(second).count() >= 200


def test_buildings_units_and_rooms_look_real(demo):
    for building in Building.objects.prefetch_related("units__households"):
        assert building.name.endswith("号楼") and building.name[:-2].isdigit()
        for unit in building.units.all():
            assert unit.name.endswith("单元")
            assert unit.micro_grid is not None and unit.micro_grid.parent_id == building.estate_grid_id
            for household in unit.households.all():
                assert 1 <= household.floor <= building.floors
                assert household.room.startswith(str(household.floor)) and len(household.room) == len(
                    str(household.floor)) + 2
    occupancy = Counter(Household.objects.values_list("occupancy", flat=True))
    assert occupancy[Occupancy.OWNER] > occupancy[Occupancy.RENTED] > 0
    assert occupancy[Occupancy.VACANT] > 0
    assert not Resident.objects.filter(household__occupancy=Occupancy.VACANT).exists()


def test_families_have_one_head_and_ages_that_fit(demo):
    households = Household.objects.exclude(occupancy=Occupancy.VACANT).prefetch_related("residents")
    for household in households:
        residents = list(household.residents.all())
        heads = [r for r in residents if r.relation == Relation.SELF]
        assert len(heads) == 1, household
        head_age = _age(heads[0])
        for r in residents:
            if r.relation == Relation.CHILD:
                assert _age(r) <= head_age - 15, (household, r)
            elif r.relation == Relation.PARENT:
                assert _age(r) >= head_age + 15, (household, r)
            elif r.relation == Relation.GRANDCHILD:
                assert _age(r) <= head_age - 35, (household, r)
            if "elderly_alone" in r.care_flags:
                assert len(residents) == 1 and _age(r) >= 60
    flags = Counter(f for flags in Resident.objects.values_list("care_flags", flat=True) for f in flags)
    assert flags["elderly_alone"] >= 20 and flags["veteran"] > 0 and flags["disabled"] > 0


def _age(resident: Resident) -> int:
    born = resident.birth_date
    return REFERENCE_DATE.year - born.year - ((REFERENCE_DATE.month, REFERENCE_DATE.day) < (born.month, born.day))


# -- personal data -------------------------------------------------------------------------------------


def test_id_numbers_are_valid_unique_and_match_the_person(demo):
    rows = list(Resident.objects.values_list("id_number", "gender", "birth_date", "name"))
    assert len({r[0] for r in rows}) == len(rows)
    for id_number, gender, birth_date, name in rows:
        assert pii.id_number_problem(id_number) is None, id_number
        assert id_number.startswith("140728")
        assert gender == ("M" if int(id_number[16]) % 2 else "F")
        assert birth_date == pii.id_birth_date(id_number)
        assert 2 <= len(name) <= 4


def test_phones_are_valid_mobiles_and_unique(demo):
    resident_phones = [p for p in Resident.objects.values_list("phone", flat=True) if p]
    other_phones = list(Person.objects.filter(resident__isnull=True).exclude(phone="").values_list("phone", flat=True))
    phones = resident_phones + other_phones
    assert len(resident_phones) > 2500
    assert len(set(phones)) == len(phones)
    for phone in phones:
        assert pii.phone_problem(phone) is None, phone


# -- the article's organisation and posts -----------------------------------------------------------------


def test_three_level_party_organisation_and_joint_units(demo):
    featured = _node(FEATURED_CODE)
    committee = Organisation.objects.get(grid=featured, kind=OrganisationKind.COMMUNITY_PARTY_COMMITTEE)
    areas = GridNode.objects.filter(parent=featured, level=Level.AREA_GRID)
    groups = Organisation.objects.filter(kind=OrganisationKind.GRID_PARTY_GROUP, grid__in=areas)
    assert groups.count() == areas.count()
    assert set(groups.values_list("parent", flat=True)) == {committee.pk}
    property_party = Organisation.objects.get(grid=featured, kind=OrganisationKind.PROPERTY_PARTY_ORG)
    assert property_party.parent_id in set(groups.values_list("pk", flat=True))
    assert property_party.parent.parent == committee
    assert Organisation.objects.filter(grid=featured, kind=OrganisationKind.RESIDENTS_COMMITTEE).exists()
    assert Organisation.objects.filter(grid=featured, kind=OrganisationKind.PROPERTY_COMPANY).exists()
    liaisons = _current(grid=featured, role=Role.JOINT_UNIT_LIAISON)
    assert set(liaisons.values_list("organisation__kind", flat=True)) == {
        OrganisationKind.POLICE_STATION, OrganisationKind.HOUSING_BUREAU, OrganisationKind.FIRE_BRIGADE,
    }


def test_38_micro_grids_each_with_its_own_member_from_its_buildings(demo):
    featured = _node(FEATURED_CODE)
    micro_grids = GridNode.objects.filter(path__startswith=featured.path, level=Level.MICRO_GRID)
    duties = _current(role=Role.MICRO_GRID_MEMBER, grid__in=micro_grids).select_related(
        "person__resident__household__unit")
    assert duties.count() == 38
    assert len({d.person_id for d in duties}) == 38
    assert len({d.grid_id for d in duties}) == 38
    living_there = [d for d in duties if d.person.resident and d.person.resident.household.unit.micro_grid_id == d.grid_id]
    assert len(living_there) >= 30


def test_six_party_members_are_grid_members_and_building_stewards(demo):
    featured = _node(FEATURED_CODE)
    inside = Q(grid__path__startswith=featured.path)
    members = set(_current(role=Role.GRID_MEMBER).filter(inside).values_list("person", flat=True))
    stewards = set(_current(role=Role.BUILDING_STEWARD).filter(inside).values_list("person", flat=True))
    both = members & stewards
    assert len(both) == 6
    persons = Person.objects.filter(pk__in=both).select_related("resident")
    from_residents = [p for p in persons if p.resident is not None]
    from_property = [p for p in persons if Membership.objects.filter(
        person=p, organisation__kind=OrganisationKind.PROPERTY_COMPANY).exists()]
    assert len(from_residents) == 3 and len(from_property) == 3
    for person in persons:
        party = Membership.objects.filter(person=person, is_party_member=True).exists()
        assert party or person.resident.is_party_member


def test_two_committee_grid_leaders_are_property_supervisors(demo):
    featured = _node(FEATURED_CODE)
    committee_members = set(_current(role=Role.TWO_COMMITTEE_MEMBER, grid=featured).values_list("person", flat=True))
    for area in GridNode.objects.filter(parent=featured, level=Level.AREA_GRID):
        leader = _current(role=Role.GRID_LEADER, grid=area).get()
        assert leader.person_id in committee_members
        assert _current(role=Role.PROPERTY_SUPERVISOR, grid=area, person=leader.person_id).exists()


def test_property_party_members_are_information_officers(demo):
    party = Membership.objects.filter(
        is_party_member=True, end__isnull=True,
        organisation__kind__in=[OrganisationKind.PROPERTY_COMPANY, OrganisationKind.PROPERTY_PARTY_ORG],
    ).values_list("person", flat=True)
    assert len(set(party)) >= 4
    for person in set(party):
        assert _current(person=person, role=Role.INFORMATION_OFFICER).exists()


def test_other_posts_exist(demo):
    featured = _node(FEATURED_CODE)
    inside = Q(grid__path__startswith=featured.path)
    for role in (Role.RESIDENT_REPRESENTATIVE, Role.PARTY_BUILDING_HEAD, Role.PROPERTY_STAFF):
        assert _current(role=role).filter(inside).count() >= 3, role


def test_coverage_is_complete_and_the_command_exits_0(demo, capsys):
    report = coverage_report()
    assert report.complete, [p.message for p in report.problems]
    assert report.households_checked == Household.objects.count()
    call_command("coverage")
    assert "覆盖完整" in capsys.readouterr().out


def test_each_building_is_located_in_its_micro_grid(demo):
    for building in Building.objects.prefetch_related("units"):
        node, _ = locate(lon=building.lon, lat=building.lat)
        assert node.level == Level.MICRO_GRID
        assert {u.micro_grid_id for u in building.units.all()} == {node.pk}
        assert building.estate_grid_id in node.ancestor_ids()


def test_the_locate_api_finds_the_micro_grid_of_a_building(demo):
    client = Client()
    token = client.post("/api/v1/auth/token", {"username": "microgrid", "password": DEMO_PASSWORD},
                        content_type="application/json").json()["token"]
    duty = _current(person__user__username="microgrid", role=Role.MICRO_GRID_MEMBER).get()
    building = Building.objects.filter(units__micro_grid=duty.grid).first()
    body = client.get(f"/api/v1/grids/locate?lon={building.lon}&lat={building.lat}",
                      HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["grid"]["id"] == duty.grid_id
    assert [a["code"] for a in body["ancestors"]][:3] == ["140728", "140728001", FEATURED_CODE]


# -- logins ----------------------------------------------------------------------------------------------


def _login(username: str):
    user = authenticate(username=username, password=DEMO_PASSWORD)
    assert user is not None, username
    return user


def _visible_households(username: str) -> set[int]:
    return set(selectors.household_list(actor=_login(username)).values_list("pk", flat=True))


def test_every_demo_login_authenticates(demo):
    for login in demo.logins:
        user = _login(login.username)
        assert user.is_superuser == login.is_superuser


def test_admin_sees_everything(demo):
    assert len(_visible_households("admin")) == Household.objects.count()


def test_gridleader_leads_area_grid_1_and_sees_only_the_featured_community(demo):
    user = _login("gridleader")
    area = _node(f"{FEATURED_CODE}001")
    assert _current(person=user.person, role=Role.GRID_LEADER, grid=area).exists()
    assert _current(person=user.person, role=Role.TWO_COMMITTEE_MEMBER, grid=_node(FEATURED_CODE)).exists()
    assert _current(person=user.person, role=Role.PROPERTY_SUPERVISOR, grid=area).exists()
    expected = set(_households_under(_node(FEATURED_CODE)).values_list("pk", flat=True))
    assert _visible_households("gridleader") == expected


def test_microgrid_member_sees_only_its_micro_grid(demo):
    user = _login("microgrid")
    duty = _current(person=user.person, role=Role.MICRO_GRID_MEMBER).get()
    expected = set(Household.objects.filter(unit__micro_grid=duty.grid).values_list("pk", flat=True))
    assert 20 <= len(expected) < 100
    assert _visible_households("microgrid") == expected
    assert user.person.resident.household_id in expected


def test_resident_sees_only_their_own_household(demo):
    user = _login("resident")
    assert user.person.resident is not None
    assert not Duty.objects.filter(person=user.person).exists()
    assert _visible_households("resident") == {user.person.resident.household_id}


@pytest.mark.parametrize(("username", "role", "level"), [
    ("secretary", Role.TWO_COMMITTEE_MEMBER, Level.COMMUNITY),
    ("gridmember", Role.GRID_MEMBER, Level.ESTATE_GRID),
    ("officer", Role.INFORMATION_OFFICER, Level.AREA_GRID),
    ("police", Role.JOINT_UNIT_LIAISON, Level.COMMUNITY),
])
def test_staff_logins_see_their_grid(demo, username, role, level):
    user = _login(username)
    duty = _current(person=user.person, role=role).get()
    assert duty.grid.level == level and duty.grid.code.startswith(FEATURED_CODE)
    visible = _visible_households(username)
    assert set(_households_under(duty.grid).values_list("pk", flat=True)) <= visible
    assert not visible & set(_households_under(_node(SECOND_CODE)).values_list("pk", flat=True))


def test_gridmember_is_also_a_building_steward_living_in_the_estate(demo):
    user = _login("gridmember")
    duty = _current(person=user.person, role=Role.GRID_MEMBER).get()
    assert _current(person=user.person, role=Role.BUILDING_STEWARD, grid=duty.grid).exists()
    assert user.person.resident.household.unit.building.estate_grid_id == duty.grid_id
    assert _visible_households("gridmember") == set(_households_under(duty.grid).values_list("pk", flat=True))


def test_demo_logins_command_lists_roles_and_scopes(demo):
    out = StringIO()
    call_command("demo-logins", stdout=out)
    text = out.getvalue()
    for login in demo.logins:
        assert f"{login.username}" in text
    assert "网格长" in text and "grid leader" in text and "康宁社区第1网格" in text
    lines = {line.username: line for line in login_lines(demo.plan)}
    assert lines["microgrid"].scope_en.startswith("micro-grid")
    assert lines["guard"].scope_en.startswith("estate grid")  # made by the gate-duty loader, scope from its duty
    assert all(line.exists for line in lines.values())


# -- determinism and re-running -------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_data(demo):
    assert build_plan().fingerprint() == demo.plan.fingerprint()
    assert build_plan(seed=7).fingerprint() != demo.plan.fingerprint()
    planned = sorted((r.id_number, r.name, r.phone) for r in demo.plan.district.residents())
    stored = sorted(Resident.objects.values_list("id_number", "name", "phone"))
    assert _digest(planned) == _digest(stored)


def _digest(rows) -> str:
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_running_again_changes_nothing(demo):
    before = (GridNode.objects.count(), Household.objects.count(), Resident.objects.count(), Duty.objects.count(),
              Person.objects.count())
    out = StringIO()
    call_command("demo-data", "--no-progress", stdout=out)
    assert "已加载" in out.getvalue() and "未做改动" in out.getvalue()
    after = (GridNode.objects.count(), Household.objects.count(), Resident.objects.count(), Duty.objects.count(),
             Person.objects.count())
    assert before == after


# -- the validated bulk path the demo loads households with ----------------------------------------------


def _unit():
    building = Building.objects.filter(estate_grid__code__startswith=SECOND_CODE).first()
    return registry.unit_create(building=building, name="9单元", micro_grid=building.units.first().micro_grid)


def _person(n: int, relation: str = Relation.SELF) -> dict:
    first = f"14072819800101{n:03d}"
    return {"name": f"测试{n}", "id_number": first + pii.id_check_char(first), "relation": relation}


def test_bulk_households_are_created_with_their_residents(demo):
    unit = _unit()
    created = registry.household_bulk_create(unit=unit, households=[
        {"floor": 1, "room": "101", "residents": [_person(1), _person(2, Relation.SPOUSE)]},
        {"floor": 1, "room": "102", "occupancy": Occupancy.VACANT},
    ])
    assert [h.room for h in created] == ["101", "102"]
    residents = Resident.objects.filter(household__unit=unit)
    assert residents.count() == 2
    assert residents.get(relation=Relation.SELF).search_text.startswith("测试1")


@pytest.mark.parametrize(("households", "field", "row"), [
    ([{"floor": 1, "room": "101", "residents": [{**_person(1), "id_number": "140728198001010011"}]}], "id_number", 1),
    ([{"floor": 1, "room": "101"}, {"floor": 9, "room": "901"}], "floor", 2),
    ([{"floor": 1, "room": "101"}, {"floor": 1, "room": "101"}], "room", 2),
    ([{"floor": 1, "room": "101", "residents": [_person(1), _person(2)]}], "relation", 1),
    ([{"floor": 1, "room": "101", "residents": [_person(1)]},
      {"floor": 1, "room": "102", "residents": [_person(1)]}], "id_number", 2),
    ([{"floor": 1, "room": "101", "residents": [{**_person(1), "phone": "12345"}]}], "phone", 1),
])
def test_bulk_rejects_bad_rows_and_writes_nothing(demo, households, field, row):
    unit = _unit()
    with pytest.raises(InvalidInput) as info:
        registry.household_bulk_create(unit=unit, households=households)
    assert info.value.errors[0].field == field and info.value.errors[0].row == row
    assert not Household.objects.filter(unit=unit).exists()


def test_bulk_rejects_an_id_number_already_registered(demo):
    taken = Resident.objects.first()
    with pytest.raises(InvalidInput) as info:
        registry.household_bulk_create(unit=_unit(), households=[
            {"floor": 1, "room": "101", "residents": [{"name": "重复", "id_number": taken.id_number}]},
        ])
    assert info.value.errors[0].field == "id_number" and "已登记" in info.value.errors[0].message
