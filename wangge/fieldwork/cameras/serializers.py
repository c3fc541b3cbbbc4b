from __future__ import annotations

from .models import Camera
from .selectors import Target


def _ref(obj) -> dict | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def camera_out(c: Camera) -> dict:
    return {
        "id": c.pk, "code": c.code, "name": c.name, "grid": _ref(c.grid), "lon": c.lon, "lat": c.lat,
        "building": _ref(c.building), "gate": _ref(c.gate), "kind": c.kind, "kind_label": str(c.get_kind_display()),
        "owner_kind": c.owner_kind, "owner": _ref(c.owner), "status": c.status, "installed_on": c.installed_on,
        "removed_on": c.removed_on, "radius_m": c.radius_m, "note": c.note,
    }


def target_out(t: Target) -> dict:
    return {
        "kind": t.kind, "id": t.id, "name": t.name, "estate": {"id": t.estate_id, "name": t.estate},
        "lon": t.lon, "lat": t.lat, "covered": t.covered, "cameras": t.cameras, "linked": t.linked,
        "nearest_m": t.nearest_m,
    }
