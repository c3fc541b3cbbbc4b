"""Visit plans and logging visits: due dates, the care period, which plan applies, one transaction with
the matters raised, and refusals outside the worker's grid."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wangge.core.errors import Conflict, InvalidInput, PermissionDenied
from wangge.fieldwork.visits import selectors, services
from wangge.fieldwork.visits.models import Visit, VisitPlan
from wangge.matters.models import Matter, Source
from wangge.people.access import actor_scope
from wangge.registry import services as registry

from .conftest import backdate, flag, log

pytestmark = pytest.mark.django_db


def row_of(world, household, key="micro_A1em1", today=None):
    found = selectors.rows(scope=actor_scope(world.users[key]), today=today or timezone.localdate())
    return next(r for r in found if r.household.pk == household.pk)


# -- due dates -----------------------------------------------------------------------------------------


def test_a_household_never_met_is_due_and_a_met_visit_sets_the_next_due_date_a_quarter_later(world, today):
    h = world.households["A1em1"][0]
    assert row_of(world, h).status == "never"
    log(world, "micro_A1em1", h)
    row = row_of(world, h)
    assert row.status == "ok"
    assert row.period_days == 91
    assert row.due_on == today + dt.timedelta(days=91)
    # 91 days later it is due that day, the day after it is overdue.
    assert row_of(world, h, today=today + dt.timedelta(days=91)).status == "due"
    late = row_of(world, h, today=today + dt.timedelta(days=93))
    assert (late.status, late.overdue_days) == ("overdue", 2)


def test_a_care_household_is_due_monthly(world, today):
    h = world.households["A1em1"][0]
    flag(h, "elderly_alone")
    log(world, "micro_A1em1", h)
    row = row_of(world, h)
    assert row.care == ["独居老人"]
    assert row.due_on == today + dt.timedelta(days=30)


def test_only_a_met_visit_counts_nobody_home_and_refused_leave_the_household_due(world, today):
    h = world.households["A1em1"][0]
    log(world, "micro_A1em1", h, outcome="nobody_home")
    row = row_of(world, h)
    assert row.status == "never"
    assert row.tried_today == "nobody_home"
    assert row.on_today_list
    old = log(world, "micro_A1em1", h)
    backdate(old, 120)
    log(world, "micro_A1em1", h, outcome="refused")
    row = row_of(world, h)
    assert row.status == "overdue"
    assert row.tried_today == "refused"


def test_a_follow_up_date_puts_the_household_back_on_the_list_that_day(world, today):
    h = world.households["A1em1"][0]
    log(world, "micro_A1em1", h, follow_up_on=today + dt.timedelta(days=3))
    assert not row_of(world, h).on_today_list
    later = row_of(world, h, today=today + dt.timedelta(days=3))
    assert later.follow_up_due and later.on_today_list and later.status == "ok"
    # A later visit supersedes the follow-up.
    log(world, "micro_A1em1", h)
    assert not row_of(world, h, today=today + dt.timedelta(days=3)).follow_up_due


def test_vacant_households_are_not_due(world):
    h = world.households["A1em1"][1]
    registry.household_update(household=h, occupancy="vacant")
    due = selectors.due_list(actor=world.users["micro_A1em1"])
    assert [r.household.pk for r in due] == [world.households["A1em1"][0].pk]


def test_the_due_list_is_in_walking_order_and_only_in_the_workers_grids(world):
    due = selectors.due_list(actor=world.users["member_A1e"])
    assert [(r.household.unit.name, r.household.floor) for r in due] == [
        ("1单元", 1), ("1单元", 2), ("2单元", 1), ("2单元", 2)]
    mine = selectors.due_list(actor=world.users["micro_A1em1"])
    assert {r.household.pk for r in mine} == {h.pk for h in world.households["A1em1"]}
    with pytest.raises(PermissionDenied):
        selectors.due_list(actor=world.users["liaison_A"])


# -- which plan applies ----------------------------------------------------------------------------------


def test_the_nearest_active_plan_above_a_household_applies_else_the_defaults(world):
    h = world.households["A1em1"][0]
    flag(h, "disabled")
    assert (row_of(world, h).rule.plan_id, row_of(world, h).period_days) == (None, 30)
    community = services.visit_plan_create(actor=world.users["committee_A"], grid=world.grid("A"), period_days=60,
                                           care_period_days=20)
    assert row_of(world, h).rule.plan_id == community.pk
    assert row_of(world, h).period_days == 20
    estate = services.visit_plan_create(actor=world.users["leader_A1"], grid=world.grid("A1e"), period_days=45,
                                        care_period_days=15)
    assert row_of(world, h).period_days == 15
    # A plan of another branch does not apply.
    assert row_of(world, world.households["A2em1"][0], key="committee_A").rule.plan_id == community.pk
    services.visit_plan_update(actor=world.users["leader_A1"], plan_id=estate.pk, active=False)
    assert row_of(world, h).rule.plan_id == community.pk


def test_a_plan_says_which_care_flags_count(world):
    h = world.households["A1em1"][0]
    flag(h, "veteran")
    services.visit_plan_create(actor=world.users["committee_A"], grid=world.grid("A"), care_flags=["disabled"])
    row = row_of(world, h)
    assert row.care == [] and row.period_days == 91


def test_plans_need_the_planning_permission_and_are_one_per_grid(world):
    with pytest.raises(PermissionDenied):
        services.visit_plan_create(actor=world.users["member_A1e"], grid=world.grid("A1e"))
    with pytest.raises(InvalidInput) as outside:
        services.visit_plan_create(actor=world.users["leader_A2"], grid=world.grid("A1e"))
    assert outside.value.errors[0].field == "grid"
    services.visit_plan_create(actor=world.users["leader_A1"], grid=world.grid("A1e"))
    with pytest.raises(Conflict):
        services.visit_plan_create(actor=world.users["committee_A"], grid=world.grid("A1e"))
    assert VisitPlan.objects.count() == 1


@pytest.mark.parametrize(("fields", "field"), [
    ({"period_days": 0}, "period_days"),
    ({"period_days": 400}, "period_days"),
    ({"period_days": 30, "care_period_days": 60}, "care_period_days"),
    ({"care_flags": ["rich"]}, "care_flags"),
    ({"note": "x" * 201}, "note"),
])
def test_bad_plans_are_refused_naming_the_field(world, fields, field):
    with pytest.raises(InvalidInput) as exc:
        services.visit_plan_create(actor=world.users["leader_A1"], grid=world.grid("A1e"), **fields)
    assert exc.value.errors[0].field == field
    assert VisitPlan.objects.count() == 0


# -- logging visits ---------------------------------------------------------------------------------------


def test_matters_raised_at_the_door_are_reported_with_source_visit_and_linked(world):
    h = world.households["A1em1"][0]
    visit = log(world, "micro_A1em1", h, notes="老人腿脚不便", matters_raised=[
        {"category": "property-repair", "description": "厨房水管漏水"},
        {"category": "env-garbage", "description": "楼道堆放杂物"},
    ])
    matters = list(visit.matters.order_by("id"))
    assert [m.description for m in matters] == ["厨房水管漏水", "楼道堆放杂物"]
    assert all(m.source == Source.VISIT and m.household_id == h.pk and m.unit_id == h.unit_id for m in matters)
    assert visit.worker == world.persons["micro_A1em1"]
    assert visit.grid == world.grid("A1em1")


def test_a_refused_matter_leaves_neither_the_visit_nor_any_matter(world):
    h = world.households["A1em1"][0]
    before = Matter.objects.count()
    with pytest.raises(InvalidInput) as exc:
        log(world, "micro_A1em1", h, matters_raised=[
            {"category": "property-repair", "description": "厨房水管漏水"},
            {"category": "no-such-kind", "description": "什么事"},
        ])
    assert exc.value.errors[0].field == "matters[1].category"
    assert Visit.objects.count() == 0
    assert Matter.objects.count() == before
    with pytest.raises(InvalidInput) as exc:
        log(world, "micro_A1em1", h, matters_raised=[{"category": "property-repair", "description": ""}])
    assert exc.value.errors[0].field == "matters[0].description"
    assert Visit.objects.count() == 0


def test_a_visit_outside_the_workers_grid_is_refused_and_nothing_is_written(world):
    with pytest.raises(InvalidInput) as exc:
        log(world, "micro_A1em1", world.households["A1em2"][0])
    assert exc.value.errors[0].field == "household"
    assert "不在您负责的网格内" in exc.value.errors[0].message
    # Inside the scope but a role that does not visit (a joint-unit liaison sees community A).
    with pytest.raises(PermissionDenied):
        log(world, "liaison_A", world.households["A1em1"][0])
    # A former micro-grid member's duty has ended.
    with pytest.raises(InvalidInput):
        services.visit_log(actor=world.users["nobody"], household=world.households["A1em1"][0], outcome="met")
    assert Visit.objects.count() == 0


@pytest.mark.parametrize(("fields", "field"), [
    ({"outcome": "maybe"}, "outcome"),
    ({"notes": "长" * 1001}, "notes"),
    ({"follow_up_on": dt.date(2000, 1, 1)}, "follow_up_on"),
    ({"visited_at": timezone.now() + dt.timedelta(hours=2)}, "visited_at"),
    ({"visited_at": timezone.now() - dt.timedelta(days=40)}, "visited_at"),
    ({"outcome": "nobody_home", "matters_raised": [{"category": "property-repair", "description": "漏水"}]},
     "matters"),
    ({"household": 10**9}, "household"),
])
def test_bad_visits_are_refused_naming_the_field(world, fields, field):
    values = {"household": world.households["A1em1"][0], "outcome": "met", **fields}
    with pytest.raises(InvalidInput) as exc:
        services.visit_log(actor=world.users["micro_A1em1"], **values)
    assert exc.value.errors[0].field == field
    assert Visit.objects.count() == 0


def test_a_visit_can_be_logged_late_within_a_month(world, today):
    at = timezone.now() - dt.timedelta(days=3)
    visit = log(world, "micro_A1em1", world.households["A1em1"][0], visited_at=at)
    assert visit.visited_at == at
    assert row_of(world, visit.household).due_on == timezone.localdate(at) + dt.timedelta(days=91)
