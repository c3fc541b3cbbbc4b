"""A hall for community A with a session on now (check-in open), two items (one carrying a matter), a
property company with a liaison, a resident representative, building steward, and residents with
logins (two of them in the same household, for per-household votes)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wangge.hall.agenda.models import Hall, Item, Session
from wangge.matters.services import Report, matter_report
from wangge.people import services as people
from wangge.people.models import OrganisationKind, Role


def add_meeting(w, *, starts_at=None):
    now = timezone.now()
    starts_at = starts_at or now - dt.timedelta(minutes=30)
    community = w.grid("A")
    hall = Hall.objects.create(community=community, name="红旗社区红色物业议事厅", place="社区党群服务中心",
                               subdistrict_id=community.subdistrict_id)
    session = Session.objects.create(hall=hall, title="10日议事会", starts_at=starts_at,
                                     ends_at=starts_at + dt.timedelta(hours=2), subdistrict_id=community.subdistrict_id)
    matter, _ = matter_report(actor=w.users["committee_A"], report=Report(
        category="property-lift", description="1号楼电梯经常停运", source="visit", lon=112.125, lat=37.15,
        attributes={"trapped": "no"}))
    lift = Item.objects.create(hall=hall, session=session, kind="urgent", title="1号楼电梯维修", position=1,
                               subdistrict_id=community.subdistrict_id)
    lift.matters.add(matter)
    parking = Item.objects.create(hall=hall, session=session, kind="major", title="小区停车收费方案", position=2,
                                  subdistrict_id=community.subdistrict_id)
    w.hall, w.session, w.items, w.matter = hall, session, [lift, parking], matter

    w.organisations["property"] = people.organisation_create(
        name="红旗物业公司", kind=OrganisationKind.PROPERTY_COMPANY, grid=w.grid("A1e"))
    w.organisations["fire"] = people.organisation_create(
        name="城西消防救援站", kind=OrganisationKind.FIRE_BRIGADE, grid=w.grid("sub"))
    manager = people.person_create(name="物业经理", phone="13800000001", grid=w.grid("A1e"))
    w.users["property_liaison"] = people.person_grant_login(person=manager, username="prop_liaison", password="pw")
    w.users["property_liaison"].email = "prop@example.invalid"
    w.users["property_liaison"].save()
    w.persons["property_liaison"] = manager
    people.duty_assign(person=manager, role=Role.JOINT_UNIT_LIAISON, grid=w.grid("A"),
                       organisation=w.organisations["property"])
    rep = people.person_create(name="居民代表甲", phone="13800000002", grid=w.grid("A1e"))
    people.duty_assign(person=rep, role=Role.RESIDENT_REPRESENTATIVE, grid=w.grid("A1e"))
    w.persons["rep"] = rep
    steward = people.person_create(name="楼栋管家乙", phone="13800000003", grid=w.grid("A2e"))
    people.duty_assign(person=steward, role=Role.BUILDING_STEWARD, grid=w.grid("A2e"))
    w.persons["steward"] = steward
    people.membership_add(person=w.persons["committee_A"], organisation=w.organisations["A_party"])
    # residents with logins: r1 and r2 share a household, r3 lives elsewhere
    hh = w.households["A1em1"]
    same = [r for r in w.residents["A1em1"] if r.household_id == hh[1].pk][:2]
    other = [r for r in w.residents["A1em2"]][:1]
    for key, resident in zip(["r1", "r2", "r3"], same + other, strict=True):
        person = people.person_create(name=resident.name, resident=resident)
        w.users[key] = people.person_grant_login(person=person, username=key, password="pw")
        w.persons[key] = person
    return w


@pytest.fixture
def mw(world):
    return add_meeting(world)
