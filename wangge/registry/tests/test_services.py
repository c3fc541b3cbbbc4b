import pytest

from wangge.core.errors import InvalidInput, NotFound, PermissionDenied
from wangge.registry import services
from wangge.registry.models import GridNode, Household, Resident, common_ancestor_id
from wangge.testing.world import fake_id, rect

pytestmark = pytest.mark.django_db


def field_of(excinfo) -> str:
    return excinfo.value.errors[0].field


@pytest.mark.parametrize("paths, expected", [
    (["/1/2/6/"], 6),
    (["/1/2/6/46/", "/1/2/6/47/"], 6),
    (["/1/2/6/46/", "/1/2/60/47/"], 2),  # 6 and 60 are different nodes, not a shared prefix
    (["/1/2/", "/1/2/6/46/"], 2),  # a node and one below it: the node itself
    (["/1/2/", "/3/4/"], None),  # two roots
])
def test_the_common_ancestor_of_paths_is_the_deepest_node_holding_them_all(paths, expected):
    assert common_ancestor_id(paths) == expected


def test_grid_paths_and_tenant_key(world):
    micro = world.grid("A1em1")
    assert micro.path == "/" + "/".join(str(world.grid(k).pk) for k in ("district", "sub", "A", "A1", "A1e", "A1em1")) + "/"
    assert micro.subdistrict_id == world.grid("sub").pk
    assert world.grid("sub").subdistrict_id == world.grid("sub").pk
    household = world.households["A1em1"][0]
    assert household.subdistrict_id == world.grid("sub").pk
    assert world.residents["A1em1"][0].subdistrict_id == world.grid("sub").pk


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"level": "galaxy", "code": "140728001001004"}, "level"),
        ({"level": "estate_grid", "code": "140728001001004"}, "level"),
        ({"level": "area_grid", "code": "14072800100"}, "code"),
        ({"level": "area_grid", "code": "140728001002009"}, "code"),
        ({"level": "area_grid", "code": "140728001001001"}, "code"),
        ({"level": "area_grid", "code": "140728001001009", "boundary": None}, "boundary"),
        ({"level": "area_grid", "code": "140728001001009", "name": " "}, "name"),
    ],
)
def test_bad_grid_input_names_the_field_and_writes_nothing(world, kwargs, field):
    before = GridNode.objects.count()
    args = {"parent": world.grid("A"), "name": "新网格", "boundary": rect(112.1, 37.1, 112.11, 37.11), **kwargs}
    with pytest.raises(InvalidInput) as info:
        services.grid_create(**args)
    assert field_of(info) == field
    assert GridNode.objects.count() == before


def test_micro_grid_boundary_is_optional(world):
    node = services.grid_create(parent=world.grid("A1e"), level="micro_grid", code=world.grid("A1e").code + "009",
                                name="新微网格", boundary=None)
    assert node.boundary is None


def test_duplicate_household_is_refused(world):
    unit = world.households["A1em1"][0].unit
    before = Household.objects.count()
    with pytest.raises(InvalidInput) as info:
        services.household_create(unit=unit, floor=1, room=world.households["A1em1"][0].room)
    assert field_of(info) == "room"
    assert Household.objects.count() == before


def test_floor_must_exist_in_the_building(world):
    unit = world.households["A1em1"][0].unit
    with pytest.raises(InvalidInput) as info:
        services.household_create(unit=unit, floor=40, room="4001")
    assert field_of(info) == "floor"


def test_bad_id_checksum_is_refused(world):
    household = world.households["A1em1"][0]
    good = fake_id(900)
    bad = good[:17] + ("1" if good[17] != "1" else "2")
    with pytest.raises(InvalidInput) as info:
        services.resident_create(household=household, name="王五", id_number=bad, relation="child")
    assert (field_of(info), info.value.errors[0].message) == ("id_number", "校验位错误")
    assert not Resident.objects.filter(name="王五").exists()


def test_several_bad_fields_are_all_named(world):
    household = world.households["A1em1"][0]
    with pytest.raises(InvalidInput) as info:
        services.resident_create(household=household, name="", id_number="123", phone="12345", relation="cousin")
    assert {e.field for e in info.value.errors} == {"name", "id_number", "phone", "relation"}


def test_an_id_number_lives_in_one_household_only(world):
    other = world.households["A1em2"][0]
    existing = world.residents["A1em1"][0]
    with pytest.raises(InvalidInput) as info:
        services.resident_create(household=other, name="重复", id_number=existing.id_number, relation="child")
    assert field_of(info) == "id_number"
    assert "*" in info.value.errors[0].message  # the other address is shown masked


def test_a_household_has_one_head(world):
    household = world.households["A1em1"][0]
    with pytest.raises(InvalidInput) as info:
        services.resident_create(household=household, name="第二户主", id_number=fake_id(901), relation="self")
    assert field_of(info) == "relation"


def test_editing_needs_the_right_role_and_scope(world):
    micro_user = world.users["micro_A1em1"]
    unit = world.households["A1em1"][0].unit
    with pytest.raises(PermissionDenied):
        services.household_create(actor=micro_user, unit=unit, floor=3, room="301")
    far_unit = world.households["B1em1"][0].unit
    with pytest.raises(NotFound):
        services.household_create(actor=world.users["leader_A1"], unit=far_unit, floor=3, room="301")
    created = services.household_create(actor=world.users["member_A1e"], unit=unit, floor=3, room="301")
    assert created.subdistrict_id == world.grid("sub").pk
