"""Urgent notifications (emergencies): every channel a person has, whatever they chose; and text
messages to bare phone numbers of people who are no person, through the same outbox."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from wangge.core.errors import InvalidInput
from wangge.notify import services
from wangge.notify.models import Channel, Delivery, Notification, State

pytestmark = pytest.mark.django_db


def test_urgent_goes_through_every_channel_despite_the_digest_and_opt_outs(world, with_email, sms_outbox):
    member = with_email("member_A1e", "member@example.invalid")
    services.preference_update(actor=world.users["member_A1e"], digest=True)
    services.preference_update(actor=world.users["micro_A1em1"], sms=False)
    micro = world.persons["micro_A1em1"]
    services.notify(recipients=[member, micro], event="emergency.declared", title="【紧急】火灾：1号楼",
                    link="/emergencies/1/", subdistrict_id=world.grid("sub").pk, urgent=True)
    channels = sorted(Delivery.objects.values_list("person__name", "channel"))
    assert channels == sorted([(member.name, Channel.EMAIL), (member.name, Channel.SMS), (micro.name, Channel.SMS)])
    assert services.deliveries_send_due() == 3
    assert sorted(p for p, _t in sms_outbox) == sorted([member.phone, micro.phone])
    assert mail.outbox[0].to == ["member@example.invalid"]


def test_not_urgent_still_follows_the_choices(world, with_email, sms_outbox):
    member = with_email("member_A1e")
    services.preference_update(actor=world.users["member_A1e"], digest=True)
    services.notify(recipients=[member], event="matter.assigned", title="派单", subdistrict_id=world.grid("sub").pk)
    assert not Delivery.objects.exists() and Notification.objects.count() == 1


def test_bare_numbers_get_one_text_each_through_the_outbox(world, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rows = services.sms_to_numbers(phones=["139 0000 0001", "+8613900000001", "13900000002"],
                                       title="【演练】火灾：1号楼", link="/emergencies/3/",
                                       subdistrict_id=world.grid("sub").pk)
    assert len(rows) == 2 and all(r.person_id is None for r in rows)
    assert sorted(sms_outbox) == [("13900000001", "【演练】火灾：1号楼 https://wangge.example/emergencies/3/"),
                                  ("13900000002", "【演练】火灾：1号楼 https://wangge.example/emergencies/3/")]
    assert set(Delivery.objects.values_list("state", flat=True)) == {State.SENT}
    assert not Notification.objects.exists()


def test_a_bare_number_lost_job_is_sent_by_the_sweep(world, sms_outbox):
    services.sms_to_numbers(phones=["13900000003"], title="停电通知", subdistrict_id=world.grid("sub").pk)
    assert sms_outbox == []
    assert services.deliveries_send_due() == 1
    assert sms_outbox == [("13900000003", "停电通知")]


def test_a_bad_number_refuses_the_whole_batch(world):
    with pytest.raises(InvalidInput) as info:
        services.sms_to_numbers(phones=["13900000004", "12345"], title="x", subdistrict_id=world.grid("sub").pk)
    assert info.value.errors[0].field == "phones" and "12345" in info.value.message
    assert not Delivery.objects.exists()
    with pytest.raises(InvalidInput):
        services.sms_to_numbers(phones=["13900000004"], title=" ", subdistrict_id=world.grid("sub").pk)


def test_the_table_refuses_a_delivery_with_neither_person_nor_number(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(channel=Channel.SMS, subdistrict=world.grid("sub"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(channel=Channel.EMAIL, address="13900000005", text="x", subdistrict=world.grid("sub"))
