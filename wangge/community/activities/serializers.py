"""Rows → answers."""

from __future__ import annotations

from django.urls import reverse

from . import selectors
from .models import Activity, SignUp


def mine_out(signup: SignUp | None) -> dict | None:
    if signup is None:
        return None
    return {"id": signup.pk, "status": signup.status, "status_label": signup.get_status_display(),
            "waiting_rank": selectors.waiting_rank(signup)}


def activity_out(a: Activity, mine: SignUp | None = None) -> dict:
    confirmed = getattr(a, "n_confirmed", 0)
    return {"id": a.pk, "grid": a.grid_id, "grid_name": a.grid.name, "kind": a.kind, "kind_label": a.get_kind_display(),
            "title": a.title, "place": a.place, "venue": a.venue_id, "venue_name": a.venue.name if a.venue_id else None,
            "starts_at": a.starts_at, "ends_at": a.ends_at, "capacity": a.capacity, "confirmed": confirmed,
            "waiting": getattr(a, "n_waiting", 0), "attended": getattr(a, "n_attended", 0),
            "free": None if a.capacity is None else max(a.capacity - confirmed, 0), "party_only": a.party_only,
            "status": a.status, "status_label": a.get_status_display(), "mine": mine_out(mine)}


def activity_detail_out(a: Activity, *, mine: SignUp | None, manage: bool, request=None) -> dict:
    url = None
    if manage:
        path = reverse("activity-checkin", args=[a.checkin_token])
        url = request.build_absolute_uri(path) if request is not None else path
    return {**activity_out(a, mine), "description": a.description, "signup_opens": a.signup_opens,
            "signup_closes": a.signup_closes, "organiser": a.organiser_id,
            "organiser_name": a.organiser.name if a.organiser_id else None, "can_manage": manage, "checkin_url": url}


def signup_out(s: SignUp, message: str = "") -> dict:
    return {"id": s.pk, "activity": s.activity_id, "person": s.person_id, "name": s.person.name, "grid": s.grid_id,
            "grid_name": s.grid.name if s.grid_id else None, "status": s.status,
            "status_label": s.get_status_display(), "waiting_rank": selectors.waiting_rank(s), "walk_in": s.walk_in,
            "created_at": s.created_at, "attended_at": s.attended_at, "message": message}
