"""Rows as the API and the pages show them."""

from __future__ import annotations

from .coverage import gap_label
from .models import Post, Shift, ShiftTemplate, SwapRequest


def ref(obj) -> dict | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name}


def hhmm(t) -> str:
    return f"{t:%H:%M}"


def template_out(t: ShiftTemplate) -> dict:
    end = "24:00" if t.end.hour == 0 and t.end.minute == 0 and t.start != t.end else hhmm(t.end)
    return {"id": t.pk, "name": t.name, "start": hhmm(t.start), "end": end, "minutes": t.minutes, "order": t.order}


def post_out(p: Post) -> dict:
    return {"id": p.pk, "name": p.name, "estate": ref(p.estate), "lon": p.lon, "lat": p.lat,
            "checkin_radius_m": p.checkin_radius_m, "active": p.active, "leader": ref(p.leader)}


def shift_out(s: Shift) -> dict:
    return {
        "id": s.pk, "post": ref(s.post), "estate": ref(s.post.estate), "person": ref(s.person),
        "template": ref(s.template), "starts_at": s.starts_at, "ends_at": s.ends_at, "status": s.status,
        "status_label": s.get_status_display(), "checked_in_at": s.checked_in_at,
        "checkin_distance_m": s.checkin_distance_m, "checked_out_at": s.checked_out_at,
    }


def gap_out(a, b) -> dict:
    return {"start": a, "end": b, "minutes": int((b - a).total_seconds() // 60), "label": gap_label(a, b, with_date=True)}


def swap_out(w: SwapRequest) -> dict:
    return {
        "id": w.pk, "shift": shift_out(w.shift), "exchange_shift": shift_out(w.exchange_shift) if w.exchange_shift else None,
        "requested_by": ref(w.requested_by), "to_person": ref(w.to_person), "reason": w.reason, "status": w.status,
        "status_label": w.get_status_display(), "decided_by": ref(w.decided_by), "decided_at": w.decided_at,
        "decision_note": w.decision_note, "created_at": w.created_at,
    }
