"""`__any`: the same rows as `__in`, a list sent as one array on PostgreSQL."""

import pytest
from django.db.models import Q

from wangge.matters.models import Matter
from wangge.registry.models import GridNode

pytestmark = pytest.mark.django_db


def test_any_matches_what_in_matches(world):
    ids = [world.grid("A1").pk, world.grid("B").pk, world.grid("A1em2").pk]
    assert set(GridNode.objects.filter(pk__any=ids)) == {world.grid("A1"), world.grid("B"), world.grid("A1em2")}
    assert set(GridNode.objects.filter(parent_id__any=ids)) == set(GridNode.objects.filter(parent_id__in=ids))
    assert GridNode.objects.filter(parent_id__any=ids).count() > 0


def test_any_of_nothing_matches_nothing_and_leaves_the_rest_of_an_or(world):
    assert not GridNode.objects.filter(pk__any=[]).exists()
    either = GridNode.objects.filter(Q(pk__any=[]) | Q(code=world.grid("A").code))
    assert list(either) == [world.grid("A")]


def test_any_on_a_foreign_key_id_column(world):
    from wangge.testing.matters import report

    matter = report(world)
    assert list(Matter.objects.filter(grid_id__any=[matter.grid_id, 10**9])) == [matter]
    assert not Matter.objects.filter(grid_id__any=[10**9]).exists()


def test_an_id_array_matches_what_its_list_matches_and_can_be_used_again(world):
    from wangge.core.lookups import IdArray

    ids = [world.grid("A1").pk, world.grid("B").pk, world.grid("A1em2").pk]
    array = IdArray(ids)
    assert set(GridNode.objects.filter(pk__any=array)) == set(GridNode.objects.filter(pk__in=ids))
    # The same array in a second query, and in both arms of an OR.
    either = GridNode.objects.filter(Q(pk__any=array) | Q(parent_id__any=array))
    assert set(either) == set(GridNode.objects.filter(Q(pk__in=ids) | Q(parent_id__in=ids)))
    assert not GridNode.objects.filter(pk__any=IdArray([])).exists()


def test_an_id_array_takes_only_whole_numbers():
    from wangge.core.lookups import IdArray

    assert IdArray(["7", 8]).literal == "{7,8}"
    with pytest.raises(ValueError):
        IdArray(["7); DROP TABLE x; --"])
