"""Invitations from the meeting page's people picker, the .ics attached to the invitation email itself,
and invitees told (with an updated .ics) when the session is moved or cancelled."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from wangge.hall.agenda import services as agenda
from wangge.hall.agenda.ics import session_uid
from wangge.hall.meetings import services
from wangge.hall.meetings.models import Invitation, Response
from wangge.notify.models import Notification
from wangge.people import services as people
from wangge.people.models import Role
from wangge.testing.world import add_namesakes

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def sec(w):
    return w.users["committee_A"]


def with_email(w, *keys):
    for key in keys:
        user = w.users[key]
        user.email = f"{key}@example.invalid"
        user.save(update_fields=["email"])


def event_of(message):
    """The VEVENT of the .ics attached to an email, and the calendar's METHOD."""
    [(name, content, mimetype)] = message.attachments
    assert mimetype == "text/calendar" and name.endswith(".ics")
    cal = Calendar.from_ical(content if isinstance(content, bytes) else content.encode())
    [event] = [c for c in cal.walk() if c.name == "VEVENT"]
    return event, str(cal["method"])


def mails_to(address):
    return [m for m in mail.outbox if m.to == [address]]


# -- the people picker ---------------------------------------------------------------------------------


@pytest.fixture
def picker(mw, client):
    resident_zw, steward_zw = add_namesakes(mw)
    # A 张伟 of community B: not someone community A's hall may invite.
    outsider = people.person_create(name="张伟", phone="13900000999", grid=mw.grid("B1e"))
    people.duty_assign(person=outsider, role=Role.BUILDING_STEWARD, grid=mw.grid("B1e"))
    mw.persons["zhangwei_b"] = outsider
    client.force_login(sec(mw))
    return mw, client


def picks(client, w, q, **extra):
    return client.get(f"/hall/sessions/{w.session.pk}/meeting/invite/picks/", {"invite_q": q, **extra}, **HX)


@pytest.mark.parametrize("q", ["张伟", "zhangwei", "zw"])
def test_picker_finds_by_name_pinyin_or_initials_with_their_duty(picker, q, django_assert_max_num_queries):
    w, client = picker
    with django_assert_max_num_queries(10):
        page = picks(client, w, q).content.decode()
    for key in ("zhangwei_resident", "zhangwei_steward"):
        assert f'name="persons" value="{w.persons[key].pk}"' in page
    assert "楼栋管家 · A2小区" in page  # the steward's duty and where
    assert "居民 · A1微网格1" in page  # the resident, who holds no duty, and where they live
    assert f'value="{w.persons["zhangwei_b"].pk}"' not in page


def test_picker_offers_only_whom_the_service_would_accept(picker, client):
    w, _client = picker
    client.force_login(w.users["admin"])  # sees every person: the community still limits the picks
    page = picks(client, w, "张伟").content.decode()
    assert f'value="{w.persons["zhangwei_steward"].pk}"' in page
    assert f'value="{w.persons["zhangwei_b"].pk}"' not in page
    page = picks(client, w, "committee").content.decode()
    assert f'value="{w.persons["committee_A"].pk}"' in page and f'value="{w.persons["committee_B"].pk}"' not in page


def test_picker_keeps_the_checked_and_marks_the_invited(picker):
    w, client = picker
    services.meeting_invite(actor=sec(w), session_id=w.session.pk, persons=[w.persons["rep"].pk])
    page = picks(client, w, "张伟", persons=[w.persons["steward"].pk]).content.decode()
    # 楼栋管家乙, checked before this search, stays at the top, checked
    assert page.index(f'value="{w.persons["steward"].pk}" form="invite-form" checked') < page.index("张伟")
    page = picks(client, w, "居民代表").content.decode()
    assert f'value="{w.persons["rep"].pk}" form="invite-form" disabled' in page and "已邀请" in page
    assert "没有找到" in picks(client, w, "没有这个人").content.decode()


