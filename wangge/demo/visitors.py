"""Visitor checks (一测三查一登记) in the demo's featured community.

The subdistrict's check rules changed ten days before the load: until then the article's "one measurement,
three checks" (体温, 健康码, 行程卡, 身份证); since then the itinerary card (行程卡) is no longer checked —
it stays in the rules, inactive, and the records from before still show it (each record keeps the rules it
was registered under). Two weeks of visitors at every gate post of the community (a few a day per post,
most admitted, a few refused or admitted with a note after a high temperature), visits to the `resident`
login's household (one waiting for their confirmation), and a few visitors waiting at the desk right now.

Posts come from the gates demo (`load_gates`, run before); if there are none, each estate gets a "东门".
Rows are bulk-written; names and phones are fake (demo/names.py).
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from wangge.fieldwork.gates.models import Post
from wangge.fieldwork.visitors import services
from wangge.fieldwork.visitors.models import Status, Visitor
from wangge.people.models import Duty, Role
from wangge.registry.models import GridNode, Household, Level

from .generator import FEATURED_CODE, SUBDISTRICT_CODE
from .names import Identities

SEED = 4_2025
DAYS = 14
RULES_CHANGED_DAYS_AGO = 10
PENDING = 4
PURPOSES = ["探亲", "探亲", "访友", "送货", "快递", "外卖", "维修", "家政", "看房", "装修", "送餐", "保洁"]

OLD_RULES = [
    {"code": "temp", "label": "体温", "kind": "measure", "unit": "°C", "min": 35.0, "max": 37.2},
    {"code": "health_code", "label": "健康码", "kind": "check", "pass_label": "绿码"},
    {"code": "itinerary", "label": "行程卡", "kind": "check", "pass_label": "近14天无中高风险地区"},
    {"code": "id_card", "label": "身份证", "kind": "check", "pass_label": "人证一致"},
]
NEW_RULES = [
    {"code": "temp", "label": "体温", "kind": "measure", "unit": "°C", "min": 35.0, "max": 37.2},
    {"code": "health_code", "label": "健康码", "kind": "check", "pass_label": "绿码"},
    {"code": "id_card", "label": "身份证", "kind": "check", "pass_label": "人证一致", "required": False},
]


def _snapshot(rules: list[dict]) -> list[dict]:
    return [{"code": r["code"], "label": r["label"], "kind": r["kind"], "unit": r.get("unit", ""),
             "min": r.get("min"), "max": r.get("max"), "pass_label": r.get("pass_label", ""),
             "required": r.get("required", True)} for r in rules]


def _checks(rng: random.Random, rules: list[dict], *, fever: bool) -> list[dict]:
    out = []
    for item in rules:
        if item["kind"] == "measure":
            value = round(rng.uniform(37.4, 38.6), 1) if fever else round(rng.uniform(36.0, 37.0), 1)
        else:
            value = True
        out.append({**item, "value": value, "ok": services.item_ok(item, value)})
    return out


def load_visitors(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    rng = random.Random(SEED)
    ids = Identities(rng)
    featured = GridNode.objects.get(code=FEATURED_CODE)
    subdistrict = GridNode.objects.get(code=SUBDISTRICT_CODE)
    estates = list(GridNode.objects.filter(level=Level.ESTATE_GRID, path__startswith=featured.path).order_by("code"))

    # The rules as they were, then as they are: 行程卡 stays, inactive.
    services.visitor_rules_set(actor=None, grid_id=subdistrict.pk, items=OLD_RULES)
    services.visitor_rules_set(actor=None, grid_id=subdistrict.pk, items=NEW_RULES)
    old_rules, new_rules = _snapshot(OLD_RULES), _snapshot(NEW_RULES)
    changed_at = now - dt.timedelta(days=RULES_CHANGED_DAYS_AGO)

    posts = list(Post.objects.filter(estate__in=estates, active=True).select_related("estate").order_by("estate__code", "name"))
    created_posts = 0
    if not posts:
        for estate in estates:
            post, made = Post.objects.get_or_create(estate=estate, name="东门", defaults={"subdistrict": estate.tenant})
            posts.append(post)
            created_posts += made
    households = {e.pk: list(Household.objects.filter(unit__building__estate_grid=e)
                             .select_related("unit__building").order_by("pk")) for e in estates}
    guard_ids = {}
    for duty in Duty.objects.current(now).filter(role=Role.PROPERTY_STAFF, grid__in=estates).select_related("person"):
        guard_ids.setdefault(duty.grid_id, []).append(duty.person)
    users = {p.pk: p.user_id for persons in guard_ids.values() for p in persons}

    resident_user = get_user_model().objects.filter(username="resident").select_related("person__resident").first()
    resident_household = None
    if resident_user is not None and getattr(resident_user, "person", None) and resident_user.person.resident_id:
        resident_household = Household.objects.select_related("unit__building").get(
            pk=resident_user.person.resident.household_id)

    rows: list[Visitor] = []

    def add(post: Post, at: dt.datetime, *, household=None, status=Status.ADMITTED, fever=False, confirmed=None):
        estate = post.estate
        homes = households.get(estate.pk) or []
        if household is None and homes and rng.random() < 0.9:
            household = rng.choice(homes)
        if household is not None:
            host_text = f"{household.unit.building.name}{household.unit.name}{household.room}"
        else:
            host_text = f"{rng.randint(1, 12)}号楼{rng.randint(1, 3)}单元{rng.randint(1, 6)}0{rng.randint(1, 2)}"
        rules = old_rules if at < changed_at else new_rules
        gender = rng.choice("MF")
        v = Visitor(subdistrict_id=estate.subdistrict_id, post=post, estate=estate, ticket=services._ticket(),
                    name=ids.name(gender, rng.randint(1955, 2003)), phone=ids.phone(), purpose=rng.choice(PURPOSES),
                    host_household=household, host_text=host_text[:60], rules=rules, registered_at=at,
                    host_confirmed=confirmed, host_answered_at=at + dt.timedelta(minutes=5) if confirmed is not None else None)
        if status != Status.REGISTERED:
            guards = guard_ids.get(estate.pk) or []
            guard = rng.choice(guards) if guards else None
            v.status = status
            v.checks = _checks(rng, rules, fever=fever)
            v.flagged = fever
            v.checked_at = at + dt.timedelta(minutes=rng.randint(1, 4))
            v.checked_by_id = users.get(guard.pk) if guard else None
            v.checked_by_label = guard.name if guard else "门岗值班员"
            v.checked_post = post
            if fever and status == Status.ADMITTED:
                v.note = "休息后复测体温正常"
            elif fever:
                v.note = "体温偏高，已劝返并建议就医"
        v.refresh_search_text()
        rows.append(v)

    for post in posts:
        for day in range(DAYS, 0, -1):
            for _ in range(rng.randint(2, 6)):
                at = now - dt.timedelta(days=day) + dt.timedelta(hours=rng.uniform(-8, 8))
                roll = rng.random()
                if roll < 0.04:
                    add(post, at, status=Status.REFUSED, fever=True)
                elif roll < 0.06:
                    add(post, at, fever=True)
                else:
                    add(post, at, confirmed=True if rng.random() < 0.3 else None)
    if resident_household is not None:
        home_post = next((p for p in posts if p.estate_id == resident_household.unit.building.estate_grid_id), None)
        if home_post is not None:
            add(home_post, now - dt.timedelta(days=3, hours=2), household=resident_household, confirmed=True)
            add(home_post, now - dt.timedelta(minutes=40), household=resident_household, status=Status.REGISTERED)
    first = posts[0] if posts else None
    for k in range(PENDING if first else 0):
        add(first, now - dt.timedelta(minutes=5 + 9 * k), status=Status.REGISTERED)
    Visitor.objects.bulk_create(rows, batch_size=500)
    return {"visitor_posts_created": created_posts, "visitors": len(rows),
            "visitors_pending": sum(1 for v in rows if v.status == Status.REGISTERED),
            "visitor_check_items": 4}

