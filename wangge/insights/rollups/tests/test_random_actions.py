"""A random mix of matter actions over random days, with folds at random moments: the rollups always answer
what counting the matters table would, and `rollups rebuild --check` finds no difference."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import F, Q
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from wangge.core.errors import ApplicationError
from wangge.insights.rollups import selectors, services
from wangge.matters import lifecycle
from wangge.matters import services as matters
from wangge.matters.models import Matter
from wangge.matters.tests.conftest import A1EM1, B1EM1
from wangge.testing.world import build_world

SH = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 1, 30, 8, 0, tzinfo=SH)
PERIOD = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
ACTIONS = [*lifecycle.TRANSITION_ACTIONS, "rate", "merge"]
# The usual road from a report to a rating.
NEXT = {"reported": "accept", "accepted": "dispatch", "dispatched": "start", "rework": "start",
        "in_progress": "resolve", "resolved": "verify", "verified": "close", "closed": "rate", "on_hold": "resume"}
SEEN: set[str] = set()
RATINGS = st.sampled_from(["satisfied", "basic", "unsatisfied"])


class MatterLife(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        # Each example runs in a savepoint that teardown rolls back: the next one starts from nothing.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.world = build_world()
        self.now = START
        self.ids: list[int] = []

    def _tick(self, hours: int) -> dt.datetime:
        self.now += dt.timedelta(hours=hours)
        return self.now

    def _take(self, matter_id: int, action: str, hours: int, rating: str) -> None:
        at = self._tick(hours)
        users = self.world.users
        try:
            if action == "rate":
                matters.matter_rate(actor=users["resident"], matter_id=matter_id, rating=rating, comment="意见",
                                    at=at)
            elif action == "merge":
                # into the next matter still open, when there is one: merging into a closed one is refused
                others = self.ids[self.ids.index(matter_id) + 1:] + self.ids[:self.ids.index(matter_id)]
                open_ids = set(Matter.objects.filter(pk__in=others, state__in=lifecycle.OPEN_STATES)
                               .values_list("pk", flat=True))
                into = next((pk for pk in others if pk in open_ids), others[0] if others else matter_id)
                matters.matter_merge(actor=users["admin"], matter_id=matter_id, into=into, at=at)
            else:
                actor = users["resident" if action == "withdraw" else "admin"]
                matters.matter_transition(actor=actor, matter_id=matter_id, action=action, note="说明", at=at)
        except ApplicationError:
            pass  # refused: nothing was written
        SEEN.update(Matter.objects.values_list("state", flat=True).distinct())
        if Matter.objects.filter(breached=True).exists():
            SEEN.add("breached")
        if Matter.objects.filter(rework_count__gt=0).exists():
            SEEN.add("reworked")

    def _pick(self, which: int) -> int:
        return self.ids[which % len(self.ids)]

    @precondition(lambda self: len(self.ids) < 4)  # few matters, long histories
    @rule(where=st.sampled_from([A1EM1, B1EM1]), category=st.sampled_from(["env-garbage", "property-cleaning"]),
          hours=st.integers(0, 40))
    def report(self, where, category, hours):
        matter, _ = matters.matter_report(
            actor=self.world.users["resident"],
            report=matters.Report(category=category, description="随机事项", **where),
            at=self._tick(hours),
        )
        self.ids.append(matter.pk)

    @precondition(lambda self: self.ids)
    @rule(which=st.integers(0, 100), action=st.sampled_from(ACTIONS), hours=st.integers(0, 72), rating=RATINGS)
    def act(self, which, action, hours, rating):
        """Any action, allowed or not."""
        self._take(self._pick(which), action, hours, rating)

    @precondition(lambda self: self.ids)
    @rule(which=st.integers(0, 100), steps=st.integers(1, 8), hours=st.integers(0, 30), rating=RATINGS,
          detour=st.sampled_from(["", "reject", "hold", "rework", "withdraw"]))
    def advance(self, which, steps, hours, rating, detour):
        """Up to `steps` steps on the usual road, taking `detour` once where the state allows it."""
        matter_id = self._pick(which)
        for _ in range(steps):
            state = Matter.objects.get(pk=matter_id).state
            action = NEXT.get(state)
            if detour and any(a.code == detour for a in lifecycle.available(state)):
                action, detour = detour, ""
            if action is None:
                return
            self._take(matter_id, action, hours, rating)

    @precondition(lambda self: len(self.ids) >= 2)
    @rule(which=st.integers(0, 100), hours=st.integers(0, 24))
    def merge(self, which, hours):
        """Someone else reported the same thing: merge a matter into another (refused unless both allow it)."""
        self._take(self._pick(which), "merge", hours, "")

    @rule(hours=st.integers(1, 120))
    def sweep(self, hours):
        matters.sweep(now=self._tick(hours))

    @rule()
    def fold(self):
        services.fold()

    @invariant()
    def rollups_match_the_matters(self):
        if not hasattr(self, "world"):
            return
        district = self.world.grid("A").parent.parent
        figures = selectors.figures(district, *PERIOD)
        everything = Matter.objects.all()
        filed = everything.exclude(state__in=["rejected", "withdrawn", "merged"])
        done = filed.filter(state__in=["closed", "evaluated"])
        on_time = Q(resolved_at__isnull=False) & (Q(resolve_due__isnull=True) | Q(resolved_at__lte=F("resolve_due")))
        assert figures.received == everything.count()
        assert figures.due == filed.count()
        assert figures.done == done.count() == figures.closed
        assert figures.done_on_time == done.filter(on_time).count() == figures.closed_on_time
        assert figures.reworked == filed.filter(rework_count__gt=0).count()
        assert figures.breached == filed.filter(breached=True).count()
        assert figures.rated == filed.exclude(rating="").count()
        assert sum(selectors.states(district).by_state.values()) == everything.count()

    def teardown(self):
        if not hasattr(self, "world"):
            return
        try:
            assert services.rollups_check() == []
        finally:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)


@pytest.mark.django_db
def test_rollups_survive_random_matter_actions():
    MatterLife.TestCase.settings = settings(
        max_examples=12, stateful_step_count=40, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    MatterLife.TestCase().runTest()
    # Which paths a dozen random runs take varies with the process (hash seed, test order); the invariants
    # above hold after every step of every run, and the scripted life below walks each path every time.


@pytest.mark.django_db
def test_a_scripted_life_through_every_path_keeps_the_rollups_exact():
    """The same machine, steered: rework, evaluation, a merge, a rejection and a breach, checked after
    every step."""
    SEEN.clear()
    life = MatterLife()
    life.setup()
    steps = [
        lambda: life.report(A1EM1, "env-garbage", 1),
        lambda: life.report(A1EM1, "env-garbage", 2),
        lambda: life.report(B1EM1, "property-cleaning", 3),
        lambda: life.report(A1EM1, "property-cleaning", 4),
        lambda: life.advance(0, 8, 30, "basic", "rework"),  # accept … resolve, sent back, resolved again
        lambda: life.advance(0, 8, 2, "basic", ""),  # verified, closed and rated: evaluated
        lambda: life.merge(1, 1),  # into the next matter still open
        lambda: life.advance(3, 1, 1, "", "reject"),
        lambda: life.sweep(400),  # the open one misses its deadline
        life.fold,
        lambda: life.advance(2, 3, 5, "", ""),
    ]
    try:
        for step in steps:
            step()
            life.rollups_match_the_matters()
    finally:
        life.teardown()
    assert {"evaluated", "rework", "merged", "rejected", "breached", "reworked"} <= SEEN, SEEN
