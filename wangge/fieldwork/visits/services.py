"""Every write of door-to-door visits: setting a grid's visit plan and logging a visit (with the key small
matters raised at the door, each reported through the matters service with source `visit`). Keyword-only,
one transaction each; bad input raises InvalidInput naming the field and writes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from wangge.core.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied, full_clean
from wangge.core.text import clean_text
from wangge.matters import services as matters
from wangge.matters.models import Source
from wangge.matters.services import Actor
from wangge.people.access import PLAN_VISITS, VIEW, VISIT
from wangge.registry.models import CareFlag, GridNode, Household

from .models import MAX_PERIOD_DAYS, Outcome, Visit, VisitPlan
from .signals import visit_logged

NOTES_MAX = 1000
MATTERS_MAX = 5
BACKDATE_DAYS = 30          # a visit may be logged up to this many days after it happened
FOLLOW_UP_MAX_DAYS = 366    # a follow-up date at most a year after the visit
FUTURE_SLACK = dt.timedelta(minutes=10)  # phone clocks run a little ahead


# -- plans -------------------------------------------------------------------------------------------


def _grid(actor: Actor, grid, field: str = "grid") -> GridNode:
    if isinstance(grid, GridNode):
        node = grid
    else:
        try:
            node = GridNode.objects.filter(pk=int(grid)).first()
        except (TypeError, ValueError) as exc:
            raise InvalidInput.field(field, "应为网格编号") from exc
    if node is None or not (actor.scope.is_admin or actor.scope.can(VIEW, node)):
        raise InvalidInput.field(field, "未找到该网格，或该网格不在您负责的范围内")
    return node


def _clean_flags(value) -> list[str]:
    if value is None:
        return list(CareFlag.values)
    if not isinstance(value, list | tuple):
        raise InvalidInput.field("care_flags", "应为关爱标签的列表")
    unknown = [v for v in value if v not in CareFlag.values]
    if unknown:
        known = "、".join(f"{c.value}（{c.label}）" for c in CareFlag)
        raise InvalidInput.field("care_flags", f"未知的关爱标签 {'、'.join(map(str, unknown))}，可选：{known}")
    return [c for c in CareFlag.values if c in value]  # canonical order, no repeats


def _check_periods(period_days, care_period_days) -> None:
    for name, value in (("period_days", period_days), ("care_period_days", care_period_days)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput.field(name, "应为天数（整数）")
        if not 1 <= value <= MAX_PERIOD_DAYS:
            raise InvalidInput.field(name, f"应在1到{MAX_PERIOD_DAYS}天之间")
    if care_period_days > period_days:
        raise InvalidInput.field("care_period_days", "关爱户的走访周期不能长于一般住户的周期")


@transaction.atomic
def visit_plan_create(
    *, actor=None, grid, period_days: int = 91, care_period_days: int = 30, care_flags: list[str] | None = None,
    active: bool = True, note: str = "",
) -> VisitPlan:
    """Set the visit plan of a grid node (one per node). Needs PLAN_VISITS there."""
    actor = Actor.of(actor)
    node = _grid(actor, grid)
    if not actor.scope.can(PLAN_VISITS, node):
        raise PermissionDenied("您在该网格没有制定走访计划的权限")
    _check_periods(period_days, care_period_days)
    flags = _clean_flags(care_flags)
    if VisitPlan.objects.filter(grid=node).exists():
        raise Conflict("该网格已有走访计划，请修改原计划", errors=[FieldError("grid", "该网格已有走访计划")])
    plan = VisitPlan(
        grid=node, period_days=period_days, care_period_days=care_period_days, care_flags=flags,
        active=bool(active), note=clean_text(note, "note", limit=200),
        updated_by=actor.user if actor.user_id else None, subdistrict_id=node.tenant_id,
    )
    full_clean(plan)
    plan.save()
    return plan


_PLAN_FIELDS = ("period_days", "care_period_days", "care_flags", "active", "note")


@transaction.atomic
def visit_plan_update(*, actor=None, plan_id: int, **changes) -> VisitPlan:
    """Change some fields of a plan; the others stay. Needs PLAN_VISITS on the plan's grid."""
    actor = Actor.of(actor)
    plan = VisitPlan.objects.select_for_update(of=("self",)).select_related("grid").filter(pk=plan_id).first()
    if plan is None or not (actor.scope.is_admin or actor.scope.can(VIEW, plan.grid)):
        raise NotFound("未找到该走访计划")
    if not actor.scope.can(PLAN_VISITS, plan.grid):
        raise PermissionDenied("您在该网格没有制定走访计划的权限")
    unknown = [k for k in changes if k not in _PLAN_FIELDS]
    if unknown:
        raise InvalidInput.field(unknown[0], "不能修改该字段")
    period = changes.get("period_days", plan.period_days)
    care = changes.get("care_period_days", plan.care_period_days)
    _check_periods(period, care)
    plan.period_days, plan.care_period_days = period, care
    if "care_flags" in changes:
        plan.care_flags = _clean_flags(changes["care_flags"])
    if "active" in changes:
        if not isinstance(changes["active"], bool):
            raise InvalidInput.field("active", "应为 true 或 false")
        plan.active = changes["active"]
    if "note" in changes:
        plan.note = clean_text(changes["note"], "note", limit=200)
    plan.updated_by = actor.user if actor.user_id else None
    full_clean(plan)
    plan.save()
    return plan


