"""`wangge synth`: the synthetic city, built small on SQLite."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
import shapely
from django.core.management import call_command
from django.db import connection
from shapely.geometry import shape

from wangge.core import geo, pii
from wangge.core.errors import InvalidInput
from wangge.core.text import search_key
from wangge.core.workclock import Calendar
from wangge.fieldwork.disputes.models import Dispute
from wangge.fieldwork.visits.models import Visit
from wangge.insights.synth.clock import FastClock
from wangge.insights.synth.layout import DISTRICT_CODE
from wangge.matters.lifecycle import DONE_STATES, OPEN_STATES, STAGE_OF
from wangge.matters.models import Escalation, Event, Matter, State
from wangge.people.models import Duty, Person, Role
from wangge.registry import locate
from wangge.registry.models import CODE_LENGTH, LEVEL_ORDER, GridNode, Household, Level, Resident, Unit

pytestmark = pytest.mark.django_db


def synth(**options):
    out, err = io.StringIO(), io.StringIO()
    defaults = {"subdistricts": 2, "households": 300, "matters": 2000, "no_rollups": True}
    call_command("synth", stdout=out, stderr=err, **{**defaults, **options})
    return out.getvalue()


def district() -> GridNode:
    return GridNode.objects.get(code=DISTRICT_CODE)


def nodes() -> dict[int, GridNode]:
    return {n.pk: n for n in GridNode.objects.filter(path__startswith=district().path)}


def test_counts_match_the_options_and_every_tenant_row_has_its_subdistrict():
    synth(subdistricts=3, households=450, matters=2500)
    grids = nodes()
    levels = Counter(n.level for n in grids.values())
    assert levels[Level.DISTRICT] == 1
    assert levels[Level.SUBDISTRICT] == 3
    assert levels[Level.MICRO_GRID] >= 450 // 45
    path = district().path
    households = Household.objects.filter(unit__micro_grid__path__startswith=path)
    assert households.count() == 450
    assert Matter.objects.filter(grid__path__startswith=path).count() == 2500
    residents = Resident.objects.filter(household__unit__micro_grid__path__startswith=path)
    lived_in = households.exclude(occupancy="vacant").count()
    assert 2.0 <= residents.count() / lived_in <= 3.2
    subdistricts = {n.pk for n in grids.values() if n.level == Level.SUBDISTRICT}
    for model, prefix in [(Household, "unit__micro_grid__"), (Resident, "household__unit__micro_grid__"),
                          (Unit, "micro_grid__"), (Matter, "grid__"), (Duty, "grid__"), (Visit, "grid__"),
                          (Dispute, "grid__")]:
        rows = model.objects.filter(**{f"{prefix}path__startswith": path})
        assert set(rows.values_list("subdistrict_id", flat=True).distinct()) <= subdistricts, model
    assert not Person.objects.filter(duties__grid__path__startswith=path, subdistrict__isnull=True).exists()


def test_tree_codes_paths_depths_and_boundaries_are_what_registry_computes():
    synth()
    grids = nodes()
    for node in grids.values():
        parent = grids.get(node.parent_id)
        assert node.path == f"{parent.path if parent else '/'}{node.pk}/"
        assert node.depth == (parent.depth + 1 if parent else 0)
        assert node.depth == LEVEL_ORDER.index(node.level)
        assert len(node.code) == CODE_LENGTH[node.level] and node.code.isdigit()
        if parent is not None:
            assert node.code.startswith(parent.code)
            assert LEVEL_ORDER.index(node.level) == LEVEL_ORDER.index(parent.level) + 1
        expected_tenant = None if node.level == Level.DISTRICT else (
            node.pk if node.level == Level.SUBDISTRICT else grids[node.ancestor_ids()[1]].pk)
        assert node.subdistrict_id == expected_tenant
        assert node.search_text == search_key(node.name, node.code)
        geometry = geo.parse_boundary(node.boundary)
        if parent is not None:
            assert geometry.within(shape(parent.boundary)), node.code
    # Siblings tile their parent above the estate level: their areas add up.
    for node in grids.values():
        children = [c for c in grids.values() if c.parent_id == node.pk]
        if children and node.level in (Level.DISTRICT, Level.SUBDISTRICT, Level.COMMUNITY, Level.AREA_GRID):
            union = shapely.union_all([shape(c.boundary) for c in children])
            assert union.area == pytest.approx(shape(node.boundary).area, rel=1e-6)
    # Units sit in a micro-grid of their own building's estate.
    for unit in Unit.objects.filter(micro_grid__path__startswith=district().path).select_related(
            "micro_grid", "building__estate_grid"):
        assert unit.micro_grid.parent_id == unit.building.estate_grid_id


def test_every_matter_is_located_in_its_micro_grid():
    synth()
    matters = list(Matter.objects.filter(grid__path__startswith=district().path).select_related("grid"))
    assert all(m.grid.level == Level.MICRO_GRID for m in matters)
    for m in random.Random(5).sample(matters, 150):
        assert locate.locate_id(m.lon, m.lat) == m.grid_id, m.pk
        if m.unit_id is not None:
            assert Unit.objects.get(pk=m.unit_id).micro_grid_id == m.grid_id


def test_the_process_that_built_the_city_locates_in_it_at_once(monkeypatch):
    # A big city's index is compared with the database only every CHECK_SECONDS; the boundaries the synth
    # writes by COPY must not wait for that in the process that wrote them.
    monkeypatch.setattr(locate, "SMALL", 0)
    monkeypatch.setattr(locate, "CHECK_SECONDS", 3600.0)
    try:
        locate.index(force=True)  # the index as it stood before the city, not compared again for an hour
        synth()
        matter = Matter.objects.filter(grid__path__startswith=district().path, lon__isnull=False).first()
        assert locate.locate_id(matter.lon, matter.lat) == matter.grid_id
    finally:
        locate.boundaries_changed()  # the next test's lookups rebuild from its own database


def test_timing_and_the_state_machine_hold_for_every_matter():
    synth(matters=3000)
    events = defaultdict(list)
    for e in Event.objects.filter(matter__grid__path__startswith=district().path).order_by("matter_id", "seq"):
        events[e.matter_id].append(e)
    escalated = set(Escalation.objects.values_list("matter_id", flat=True))
    for m in Matter.objects.filter(grid__path__startswith=district().path):
        steps = events[m.pk]
        assert [e.seq for e in steps] == list(range(1, len(steps) + 1))
        assert steps[0].action == "report" and steps[0].at == m.created_at and steps[0].to_state == State.REPORTED
        assert all(a.at <= b.at for a, b in zip(steps, steps[1:], strict=False)), m.pk
        assert m.updated_at >= steps[-1].at
        changes = [e for e in steps if e.to_state]
        assert changes[-1].to_state == m.state
        assert all(a.to_state == b.from_state for a, b in zip(changes, changes[1:], strict=False)
                   if b.from_state), m.pk
        if m.resolved_at:
            assert m.created_at <= m.resolved_at
        if m.closed_at:
            assert m.resolved_at is not None and m.resolved_at <= m.closed_at or m.reopened
        if m.state in DONE_STATES:
            assert m.closed_at is not None and m.resolved_at is not None and m.resolved_at <= m.closed_at
        if m.rating:
            assert m.rated_at >= m.closed_at and m.state in (State.EVALUATED, State.REWORK, State.IN_PROGRESS,
                                                              State.RESOLVED, State.VERIFIED, State.CLOSED)
        if m.state in STAGE_OF:
            assert m.stage == STAGE_OF[m.state] and m.deadline is not None and m.deadline > m.created_at
        elif m.state == State.ON_HOLD:
            assert m.deadline is None and m.held_state
        else:
            assert m.stage == "" and m.deadline is None
        if any(e.action == "dispatch" for e in steps):
            assert m.resolve_due is not None and m.resolve_due > m.created_at
        assert m.rework_count >= m.reopened
        assert m.rework_count == sum(e.action == "rework" for e in steps) + m.reopened
        assert m.breached == (m.pk in escalated) == (m.escalation_level > 0)
        assert m.state != State.MERGED or m.merged_into_id is not None
        if m.state in OPEN_STATES and m.state != State.REPORTED:
            assert m.assignee_id is not None


def test_the_state_mix_is_plausible():
    synth(matters=3000)
    states = Counter(Matter.objects.filter(grid__path__startswith=district().path).values_list("state", flat=True))
    total = sum(states.values())
    share = {s: n / total for s, n in states.items()}
    assert share.get(State.CLOSED, 0) + share.get(State.EVALUATED, 0) > 0.85
    assert 0.001 < sum(share.get(s, 0) for s in OPEN_STATES) < 0.1
    for state in (State.REJECTED, State.WITHDRAWN, State.MERGED):
        assert 0.005 < share.get(state, 0) < 0.06
    matters = Matter.objects.filter(grid__path__startswith=district().path)
    assert 0.03 < matters.filter(breached=True).count() / total < 0.15
    ratings = Counter(matters.exclude(rating="").values_list("rating", flat=True))
    assert ratings["satisfied"] > 0.7 * sum(ratings.values())
    assert matters.filter(rework_count__gt=0).count() / total < 0.12
    # Recent matters are the open ones.
    recent = matters.filter(created_at__gte=max(matters.values_list("created_at", flat=True)) - dt.timedelta(days=7))
    assert recent.filter(state__in=list(OPEN_STATES)).count() / max(1, recent.count()) > 2 * (
        sum(share.get(s, 0) for s in OPEN_STATES))
    sources = Counter(matters.values_list("source", flat=True))
    assert {"resident", "visit", "patrol", "hotline"} <= set(sources)


def test_people_duties_visits_and_disputes():
    synth(households=600, matters=3000)
    grids = nodes()
    duties = Counter((d.grid_id, d.role) for d in Duty.objects.filter(grid__path__startswith=district().path))
    for node in grids.values():
        if node.level == Level.MICRO_GRID:
            assert duties[(node.pk, Role.MICRO_GRID_MEMBER)] == 1
        if node.level == Level.AREA_GRID:
            assert duties[(node.pk, Role.GRID_LEADER)] == 1
            assert duties[(node.pk, Role.PROPERTY_SUPERVISOR)] == 1
        if node.level == Level.ESTATE_GRID:
            assert duties[(node.pk, Role.GRID_MEMBER)] == 1
    residents = Resident.objects.filter(household__unit__micro_grid__path__startswith=district().path)
    for r in residents[:400]:
        assert pii.id_number_problem(r.id_number) is None
        assert r.phone == "" or pii.phone_problem(r.phone) is None
        assert r.birth_date == pii.id_birth_date(r.id_number) and r.gender == pii.id_gender(r.id_number)
        assert r.search_text == search_key(r.name)
    for p in Person.objects.filter(duties__grid__path__startswith=district().path).distinct():
        assert p.search_text == search_key(p.name)
    for m in Matter.objects.filter(grid__path__startswith=district().path)[:300]:
        assert m.search_text == search_key(m.description, m.address, pinyin=False)
    lived_in = Household.objects.filter(unit__micro_grid__path__startswith=district().path).exclude(
        occupancy="vacant").count()
    visits = Visit.objects.filter(grid__path__startswith=district().path)
    assert 1.5 < visits.count() / lived_in < 6
    assert visits.filter(matters__isnull=False).exists()
    for dispute in Dispute.objects.filter(grid__path__startswith=district().path):
        assert dispute.parties.count() == 2
        assert dispute.concluded_at is None or dispute.concluded_at >= dispute.opened_at


def test_a_second_run_is_refused_and_replace_builds_the_same_city_again():
    synth(seed=7)

    def fingerprint():
        return list(Matter.objects.filter(grid__path__startswith=district().path).order_by("created_at", "id")
                    .values_list("state", "created_at", "category_id", "description"))

    first = fingerprint()
    with pytest.raises(InvalidInput) as refused:
        synth(seed=7)
    assert refused.value.errors[0].field == "--replace"
    synth(seed=7, replace=True)
    assert GridNode.objects.filter(code=DISTRICT_CODE).count() == 1
    assert Household.objects.filter(unit__micro_grid__path__startswith=district().path).count() == 300
    assert Matter.objects.count() == 2000
    assert fingerprint()[:50] == first[:50]


@pytest.mark.parametrize(("options", "field"), [
    ({"subdistricts": 0}, "--subdistricts"),
    ({"subdistricts": 3, "households": 2}, "--households"),
    ({"households": "many"}, "--households"),
    ({"matters": -5}, "--matters"),
    ({"months": 0}, "--months"),
    ({"months": 500}, "--months"),
])
def test_a_bad_option_is_named_and_nothing_is_written(options, field):
    before = GridNode.objects.count(), Matter.objects.count()
    with pytest.raises(InvalidInput) as refused:
        synth(**options)
    assert refused.value.errors[0].field == field
    assert (GridNode.objects.count(), Matter.objects.count()) == before


def test_rollups_are_rebuilt_at_the_end():
    output = synth(households=100, matters=300, no_rollups=False)
    assert "统计汇总" in output


@pytest.mark.skipif(connection.vendor != "postgresql", reason="VACUUM and the visibility map are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_the_matters_are_vacuumed_once_the_city_is_committed():
    """Lists and queues read the matters by index-only scans, which visit the heap row by row until the table's
    visibility map is set."""
    synth(households=100, matters=300)
    with connection.cursor() as c:
        c.execute("SELECT relpages, relallvisible FROM pg_class WHERE relname = 'matters_matter'")
        pages, visible = c.fetchone()
    assert visible == pages > 0


def test_the_fast_clock_agrees_with_the_calendar():
    tz = ZoneInfo("Asia/Shanghai")
    calendar = Calendar(holidays=frozenset({dt.date(2026, 1, 1), dt.date(2026, 1, 2)}),
                        workdays=frozenset({dt.date(2026, 1, 4)}), tz=tz)
    start = dt.datetime(2025, 12, 1, tzinfo=tz)
    clock = FastClock(calendar, start.timestamp(), start.timestamp() + 120 * 86400)
    rng = random.Random(3)
    for _ in range(400):
        t = start + dt.timedelta(seconds=rng.randrange(0, 60 * 86400))
        amount = rng.choice([0, 0.25, 0.5, 1, 2, 3, 5, 10, 24])
        unit = rng.choice(["hours", "work_hours", "work_days"])
        assert clock.add(t.timestamp(), amount, unit) == pytest.approx(calendar.add(t, amount, unit).timestamp(),
                                                                      abs=1e-3)
    # A deadline that uses up a period exactly falls on its end (Fri 16:00 + 2 working hours = Fri 18:00).
    friday = dt.datetime(2025, 12, 5, 16, tzinfo=tz)
    assert clock.add(friday.timestamp(), 2, "work_hours") == dt.datetime(2025, 12, 5, 18, tzinfo=tz).timestamp()
