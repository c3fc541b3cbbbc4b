"""The read replica: reads go to it only inside replica_reads(), writes and read-your-own-writes stay on
the primary, and without DATABASE_REPLICA_URL nothing changes.

The test settings define "replica" as a test mirror of "default" (the same test database through a
second connection), so these tests watch which connection each query really runs on. They are
transactional: a mirror is a separate connection and sees only committed rows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import threading

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.test.utils import CaptureQueriesContext

from wangge.core.replica import REPLICA, ReplicaRouter, reading_from_replica, replica_reads
from wangge.matters.models import Category, CategoryAttribute, Holiday

pytestmark = pytest.mark.skipif(REPLICA not in settings.DATABASES, reason="TEST_REPLICA=0: no replica mirror")

both = pytest.mark.django_db(databases=[DEFAULT_DB_ALIAS, REPLICA], transaction=True)


@pytest.fixture
def replica_on(settings):
    settings.DATABASE_REPLICA_READS = True


class Watch:
    """Which connection ran which statements."""

    def __enter__(self):
        self.primary = CaptureQueriesContext(connections[DEFAULT_DB_ALIAS])
        self.replica = CaptureQueriesContext(connections[REPLICA])
        self.primary.__enter__()
        self.replica.__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)

    @staticmethod
    def _selects(captured) -> list[str]:
        return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]

    @staticmethod
    def _writes(captured) -> list[str]:
        return [q["sql"] for q in captured.captured_queries
                if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]

    def on_primary(self, table: str) -> list[str]:
        return [s for s in self._selects(self.primary) if table in s]

    def on_replica(self, table: str) -> list[str]:
        return [s for s in self._selects(self.replica) if table in s]

    def writes_on_replica(self) -> list[str]:
        return self._writes(self.replica)


def ours():
    """The holidays these tests add (the calendar's own come from a data migration)."""
    return Holiday.objects.filter(date__year=2030)


def holiday(day: int = 1, name: str = "元旦") -> Holiday:
    return Holiday.objects.create(date=dt.date(2030, 1, day), name=name)


@both
def test_reads_stay_on_the_primary_outside_replica_reads(replica_on):
    holiday()
    with Watch() as w:
        assert ours().count() == 1
        assert list(ours().values_list("name", flat=True)) == ["元旦"]
    assert len(w.on_primary("holiday")) == 2
    assert w.on_replica("holiday") == []


@both
def test_reads_inside_replica_reads_go_to_the_replica_and_see_committed_rows(replica_on):
    holiday()
    with Watch() as w, replica_reads():
        assert reading_from_replica()
        assert ours().count() == 1
        found = ours().get(name="元旦")
    assert found._state.db == REPLICA
    assert len(w.on_replica("holiday")) == 2
    assert w.on_primary("holiday") == []
    assert not reading_from_replica()


@both
def test_writes_inside_replica_reads_go_to_the_primary(replica_on):
    holiday()
    with Watch() as w, replica_reads():
        found = ours().get(name="元旦")
        found.name = "新年"
        found.save()  # read from the replica, written to the primary
        Holiday.objects.create(date=dt.date(2030, 1, 2), name="元旦调休")
        ours().filter(name="元旦调休").update(is_workday=True)
        Holiday.objects.get_or_create(date=dt.date(2030, 1, 3), defaults={"name": "元旦假期"})
    assert w.writes_on_replica() == []
    assert sorted(ours().values_list("name", flat=True)) == ["元旦假期", "元旦调休", "新年"]
    assert ours().get(name="元旦调休").is_workday


@both
def test_inside_an_atomic_block_reads_stay_on_the_primary_and_see_its_own_writes(replica_on):
    with Watch() as w, replica_reads():
        with transaction.atomic():
            holiday()
            assert not reading_from_replica()
            assert ours().count() == 1  # not yet committed: only the primary can see it
        assert reading_from_replica()
        assert ours().count() == 1  # committed: the replica sees it too
    assert len(w.on_primary("holiday")) == 1
    assert len(w.on_replica("holiday")) == 1


@both
def test_relations_between_rows_of_the_two_aliases_are_allowed(replica_on):
    parent = Category.objects.create(code="replica-test", name="测试类别")
    with replica_reads():
        category = Category.objects.get(pk=parent.pk)
    assert category._state.db == REPLICA
    attribute = CategoryAttribute(code="floor", description="楼层")
    attribute.category = category  # without the router: "instance is on database replica, value on default"
    attribute.save()
    assert attribute._state.db == DEFAULT_DB_ALIAS
    assert CategoryAttribute.objects.get(pk=attribute.pk).category_id == parent.pk
    # Outside replica_reads(), a row read from the replica reads its relations from the primary.
    with Watch() as w:
        assert list(category.attributes.all()) == [attribute]
    assert w.on_replica("categoryattribute") == []
    assert w.on_primary("categoryattribute")


@both
def test_the_decorator_with_and_without_parentheses(replica_on):
    holiday()

    @replica_reads
    def plain():
        return ours().count(), reading_from_replica()

    @replica_reads()
    def called():
        return ours().count(), reading_from_replica()

    @replica_reads(False)
    def switched_off():
        return reading_from_replica()

    with Watch() as w:
        assert plain() == (1, True)
        assert called() == (1, True)
        with replica_reads():
            assert not switched_off()
            assert reading_from_replica()  # restored after the inner function
        assert not reading_from_replica()
    assert len(w.on_replica("holiday")) == 2
    assert plain.__name__ == "plain"


def test_async_functions_are_decorated_too(settings):
    settings.DATABASE_REPLICA_READS = True

    @replica_reads
    async def inside():
        await asyncio.sleep(0)
        return reading_from_replica()

    async def outside():
        await asyncio.sleep(0)
        return reading_from_replica()

    async def both_at_once():
        return await asyncio.gather(inside(), outside(), inside())

    # A thread of its own: another test (Playwright's sync API) may have left an event loop running here.
    found: list = []
    thread = threading.Thread(target=lambda: found.append(asyncio.run(both_at_once())))
    thread.start()
    thread.join(10)
    assert found == [[True, False, True]]


def test_replica_reads_is_per_thread(settings):
    settings.DATABASE_REPLICA_READS = True
    seen: dict[str, bool] = {}
    entered, checked = threading.Event(), threading.Event()

    def other():
        entered.wait(5)
        seen["other thread"] = reading_from_replica()
        checked.set()

    thread = threading.Thread(target=other)
    thread.start()
    with replica_reads():
        entered.set()
        checked.wait(5)
        seen["this thread"] = reading_from_replica()
    thread.join(5)
    assert seen == {"this thread": True, "other thread": False}


def test_with_replica_reads_switched_off_everything_reads_from_the_primary(settings):
    settings.DATABASE_REPLICA_READS = False
    with replica_reads():
        assert not reading_from_replica()
        assert ReplicaRouter().db_for_read(Holiday) is None


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "matters", model_name="holiday")
    assert not router.allow_migrate(REPLICA, "matters", model_name="holiday")
    assert ReplicaRouter().db_for_write(Holiday) == DEFAULT_DB_ALIAS


