"""Folds running at once while matters keep changing count every change exactly once (PostgreSQL: each fold
claims its own deltas with FOR UPDATE SKIP LOCKED), and visits logged at once for the same households count
each household once (the household's row is locked while its neighbouring visits are read)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from wangge.core.months import month_start
from wangge.fieldwork.visits import services as visits
from wangge.fieldwork.visits.models import Outcome
from wangge.insights.rollups import selectors, services
from wangge.insights.rollups.models import Delta
from wangge.insights.rollups.selectors import VisitFigures
from wangge.matters import services as matters
from wangge.matters.tests.conftest import A1EM1
from wangge.testing.world import build_world

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel writers need PostgreSQL")


@pytest.mark.django_db(transaction=True)
def test_parallel_folds_and_reports_count_each_change_once():
    world = build_world()
    resident = world.users["resident"]
    today = timezone.localdate()
    stop = threading.Event()
    errors: list[Exception] = []
    reports_per_thread = 15

    def reporter():
        try:
            for i in range(reports_per_thread):
                matters.matter_report(actor=resident, report=matters.Report(
                    category="env-garbage", description=f"并发上报{i}", **A1EM1))
        except Exception as exc:  # recorded for the assertion
            errors.append(exc)
        finally:
            connection.close()

    def folder():
        try:
            while not stop.is_set():
                services.fold(batch=4)
        except Exception as exc:  # recorded for the assertion
            errors.append(exc)
        finally:
            connection.close()

    reporters = [threading.Thread(target=reporter) for _ in range(3)]
    folders = [threading.Thread(target=folder) for _ in range(3)]
    for t in folders + reporters:
        t.start()
    for t in reporters:
        t.join()
    stop.set()
    for t in folders:
        t.join()
    assert not errors, errors[:3]
    services.fold_all()
    assert not Delta.objects.exists()
    district = world.grid("A").parent.parent
    assert selectors.figures(district, today - dt.timedelta(days=1), today + dt.timedelta(days=1)).received == 45
    assert selectors.states(district).by_state == {"reported": 45}
    assert services.rollups_check() == []


@pytest.mark.django_db(transaction=True)
def test_workers_meeting_the_same_households_at_once_count_each_household_once():
    world = build_world()
    today = timezone.localdate()
    errors: list[Exception] = []
    households = world.households["A1em1"]
    users = [world.users["micro_A1em1"], world.users["micro_A1em1"], world.users["micro_A1em1"]]
    start = threading.Barrier(len(users))

    def worker(user, offset: int):
        try:
            start.wait()
            for i in range(8):
                visits.visit_log(actor=user, household=households[(i + offset) % len(households)],
                                 outcome=Outcome.MET,
                                 visited_at=timezone.now() - dt.timedelta(minutes=i * 7 + offset))
        except Exception as exc:  # recorded for the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(user, n)) for n, user in enumerate(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    district = world.grid("A").parent.parent
    months = month_start(today - dt.timedelta(days=1))  # whole months: the households come from the rollups
    assert selectors.visit_figures(district, months, today, today=today) == VisitFigures(24, 24, len(households))
    assert services.rollups_check() == []
