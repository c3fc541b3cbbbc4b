"""Declaring an emergency reaches every resident of the affected buildings, their workers and the joint
units; workers confirm households in their grids; the all-clear needs a report and happens once."""

from collections import Counter

import pytest
from django.core import mail

from wangge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from wangge.fieldwork.emergencies import selectors, services
from wangge.fieldwork.emergencies.models import Emergency, HouseholdStatus, StatusChange
from wangge.notify import services as notify
from wangge.notify import sms
from wangge.notify.models import Channel, Delivery, Notification, WebhookDelivery
from wangge.registry.models import Resident

from .conftest import add_crowd, add_fire_brigade

pytestmark = pytest.mark.django_db


def declare(world, who="leader_A1", **kwargs):
    kwargs.setdefault("kind", "fire")
    kwargs.setdefault("grid", world.grid("A1e").pk)
    return services.emergency_declare(actor=world.users[who], **kwargs)


def test_the_emergency_reaches_every_resident_of_the_building(world):
    crowd = add_crowd(world)
    add_fire_brigade(world)
    emergency = declare(world, title="1号楼3层起火", description="1号楼1单元3层冒烟")
    notify.deliveries_send_due()  # what the queue (or the minute sweep) sends after the commit

    building = world.households["A1em1"][0].unit.building
    residents = list(Resident.objects.filter(household__unit__building=building, left_at__isnull=True))
    texts = Counter(phone for phone, _text in sms.outbox)
    # Every current resident with a phone: exactly one text to that number (two sharing one: one text).
    for r in residents:
        if r.phone:
            assert texts[r.phone] == 1, r.name
    assert texts[crowd["left"].phone] == 0
    # Everyone with a person has the inbox entry, whatever their preferences.
    with_person = [r.person for r in residents if hasattr(r, "person")]
    assert len(with_person) == 3
    for person in with_person:
        assert Notification.objects.filter(recipient=person, event="emergency.declared").count() == 1
    # The digest taker gets the email and the text at once, not tomorrow.
    assert [m.to for m in mail.outbox] == [["digest@example.invalid"]]
    assert texts[crowd["digest_person"].phone] == 1
    # Residents of other buildings hear nothing.
    others = [r.phone for key in ("A2em1", "B1em1") for r in world.residents[key]]
    assert not any(texts[p] for p in others)
    # Every household has a status row, not reached yet — the vacant flat too.
    assert HouseholdStatus.objects.filter(emergency=emergency, status="not_reached").count() == 5
    assert emergency.notified["households"] == 5
    assert emergency.notified["unreachable_residents"] == 1  # no person, no phone
    assert all(state == "sent" for state in Delivery.objects.values_list("state", flat=True))


def test_workers_of_the_building_and_the_fire_brigade_are_told_with_the_live_page(world):
    add_fire_brigade(world)
    emergency = declare(world)
    told = set(Notification.objects.filter(event="emergency.declared").values_list("recipient_id", flat=True))
    for key in ("micro_A1em1", "micro_A1em2", "member_A1e", "leader_A1", "committee_A", "fire_liaison"):
        assert world.persons[key].pk in told, key
    for key in ("micro_A2em1", "member_A2e", "leader_A2", "leader_B1", "committee_B", "former", "liaison_A"):
        assert world.persons[key].pk not in told, key
    worker_note = Notification.objects.get(recipient=world.persons["micro_A1em1"])
    assert worker_note.link == f"/emergencies/{emergency.pk}/" and worker_note.title.startswith("【紧急】火灾")
    # Workers get a text whatever they chose (they never turned texts on).
    assert Delivery.objects.filter(person=world.persons["micro_A1em1"], channel=Channel.SMS).count() == 1
    assert sorted(emergency.notified["joint_units"]) == sorted(["城西消防救援站", "城西派出所"])
    hook = WebhookDelivery.objects.get()
    assert hook.event == "emergency.declared" and hook.payload["emergency_id"] == emergency.pk


def test_a_drill_says_so_in_every_title(world):
    add_crowd(world)
    add_fire_brigade(world)
    emergency = declare(world, drill=True, buildings=[world.households["A1em1"][0].unit.building_id], grid=None)
    notify.deliveries_send_due()
    assert emergency.grid == world.grid("A1e")
    titles = list(Notification.objects.values_list("title", flat=True))
    assert titles and all(t.startswith("【演练】") for t in titles)
    assert sms.outbox and all(text.startswith("【演练】") for _p, text in sms.outbox)
    assert all(m.subject.startswith("【演练】") for m in mail.outbox)


def test_buildings_of_two_estates_make_an_emergency_of_the_grid_above_both(world):
    one, other = (world.households[m][0].unit.building_id for m in ("A1em1", "A2em1"))
    emergency = declare(world, who="committee_A", grid=None, buildings=[one, other])
    assert emergency.grid == world.grid("A")
    assert sorted(emergency.buildings.values_list("pk", flat=True)) == sorted([one, other])