@pytest.mark.django_db
def test_other_tests_never_touch_the_replica(world):
    """Tests that declare only "default" run with replica reads off, even inside replica_reads()."""
    with replica_reads():
        assert not reading_from_replica()
        assert Category.objects.exists()


def _settings_in_a_fresh_process(**env: str) -> dict:
    code = (
        "import json; from wangge.config.settings import base as s; "
        "print(json.dumps({'aliases': sorted(s.DATABASES), 'routers': s.DATABASE_ROUTERS, "
        "'replica': s.DATABASES.get('replica')}, default=str))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_REPLICA_URL", "DATABASE_URL"}}
    out = subprocess.run([sys.executable, "-c", code], env=clean | env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_without_a_replica_url_there_is_no_alias_and_no_router():
    assert _settings_in_a_fresh_process() == {"aliases": ["default"], "routers": [], "replica": None}


def test_the_replica_url_is_parsed_like_database_url():
    found = _settings_in_a_fresh_process(
        DATABASE_URL="postgres://wangge@primary.example:5432/wangge",
        DATABASE_REPLICA_URL="postgres://reader:secret@standby.example:5433/wangge",
    )
    assert found["aliases"] == ["default", "replica"]
    assert found["routers"] == ["wangge.core.replica.ReplicaRouter"]
    replica = found["replica"]
    assert replica["ENGINE"] == "django.db.backends.postgresql"
    assert (replica["HOST"], replica["PORT"], replica["NAME"], replica["USER"]) == (
        "standby.example", 5433, "wangge", "reader")
    assert replica["TEST"] == {"MIRROR": "default"}  # tests never create a database on the standby
