"""Extra people and places for the camera and incident tests, added to the standard test world through
the services (world.py itself stays as it is)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from wangge.fieldwork.cameras import services as cameras
from wangge.people import services as people
from wangge.people.models import Role
from wangge.registry import services as registry
from wangge.testing.world import fake_phone

# 1 m in degrees near lat 37.
LAT_M = 1 / 111_000


def add_property_staff(w, key: str = "staff_A1e", grid: str = "A1e", role: str = Role.PROPERTY_STAFF):
    """A property-company worker on duty at an estate (holds cameras.manage and incidents.handle there)."""
    person = people.person_create(name=f"{key}物业", phone=fake_phone(700 + len(w.persons)), grid=w.grid(grid))
    w.users[key] = people.person_grant_login(person=person, username=key.lower(), password="pw")
    w.persons[key] = person
    w.duties[key] = people.duty_assign(person=person, role=role, grid=w.grid(grid))
    return person


def add_cameras_scene(w) -> dict:
    """Estate A1e with three buildings and a gate, and cameras that cover exactly 1号楼 (linked) and
    2号楼 (within radius); 3号楼 has only a camera 50 m away and a faulty linked one; the east gate has
    none. Also one camera in estate B1e."""
    from wangge.fieldwork.gates.models import Post

    estate = w.grid("A1e")
    b1 = estate.buildings.get(name="1号楼")   # (112.125, 37.2)
    b2 = registry.building_create(estate_grid=estate, name="2号楼", lon=112.13, lat=37.15)
    b3 = registry.building_create(estate_grid=estate, name="3号楼", lon=112.14, lat=37.15)
    gate = Post.objects.create(estate=estate, name="东门", lon=112.11, lat=37.12, subdistrict=w.grid("sub"))
    old = timezone.localdate() - dt.timedelta(days=400)
    made = {
        "linked": cameras.camera_create(actor=None, code="A-001", name="1号楼单元门", lon=112.1252, lat=37.2001,
                                        building=b1.pk, installed_on=old),
        "near": cameras.camera_create(actor=None, code="A-002", name="2号楼旁", lon=112.13, lat=37.15 + 20 * LAT_M,
                                      installed_on=old, kind="dome"),
        "far": cameras.camera_create(actor=None, code="A-003", name="3号楼远处", lon=112.14, lat=37.15 + 50 * LAT_M,
                                     installed_on=old),
        "faulty": cameras.camera_create(actor=None, code="A-004", name="3号楼单元门", lon=112.14, lat=37.15,
                                        building=b3.pk, installed_on=old, status="faulty"),
        "other_estate": cameras.camera_create(actor=None, code="B-001", name="B小区大门", lon=112.25, lat=37.2,
                                              installed_on=old),
    }
    return {"estate": estate, "b1": b1, "b2": b2, "b3": b3, "gate": gate, **made}
