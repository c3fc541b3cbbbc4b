from __future__ import annotations

from wangge.people.access import Scope

from . import selectors
from .models import AuditEntry, Election, Nomination, NominationStatus


def election_out(e: Election, *, scope: Scope, resident=None) -> dict:
    n = getattr(e, "n_candidates", None)
    if n is None:
        n = e.nominations.filter(status=NominationStatus.APPROVED).count()
    return {
        "id": e.pk, "community": {"id": e.community_id, "name": e.community.name}, "title": e.title,
        "description": e.description, "eligibility": e.eligibility, "eligibility_label": str(e.get_eligibility_display()),
        "basis": e.basis, "basis_label": str(e.get_basis_display()), "votes_per_voter": e.votes_per_voter,
        "nomination_opens": e.nomination_opens, "nomination_closes": e.nomination_closes,
        "voting_opens": e.voting_opens, "voting_closes": e.voting_closes, "phase": e.phase(),
        "phase_label": e.phase_label, "announced_at": e.announced_at, "results_published_at": e.results_published_at,
        "candidates": n, "can_run": selectors.can_run(scope, e),
        "voted": (e.has_voted_annotated if hasattr(e, "has_voted_annotated")
                  else selectors.has_voted(resident=resident, election=e)),
    }


def nomination_out(n: Nomination) -> dict:
    return {"id": n.pk, "nominee": n.nominee_id, "nominee_name": n.nominee.name, "reason": n.reason,
            "status": n.status, "status_label": str(n.get_status_display()), "citation": n.citation,
            "nominated_by": n.nominated_by_label, "created_at": n.created_at}


def audit_out(a: AuditEntry) -> dict:
    return {"id": a.pk, "at": a.at, "action": a.action, "action_label": str(a.get_action_display()),
            "actor": a.actor_label, "detail": a.detail}
