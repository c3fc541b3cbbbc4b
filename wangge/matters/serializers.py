"""Matters as dicts for the API and pages. Personal data is masked for staff and absent for the public."""

from __future__ import annotations

from django.utils import timezone

from wangge.core import pii

from . import lifecycle, selectors
from .lifecycle import STAGE_OF
from .models import Category, Matter


def category_out(category: Category) -> dict:
    return {
        "code": category.code,
        "name": category.name,
        "group": category.parent.name if category.parent else None,
        "group_code": category.parent.code if category.parent else None,
        "description": category.description,
        "is_public": category.is_public,
        "photos_required": category.photos_required,
        "handler_role": category.handler_role,
        "handler_org_kind": category.handler_org_kind,
        "handler_level": category.handler_level,
        "sla": {s: {"amount": category.sla(s)[0], "unit": category.sla(s)[1]} for s in STAGES},
        "attributes": [
            {"code": a.code, "description": a.description, "datatype": a.datatype, "required": a.required,
             "values": a.values}
            for a in category.attributes.all()
            if a.variable
        ],
    }


STAGES = ("accept", "dispatch", "resolve", "verify")


def matter_out(matter: Matter, *, now=None) -> dict:
    now = now or timezone.now()
    grid = matter.grid
    return {
        "id": matter.pk,
        "category": matter.category.code,
        "category_name": matter.category.name,
        "source": matter.source,
        "state": matter.state,
        "state_label": str(matter.get_state_display()),
        "description": matter.description,
        "grid": {"id": grid.pk, "code": grid.code, "name": grid.name, "level": grid.level},
        "address": matter.address,
        "lon": matter.lon,
        "lat": matter.lat,
        "assignee": {"id": matter.assignee.pk, "name": matter.assignee.name} if matter.assignee else None,
        "assignee_role": matter.assignee_role,
        "deadline": matter.deadline,
        "stage": matter.stage,
        "light": selectors.light(matter, now),
        "overdue": bool(matter.deadline and matter.deadline < now and matter.state in STAGE_OF),
        "breached": matter.breached,
        "escalation_level": matter.escalation_level,
        "supervised": matter.supervised_at is not None,
        "rating": matter.rating,
        "created_at": matter.created_at,
        "updated_at": matter.updated_at,
        "reporter_name": matter.reporter_name,
        "reporter_phone": pii.mask_phone(matter.reporter_phone) if matter.reporter_phone else "",
    }


def photo_url(photo) -> str:
    return photo.file.url if photo.file else photo.url


def matter_detail_out(matter: Matter, *, actor, staff: bool, actions: list[str]) -> dict:
    events = selectors.timeline(matter, staff=staff)
    comments = matter.comments.all() if staff else matter.comments.filter(internal=False)
    return {
        **matter_out(matter),
        "attributes": matter.attributes,
        "actions": actions,
        "events": [
            {"seq": e.seq, "at": e.at, "action": e.action, "from_state": e.from_state, "to_state": e.to_state,
             "actor": e.actor_label if staff else "", "note": e.note, "photos": [photo_url(p) for p in e.photos.all()]}
            for e in events
        ],
        "photos": [
            {"id": p.pk, "kind": p.kind, "url": photo_url(p), "width": p.width, "height": p.height, "at": p.at}
            for p in matter.photos.all()
        ],
        "comments": [
            {"id": c.pk, "author": c.author_label, "body": c.body, "internal": c.internal, "at": c.at}
            for c in comments
        ],
        "duplicates": [
            {"id": m.pk, "state": m.state, "description": m.description[:200], "distance_m": d,
             "created_at": m.created_at}
            for m, d in (selectors.duplicates_for(matter, actor=actor.scope) if staff and matter.is_open else [])
        ],
        "merged_into": matter.merged_into_id,
    }


def actions_for(matter: Matter, roles: set[str], *, is_admin: bool) -> list[str]:
    """The actions this actor can take now: what the state allows and their role permits."""
    return [
        a.code
        for a in lifecycle.available(matter.state)
        if is_admin or a.by & roles
    ]
