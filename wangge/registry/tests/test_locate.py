"""Locating a point: the bucket index answers exactly what the rule says, and edits are seen in time."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wangge.core.errors import NotFound
from wangge.registry import locate
from wangge.registry import services as registry
from wangge.registry.locate import buckets
from wangge.registry.models import GridNode
from wangge.testing.world import rect

# --- the index against the rule, without a database -------------------------------------------------------


@st.composite
def tilings(draw):
    """A jittered lattice of micro-grids (some missing), grouped in parents of 2 × 2 cells (one a
    MultiPolygon, one with a hole), a root over everything and a stray polygon overlapping its level;
    ids shuffled so that rank and id disagree."""
    nx, ny = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    size = draw(st.sampled_from([1e-4, 5e-4, 3e-3]))
    ox, oy = draw(st.floats(73.0, 135.0)), draw(st.floats(18.0, 53.0))
    jitter = draw(st.lists(st.floats(-0.3, 0.3), min_size=2 * (nx + 1) * (ny + 1), max_size=2 * (nx + 1) * (ny + 1)))
    j = np.array(jitter).reshape(2, nx + 1, ny + 1)
    j[:, [0, -1], :] = 0  # the outline stays straight, the inside is irregular
    j[:, :, [0, -1]] = 0
    vx = np.round(ox + (np.arange(nx + 1)[:, None] + j[0]) * size, 7)
    vy = np.round(oy + (np.arange(ny + 1)[None, :] + j[1]) * size, 7)

    def cell(i, k):
        return shapely.Polygon([(vx[i, k], vy[i, k]), (vx[i + 1, k], vy[i + 1, k]),
                                (vx[i + 1, k + 1], vy[i + 1, k + 1]), (vx[i, k + 1], vy[i, k + 1])])

    kept = draw(st.lists(st.booleans(), min_size=nx * ny, max_size=nx * ny))
    polygons = []  # (depth, geometry)
    blocks = {}
    for i in range(nx):
        for k in range(ny):
            blocks.setdefault((i // 2, k // 2), []).append(cell(i, k))
            if kept[i * ny + k]:
                polygons.append((3, cell(i, k)))
    parents = [shapely.union_all(cells) for cells in blocks.values()]
    if len(parents) >= 3:  # two blocks that do not touch make one MultiPolygon
        parents[0] = shapely.union_all([parents[0], parents.pop(2)])
    if nx >= 3 and ny >= 3:  # a parent with a hole in it
        parents.append(shapely.Polygon(shapely.get_exterior_ring(shapely.union_all(
            [cell(i, k) for i in range(3) for k in range(3)])), holes=[cell(1, 1).exterior.coords]))
    polygons += [(2, p) for p in parents]
    polygons.append((0, shapely.box(vx.min(), vy.min(), vx.max(), vy.max())))
    x0, y0 = draw(st.floats(0, nx)), draw(st.floats(0, ny))
    polygons.append((3, shapely.box(ox + x0 * size, oy + y0 * size, ox + (x0 + 1.3) * size, oy + (y0 + 0.7) * size)))
    ids = draw(st.permutations(range(1, len(polygons) + 1)))
    return ids, [d for d, _ in polygons], [g for _, g in polygons], (ox, oy, size, nx, ny)


def _points(geoms, frame, fractions):
    """Vertices (shared by neighbours), points on edges, and points anywhere in and around the tiling."""
    ox, oy, size, nx, ny = frame
    coords = shapely.get_coordinates(np.array(geoms, dtype=object))
    mids = (coords[:-1] + coords[1:]) / 2
    spread = [(ox + (fx * (nx + 0.4) - 0.2) * size, oy + (fy * (ny + 0.4) - 0.2) * size) for fx, fy in fractions]
    return [tuple(p) for p in coords] + [tuple(p) for p in mids] + spread


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tilings(), st.sampled_from([1, 2.5, 4, 7]),
       st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=20, max_size=60),
       st.sampled_from([(4096, 200_000), (3, 40), (1, 7)]))
def test_the_index_answers_what_the_rule_answers(tiling, per_leaf, fractions, steps):
    ids, depths, geoms, frame = tiling
    # Small steps: the build takes a few polygons, or a band of one polygon's rows, at a time.
    with mock.patch.object(buckets, "_CHUNK", steps[0]), mock.patch.object(buckets, "_PAIRS", steps[1]):
        index = buckets.build(ids, depths, geoms, per_leaf=per_leaf)
    points = _points(geoms, frame, fractions)
    # And the lines between buckets, where rounding decides which bucket a point falls in.
    points += [(index.x0 + k / index.inv, y) for k in range(0, index.nx, max(1, index.nx // 5)) for _, y in points[:8]]
    for x, y in points:
        assert index.locate(x, y) == buckets.brute_force(ids, depths, geoms, x, y), (x, y)


def test_a_point_on_a_shared_edge_or_vertex_goes_to_the_lower_id():
    left, right = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    index = buckets.build([7, 3], [5, 5], [left, right])
    assert index.locate(1.0, 0.5) == 3  # the shared edge
    assert index.locate(1.0, 1.0) == 3  # a shared vertex
    assert index.locate(0.0, 0.5) == 7  # an outer edge belongs to the one grid that has it
    assert index.locate(2.5, 0.5) is None


def test_a_point_in_a_parent_that_no_child_covers_goes_to_the_parent():
    estate = shapely.box(0, 0, 4, 4)
    micro = shapely.box(0, 0, 2, 2)
    index = buckets.build([1, 2], [4, 5], [estate, micro])
    assert index.locate(1, 1) == 2
    assert index.locate(3, 3) == 1


def test_no_boundaries_locate_nothing():
    assert buckets.build([], [], []).locate(112.1, 37.1) is None


# --- through Django: the API's function and freshness -----------------------------------------------------

pytestmark_db = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """Big-registry mode (the database is compared every CHECK_SECONDS) with a clock the test moves."""
    now = [1000.0]
    monkeypatch.setattr(locate, "SMALL", 0)
    monkeypatch.setattr(locate, "CHECK_SECONDS", 5.0)
    monkeypatch.setattr(locate, "_clock", lambda: now[0])
    monkeypatch.setattr(locate, "_index", None)
    return now


@pytestmark_db
def test_locate_finds_the_deepest_grid_and_its_ancestors(world, clock, django_assert_num_queries):
    locate.index()
    with django_assert_num_queries(1):  # the node; its ancestors are in its path
        node, point = locate.locate(lon=112.12, lat=37.15)
    assert node == world.grid("A1em1")
    ancestors = GridNode.objects.in_bulk(node.ancestor_ids())
    assert [ancestors[i].level for i in node.ancestor_ids()] == [
        "district", "subdistrict", "community", "area_grid", "estate_grid"
    ]
    assert point == (112.12, 37.15)
    # On the edge the two micro-grids of the estate share: the one created first (the lower id).
    assert locate.locate_id(112.12, 37.20) == world.grid("A1em1").pk
    # Inside the district, outside its one subdistrict: the district.
    assert locate.locate_id(112.35, 37.35) == world.grid("district").pk
    with pytest.raises(NotFound):
        locate.locate(lon=100.0, lat=30.0)


@pytestmark_db
def test_a_boundary_edited_here_is_located_at_once(world, clock):
    assert locate.locate_id(112.12, 37.15) == world.grid("A1em1").pk
    registry.grid_update(grid=world.grid("A1em1"), boundary=rect(112.10, 37.10, 112.11, 37.12))
    assert locate.locate_id(112.12, 37.15) == world.grid("A1e").pk  # no waiting for the clock
    new = registry.grid_create(parent=world.grid("A1e"), level="micro_grid", code=world.grid("A1e").code + "009",
                               name="新微网格", boundary=rect(112.115, 37.14, 112.125, 37.16))
    assert locate.locate_id(112.12, 37.15) == new.pk


@pytestmark_db
def test_a_boundary_edited_by_another_process_is_located_within_check_seconds(world, clock):
    assert locate.locate_id(112.12, 37.15) == world.grid("A1em1").pk
    # Another worker moves the micro-grid: the database changes, this process's counter does not.
    GridNode.objects.filter(pk=world.grid("A1em1").pk).update(
        boundary=rect(112.10, 37.10, 112.11, 37.12), boundary_changed_at=world.grid("A1em1").boundary_changed_at
        + dt.timedelta(seconds=1),
    )
    clock[0] += locate.CHECK_SECONDS - 0.1
    assert locate.locate_id(112.12, 37.15) == world.grid("A1em1").pk  # not compared yet: the old boundary
    clock[0] += 0.2
    assert locate.locate_id(112.12, 37.15) == world.grid("A1e").pk  # compared, rebuilt


@pytestmark_db
def test_a_small_registry_is_compared_on_every_lookup(world, monkeypatch):
    monkeypatch.setattr(locate, "_index", None)
    assert locate.locate_id(112.12, 37.15) == world.grid("A1em1").pk
    GridNode.objects.filter(pk=world.grid("A1em1").pk).update(boundary=None)
    assert locate.locate_id(112.12, 37.15) == world.grid("A1e").pk


@pytestmark_db
def test_a_grid_removed_by_another_process_is_not_answered(world, clock):
    registry.grid_update(grid=world.grid("A1em1"), boundary=rect(112.10, 37.10, 112.11, 37.12))
    extra = registry.grid_create(parent=world.grid("A1e"), level="micro_grid", code=world.grid("A1e").code + "009",
                                 name="新微网格", boundary=rect(112.115, 37.14, 112.125, 37.16))
    assert locate.locate_id(112.12, 37.15) == extra.pk
    GridNode.objects.filter(pk=extra.pk).delete()
    node, _point = locate.locate(lon=112.12, lat=37.15)  # before the next comparison is due
    assert node == world.grid("A1e")
