"""Attachments: stored once with the notification, attached to each email sent one by one — not to text
messages nor to the daily digest; a bad attachment is refused, naming the field, and nothing is written."""

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from wangge.core.errors import InvalidInput
from wangge.notify import services, sms
from wangge.notify.models import Attachment, Delivery, Notification

pytestmark = pytest.mark.django_db

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x@wangge\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
PDF = b"%PDF-1.4\n\xff\xfe binary \x00 bytes"


def send(world, *keys, attachments, **kwargs):
    return services.notify(recipients=[world.persons[k] for k in keys], event="hall.meeting_invited",
                           title="议事会议邀请", body="请回复", link="/m/rsvp/abc/", attachments=attachments,
                           subdistrict_id=world.grid("sub").pk, **kwargs)


def test_each_email_carries_the_attachments(world, with_email, django_capture_on_commit_callbacks):
    with_email("member_A1e", "member@example.invalid")
    with_email("leader_A1", "leader@example.invalid")
    with django_capture_on_commit_callbacks(execute=True):
        notes = send(world, "member_A1e", "leader_A1",
                     attachments=[("session-1.ics", ICS, "text/calendar"), ("minutes.pdf", PDF, "application/pdf")])
    assert Attachment.objects.count() == 2  # stored once, however many recipients
    assert [a.filename for a in notes[0].attachments.all()] == ["session-1.ics", "minutes.pdf"]
    assert sorted(m.to[0] for m in mail.outbox) == ["leader@example.invalid", "member@example.invalid"]
    for message in mail.outbox:
        assert message.subject == "议事会议邀请" and "请回复" in message.body
        (name, content, mimetype), (pdf_name, pdf, pdf_type) = message.attachments
        assert (name, mimetype) == ("session-1.ics", "text/calendar")
        assert "BEGIN:VEVENT" in (content if isinstance(content, str) else content.decode())
        assert (pdf_name, pdf, pdf_type) == ("minutes.pdf", PDF, "application/pdf")
        assert b"Content-Type: text/calendar" in message.message().as_bytes()


def test_no_attachment_on_text_messages_nor_in_the_digest(world, with_email, django_capture_on_commit_callbacks):
    with_email("member_A1e", "member@example.invalid")
    services.preference_update(actor=world.users["member_A1e"], sms=True, digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        send(world, "member_A1e", attachments=[("session-1.ics", ICS, "text/calendar")])
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.digest_send(day=timezone.localdate())
    [digest] = mail.outbox
    assert "议事会议邀请" in digest.body and digest.attachments == []
    assert sms.outbox == []  # the digest replaces the one-by-one text messages too


def test_a_string_is_sent_as_utf8(world, with_email, django_capture_on_commit_callbacks):
    with_email("member_A1e")
    with django_capture_on_commit_callbacks(execute=True):
        send(world, "member_A1e", attachments=[("说明.txt", "会议说明", "text/plain")])
    [(name, content, mimetype)] = mail.outbox[0].attachments
    assert (name, content, mimetype) == ("说明.txt", "会议说明", "text/plain")


@pytest.mark.parametrize("attachments", [
    [("../etc/passwd", b"x", "text/plain")],
    [("", b"x", "text/plain")],
    [("a.ics", b"x", "calendar")],
    [("a.ics", 42, "text/calendar")],
    [("a.ics", b"x")],
    [("big.bin", b"\0" * (services.ATTACHMENTS_MAX_BYTES + 1), "application/octet-stream")],
])
def test_bad_attachments_are_refused_and_nothing_is_written(world, attachments):
    with pytest.raises(InvalidInput) as caught:
        send(world, "member_A1e", attachments=attachments)
    assert caught.value.errors[0].field == "attachments"
    assert not Notification.objects.exists() and not Attachment.objects.exists() and not Delivery.objects.exists()


def test_the_admin_lists_a_notifications_attachments(world):
    [note] = send(world, "member_A1e", attachments=[("session-1.ics", ICS, "text/calendar")])
    client = Client()
    client.force_login(world.users["admin"])
    page = client.get(f"/admin/notify/notification/{note.pk}/change/").content.decode()
    assert "session-1.ics" in page and "text/calendar" in page
