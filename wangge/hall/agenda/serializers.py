"""Rows to API dicts. Residents never see another resident's name, nor the text of linked matters."""

from __future__ import annotations

from django.urls import reverse

from wangge.people.access import Scope

from . import selectors
from .models import Hall, Item, ItemKind, ItemOrigin, Session


def hall_out(hall: Hall, scope: Scope) -> dict:
    return {
        "id": hall.pk, "name": hall.name, "place": hall.place, "active": hall.active,
        "community_id": hall.community_id, "community_name": hall.community.name,
        "day_of_month": hall.day_of_month, "start_time": hall.start_time, "duration_minutes": hall.duration_minutes,
        "on_non_working_day": hall.on_non_working_day, "months_ahead": hall.months_ahead,
        "collective_min_households": hall.collective_min_households,
        "collective_window_days": hall.collective_window_days, "collective_level": hall.collective_level,
        "ics_url": reverse("hall-ics", args=[hall.pk]), "can_run": selectors.can_run(scope, hall),
    }


def matter_ref(m, *, staff: bool) -> dict:
    return {"id": m.pk, "category": m.category.name, "state": m.state, "grid": m.grid.name,
            "description": m.description[:300] if staff else "", "created_at": m.created_at}


def proposer(item: Item, scope: Scope, *, staff: bool) -> str | None:
    user = item.proposed_by
    if user is None:
        return None
    if staff:
        person = getattr(user, "person", None)
        return person.name if person else user.get_username()
    if item.proposed_by_id == scope.user_id:
        return "我"
    return "居民" if item.origin == ItemOrigin.RESIDENT else "社区"


def item_out(item: Item, scope: Scope, *, staff: bool | None = None) -> dict:
    if staff is None:
        staff = selectors.is_staff(scope, item.hall)
    return {
        "id": item.pk, "hall_id": item.hall_id, "session_id": item.session_id, "kind": item.kind,
        "kind_label": str(ItemKind(item.kind).label), "title": item.title, "description": item.description,
        "status": item.status, "origin": item.origin, "position": item.position,
        "minutes_planned": item.minutes_planned, "planned_start": getattr(item, "planned_start", None),
        "proposer": proposer(item, scope, staff=staff),
        "decline_reason": item.decline_reason if staff or item.proposed_by_id == scope.user_id else "",
        "deferred_from_id": item.deferred_from_id,
        "matters": [matter_ref(m, staff=staff) for m in item.matters.all()],
        "created_at": item.created_at,
    }


def session_out(session: Session) -> dict:
    return {
        "id": session.pk, "hall_id": session.hall_id, "hall_name": session.hall.name, "title": session.title,
        "starts_at": session.starts_at, "ends_at": session.ends_at, "place": session.place or session.hall.place,
        "status": session.status, "moved_from": session.moved_from, "cancel_reason": session.cancel_reason,
        "scheduled_for": session.scheduled_for,
    }


def session_detail_out(session: Session, scope: Scope) -> dict:
    items = selectors.agenda(session, actor=scope)
    staff = selectors.is_staff(scope, session.hall)
    return {
        **session_out(session), "items": [item_out(i, scope, staff=staff) for i in items],
        "agenda_end": session.agenda_end, "overrun_minutes": session.overrun_minutes,
        "can_run": selectors.can_run(scope, session.hall),
    }


def suggestion_out(s: selectors.Suggestion) -> dict:
    return {
        "key": s.key, "kind": s.kind, "kind_label": str(ItemKind(s.kind).label), "title": s.title,
        "description": s.description, "households": s.households, "first_at": s.first_at, "last_at": s.last_at,
        "grid": s.grid.name if s.grid else None, "matters": [matter_ref(m, staff=True) for m in s.matters],
    }