# -- visits ------------------------------------------------------------------------------------------


@dataclass
class RaisedMatter:
    """A key small matter raised at the door: reported as a matter of the household's unit."""

    category: str
    description: str


def household_grid(household: Household) -> GridNode:
    """The grid a household is visited in: its unit's micro-grid, or the estate grid for a unit without one."""
    unit = household.unit
    return unit.micro_grid or unit.building.estate_grid


def _household(actor: Actor, household) -> Household:
    if isinstance(household, Household):
        household = household.pk
    try:
        pk = int(household)
    except (TypeError, ValueError) as exc:
        raise InvalidInput.field("household", "应为住户编号") from exc
    row = Household.objects.select_related("unit__micro_grid", "unit__building__estate_grid").filter(pk=pk).first()
    if row is None or not actor.scope.can(VIEW, household_grid(row)):
        raise InvalidInput.field("household", "未找到该住户，或该住户不在您负责的网格内")
    return row


def _when(visited_at, now: dt.datetime) -> dt.datetime:
    if visited_at is None:
        return now
    if not isinstance(visited_at, dt.datetime):
        raise InvalidInput.field("visited_at", "应为日期时间")
    if timezone.is_naive(visited_at):
        visited_at = timezone.make_aware(visited_at)
    if visited_at > now + FUTURE_SLACK:
        raise InvalidInput.field("visited_at", "走访时间不能晚于现在")
    if visited_at < now - dt.timedelta(days=BACKDATE_DAYS):
        raise InvalidInput.field("visited_at", f"只能补登{BACKDATE_DAYS}天内的走访")
    return visited_at


def _raised(items) -> list[RaisedMatter]:
    items = list(items or [])
    if len(items) > MATTERS_MAX:
        raise InvalidInput.field("matters", f"一次走访最多登记{MATTERS_MAX}件关键小事")
    out = []
    for i, item in enumerate(items):
        if isinstance(item, RaisedMatter):
            out.append(item)
        elif isinstance(item, dict):
            out.append(RaisedMatter(category=item.get("category") or "", description=item.get("description") or ""))
        else:
            raise InvalidInput.field(f"matters[{i}]", "应为包含 category 和 description 的对象")
    return out


@transaction.atomic
def visit_log(
    *, actor=None, household, outcome: str, notes: str = "", follow_up_on: dt.date | None = None,
    visited_at: dt.datetime | None = None, matters_raised=(),
) -> Visit:
    """Log one visit by the acting worker. The key small matters raised become matters (source `visit`) in
    the same transaction: if one of them is refused, neither the visit nor any matter is written, and the
    error names the field as `matters[i].<field>`. Needs VISIT in the household's grid."""
    actor = Actor.of(actor)
    now = timezone.now()
    row = _household(actor, household)
    grid = household_grid(row)
    if not actor.scope.can(VISIT, grid):
        raise PermissionDenied("您在该住户所在的网格没有入户走访的权限")
    if outcome not in Outcome.values:
        choices = "、".join(f"{o.value}（{o.label}）" for o in Outcome)
        raise InvalidInput.field("outcome", f"请选择走访结果：{choices}")
    at = _when(visited_at, now)
    text = clean_text(notes, "notes", limit=NOTES_MAX)
    if follow_up_on is not None:
        if not isinstance(follow_up_on, dt.date) or isinstance(follow_up_on, dt.datetime):
            raise InvalidInput.field("follow_up_on", "应为日期，如 2026-05-01")
        day = timezone.localdate(at)
        if follow_up_on < day:
            raise InvalidInput.field("follow_up_on", "回访日期不能早于走访日期")
        if follow_up_on > day + dt.timedelta(days=FOLLOW_UP_MAX_DAYS):
            raise InvalidInput.field("follow_up_on", "回访日期应在一年以内")
    raised = _raised(matters_raised)
    if raised and outcome != Outcome.MET:
        raise InvalidInput.field("matters", "只有见到住户时才能登记收集的关键小事")
    visit = Visit(
        household=row, grid=grid, worker=actor.person, recorded_by=actor.user if actor.user_id else None,
        visited_at=at, outcome=outcome, notes=text, follow_up_on=follow_up_on, subdistrict_id=grid.tenant_id,
    )
    full_clean(visit, exclude=["matters"])
    visit.save()
    made = []
    for i, item in enumerate(raised):
        report = matters.Report(
            category=item.category, description=item.description, source=Source.VISIT, unit=row.unit_id,
            household=row.pk,
        )
        try:
            matter, _created = matters.matter_report(actor=actor, report=report)
        except InvalidInput as exc:
            errors = [FieldError(f"matters[{i}].{e.field}", e.message) for e in exc.errors] or [
                FieldError(f"matters[{i}]", exc.message)
            ]
            raise InvalidInput(f"第{i + 1}件关键小事：{errors[0].message}", errors=errors) from exc
        made.append(matter)
    if made:
        visit.matters.set(made)
    # Last, so that the rollup rows shared with every other visit below the same nodes are held only to the
    # commit.
    visit_logged.send(sender=Visit, visit=visit)
    return visit