def test_a_micro_grid_member_confirms_households_of_their_grid_only(world):
    emergency = declare(world)
    mine, theirs = world.households["A1em1"][0], world.households["A1em2"][0]
    row = services.emergency_household_status(actor=world.users["micro_A1em1"], emergency_id=emergency.pk,
                                              household_id=mine.pk, status="safe", note="全家已到楼下")
    assert (row.status, row.confirmed_by, row.note) == ("safe", world.persons["micro_A1em1"], "全家已到楼下")
    with pytest.raises(NotFound):
        services.emergency_household_status(actor=world.users["micro_A1em1"], emergency_id=emergency.pk,
                                            household_id=theirs.pk, status="safe")
    with pytest.raises(NotFound):
        services.emergency_household_status(actor=world.users["micro_B1em1"], emergency_id=emergency.pk,
                                            household_id=mine.pk, status="safe")
    with pytest.raises(NotFound):
        services.emergency_household_status(actor=world.users["resident"], emergency_id=emergency.pk,
                                            household_id=mine.pk, status="safe")
    with pytest.raises(InvalidInput) as info:
        services.emergency_household_status(actor=world.users["micro_A1em1"], emergency_id=emergency.pk,
                                            household_id=mine.pk, status="fine")
    assert info.value.errors[0].field == "status"
    services.emergency_household_status(actor=world.users["leader_A1"], emergency_id=emergency.pk,
                                        household_id=mine.pk, status="needs_help", note="老人行动不便")
    # The history keeps both steps.
    assert list(StatusChange.objects.values_list("status", "by_label")) == [
        ("safe", "micro_a1em1人员"), ("needs_help", "leader_a1人员")]
    seen = selectors.household_list(actor=world.users["micro_A1em1"], emergency=emergency)
    assert {r.household_id for r in seen} == {h.pk for h in world.households["A1em1"]}


def test_the_all_clear_needs_a_report_and_happens_once(world):
    emergency = declare(world)
    h = world.households["A1em1"][0]
    services.emergency_household_status(actor=world.users["micro_A1em1"], emergency_id=emergency.pk,
                                        household_id=h.pk, status="safe")
    with pytest.raises(PermissionDenied):
        services.emergency_clear(actor=world.users["micro_A1em1"], emergency_id=emergency.pk, report="火已扑灭，无人员伤亡。")
    with pytest.raises(InvalidInput) as info:
        services.emergency_clear(actor=world.users["leader_A1"], emergency_id=emergency.pk, report="  ")
    assert info.value.errors[0].field == "report"
    assert Emergency.objects.get(pk=emergency.pk).status == "active"
    cleared = services.emergency_clear(actor=world.users["leader_A1"], emergency_id=emergency.pk,
                                       report="火已扑灭，无人员伤亡，3户由物业协助清理。")
    assert cleared.status == "cleared" and cleared.cleared_by == world.persons["leader_A1"]
    assert cleared.summary["counts"]["safe"] == 1 and cleared.summary["counts"]["not_reached"] == 3
    assert len(cleared.summary["not_reached"]) == 3
    assert Notification.objects.filter(event="emergency.cleared", title__endswith="已解除").exists()
    with pytest.raises(Conflict):
        services.emergency_clear(actor=world.users["leader_A1"], emergency_id=emergency.pk, report="再解除一次试试看看")
    with pytest.raises(Conflict):
        services.emergency_household_status(actor=world.users["micro_A1em1"], emergency_id=emergency.pk,
                                            household_id=h.pk, status="needs_help")


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"kind": "meteor"}, "kind"),
    ({"grid": None}, "grid"),
    ({"title": "长" * 101}, "title"),
])
def test_bad_declarations_name_the_field_and_write_nothing(world, kwargs, field):
    with pytest.raises(InvalidInput) as info:
        declare(world, **kwargs)
    assert info.value.errors[0].field == field
    assert not Emergency.objects.exists() and not Notification.objects.exists() and not Delivery.objects.exists()


def test_declaration_scope(world):
    with pytest.raises(PermissionDenied):
        declare(world, who="micro_A1em1", grid=world.grid("A1em1").pk)
    with pytest.raises(PermissionDenied):
        declare(world, who="member_A1e")
    with pytest.raises(NotFound):
        declare(world, who="leader_B1")
    with pytest.raises(InvalidInput) as info:
        declare(world, who="admin", grid=world.grid("sub").pk)
    assert info.value.errors[0].field == "grid"
    b_building = world.households["B1em1"][0].unit.building_id
    with pytest.raises(InvalidInput) as info:
        declare(world, buildings=[b_building], who="admin")
    assert info.value.errors[0].field == "buildings"
    with pytest.raises(NotFound):
        declare(world, grid=None, buildings=[b_building])
    assert not Emergency.objects.exists()
