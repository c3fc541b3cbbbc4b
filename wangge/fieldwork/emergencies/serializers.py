"""Emergencies and household statuses as the API and the pages show them."""

from __future__ import annotations

from wangge.core import pii
from wangge.registry.models import CareFlag

from .models import Emergency, HouseholdState, HouseholdStatus


def counts_of(e: Emergency) -> dict:
    """The counts annotated by selectors (n_*), with the share confirmed."""
    total = getattr(e, "n_total", 0)
    not_reached = getattr(e, "n_not_reached", 0)
    done = total - not_reached
    return {"total": total, "safe": getattr(e, "n_safe", 0), "needs_help": getattr(e, "n_needs_help", 0),
            "not_reached": not_reached, "confirmed": done, "percent": round(100 * done / total) if total else 100}


def emergency_out(e: Emergency) -> dict:
    return {
        "id": e.pk, "kind": e.kind, "kind_label": e.get_kind_display(), "title": e.title,
        "description": e.description, "drill": e.drill, "status": e.status, "status_label": e.get_status_display(),
        "grid": {"id": e.grid.pk, "code": e.grid.code, "name": e.grid.name, "level": e.grid.level},
        "buildings": [{"id": b.pk, "name": b.name} for b in e.buildings.all()],
        "declared_by": e.declared_by.name if e.declared_by else "",
        "declared_at": e.declared_at, "cleared_by": e.cleared_by.name if e.cleared_by else "",
        "cleared_at": e.cleared_at, "report": e.report, "counts": counts_of(e), "notified": e.notified,
        "summary": e.summary,
    }


def current_residents(row: HouseholdStatus) -> list:
    """The household's current residents, each with `flag_labels` (their care flags, in words)."""
    residents = [r for r in row.household.residents.all() if r.left_at is None]
    labels = dict(CareFlag.choices)
    for r in residents:
        r.flag_labels = [str(labels.get(f, f)) for f in r.care_flags or []]
    return residents


def household_out(row: HouseholdStatus) -> dict:
    h = row.household
    return {
        "household": h.pk, "building": h.unit.building.name, "unit": h.unit.name, "floor": h.floor, "room": h.room,
        "status": row.status, "status_label": row.get_status_display(), "note": row.note,
        "confirmed_by": row.confirmed_by.name if row.confirmed_by else "", "confirmed_at": row.confirmed_at,
        "residents": [{"name": r.name, "phone": pii.mask_phone(r.phone), "care_flags": list(r.care_flags or [])}
                      for r in current_residents(row)],
    }


STATE_ORDER = [HouseholdState.SAFE, HouseholdState.NEEDS_HELP, HouseholdState.NOT_REACHED]