def test_picker_refuses_those_without_hall(picker, client):
    w, _client = picker
    for key, status in (("committee_B", 404), ("liaison_A", 403)):
        client.force_login(w.users[key])
        assert picks(client, w, "张伟").status_code == status
        assert client.post(f"/hall/sessions/{w.session.pk}/meeting/invite/",
                           {"persons": [w.persons["rep"].pk]}).status_code == status
    assert not Invitation.objects.exists()


def test_without_javascript_the_search_reloads_the_page_keeping_the_checks(picker):
    w, client = picker
    page = client.post(f"/hall/sessions/{w.session.pk}/meeting/invite/", {
        "invite_q": "zhangwei", "find": "1", "persons": [w.persons["rep"].pk],
        "organisations": [w.organisations["fire"].pk]})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="invite-box" open' in html
    assert f'value="{w.persons["rep"].pk}" form="invite-form" checked' in html
    assert f'value="{w.persons["zhangwei_steward"].pk}"' in html
    assert f'value="{w.organisations["fire"].pk}" checked' in html
    assert not Invitation.objects.exists()
    # The partial's address opened directly: the page, with the search made.
    r = client.get(f"/hall/sessions/{w.session.pk}/meeting/invite/picks/", {"invite_q": "张伟"})
    assert r.status_code == 302 and "invite_q=" in r["Location"]
    assert f'value="{w.persons["zhangwei_steward"].pk}"' in client.get(r["Location"]).content.decode()


def test_invite_checked_persons_and_organisations(picker):
    w, client = picker
    steward = w.persons["zhangwei_steward"]
    r = client.post(f"/hall/sessions/{w.session.pk}/meeting/invite/", {
        "invite_q": "张伟", "persons": [steward.pk, w.persons["r1"].pk],
        "organisations": [w.organisations["fire"].pk]}, follow=True)
    assert r.status_code == 200
    rows = {i.invitee_name: i.capacity for i in Invitation.objects.filter(session=w.session)}
    assert rows == {"张伟": "楼栋管家", w.persons["r1"].name: "居民", "城西消防救援站": w.organisations["fire"].get_kind_display()}
    html = r.content.decode()
    assert "已邀请3个" in html
    # the organisations list shows the fire brigade as invited (checked, not to be picked again)
    assert f'value="{w.organisations["fire"].pk}" checked disabled' in html
    assert f'value="{w.organisations["property"].pk}">' in html


def test_bad_input_keeps_the_checks_and_names_the_field(picker):
    w, client = picker
    url = f"/hall/sessions/{w.session.pk}/meeting/invite/"
    # someone of community B (a crafted post), with a good pick and an organisation
    r = client.post(url, {"invite_q": "张伟", "persons": [w.persons["rep"].pk, w.persons["zhangwei_b"].pk],
                          "organisations": [w.organisations["fire"].pk]})
    assert r.status_code == 422
    html = r.content.decode()
    assert 'id="invite-persons-error"' in html and "不在本社区" in html and 'aria-invalid="true"' in html
    assert f'value="{w.persons["rep"].pk}" form="invite-form" checked' in html
    assert f'value="{w.organisations["fire"].pk}" checked' in html and 'value="张伟"' in html
    # nothing picked
    r = client.post(url, {"invite_q": ""})
    assert r.status_code == 422 and "请选择要邀请的人员或组织" in r.content.decode()
    # an organisation that does not serve the community
    r = client.post(url, {"organisations": [w.organisations["B_party"].pk]})
    assert r.status_code == 422 and 'id="invite-orgs-error"' in r.content.decode()
    # a value that is no id
    r = client.post(url, {"persons": ["abc"], "organisations": [w.organisations["fire"].pk]})
    assert r.status_code == 422 and 'id="invite-persons-error"' in r.content.decode()
    assert not Invitation.objects.exists() and not Notification.objects.filter(event__startswith="hall.").exists()


# -- the .ics on the invitation email ------------------------------------------------------------------


