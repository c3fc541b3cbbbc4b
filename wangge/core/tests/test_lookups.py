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


def test_any_of_a_subquery_matches_what_in_matches_inside_the_same_query(world, django_assert_num_queries):
    from wangge.testing.matters import report

    matter = report(world)
    under_a = GridNode.objects.filter(path__startswith=world.grid("A").path).values("pk")
    under_b = GridNode.objects.filter(path__startswith=world.grid("B").path).values("pk")
    with django_assert_num_queries(1):
        assert list(Matter.objects.filter(grid_id__any=under_a)) == [matter]
    assert not Matter.objects.filter(grid_id__any=under_b).exists()
    either = Matter.objects.filter(Q(grid_id__any=under_b) | Q(handling_grid_id__any=under_a))
    assert list(either) == list(Matter.objects.filter(Q(grid_id__in=under_b) | Q(handling_grid_id__in=under_a)))
    nowhere = GridNode.objects.filter(pk__any=GridNode.objects.none().values("pk"))
    assert not nowhere.exists()
