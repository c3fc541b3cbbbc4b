import datetime as dt

import pytest
from django.utils import timezone

from wangge.core.errors import InvalidInput
from wangge.people import services
from wangge.people.access import scope_for
from wangge.people.models import Duty

pytestmark = pytest.mark.django_db


def test_unknown_role_is_refused(world):
    with pytest.raises(InvalidInput) as info:
        services.duty_assign(person=world.persons["member_A1e"], role="emperor", grid=world.grid("A1e"))
    assert info.value.errors[0].field == "role"


def test_same_duty_twice_is_refused(world):
    with pytest.raises(InvalidInput) as info:
        services.duty_assign(person=world.persons["member_A1e"], role="grid_member", grid=world.grid("A1e"))
    assert info.value.errors[0].field == "role"


def test_a_duty_that_ends_before_it_starts_is_refused(world):
    now = timezone.now()
    with pytest.raises(InvalidInput) as info:
        services.duty_assign(person=world.persons["member_A1e"], role="building_steward", grid=world.grid("A1e"),
                             start=now, end=now - dt.timedelta(days=1))
    assert info.value.errors[0].field == "end"


def test_one_person_holds_several_duties_and_scope_is_their_union(world):
    person = world.persons["member_A1e"]
    services.duty_assign(person=person, role="building_steward", grid=world.grid("B1e"))
    scope = scope_for(world.users["member_A1e"])
    assert set(scope.paths()) == {world.grid("A1e").path, world.grid("B1e").path}


def test_a_future_duty_gives_no_access_yet(world):
    person = world.persons["micro_A1em1"]
    services.duty_assign(person=person, role="micro_grid_member", grid=world.grid("A2em1"),
                         start=timezone.now() + dt.timedelta(days=1))
    assert world.grid("A2em1").path not in scope_for(world.users["micro_A1em1"]).paths()


def test_ending_the_grid_leader_duty_ends_the_supervisor_duty_it_carried(world):
    duty = world.duties["leader_A1"]
    services.duty_end(duty=duty)
    assert not Duty.objects.current().filter(person=duty.person, grid=duty.grid).exists()


def test_a_grid_leader_who_is_not_a_committee_member_is_not_made_supervisor(world):
    roles = set(Duty.objects.filter(person=world.persons["leader_B1"]).values_list("role", flat=True))
    assert roles == {"grid_leader"}


def test_phone_of_a_person_is_validated(world):
    with pytest.raises(InvalidInput) as info:
        services.person_create(name="张三", phone="12345")
    assert info.value.errors[0].field == "phone"