def test_the_invitation_email_carries_the_ics_once_per_invitee(mw, django_capture_on_commit_callbacks):
    with_email(mw, "r1", "r2")
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_invite_usual(actor=sec(mw), session_id=mw.session.pk)
        services.meeting_invite(actor=sec(mw), session_id=mw.session.pk,
                                persons=[mw.persons["r1"].pk, mw.persons["r2"].pk])
    for address in ("prop@example.invalid", "r1@example.invalid", "r2@example.invalid"):
        [message] = mails_to(address)  # one email per invitee, the calendar attached to it
        assert message.subject == "议事会议邀请：10日议事会"
        assert "/m/rsvp/" in message.body
        event, method = event_of(message)
        assert method == "REQUEST"
        assert event.decoded("dtstart") == mw.session.starts_at.replace(microsecond=0)
        assert str(event["uid"]) == session_uid(mw.session) and event["sequence"] == 0
    assert len(mail.outbox) == 3


# -- moved or cancelled ----------------------------------------------------------------------------------


@pytest.fixture
def invited(mw, django_capture_on_commit_callbacks):
    """The session moved to next week (so it is planned); invited: the property company (its liaison has
    email), r1 and r2 (email), the resident representative; r2 declines."""
    start = timezone.now() + dt.timedelta(days=7)
    mw.session.starts_at, mw.session.ends_at = start, start + dt.timedelta(hours=2)
    mw.session.save()
    with_email(mw, "r1", "r2")
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_invite(actor=sec(mw), session_id=mw.session.pk, organisations=[mw.organisations["property"].pk],
                                persons=[mw.persons["r1"].pk, mw.persons["r2"].pk, mw.persons["rep"].pk])
    r2 = Invitation.objects.get(person=mw.persons["r2"])
    services.meeting_rsvp(token=r2.token, answer=services.RsvpIn(response=Response.DECLINED, note="出差"))
    mail.outbox.clear()
    return mw


