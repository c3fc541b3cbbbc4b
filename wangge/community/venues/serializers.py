"""Rows → answers. A booking's contact phone is masked except for the booker and the venue's keepers."""

from __future__ import annotations

from wangge.core.pii import mask_phone

from .models import Booking, Venue


def venue_out(v: Venue) -> dict:
    return {"id": v.pk, "community": v.community_id, "community_name": v.community.name, "name": v.name,
            "description": v.description, "place": v.place, "capacity": v.capacity,
            "opening_hours": v.opening_hours or {}, "hours": v.hours_lines, "needs_approval": v.needs_approval,
            "active": v.active}


def booking_out(b: Booking, *, person_id: int | None, keeper: bool) -> dict:
    mine = person_id is not None and b.person_id == person_id
    return {"id": b.pk, "venue": b.venue_id, "venue_name": b.venue.name, "booker": b.booker,
            "organisation": b.organisation_id, "contact_name": b.contact_name,
            "contact_phone": b.contact_phone if mine else mask_phone(b.contact_phone), "purpose": b.purpose,
            "starts_at": b.starts_at, "ends_at": b.ends_at, "attendees": b.attendees, "status": b.status,
            "status_label": b.get_status_display(), "decision_note": b.decision_note, "decided_at": b.decided_at,
            "mine": mine}
