"""What the visitors tests add to the test world (also used by the browser journey): a gate post in each
estate, a guard (property staff) of estate A1e, one of B1e, one keeping both gates of community A, a
property supervisor of A1e, and check rules set for the subdistrict (the tests do not lean on the seeded
defaults)."""

from __future__ import annotations

from wangge.fieldwork.gates.models import Post
from wangge.fieldwork.visitors import services
from wangge.people import services as people
from wangge.people.models import Role
from wangge.testing.world import fake_phone

RULES = [
    {"code": "temp", "label": "体温", "kind": "measure", "unit": "°C", "min": 35.0, "max": 37.2},
    {"code": "health_code", "label": "健康码", "kind": "check", "pass_label": "绿码"},
    {"code": "id_card", "label": "身份证", "kind": "check", "pass_label": "人证一致", "required": False},
]


def add_gates(w) -> None:
    for key in ("A1e", "A2e", "B1e"):
        estate = w.grid(key)
        w.posts = getattr(w, "posts", {})
        w.posts[key] = Post.objects.create(estate=estate, name="东门", subdistrict=estate.tenant, lon=112.1, lat=37.1)

    def staff(key, username, role, grid_keys):
        person = people.person_create(name=f"{username}人员", phone=fake_phone(700 + len(w.persons)),
                                      grid=w.grid(grid_keys[0]))
        w.users[key] = people.person_grant_login(person=person, username=username, password="pw")
        w.persons[key] = person
        for grid_key in grid_keys:
            people.duty_assign(person=person, role=role, grid=w.grid(grid_key))

    staff("guard_A1e", "guard_a1e", Role.PROPERTY_STAFF, ["A1e"])
    staff("guard_B1e", "guard_b1e", Role.PROPERTY_STAFF, ["B1e"])
    staff("guard_A", "guard_a", Role.PROPERTY_STAFF, ["A1e", "A2e"])
    staff("super_A1e", "super_a1e", Role.PROPERTY_SUPERVISOR, ["A1e"])
    services.visitor_rules_set(actor=None, grid_id=w.grid("sub").pk, items=RULES)