def test_a_moved_session_is_announced_to_invitees_who_did_not_decline(invited, django_capture_on_commit_callbacks):
    w = invited
    old = w.session.starts_at
    new = timezone.localtime(old + dt.timedelta(days=2)).replace(hour=14, minute=30, second=0, microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        agenda.session_update(actor=sec(w), session_id=w.session.pk, starts_at=new)
    told = set(Notification.objects.filter(event="hall.meeting_moved").values_list("recipient_id", flat=True))
    assert told == {w.persons["property_liaison"].pk, w.persons["r1"].pk, w.persons["rep"].pk}
    note = Notification.objects.get(event="hall.meeting_moved", recipient=w.persons["r1"])
    assert note.title == "会议时间变更：10日议事会"
    assert f"{timezone.localtime(old):%Y年%m月%d日 %H:%M}" in note.body
    assert f"{new:%Y年%m月%d日} 14:30" in note.body
    assert note.link == f"/m/rsvp/{Invitation.objects.get(person=w.persons['r1']).token}/"
    # by email, with the updated .ics: same UID, a higher SEQUENCE, the new time
    assert mails_to("r2@example.invalid") == []
    for address in ("r1@example.invalid", "prop@example.invalid"):
        [message] = mails_to(address)
        event, method = event_of(message)
        assert method == "REQUEST" and event.decoded("dtstart") == new
        assert str(event["uid"]) == session_uid(w.session) and event["sequence"] == 1
    # moved again: the SEQUENCE grows again
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        agenda.session_update(actor=sec(w), session_id=w.session.pk, starts_at=new + dt.timedelta(hours=1))
    event, _method = event_of(mails_to("r1@example.invalid")[0])
    assert event["sequence"] == 2


def test_the_rsvp_ics_and_the_feed_are_the_last_version_sent(invited, client):
    w = invited
    agenda.session_update(actor=sec(w), session_id=w.session.pk, starts_at=w.session.starts_at + dt.timedelta(days=1))
    agenda.session_update(actor=sec(w), session_id=w.session.pk, starts_at=w.session.starts_at + dt.timedelta(days=2))
    token = Invitation.objects.get(person=w.persons["r1"]).token
    cal = Calendar.from_ical(client.get(f"/m/rsvp/{token}/session.ics").content)
    [event] = [c for c in cal.walk() if c.name == "VEVENT"]
    assert event["sequence"] == 2 and str(cal["method"]) == "REQUEST"
    feed = Calendar.from_ical(client.get(f"/hall/{w.hall.pk}.ics").content)
    assert [e["sequence"] for e in feed.walk("VEVENT") if e.decoded("dtstart") == event.decoded("dtstart")] == [2]
    assert "原定" in client.get(f"/m/rsvp/{token}/").content.decode()


def test_a_cancelled_session_is_announced_with_its_reason(invited, client, django_capture_on_commit_callbacks):
    w = invited
    when = timezone.localtime(w.session.starts_at)
    with django_capture_on_commit_callbacks(execute=True):
        agenda.session_update(actor=sec(w), session_id=w.session.pk, cancel=True, cancel_reason="与社区运动会冲突")
    notes = Notification.objects.filter(event="hall.meeting_cancelled")
    assert {n.recipient_id for n in notes} == {w.persons["property_liaison"].pk, w.persons["r1"].pk,
                                               w.persons["rep"].pk}
    note = notes.get(recipient=w.persons["rep"])
    assert note.title == "会议取消：10日议事会"
    assert "与社区运动会冲突" in note.body and f"{when:%Y年%m月%d日 %H:%M}" in note.body
    assert mails_to("r2@example.invalid") == []
    [message] = mails_to("r1@example.invalid")
    assert message.subject == "会议取消：10日议事会" and "与社区运动会冲突" in message.body
    event, method = event_of(message)
    assert method == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == session_uid(w.session) and event["sequence"] >= 1
    # the RSVP page says so, and takes no more answers
    token = Invitation.objects.get(person=w.persons["r1"]).token
    page = client.get(f"/m/rsvp/{token}/").content.decode()
    assert "本次会议已取消" in page and "与社区运动会冲突" in page and 'id="rsvp-form"' not in page


def test_someone_invited_twice_is_told_once_and_a_declined_organisation_not_at_all(invited):
    w = invited
    # the liaison is invited in person too; the property company declines
    services.meeting_invite(actor=sec(w), session_id=w.session.pk, persons=[w.persons["property_liaison"].pk])
    org = Invitation.objects.get(organisation=w.organisations["property"])
    services.meeting_rsvp(token=org.token, answer=services.RsvpIn(response=Response.DECLINED))
    agenda.session_update(actor=sec(w), session_id=w.session.pk, cancel=True, cancel_reason="停电")
    notes = Notification.objects.filter(event="hall.meeting_cancelled", recipient=w.persons["property_liaison"])
    assert notes.count() == 1
    person_inv = Invitation.objects.get(person=w.persons["property_liaison"])
    assert notes.get().link == f"/m/rsvp/{person_inv.token}/"


def test_a_new_place_is_announced_and_a_new_title_is_not(invited):
    w = invited
    agenda.session_update(actor=sec(w), session_id=w.session.pk, title="十月议事会")
    assert not Notification.objects.filter(event__in=["hall.meeting_moved", "hall.meeting_cancelled"]).exists()
    agenda.session_update(actor=sec(w), session_id=w.session.pk, place="社区活动室")
    note = Notification.objects.get(event="hall.meeting_moved", recipient=w.persons["r1"])
    assert note.title == "会议地点变更：十月议事会" and "社区活动室" in note.body and "社区党群服务中心" in note.body


def test_a_session_without_invitations_tells_no_one(mw):
    start = timezone.now() + dt.timedelta(days=3)
    agenda.session_update(actor=sec(mw), session_id=mw.session.pk, starts_at=start)
    agenda.session_update(actor=sec(mw), session_id=mw.session.pk, cancel=True, cancel_reason="人手不足")
    assert not Notification.objects.filter(event__startswith="hall.").exists()
