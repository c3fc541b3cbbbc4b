import pytest
from django.core.management import call_command

from wangge.people import services as people
from wangge.registry import services as registry
from wangge.registry.coverage import coverage_report
from wangge.testing.world import rect

pytestmark = pytest.mark.django_db


def _kinds(report):
    return {p.kind for p in report.problems}


def test_the_test_world_is_complete(world):
    report = coverage_report()
    assert report.complete, [p.message for p in report.problems]
    assert report.households_checked == 12


def test_ending_a_micro_grid_members_duty_makes_coverage_fail(world):
    people.duty_end(duty=world.duties["micro_A1em1"])
    report = coverage_report()
    assert _kinds(report) == {"grid_unstaffed"}
    assert report.problems[0].grid_id == world.grid("A1em1").pk
    with pytest.raises(SystemExit) as info:
        call_command("coverage")
    assert info.value.code == 1


def test_command_exits_0_when_complete(world, capsys):
    call_command("coverage", "--grid", world.grid("A").code)
    assert "覆盖完整" in capsys.readouterr().out


def test_unit_without_micro_grid_lists_its_households(world):
    building = world.households["A1em1"][0].unit.building
    unit = registry.unit_create(building=building, name="9单元", micro_grid=None)
    household = registry.household_create(unit=unit, floor=1, room="901")
    report = coverage_report()
    assert [p.object_id for p in report.problems if p.kind == "household_unplaced"] == [household.pk]


def test_overlapping_estates_and_holes_are_reported(world):
    registry.grid_update(grid=world.grid("A2e"), boundary=rect(112.14, 37.10, 112.20, 37.30))
    assert "boundary_overlap" in _kinds(coverage_report())
    registry.grid_update(grid=world.grid("A2e"), boundary={
        "type": "Polygon",
        "coordinates": [[[112.15, 37.10], [112.20, 37.10], [112.20, 37.30], [112.15, 37.30], [112.15, 37.10]],
                        [[112.17, 37.15], [112.18, 37.15], [112.18, 37.16], [112.17, 37.16], [112.17, 37.15]]],
    })
    gaps = [p for p in coverage_report().problems if p.kind == "boundary_gap"]
    assert gaps and "缺口" in gaps[0].message


def test_coverage_api_for_a_grid(world, api):
    body = api("leader_A1").get(f"/api/v1/coverage?grid={world.grid('A1').pk}").json()
    assert body["complete"] is True
    people.duty_end(duty=world.duties["micro_A1em2"])
    body = api("leader_A1").get(f"/api/v1/coverage?grid={world.grid('A1').pk}").json()
    assert body["complete"] is False and body["problems"][0]["kind"] == "grid_unstaffed"


def test_unit_in_a_micro_grid_of_another_estate_is_reported(world):
    from wangge.registry.models import Unit

    unit = world.households["A1em1"][0].unit
    Unit.objects.filter(pk=unit.pk).update(micro_grid=world.grid("A2em1"))  # as a bad data import would
    problems = [p for p in coverage_report().problems if p.kind == "household_unplaced"]
    assert {p.object_id for p in problems} == {h.pk for h in world.households["A1em1"] if h.unit_id == unit.pk}
    assert "不属于楼栋所在小区" in problems[0].message


def test_assigning_a_unit_to_a_micro_grid_of_another_estate_is_refused(world):
    from wangge.core.errors import InvalidInput

    unit = world.households["A1em1"][0].unit
    with pytest.raises(InvalidInput) as info:
        registry.unit_assign_micro_grid(unit=unit, micro_grid=world.grid("A2em1"))
    assert info.value.errors[0].field == "micro_grid"
