from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from wangge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from wangge.hall.meetings import services
from wangge.hall.meetings.models import Attendance, Ballot, Invitation, Resolution, Voter
from wangge.matters.models import Matter
from wangge.notify.models import Notification

pytestmark = pytest.mark.django_db


def sec(w):
    return w.users["committee_A"]


def invite_all(w):
    return services.meeting_invite_usual(actor=sec(w), session_id=w.session.pk)


def checkin(w, key):
    record = services.record_for(w.session)
    return services.meeting_checkin(actor=w.users[key], checkin_token=record.checkin_token)


def residents_invited(w, keys=("r1", "r2", "r3")):
    services.meeting_invite(actor=sec(w), session_id=w.session.pk, persons=[w.persons[k].pk for k in keys])


# -- invitations ---------------------------------------------------------------------------------------


def test_invite_usual_reaches_units_roles_and_party_committee(mw):
    rows = invite_all(mw)
    names = {r.invitee_name for r in rows}
    assert {"红旗物业公司", "城西消防救援站", "居民代表甲", "楼栋管家乙", mw.persons["committee_A"].name} <= names
    # the police station of the subdistrict serves the community too
    assert "城西派出所" in names
    # again: nothing new
    assert invite_all(mw) == []
    # the property company's liaison got an inbox entry with the RSVP link and a calendar email
    inv = Invitation.objects.get(organisation=mw.organisations["property"])
    note = Notification.objects.get(recipient=mw.persons["property_liaison"])
    assert note.link == f"/m/rsvp/{inv.token}/"


