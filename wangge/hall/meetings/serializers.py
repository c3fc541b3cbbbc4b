from __future__ import annotations

from .models import Attendance, Invitation, MeetingRecord, Minutes, Motion, Resolution
from .selectors import FINISHED


def invitation_out(inv: Invitation, present: set[int] | None = None) -> dict:
    return {
        "id": inv.pk, "session_id": inv.session_id, "person_id": inv.person_id,
        "organisation_id": inv.organisation_id, "name": inv.invitee_name,
        "organisation_kind": inv.organisation.kind if inv.organisation_id else None, "capacity": inv.capacity,
        "response": inv.response, "response_label": inv.get_response_display(), "note": inv.note,
        "delegates": inv.delegates, "responded_at": inv.responded_at, "invited_at": inv.invited_at,
        "checked_in": inv.pk in (present or set()),
    }


def rsvp_out(inv: Invitation) -> dict:
    s = inv.session
    return {
        "session_id": s.pk, "session_title": s.title, "starts_at": s.starts_at, "ends_at": s.ends_at,
        "place": s.place or s.hall.place, "invitee": inv.invitee_name, "response": inv.response,
        "response_label": inv.get_response_display(), "note": inv.note, "delegates": inv.delegates,
    }


def attendance_out(a: Attendance, created: bool = False) -> dict:
    return {
        "id": a.pk, "session_id": a.session_id, "person_id": a.person_id, "name": a.name,
        "organisation_id": a.organisation_id, "organisation_name": a.organisation_name,
        "household_id": a.household_id, "method": a.method, "checked_in_at": a.checked_in_at, "created": created,
    }


def minutes_out(item, minutes: Minutes | None) -> dict:
    return {"item_id": item.pk, "item_title": item.title, "text": minutes.text if minutes else "",
            "edited_by": minutes.edited_by_label if minutes else "", "edited_at": minutes.edited_at if minutes else None}


def motion_out(m: Motion) -> dict:
    voters = []
    if not m.secret and m.method == "electronic":
        voters = [f"{b.voter_name}：{b.get_choice_display()}" for b in m.ballots.order_by("id")]
    return {
        "id": m.pk, "session_id": m.session_id, "item_id": m.item_id, "text": m.text, "method": m.method,
        "basis": m.basis, "secret": m.secret, "threshold": m.threshold, "status": m.status,
        "status_label": m.get_status_display(), "result": m.result, "votes_for": m.votes_for,
        "votes_against": m.votes_against, "votes_abstain": m.votes_abstain, "votes_cast": m.votes_cast,
        "eligible": m.eligible, "opened_at": m.opened_at, "closed_at": m.closed_at, "voters": voters,
    }


def resolution_out(r: Resolution) -> dict:
    matters = list(r.matters.all())
    return {
        "id": r.pk, "session_id": r.session_id, "session_title": r.session.title, "starts_at": r.session.starts_at,
        "item_id": r.item_id, "item_title": r.item.title, "text": r.text,
        "responsible_person_id": r.responsible_person_id, "responsible_organisation_id": r.responsible_organisation_id,
        "responsible": r.responsible_label, "due_on": r.due_on, "published": r.session.status == "published",
        "matters": [{"id": m.pk, "state": m.state, "state_label": m.get_state_display(), "category": m.category.code,
                     "source": m.source} for m in matters],
        "follow_ups_done": sum(m.state in FINISHED for m in matters), "follow_ups_total": len(matters),
    }


def state_out(session, record: MeetingRecord | None) -> dict:
    return {"id": session.pk, "status": session.status, "status_label": session.get_status_display(),
            "held_at": record.held_at if record else None, "published_at": record.published_at if record else None}
