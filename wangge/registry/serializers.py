"""Rows as the API and exports show them. Personal fields are masked here unless told otherwise."""

from __future__ import annotations

from wangge.core import pii

from .models import Building, GridNode, Household, Resident, Unit


def grid_out(node: GridNode) -> dict:
    return {
        "id": node.pk,
        "code": node.code,
        "name": node.name,
        "level": node.level,
        "level_label": str(node.get_level_display()),
        "parent_id": node.parent_id,
        "subdistrict_id": node.subdistrict_id,
        "has_boundary": node.boundary is not None,
    }


def building_out(b: Building) -> dict:
    return {
        "id": b.pk, "name": b.name, "estate_grid_id": b.estate_grid_id, "estate_grid_name": b.estate_grid.name,
        "floors": b.floors, "lon": b.lon, "lat": b.lat,
    }


def unit_out(u: Unit) -> dict:
    return {
        "id": u.pk, "name": u.name, "building_id": u.building_id, "building_name": u.building.name,
        "micro_grid_id": u.micro_grid_id, "micro_grid_name": u.micro_grid.name if u.micro_grid else None,
    }


def household_out(h: Household) -> dict:
    return {
        "id": h.pk, "unit_id": h.unit_id, "building_name": h.unit.building.name, "unit_name": h.unit.name,
        "floor": h.floor, "room": pii.mask_room(h.room), "address": h.masked_address, "occupancy": h.occupancy,
        "micro_grid_id": h.unit.micro_grid_id, "resident_count": getattr(h, "resident_count", 0),
    }


def resident_out(r: Resident) -> dict:
    return {
        "id": r.pk, "household_id": r.household_id, "name": r.name, "id_number": r.masked_id_number,
        "phone": r.masked_phone, "relation": r.relation, "gender": r.gender,
        "birth_year": r.birth_date.year if r.birth_date else None, "care_flags": list(r.care_flags or []),
        "is_party_member": r.is_party_member, "address": r.household.masked_address,
        "left_at": r.left_at, "left_reason": r.left_reason,
    }
