"""The rollups as a dashboard reader sees them: every ancestor counts a matter, figures are live before the
fold, the fold changes nothing a reader sees, and a rebuild agrees with what the changes added up to."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from wangge.core.months import next_month
from wangge.insights.rollups import selectors, services
from wangge.insights.rollups.models import DayCount, Delta, MonthCount
from wangge.matters import services as matters
from wangge.matters.models import State
from wangge.testing.matters import close, move, report

SH = ZoneInfo("Asia/Shanghai")
MAR_3 = dt.datetime(2026, 3, 3, 9, 0, tzinfo=SH)


def day(d: int) -> dt.date:
    return dt.date(2026, 3, d)


@pytest.mark.django_db
def test_a_report_counts_at_every_ancestor_before_and_after_the_fold(world):
    report(world, at=MAR_3)
    assert Delta.objects.exists()
    micro = world.grid("A1em1")
    chain = [micro, *world.grid("A1em1").__class__.objects.filter(pk__in=micro.ancestor_ids())]
    assert len(chain) == micro.depth + 1
    for node in chain:
        assert selectors.figures(node, day(1), day(31)).received == 1, node
    assert selectors.figures(world.grid("B1"), day(1), day(31)).received == 0
    assert services.fold_all() > 0
    assert not Delta.objects.exists()
    for node in chain:
        assert selectors.figures(node, day(1), day(31)).received == 1, node
        assert selectors.figures(node, day(3), day(3)).received == 1
        assert selectors.figures(node, day(4), day(31)) == selectors.ZERO
    assert MonthCount.objects.get(node=chain[-1], month=day(1)).received == 1


@pytest.mark.django_db
def test_closing_counts_on_the_day_of_report_and_the_day_of_close(world):
    matter = report(world, at=MAR_3)
    close(world, matter, at=MAR_3 + dt.timedelta(days=2))
    services.fold_all()
    community = world.grid("A")
    reported, closed = selectors.figures(community, day(3), day(3)), selectors.figures(community, day(5), day(5))
    assert (reported.received, reported.due, reported.done, reported.done_on_time) == (1, 1, 1, 1)
    assert reported.closed == 0 and closed.closed == 1 and closed.closed_on_time == 1
    assert reported.handling_s == 2 * 86400
    whole = selectors.figures(community, day(1), day(31))
    assert whole.closure_rate == 1 and whole.handling_hours == 48


@pytest.mark.django_db
def test_late_rejected_and_rated_matters_move_the_indicators(world):
    late = report(world, at=MAR_3)
    late = move(world, late, "accept", "dispatch", "start", at=MAR_3)
    late = move(world, late, "resolve", "verify", "close", at=MAR_3 + dt.timedelta(days=30))
    matters.matter_rate(actor=world.users["resident"], matter_id=late.pk, rating="basic",
                        at=MAR_3 + dt.timedelta(days=31))
    rejected = report(world, at=MAR_3)
    move(world, rejected, "reject", at=MAR_3)
    open_one = report(world, at=MAR_3)
    figures = selectors.figures(world.grid("A1"), day(1), day(31))
    assert (figures.received, figures.due, figures.done, figures.done_on_time) == (3, 2, 1, 0)
    assert figures.closure_rate == 0.5 and figures.on_time_rate == 0
    assert figures.rated == 1 and figures.satisfaction_rate == pytest.approx(0.8)
    states = selectors.states(world.grid("A"))
    assert states.by_state == {State.EVALUATED: 1, State.REJECTED: 1, State.REPORTED: 1}
    assert states.open == 1
    assert open_one.state == State.REPORTED


@pytest.mark.django_db
def test_an_unsatisfied_rating_reopens_and_takes_the_close_back(world):
    matter = close(world, report(world, at=MAR_3), at=MAR_3 + dt.timedelta(days=1))
    services.fold_all()
    matters.matter_rate(actor=world.users["resident"], matter_id=matter.pk, rating="unsatisfied",
                        comment="还是脏", at=MAR_3 + dt.timedelta(days=2))
    figures = selectors.figures(world.grid("A"), day(1), day(31))
    assert (figures.done, figures.closed, figures.reworked, figures.rated) == (0, 0, 1, 1)
    assert selectors.states(world.grid("A")).by_state == {State.REWORK: 1}
    assert services.rollups_check() == []


@pytest.mark.django_db
def test_a_period_without_matters_is_zero(world):
    figures = selectors.figures(world.grid("B"), dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert figures == selectors.ZERO
    assert figures.closure_rate is None and figures.satisfaction_rate is None
    assert selectors.breakdown(world.grid("B"), dt.date(2020, 1, 1), dt.date(2020, 12, 31), "child") == {}


@pytest.mark.django_db
def test_breakdowns_add_up_to_the_whole(world):
    for d in (3, 3, 17):
        report(world, at=MAR_3.replace(day=d))
    report(world, at=MAR_3.replace(day=20))
    services.fold()
    report(world, at=MAR_3.replace(month=4, day=2))  # left pending
    district = world.grid("A").parent.parent
    start, end = day(2), dt.date(2026, 4, 2)
    whole = selectors.figures(district, start, end)
    assert whole.received == 5
    for by in ("category", "source", "day", "month", "child"):
        parts = selectors.breakdown(district, start, end, by)
        assert sum(f.received for f in parts.values()) == 5, by
    assert {k: v.received for k, v in selectors.breakdown(district, start, end, "month").items()} == {
        day(1): 4, dt.date(2026, 4, 1): 1}
    assert selectors.breakdown(district, start, end, "day")[day(3)].received == 2


@pytest.mark.django_db
def test_a_whole_month_by_day_counts_each_matter_on_its_own_day(world):
    for d in (3, 3, 17):
        report(world, at=MAR_3.replace(day=d))
    services.fold_all()  # March is now in the month rows too; a day breakdown must not read them
    report(world, at=MAR_3.replace(day=31))  # left pending
    by_day = selectors.breakdown(world.grid("A"), day(1), day(31), "day")
    assert {k: v.received for k, v in by_day.items()} == {day(3): 2, day(17): 1, day(31): 1}
    by_month = selectors.breakdown(world.grid("A"), day(1), dt.date(2026, 4, 30), "month")
    assert {k: v.received for k, v in by_month.items()} == {day(1): 4}


@pytest.mark.django_db
def test_rebuild_writes_what_the_changes_added_up_to_and_check_finds_a_broken_row(world):
    close(world, report(world, at=MAR_3), at=MAR_3 + dt.timedelta(days=1))
    report(world, at=MAR_3 + dt.timedelta(days=40))
    services.fold_all()
    before = sorted(DayCount.objects.values_list("node_id", "day", "received", "done", "closed"))
    services.rollups_rebuild()
    assert sorted(DayCount.objects.values_list("node_id", "day", "received", "done", "closed")) == before
    out = io.StringIO()
    call_command("rollups", "rebuild", "--check", stdout=out, stderr=io.StringIO())
    assert "agree" in out.getvalue()
    DayCount.objects.filter(node=world.grid("A"), day=day(3)).update(received=7)
    assert services.rollups_check()[0]["difference"] == {"received": 6}
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("rollups", "rebuild", "--check", stdout=out, stderr=io.StringIO())
    assert exited.value.code == 1 and '"received": 6' in out.getvalue()
    call_command("rollups", "rebuild", stdout=io.StringIO(), stderr=io.StringIO())
    assert services.rollups_check() == []


@given(st.dates(dt.date(2024, 1, 1), dt.date(2027, 12, 31)), st.integers(0, 800))
def test_a_period_splits_into_whole_months_and_edge_days_exactly(start, length):
    end = start + dt.timedelta(days=length)
    months, days = selectors.split(start, end)
    covered = []
    if months:
        first, last = months
        assert first.day == 1 and last.day == 1 and first <= last
        d = first
        while d <= last:
            nxt = next_month(d)
            covered += [d + dt.timedelta(days=i) for i in range((nxt - d).days)]
            d = nxt
    for a, b in days:
        covered += [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]
    assert sorted(covered) == [start + dt.timedelta(days=i) for i in range(length + 1)]
    assert len(set(covered)) == len(covered)
