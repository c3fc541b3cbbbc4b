from __future__ import annotations

from .models import FootageReview, Incident
from .selectors import can_handle, events, reviews


def incident_out(i: Incident) -> dict:
    return {
        "id": i.pk, "kind": i.kind, "kind_label": str(i.get_kind_display()), "title": i.title, "status": i.status,
        "status_label": str(i.get_status_display()), "grid": {"id": i.grid_id, "name": i.grid.name},
        "place": i.place, "lon": i.lon, "lat": i.lat, "occurred_from": i.occurred_from,
        "occurred_to": i.occurred_to, "reporter": i.reporter_label, "by_resident": i.by_resident,
        "police": i.police_name, "police_ref": i.police_ref, "handed_at": i.handed_at, "outcome": i.outcome,
        "concluded_at": i.concluded_at, "created_at": i.created_at,
    }


def review_out(r: FootageReview) -> dict:
    return {
        "id": r.pk, "cameras": [{"id": c.pk, "code": c.code, "name": c.name} for c in r.cameras.all()],
        "window_from": r.window_from, "window_to": r.window_to, "note": r.note, "requested_by": r.requested_label,
        "requested_at": r.requested_at, "reviewer": r.reviewer_label, "reviewed_at": r.reviewed_at,
        "finding": r.finding, "found": r.found,
    }


def actions_for(actor, incident: Incident) -> list[str]:
    if not incident.is_open or not can_handle(actor, incident):
        return []
    acts = ["footage_request"]
    if any(r.reviewed_at is None for r in incident.reviews.all()):
        acts.append("footage_record")
    if incident.status != "handed_to_police":
        acts.append("handover")
    acts.append("conclude")
    return acts


def incident_detail_out(actor, i: Incident) -> dict:
    data = incident_out(i)
    data["description"] = i.description
    data["reviews"] = [review_out(r) for r in reviews(i)]
    data["events"] = [
        {"seq": e.seq, "at": e.at, "action": e.action, "from_status": e.from_status, "to_status": e.to_status,
         "actor": e.actor_label, "note": e.note}
        for e in events(i)
    ]
    data["actions"] = actions_for(actor, i)
    return data
