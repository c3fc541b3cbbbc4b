"""Consultations as the API and the pages show them."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from .models import Consultation


def consultation_out(c: Consultation, at=None) -> dict:
    now = at or timezone.now()
    return {
        "id": c.pk,
        "title": c.title,
        "community": {"id": c.community_id, "name": c.community.name},
        "item": {"id": c.item_id, "name": c.item.title} if c.item_id else None,
        "basis": c.basis,
        "status": c.effective_status(now),
        "status_label": c.status_label(now),
        "opens_at": c.opens_at,
        "closes_at": c.closes_at,
        "accepting": c.is_accepting(now),
        "publish_results": c.publish_results,
    }


def consultation_detail_out(c: Consultation, *, audience: str, my_response, results_available: bool) -> dict:
    data = consultation_out(c)
    my_answers = None
    if my_response is not None:
        by_question: dict[int, dict] = {}
        for a in my_response.answers.all():
            row = by_question.setdefault(a.question_id, {"question": a.question_id, "options": [], "value": None,
                                                         "text": ""})
            if a.option_id:
                row["options"].append(a.option_id)
            if a.value is not None:
                row["value"] = a.value
            if a.text:
                row["text"] = a.text
        my_answers = list(by_question.values())
    data.update({
        "proposal": c.proposal,
        "audience": audience,
        "grids": [{"id": g.pk, "name": g.name} for g in c.grids.all()],
        "buildings": [{"id": b.pk, "name": f"{b.estate_grid.name}{b.name}"} for b in c.buildings.all()],
        "questions": [
            {"id": q.pk, "position": q.position, "kind": q.kind, "text": q.text, "required": q.required,
             "options": [{"id": o.pk, "text": o.text} for o in q.options.all()], "scale_min": q.scale_min,
             "scale_max": q.scale_max, "min_label": q.min_label, "max_label": q.max_label}
            for q in c.questions.all()
        ],
        "documents": [
            {"id": d.pk, "name": d.name, "content_type": d.content_type, "size": d.size,
             "url": reverse("consultation-document", args=[c.pk, d.pk])}
            for d in c.documents.all()
        ],
        "my_answers": my_answers,
        "results_available": results_available,
    })
    return data
