"""Visits and plans as the API and the export show them: rooms are always masked."""

from __future__ import annotations

from wangge.core import pii

from .models import VisitPlan
from .selectors import Row, Tally


def grid_ref(node) -> dict:
    return {"id": node.pk, "code": node.code, "name": node.name, "level": node.level}


def plan_out(plan: VisitPlan) -> dict:
    return {
        "id": plan.pk, "grid": grid_ref(plan.grid), "period_days": plan.period_days,
        "care_period_days": plan.care_period_days, "care_flags": list(plan.care_flags or []), "active": plan.active,
        "note": plan.note, "updated_at": plan.updated_at,
    }


def household_ref(h, grid=None) -> dict:
    grid = grid or h.unit.micro_grid or h.unit.building.estate_grid
    return {
        "id": h.pk, "address": h.masked_address, "building": h.unit.building.name, "unit": h.unit.name,
        "floor": h.floor, "room": pii.mask_room(h.room), "grid_id": grid.pk, "grid_name": grid.name,
    }


def visit_out(v) -> dict:
    return {
        "id": v.pk, "household": household_ref(v.household), "worker_id": v.worker_id,
        "worker_name": v.worker.name if v.worker else "", "visited_at": v.visited_at, "outcome": v.outcome,
        "outcome_label": str(v.get_outcome_display()), "notes": v.notes, "follow_up_on": v.follow_up_on,
        "matters": [
            {"id": m.pk, "category": m.category.code, "category_name": m.category.name, "state": m.state}
            for m in v.matters.all()
        ],
        "created_at": v.created_at,
    }


def due_out(r: Row) -> dict:
    return {
        "household": household_ref(r.household, r.grid), "head": r.head, "care": r.care, "period_days": r.period_days,
        "plan_id": r.rule.plan_id, "last_met_at": r.last_met_at, "due_on": r.due_on, "status": r.status,
        "overdue_days": r.overdue_days, "follow_up_on": r.follow_up_on, "follow_up_due": r.follow_up_due,
        "tried_today": r.tried_today,
    }


def tally_out(t: Tally) -> dict:
    return {
        "households": t.households, "in_period": t.in_period, "overdue": t.overdue, "never": t.never,
        "share": round(t.share, 4) if t.share is not None else None, "care": t.care, "care_in_period": t.care_in_period,
    }
