"""notify(): the inbox, email and text messages by each person's choice, the outbox that survives a lost
job, retries with backoff, one send per row however many workers, and the daily digest."""

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from wangge.core.errors import InvalidInput
from wangge.notify import services, sms, tasks
from wangge.notify.models import Channel, Delivery, Notification, State

pytestmark = pytest.mark.django_db


def send(world, *keys, event="matter.assigned", title="有新的事项派给您", **kwargs):
    return services.notify(
        recipients=[world.persons[k] for k in keys], event=event, title=title,
        subdistrict_id=world.grid("sub").pk, **kwargs,
    )


def test_every_recipient_gets_one_inbox_entry(world):
    member, leader = world.persons["member_A1e"], world.persons["leader_A1"]
    notes = services.notify(recipients=[member, None, leader, member], event="matter.assigned", title="派单",
                            body="楼道堆物", link="/matters/7/", payload={"matter_id": 7},
                            subdistrict_id=world.grid("sub").pk)
    assert [n.recipient_id for n in notes] == [member.pk, leader.pk]
    row = Notification.objects.get(recipient=member)
    assert (row.title, row.body, row.link, row.payload, row.read_at) == ("派单", "楼道堆物", "/matters/7/",
                                                                         {"matter_id": 7}, None)
    assert row.subdistrict == world.grid("sub")
    assert services.notify(recipients=[], event="matter.assigned", title="x", subdistrict_id=None) == []


def test_email_goes_out_only_to_those_who_chose_it_and_have_an_address(
    world, with_email, django_capture_on_commit_callbacks
):
    with_email("member_A1e", "member@example.invalid")
    with_email("leader_A1")
    services.preference_update(actor=world.users["leader_A1"], email=False)
    with django_capture_on_commit_callbacks(execute=True):
        send(world, "member_A1e", "leader_A1", "micro_A1em1", body="3号楼楼道堆物", link="/matters/7/")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["member@example.invalid"] and message.subject == "有新的事项派给您"
    assert "3号楼楼道堆物" in message.body and "https://wangge.example/matters/7/" in message.body
    assert "https://wangge.example/inbox/preferences/" in message.body
    assert Delivery.objects.get().state == State.SENT and Delivery.objects.get().sent_at is not None
    assert Notification.objects.count() == 3  # the inbox is always on
    assert sms.outbox == []  # text messages are off unless chosen


def test_text_messages_go_through_the_sms_backend_when_chosen(world, sms_outbox, django_capture_on_commit_callbacks):
    person = world.persons["micro_A1em1"]
    services.preference_update(actor=world.users["micro_A1em1"], sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        send(world, "micro_A1em1", title="事项已超时", link="/matters/9/")
    assert sms_outbox == [(person.phone, "事项已超时 https://wangge.example/matters/9/")]
    assert mail.outbox == []  # no email address on the account


def test_a_rolled_back_change_sends_nothing(world, with_email, django_capture_on_commit_callbacks):
    with_email("member_A1e")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            send(world, "member_A1e")
            raise RuntimeError("the caller's change failed")
    assert not Notification.objects.exists() and not Delivery.objects.exists() and mail.outbox == []


def test_an_email_whose_job_was_lost_is_sent_by_the_sweep(world, with_email):
    with_email("member_A1e")
    send(world, "member_A1e")  # committed, but the job never ran (the on_commit callback is not executed)
    delivery = Delivery.objects.get()
    assert delivery.state == State.PENDING and mail.outbox == []
    assert services.deliveries_send_due() == 1
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (State.SENT, 1)
    assert services.deliveries_send_due() == 0 and len(mail.outbox) == 1


def test_a_queue_that_is_down_does_not_fail_the_change(world, with_email, monkeypatch,
                                                        django_capture_on_commit_callbacks):
    with_email("member_A1e")

    def queue_down(delivery_id):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks, "delivery_send", queue_down)
    with django_capture_on_commit_callbacks(execute=True):
        send(world, "member_A1e")
    assert Notification.objects.count() == 1 and mail.outbox == []
    services.deliveries_send_due()
    assert len(mail.outbox) == 1


class SecondWorkerBackend(sms.LocmemBackend):
    """While it sends, a second worker (the job delivered twice, and the sweep) tries the same row."""

    def send(self, phone, text):
        pk = Delivery.objects.get().pk
        assert services.delivery_send(delivery_id=pk).state == State.PENDING
        assert services.deliveries_send_due() == 0  # the row is claimed: not due
        super().send(phone, text)


def test_two_workers_send_one_message_once(world, settings, sms_outbox, django_capture_on_commit_callbacks):
    services.preference_update(actor=world.users["micro_A1em1"], sms=True)
    settings.SMS_BACKEND = f"{__name__}.SecondWorkerBackend"
    with django_capture_on_commit_callbacks(execute=True):
        send(world, "micro_A1em1")
    assert len(sms_outbox) == 1
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == (State.SENT, 1)
    # Two workers that read the row before either claimed it: only one claim wins.
    send(world, "micro_A1em1")
    first, second = (Delivery.objects.get(state=State.PENDING) for _ in range(2))
    assert services._claim(first) is True
    assert services._claim(second) is False