def test_calendar_email_has_ics(mw, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite_all(mw)
    ics = [m for m in mail.outbox if m.attachments]
    assert ics and ics[0].to == ["prop@example.invalid"]
    name, content, mimetype = ics[0].attachments[0]
    assert mimetype == "text/calendar" and b"BEGIN:VEVENT" in (content if isinstance(content, bytes) else content.encode())


def test_invite_refuses_outsiders(mw):
    with pytest.raises(InvalidInput) as exc:
        services.meeting_invite(actor=sec(mw), session_id=mw.session.pk, persons=[mw.persons["committee_B"].pk])
    assert exc.value.errors[0].field == "persons"
    with pytest.raises(InvalidInput) as exc:
        services.meeting_invite(actor=sec(mw), session_id=mw.session.pk, persons=[])
    assert exc.value.errors[0].field == "persons"
    assert not Invitation.objects.exists()


def test_rsvp_accept_decline_with_note(mw, api):
    invite_all(mw)
    person_inv = Invitation.objects.get(person=mw.persons["rep"])
    org_inv = Invitation.objects.get(organisation=mw.organisations["property"])
    anon = api(None)
    r = anon.post(f"/api/v1/hall/rsvp/{person_inv.token}", {"response": "declined", "note": "外出就医"},
                  content_type="application/json")
    assert r.status_code == 200 and r.json()["response"] == "declined" and r.json()["note"] == "外出就医"
    r = anon.post(f"/api/v1/hall/rsvp/{org_inv.token}", {"response": "accepted"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "delegates"
    r = anon.post(f"/api/v1/hall/rsvp/{org_inv.token}", {"response": "accepted", "delegates": "王经理"},
                  content_type="application/json")
    assert r.status_code == 200 and r.json()["delegates"] == "王经理"
    r = anon.post(f"/api/v1/hall/rsvp/{org_inv.token}", {"response": "maybe"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "response"
    assert anon.get("/api/v1/hall/rsvp/nope").status_code == 404
    # the page works without login too
    page = anon.get(f"/m/rsvp/{person_inv.token}/")
    assert page.status_code == 200 and "外出就医" in page.content.decode()
    assert anon.post(f"/m/rsvp/{person_inv.token}/", {"response": "accepted"}).status_code == 302
    person_inv.refresh_from_db()
    assert person_inv.response == "accepted"
    assert anon.get(f"/m/rsvp/{person_inv.token}/session.ics").content.startswith(b"BEGIN:VCALENDAR")


# -- check-in ------------------------------------------------------------------------------------------


def test_checkin_once_and_only_for_invitees(mw):
    invite_all(mw)
    residents_invited(mw)
    row, created = checkin(mw, "r1")
    assert created and row.household_id is not None
    again, created = checkin(mw, "r1")
    assert not created and again.pk == row.pk
    # the property liaison checks in for the company
    row, _ = checkin(mw, "property_liaison")
    assert row.organisation == mw.organisations["property"]
    with pytest.raises(PermissionDenied):
        checkin(mw, "resident")  # not invited
    assert Attendance.objects.count() == 2


def test_checkin_by_rsvp_link_for_organisation(mw):
    invite_all(mw)
    inv = Invitation.objects.get(organisation=mw.organisations["fire"])
    record = services.record_for(mw.session)
    row, created = services.meeting_checkin(checkin_token=record.checkin_token, rsvp_token=inv.token)
    assert created and row.organisation_name == "城西消防救援站"
    _, created = services.meeting_checkin(checkin_token=record.checkin_token, rsvp_token=inv.token)
    assert not created


def test_checkin_window(mw):
    residents_invited(mw)
    record = services.record_for(mw.session)
    early = mw.session.starts_at - dt.timedelta(hours=2, minutes=1)
    with pytest.raises(InvalidInput) as exc:
        services.meeting_checkin(actor=mw.users["r1"], checkin_token=record.checkin_token, at=early)
    assert exc.value.errors[0].field == "session"
    services.meeting_checkin(actor=mw.users["r1"], checkin_token=record.checkin_token,
                             at=mw.session.starts_at - dt.timedelta(hours=2))
    with pytest.raises(InvalidInput):
        services.meeting_checkin(actor=mw.users["r2"], checkin_token=record.checkin_token,
                                 at=mw.session.ends_at + dt.timedelta(seconds=1))
    with pytest.raises(InvalidInput):
        services.meeting_attendance_add(actor=sec(mw), session_id=mw.session.pk, name="张三",
                                        at=mw.session.ends_at + dt.timedelta(minutes=5))


def test_walk_in_and_bad_input(mw):
    row = services.meeting_attendance_add(actor=sec(mw), session_id=mw.session.pk, name="李四",
                                          organisation_name="热心居民")
    assert row.method == "manual"
    with pytest.raises(InvalidInput) as exc:
        services.meeting_attendance_add(actor=sec(mw), session_id=mw.session.pk, name="  ")
    assert exc.value.errors[0].field == "name"


# -- quorum --------------------------------------------------------------------------------------------


def test_quorum_rules_and_reasons(mw):
    invite_all(mw)
    residents_invited(mw)
    services.meeting_rules_update(actor=sec(mw), hall_id=mw.hall.pk, min_attendees=2, min_invited_share=30,
                                  required_kinds=["property_company"])
    q = services.quorum(mw.session)
    assert not q.met and len(q.reasons) == 3
    checkin(mw, "r1")
    checkin(mw, "r2")
    q = services.quorum(mw.session)
    assert not q.met and q.reasons == ["物业服务企业未到会"]
    checkin(mw, "property_liaison")
    assert services.quorum(mw.session).met
    with pytest.raises(InvalidInput) as exc:
        services.meeting_rules_update(actor=sec(mw), hall_id=mw.hall.pk, required_kinds=["bakery"])
    assert exc.value.errors[0].field == "required_kinds"


def test_vote_cannot_open_without_quorum(mw):
    motion = services.meeting_motion_create(actor=sec(mw), session_id=mw.session.pk, data=services.MotionIn(
        item=mw.items[0].pk, text="同意更换电梯", method="electronic"))
    with pytest.raises(Conflict) as exc:
        services.meeting_motion_open(actor=sec(mw), motion_id=motion.pk)
    assert "法定人数" in exc.value.message


# -- votes ---------------------------------------------------------------------------------------------


def open_vote(w, **kw):
    residents_invited(w)
    for key in ("r1", "r2", "r3"):
        checkin(w, key)
    motion = services.meeting_motion_create(actor=sec(w), session_id=w.session.pk, data=services.MotionIn(
        item=w.items[0].pk, text="同意使用维修基金更换电梯", method="electronic", **kw))
    return services.meeting_motion_open(actor=sec(w), motion_id=motion.pk)


def test_electronic_vote_per_person(mw):
    motion = open_vote(mw)
    services.meeting_vote(actor=mw.users["r1"], motion_id=motion.pk, choice="for")
    services.meeting_vote(actor=mw.users["r2"], motion_id=motion.pk, choice="for")
    with pytest.raises(Conflict, match="已投过票"):
        services.meeting_vote(actor=mw.users["r1"], motion_id=motion.pk, choice="against")
    with pytest.raises(PermissionDenied):
        services.meeting_vote(actor=mw.users["resident"], motion_id=motion.pk, choice="for")  # not checked in
    with pytest.raises(NotFound):
        services.meeting_vote(actor=mw.users["committee_B"], motion_id=motion.pk, choice="for")
    with pytest.raises(InvalidInput):
        services.meeting_vote(actor=mw.users["r3"], motion_id=motion.pk, choice="maybe")
    services.meeting_vote(actor=mw.users["r3"], motion_id=motion.pk, choice="against")
    motion = services.meeting_motion_close(actor=sec(mw), motion_id=motion.pk)
    assert (motion.votes_for, motion.votes_against, motion.result) == (2, 1, "passed")
    # open vote: ballots name the voters
    assert set(Ballot.objects.filter(motion=motion).values_list("voter_name", flat=True)) == {
        mw.persons[k].name for k in ("r1", "r2", "r3")}
    with pytest.raises(Conflict, match="已结束"):
        services.meeting_vote(actor=mw.users["r3"], motion_id=motion.pk, choice="for")


def test_vote_before_open_is_refused(mw):
    residents_invited(mw)
    checkin(mw, "r1")
    motion = services.meeting_motion_create(actor=sec(mw), session_id=mw.session.pk, data=services.MotionIn(
        item=mw.items[0].pk, text="x", method="electronic"))
    with pytest.raises(Conflict, match="未在表决中"):
        services.meeting_vote(actor=mw.users["r1"], motion_id=motion.pk, choice="for")


def test_per_household_and_secret(mw):
    motion = open_vote(mw, basis="household", secret=True)
    services.meeting_vote(actor=mw.users["r1"], motion_id=motion.pk, choice="for")
    with pytest.raises(Conflict, match="本户已投过票"):
        services.meeting_vote(actor=mw.users["r2"], motion_id=motion.pk, choice="against")  # same household
    services.meeting_vote(actor=mw.users["r3"], motion_id=motion.pk, choice="against")
    assert Voter.objects.filter(motion=motion).count() == 2
    assert set(Ballot.objects.filter(motion=motion).values_list("voter_name", flat=True)) == {""}
    motion = services.meeting_motion_close(actor=sec(mw), motion_id=motion.pk)
    assert motion.result == "failed"  # 1 of 2 is not more than half


@pytest.mark.parametrize(("threshold", "counts", "result"), [
    ("simple", (2, 2, 0), "failed"), ("simple", (3, 2, 0), "passed"), ("simple", (2, 1, 1), "failed"),
    ("two_thirds", (2, 1, 0), "passed"), ("two_thirds", (4, 2, 0), "passed"), ("two_thirds", (3, 2, 0), "failed"),
    ("two_thirds", (6, 2, 1), "passed"), ("two_thirds", (5, 2, 1), "failed"), ("simple", (0, 0, 0), "failed"),
])
def test_thresholds(threshold, counts, result):
    assert services.result_of(threshold, *counts) == result


def test_show_of_hands(mw):
    residents_invited(mw)
    for key in ("r1", "r2", "r3"):
        checkin(mw, key)
    motion = services.meeting_motion_create(actor=sec(mw), session_id=mw.session.pk, data=services.MotionIn(
        item=mw.items[1].pk, text="停车收费方案", threshold="two_thirds"))
    with pytest.raises(InvalidInput, match="超过"):
        services.meeting_hands_record(actor=sec(mw), motion_id=motion.pk, votes_for=3, votes_against=1,
                                      votes_abstain=0)
    motion = services.meeting_hands_record(actor=sec(mw), motion_id=motion.pk, votes_for=2, votes_against=1,
                                           votes_abstain=0)
    assert motion.status == "closed" and motion.result == "passed"  # exactly two thirds
    with pytest.raises(InvalidInput) as exc:
        services.meeting_motion_create(actor=sec(mw), session_id=mw.session.pk, data=services.MotionIn(
            item=mw.items[1].pk, text="", method="hands", secret=True, threshold="most"))
    assert {e.field for e in exc.value.errors} == {"text", "secret", "threshold"}


# -- resolutions ---------------------------------------------------------------------------------------


def test_resolution_requires_owner_and_due_date(mw):
    due = timezone.localdate() + dt.timedelta(days=30)
    with pytest.raises(InvalidInput) as exc:
        services.meeting_resolution_create(actor=sec(mw), session_id=mw.session.pk, data=services.ResolutionIn(
            item=mw.items[1].pk, text="增设充电桩"))
    assert {e.field for e in exc.value.errors} == {"responsible", "due_on"}
    with pytest.raises(InvalidInput) as exc:
        services.meeting_resolution_create(actor=sec(mw), session_id=mw.session.pk, data=services.ResolutionIn(
            item=mw.items[1].pk, text="增设充电桩", responsible_organisation=mw.organisations["property"].pk))
    assert [e.field for e in exc.value.errors] == ["due_on"]
    with pytest.raises(InvalidInput) as exc:
        services.meeting_resolution_create(actor=sec(mw), session_id=mw.session.pk, data=services.ResolutionIn(
            item=mw.items[1].pk, text="增设充电桩", due_on=due))
    assert [e.field for e in exc.value.errors] == ["responsible"]
    with pytest.raises(InvalidInput) as exc:
        services.meeting_resolution_create(actor=sec(mw), session_id=mw.session.pk, data=services.ResolutionIn(
            item=mw.items[1].pk, text="增设充电桩", due_on=due, category="nope",
            responsible_organisation=mw.organisations["property"].pk))
    assert exc.value.errors[0].field == "category"
    assert not Resolution.objects.exists()
    assert not Matter.objects.filter(source="deliberation").exists()


def test_resolution_creates_or_adopts_follow_ups(mw):
    due = timezone.localdate() + dt.timedelta(days=30)
    r1 = services.meeting_resolution_create(actor=sec(mw), session_id=mw.session.pk, data=services.ResolutionIn(
        item=mw.items[1].pk, text="物业公司一个月内增设充电桩", due_on=due,
        responsible_organisation=mw.organisations["property"].pk))
    matter = r1.matters.get()
    assert matter.source == "deliberation" and matter.category.code == "property-repair"
    assert matter.grid.path.startswith(mw.grid("A").path)
    r2 = services.meeting_resolution_create(actor=sec(mw), session_id=mw.session.pk, data=services.ResolutionIn(
        item=mw.items[0].pk, text="更换电梯", due_on=due, responsible_person=mw.persons["property_liaison"].pk))
    assert list(r2.matters.all()) == [mw.matter]


# -- held and published ----------------------------------------------------------------------------------


def record_session(w):
    services.meeting_minutes_update(actor=sec(w), item_id=w.items[0].pk, text="与会各方同意更换电梯。")
    services.meeting_resolution_create(actor=sec(w), session_id=w.session.pk, data=services.ResolutionIn(
        item=w.items[0].pk, text="物业公司更换电梯", due_on=timezone.localdate() + dt.timedelta(days=20),
        responsible_organisation=w.organisations["property"].pk))


def test_held_then_published(mw, api):
    with pytest.raises(InvalidInput) as exc:
        services.meeting_mark_held(actor=sec(mw), session_id=mw.session.pk)
    assert exc.value.errors[0].field == "minutes"
    record_session(mw)
    with pytest.raises(Conflict):
        services.meeting_publish(actor=sec(mw), session_id=mw.session.pk)
    resident = api("resident")
    services.meeting_mark_held(actor=sec(mw), session_id=mw.session.pk)
    assert resident.get("/api/v1/hall/resolutions").json()["count"] == 0
    assert resident.get(f"/api/v1/hall/sessions/{mw.session.pk}/minutes.pdf").status_code == 404
    assert resident.get(f"/api/v1/hall/sessions/{mw.session.pk}/minutes").status_code == 404
    services.meeting_publish(actor=sec(mw), session_id=mw.session.pk)
    body = resident.get("/api/v1/hall/resolutions").json()
    assert body["count"] == 1 and body["items"][0]["published"]
    pdf = resident.get(f"/api/v1/hall/sessions/{mw.session.pk}/minutes.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    minutes = resident.get(f"/api/v1/hall/sessions/{mw.session.pk}/minutes").json()
    assert minutes["items"][0]["text"] == "与会各方同意更换电梯。"
    assert Notification.objects.filter(recipient=mw.persons["resident"], event="hall.session_published").exists()
    # residents of community B never see it
    assert api("committee_B").get("/api/v1/hall/resolutions").json()["count"] == 0
    with pytest.raises(Conflict):
        services.meeting_minutes_update(actor=sec(mw), item_id=mw.items[0].pk, text="改")
