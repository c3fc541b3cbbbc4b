"""Visitor records as the API and the pages show them: the phone always masked, the host's room masked;
the health values only for gate staff."""

from __future__ import annotations

from .models import CheckItem, Visitor


def visitor_out(v: Visitor, *, staff: bool = True) -> dict:
    return {
        "id": v.pk, "ticket": v.ticket, "name": v.name, "phone": v.masked_phone, "purpose": v.purpose,
        "host": v.masked_host, "host_matched": v.host_household_id is not None, "estate": v.estate_id,
        "estate_name": v.estate.name, "post": v.post_id, "post_name": v.post.name, "status": v.status,
        "flagged": v.flagged if staff else False, "registered_at": v.registered_at, "checked_at": v.checked_at,
        "checked_by": v.checked_by_label if staff else "", "note": v.note if staff else "",
        "host_confirmed": v.host_confirmed, "host_answered_at": v.host_answered_at,
    }


def visitor_detail_out(v: Visitor, *, staff: bool = True) -> dict:
    return {**visitor_out(v, staff=staff), "rules": v.rules if staff else [], "checks": v.checks if staff else []}


def item_out(item: CheckItem) -> dict:
    return {**item.snapshot(), "active": item.active}
