"""Helpers for the consultations tests: more residents with logins, and a consultation made through the
services as a secretary would make it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wangge.hall.consultations import services
from wangge.people import services as people

QUESTIONS = [
    {"kind": "single", "text": "您是否赞成加装电梯？", "options": ["赞成", "反对", "无所谓"]},
    {"kind": "multiple", "text": "您关心哪些方面？", "options": ["费用分摊", "施工噪音", "采光", "维护"]},
    {"kind": "scale", "text": "您对方案的满意程度", "scale_min": 1, "scale_max": 5, "min_label": "很不满意",
     "max_label": "很满意"},
    {"kind": "text", "text": "其他意见和建议", "required": False},
]


def add_login(world, key: str, resident):
    person = people.person_create(name=resident.name, resident=resident)
    world.users[key] = people.person_grant_login(person=person, username=key, password="pw")
    world.persons[key] = person
    return world.users[key]


@pytest.fixture
def logins(world):
    """`spouse`: the other member of the `resident` login's household (A1em1); `neighbour`: a resident of
    micro-grid A1em2 (same estate, same building, another unit); `upstairs`: another household of A1em1;
    `resident_a2`: a resident of A2 (same community, other area grid); `resident_b`: of community B."""
    add_login(world, "spouse", world.residents["A1em1"][1])
    add_login(world, "upstairs", world.residents["A1em1"][2])
    add_login(world, "neighbour", world.residents["A1em2"][0])
    add_login(world, "resident_a2", world.residents["A2em1"][0])
    add_login(world, "resident_b", world.residents["B1em1"][0])
    return world


def make(world, *, actor: str = "committee_A", community: str = "A", open_it: bool = False, **kwargs):
    data = {"title": "加装电梯意见征集", "proposal": "拟为1号楼加装电梯，费用按楼层分摊。",
            "closes_at": timezone.now() + dt.timedelta(days=7), "questions": QUESTIONS}
    data.update(kwargs)
    c = services.consultation_create(actor=world.users[actor], community=world.grid(community).pk, **data)
    if open_it:
        services.consultation_open(actor=world.users[actor], consultation_id=c.pk)
        c.refresh_from_db()
    return c


def answers_for(c, *, single: int = 0, multiple=(0,), value: int = 4, text: str = "希望尽快施工"):
    qs = list(c.questions.prefetch_related("options").order_by("position"))
    out = []
    for q in qs:
        options = list(q.options.all())
        if q.kind == "single":
            out.append({"question": q.pk, "options": [options[single].pk]})
        elif q.kind == "multiple":
            out.append({"question": q.pk, "options": [options[i].pk for i in multiple]})
        elif q.kind == "scale":
            out.append({"question": q.pk, "value": value})
        else:
            out.append({"question": q.pk, "text": text})
    return out