class DownBackend(sms.SmsBackend):
    def send(self, phone, text):
        raise OSError("provider unreachable")


def _make_due(model):
    model.objects.filter(state=State.PENDING).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))


def test_a_failed_send_is_retried_with_backoff_then_given_up(world, settings, django_capture_on_commit_callbacks):
    services.preference_update(actor=world.users["micro_A1em1"], sms=True)
    settings.SMS_BACKEND = f"{__name__}.DownBackend"
    with django_capture_on_commit_callbacks(execute=True):
        send(world, "micro_A1em1")
    for attempt, wait in ((1, 60), (2, 300), (3, 1800)):
        delivery = Delivery.objects.get()
        assert (delivery.state, delivery.attempts) == (State.PENDING, attempt)
        assert "provider unreachable" in delivery.last_error
        left = (delivery.next_attempt_at - timezone.now()).total_seconds()
        assert wait - 5 < left <= wait
        assert services.deliveries_send_due() == 0  # not due yet
        _make_due(Delivery)
        assert services.deliveries_send_due() == 1
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == (State.FAILED, 4)
    _make_due(Delivery)
    assert services.deliveries_send_due() == 0


def test_the_daily_digest_batches_the_day_and_is_sent_once(world, with_email, django_capture_on_commit_callbacks):
    with_email("member_A1e", "member@example.invalid")
    with_email("leader_A1", "leader@example.invalid")
    services.preference_update(actor=world.users["member_A1e"], sms=True, digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        for title in ("事项一", "事项二", "事项三"):
            send(world, "member_A1e", "leader_A1", title=title, link="/matters/1/")
    # The leader gets each one by one; the member, who chose the digest, nothing yet.
    assert [m.to for m in mail.outbox] == [["leader@example.invalid"]] * 3 and sms.outbox == []
    mail.outbox.clear()
    today = timezone.localdate()
    for _ in range(2):  # the job may run again (catching up): the digest still goes once
        with django_capture_on_commit_callbacks(execute=True):
            services.digest_send(day=today)
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == ["member@example.invalid"] and "3条" in digest.subject
    assert all(t in digest.body for t in ("事项一", "事项二", "事项三"))
    assert "https://wangge.example/inbox/" in digest.body
    row = Delivery.objects.get(channel=Channel.DIGEST)
    assert (row.person, row.digest_day, row.state) == (world.persons["member_A1e"], today, State.SENT)
    # Nothing the day before: no digest.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.digest_send(day=today - dt.timedelta(days=1)) == []


def test_the_digest_leaves_out_what_was_already_emailed(world, with_email, django_capture_on_commit_callbacks):
    with_email("member_A1e")
    with django_capture_on_commit_callbacks(execute=True):
        send(world, "member_A1e", title="逐条发过的")
        services.preference_update(actor=world.users["member_A1e"], digest=True)
        send(world, "member_A1e", title="留给汇总的")
    with django_capture_on_commit_callbacks(execute=True):
        services.digest_send(day=timezone.localdate())
    assert [m.subject for m in mail.outbox][0] == "逐条发过的"
    digest = mail.outbox[-1]
    assert "留给汇总的" in digest.body and "逐条发过的" not in digest.body and "1条" in digest.subject


def test_channels_need_an_address_to_turn_on(world, phoneless):
    user = phoneless.user
    with pytest.raises(InvalidInput) as caught:
        services.preference_update(actor=user, sms=True)
    assert [e.field for e in caught.value.errors] == ["sms"]
    services.preference_update(actor=user, email=False)
    with pytest.raises(InvalidInput) as caught:
        services.preference_update(actor=user, email=True, digest=True)
    assert [e.field for e in caught.value.errors] == ["email", "digest"]
    assert phoneless.notify_preference.email is False  # nothing half-written


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"event": "Matter Assigned"}, "event"),
    ({"event": "matter."}, "event"),
    ({"title": "  "}, "title"),
    ({"link": "https://elsewhere.example/"}, "link"),
    ({"link": "//elsewhere.example/"}, "link"),
])
def test_notify_refuses_bad_input_naming_the_field(world, kwargs, field):
    with pytest.raises(InvalidInput) as caught:
        send(world, "member_A1e", **kwargs)
    assert caught.value.errors[0].field == field
    assert not Notification.objects.exists()


def test_the_digest_runs_each_morning_at_its_local_time(settings):
    settings.TIME_ZONE, settings.NOTIFY_DIGEST_AT = "Asia/Shanghai", "07:30"
    utc = dt.datetime(2025, 3, 1, 23, 30, tzinfo=dt.UTC).replace(tzinfo=None)  # huey hands naive UTC
    # …which is 07:30 on 2 March in Shanghai
    assert tasks._digest_hours(utc)
    assert tasks._digest_hours(utc + dt.timedelta(hours=3))  # a later hour catches a missed run up
    assert not tasks._digest_hours(utc - dt.timedelta(hours=1))  # 06:30
    assert not tasks._digest_hours(utc + dt.timedelta(minutes=1))
