"""The visit rollups as a dashboard reader sees them: a visit counts at every ancestor on the day it is
logged, a household met several times in a period counts once, a visit logged late moves the one after
it, and a rebuild (and its check) agrees with what the visits added up to."""

import datetime as dt
import random

import pytest
from django.db.models import F
from django.utils import timezone

from wangge.core.errors import InvalidInput
from wangge.core.months import month_start
from wangge.fieldwork.visits import services as visits
from wangge.fieldwork.visits.models import Outcome, Visit
from wangge.insights.rollups import selectors, services
from wangge.insights.rollups.models import NEVER, MetMonth, VisitDay, VisitMonth
from wangge.insights.rollups.selectors import VisitFigures
from wangge.registry.models import GridNode


def log(world, micro: str, i: int = 0, outcome: str = Outcome.MET, days_ago: float = 0) -> Visit:
    return visits.visit_log(
        actor=world.users[f"micro_{micro}"], household=world.households[micro][i], outcome=outcome,
        visited_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def chain(world, key: str) -> list[GridNode]:
    node = world.grid(key)
    return [node, *GridNode.objects.filter(pk__in=node.ancestor_ids())]


def raw(node: GridNode, start: dt.date, end: dt.date) -> VisitFigures:
    """The same figures counted from the visits table."""
    tz = timezone.get_current_timezone()
    rows = Visit.objects.filter(
        grid__path__startswith=node.path,
        visited_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        visited_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )
    met = rows.filter(outcome=Outcome.MET)
    return VisitFigures(visits=rows.count(), met=met.count(),
                        households=met.values("household_id").distinct().count())


def snapshot() -> tuple:
    return (
        sorted(VisitDay.objects.values_list("node_id", "day", "visits", "met")),
        sorted(VisitMonth.objects.values_list("node_id", "month", "visits", "met")),
        sorted(MetMonth.objects.values_list("node_id", "month", "previous", "met")),
    )


@pytest.mark.django_db
def test_a_visit_counts_at_every_ancestor_on_its_day(world):
    today = timezone.localdate()
    log(world, "A1em1", 0, Outcome.MET)
    log(world, "A1em1", 1, Outcome.NOBODY_HOME)
    nodes = chain(world, "A1em1")
    assert len(nodes) == world.grid("A1em1").depth + 1
    for node in nodes:
        assert selectors.visit_figures(node, today, today, today=today) == VisitFigures(2, 1, 1), node
    assert selectors.visit_figures(world.grid("B"), today, today, today=today) == VisitFigures()
    root = nodes[-1]
    assert VisitMonth.objects.get(node=root, month=today.replace(day=1)).visits == 2
    assert VisitDay.objects.get(node=root, day=today).met == 1


@pytest.mark.django_db
def test_a_household_met_again_counts_once_and_a_late_visit_moves_the_next(world):
    today = timezone.localdate()
    community = world.grid("A")

    def month(visit):
        return month_start(timezone.localdate(visit.visited_at))

    def followers():
        rows = MetMonth.objects.filter(node=community).exclude(met=0).values_list("month", "previous", "met")
        return {(m, p): n for m, p, n in rows}

    first = log(world, "A1em1", days_ago=0.25)
    assert followers() == {(month(first), NEVER): 1}
    second = log(world, "A1em1", days_ago=0)
    assert followers() == {(month(first), NEVER): 1, (month(second), month(first)): 1}
    assert selectors.visit_figures(community, month(first), today, today=today) == VisitFigures(2, 2, 1)
    # Logged late, before the first one: the first now follows it.
    early = log(world, "A1em1", days_ago=29)
    expected: dict = {}
    for key in ((month(early), NEVER), (month(first), month(early)), (month(second), month(first))):
        expected[key] = expected.get(key, 0) + 1
    assert followers() == expected
    assert selectors.visit_figures(community, month(early), today, today=today) == VisitFigures(3, 3, 1)
    assert selectors.visit_figures(community, month_start(today), today, today=today).households == 1
    assert selectors.visit_figures(world.grid("A1em2"), month(early), today, today=today) == VisitFigures()
    # Not whole months: counted from the visits.
    assert selectors.visit_figures(community, today - dt.timedelta(days=2), today, today=today).households == 1
    assert services.rollups_check() == []


@pytest.mark.django_db
def test_a_refused_visit_logs_nothing_into_the_rollups(world):
    with pytest.raises(InvalidInput):
        visits.visit_log(actor=world.users["micro_A1em1"], household=world.households["A1em1"][0],
                         outcome="maybe")
    assert not VisitDay.objects.exists() and not MetMonth.objects.exists()


@pytest.mark.django_db
def test_rebuild_agrees_with_the_visits_and_check_finds_a_broken_row(world):
    rng = random.Random(6)
    micros = [k for k in world.households if world.households[k]]
    for _ in range(40):
        micro = rng.choice(micros)
        log(world, micro, rng.randrange(len(world.households[micro])),
            rng.choice([Outcome.MET, Outcome.MET, Outcome.NOBODY_HOME, Outcome.REFUSED]),
            days_ago=rng.uniform(0, 29.9))
    today = timezone.localdate()
    last_month = month_start(today, -1)
    periods = [
        (month_start(today), today), (last_month, month_start(today) - dt.timedelta(days=1)), (last_month, today),
        (today - dt.timedelta(days=7), today), (today - dt.timedelta(days=20), today - dt.timedelta(days=3)),
    ]
    for key in ("district", "sub", "A", "B", "A1", "A1em1"):
        node = world.grid(key)
        for start, end in periods:
            assert selectors.visit_figures(node, start, end, today=today) == raw(node, start, end), (key, start, end)
    before = snapshot()
    assert services.rollups_check() == []
    services.rollups_rebuild()
    assert snapshot() == before
    root = world.grid("district")
    VisitDay.objects.filter(node=root).update(visits=999)
    MetMonth.objects.filter(node=root, previous=NEVER).update(met=F("met") + 2)
    tables = {d["table"] for d in services.rollups_check()}
    assert tables == {"visitday", "metmonth"}
    assert services.visits_rebuild() == VisitDay.objects.count()
    assert services.rollups_check() == [] and snapshot() == before
