import pytest

from wangge.notify import services as notify
from wangge.notify import sms
from wangge.notify.models import Webhook
from wangge.people import services as people
from wangge.people.models import OrganisationKind
from wangge.registry import services as registry
from wangge.testing.world import fake_id, fake_phone


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.SMS_BACKEND = "wangge.notify.sms.LocmemBackend"
    settings.NOTIFY_BASE_URL = "https://wangge.example"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def add_fire_brigade(world):
    """The fire brigade of the subdistrict with a liaison officer (a member), and a webhook for emergencies."""
    org = people.organisation_create(name="城西消防救援站", kind=OrganisationKind.FIRE_BRIGADE, grid=world.grid("sub"))
    officer = people.person_create(name="消防联络员", phone=fake_phone(700), grid=world.grid("sub"))
    people.membership_add(person=officer, organisation=org, post="联络员")
    world.organisations["fire"] = org
    world.persons["fire_liaison"] = officer
    Webhook.objects.create(subdistrict=world.grid("sub"), name="应急平台", url="https://hooks.example.invalid/e",
                           events=["emergency."], secret="s" * 64)
    return org


def add_crowd(world):
    """Residents of building 1号楼 of estate A1e in every situation the emergency must reach. Returns a dict
    of them by situation."""
    h = world.households
    crowd = {}
    # A resident with a person but no phone: the inbox only.
    r = registry.resident_create(household=h["A1em1"][1], name="无电话人员居民", id_number=fake_id(801), relation="child")
    crowd["person_no_phone"] = people.person_create(name=r.name, resident=r)
    # A resident with a person, a login with an email, who takes the daily digest: email and text anyway.
    r = registry.resident_create(household=h["A1em2"][0], name="汇总居民", id_number=fake_id(802),
                                 phone=fake_phone(802), relation="child")
    person = people.person_create(name=r.name, resident=r)
    user = people.person_grant_login(person=person, username="digest_resident", password="pw")
    user.email = "digest@example.invalid"
    user.save(update_fields=["email"])
    notify.preference_update(actor=user, digest=True)
    crowd["digest_person"] = person
    # A resident with no person and no phone: nobody can be texted.
    crowd["no_phone"] = registry.resident_create(household=h["A1em2"][1], name="无电话居民", id_number=fake_id(803),
                                                 relation="child")
    # A resident sharing the phone of 居民3 (no person): the number gets one text.
    crowd["shared_phone"] = registry.resident_create(household=h["A1em1"][1], name="共用电话居民", id_number=fake_id(804),
                                                     phone=world.residents["A1em1"][2].phone, relation="child")
    # A resident who has moved away: not told.
    left = registry.resident_create(household=h["A1em1"][0], name="已迁出居民", id_number=fake_id(805),
                                    phone=fake_phone(805), relation="child")
    crowd["left"] = registry.resident_leave(resident=left, reason="moved_away")
    # A vacant flat: still checked door to door.
    crowd["vacant"] = registry.household_create(unit=h["A1em1"][0].unit, floor=3, room="301", occupancy="vacant")
    return crowd
