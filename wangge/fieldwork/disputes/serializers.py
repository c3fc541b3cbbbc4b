from __future__ import annotations

from django.urls import reverse

from .models import Dispute, Party, Session, Status


def grid_ref(node) -> dict:
    return {"id": node.pk, "code": node.code, "name": node.name, "level": node.level}


def party_out(party: Party) -> dict:
    return {
        "id": party.pk, "side": party.side, "side_label": party.get_side_display(), "name": party.name,
        "resident": party.resident_id, "phone": party.masked_phone, "id_number": party.masked_id_number,
    }


def session_out(session: Session) -> dict:
    return {
        "id": session.pk, "held_at": session.held_at, "place": session.place, "notes": session.notes,
        "parties_present": [p.pk for p in session.parties_present.all()],
        "mediators_present": [p.pk for p in session.mediators_present.all()],
        "recorded_by": session.recorded_by_label,
    }


def dispute_out(dispute: Dispute) -> dict:
    return {
        "id": dispute.pk, "kind": dispute.kind, "kind_label": dispute.get_kind_display(), "title": dispute.title,
        "status": dispute.status, "status_label": dispute.get_status_display(), "grid": grid_ref(dispute.grid),
        "matter": dispute.matter_id, "mediators": [{"id": p.pk, "name": p.name} for p in dispute.mediators.all()],
        "opened_at": dispute.opened_at, "concluded_at": dispute.concluded_at,
        "follow_up_on": dispute.follow_up_on, "follow_up_done_on": dispute.follow_up_done_on,
    }


def dispute_detail_out(dispute: Dispute) -> dict:
    return {
        **dispute_out(dispute),
        "number": dispute.number,
        "summary": dispute.summary,
        "household": dispute.household.masked_address if dispute.household_id else "",
        "opened_by": dispute.opened_by_label,
        "parties": [party_out(p) for p in dispute.parties.all()],
        "sessions": [session_out(s) for s in dispute.sessions.all()],
        "agreement_terms": dispute.agreement_terms,
        "referred_to": dispute.referred_to,
        "referred_body": dispute.referred_body,
        "failure_reason": dispute.failure_reason,
        "withdrawal_reason": dispute.withdrawal_reason,
        "follow_up_note": dispute.follow_up_note,
        "agreement_pdf": reverse("dispute-agreement", args=[dispute.pk]) if dispute.status == Status.AGREEMENT else None,
        "signed_copy": reverse("dispute-signed-copy", args=[dispute.pk]) if dispute.signed_copy else None,
        "signed_copy_type": dispute.signed_copy_type,
    }
