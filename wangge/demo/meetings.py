"""Demo data of the meeting day (议事会议), loaded after the agenda: for every past session of the featured
community's hall — the usual invitations and their answers, attendance meeting the quorum, minutes per item,
a show-of-hands motion, resolutions with an owner and a due date (for the items carrying the article's
matters, the resolutions adopt those matters as their follow-ups), and the session published.

Residents are not notified of demo publications (that would be thousands of inbox entries at once)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from wangge.hall.agenda.models import Hall, Item, Session, SessionStatus
from wangge.hall.meetings.models import (
    Attendance,
    CheckinMethod,
    HallRules,
    Invitation,
    MeetingRecord,
    Method,
    Minutes,
    Motion,
    MotionStatus,
    Resolution,
    Response,
    Result,
    Threshold,
)
from wangge.hall.meetings.services import result_of, usual_invitees
from wangge.people.models import OrganisationKind
from wangge.registry.models import GridNode

SEED = 505
PERSONS_MAX = 24
DECLINE_NOTES = ["当天值班，无法参加", "外出办事", "身体不适，请假", "家中有事"]
SECRETARY = "社区党委书记"
OWNER_BY_CATEGORY = {  # the organisation kind answerable for a follow-up of each category group
    "order-security": OrganisationKind.POLICE_STATION,
    "order-construction": OrganisationKind.HOUSING_BUREAU,
    "order-fire-lane": OrganisationKind.FIRE_BRIGADE,
}


def _featured():
    from wangge.demo.generator import FEATURED_CODE

    return GridNode.objects.filter(code=FEATURED_CODE).first()


def load_meetings(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    rng = random.Random(SEED)
    counts = {"meeting_sessions": 0, "meeting_invitations": 0, "meeting_attendances": 0, "meeting_minutes": 0,
              "meeting_motions": 0, "meeting_resolutions": 0}
    community = _featured()
    if community is None:
        return counts
    for hall in Hall.objects.filter(community=community).select_related("community"):
        HallRules.objects.get_or_create(hall=hall, defaults={
            "subdistrict_id": hall.subdistrict_id, "min_attendees": 8, "min_invited_share": 50,
            "required_kinds": [OrganisationKind.PROPERTY_COMPANY]})
        persons, capacities, orgs = usual_invitees(hall, at=now)
        sessions = list(hall.sessions.filter(starts_at__lt=now).exclude(status=SessionStatus.CANCELLED)
                        .order_by("starts_at"))
        for session in sessions:
            _session(session, persons[:PERSONS_MAX], capacities, orgs, rng, counts)
    return counts


def _session(session: Session, persons, capacities, orgs, rng: random.Random, counts: dict[str, int]) -> None:
    if MeetingRecord.objects.filter(session=session).exists():
        return
    sub = session.subdistrict_id
    start = session.starts_at
    invited_at = start - dt.timedelta(days=7)
    invitations = []
    for person in persons:
        invitations.append(Invitation(session=session, person=person, capacity=capacities.get(person.pk, ""),
                                      invited_at=invited_at, invited_by_label=SECRETARY, subdistrict_id=sub))
    for org in orgs:
        invitations.append(Invitation(session=session, organisation=org, capacity=org.get_kind_display(),
                                      invited_at=invited_at, invited_by_label=SECRETARY, subdistrict_id=sub))
    for inv in invitations:
        declined = rng.random() < 0.15 and not (inv.organisation and inv.organisation.kind == "property_company")
        inv.response = Response.DECLINED if declined else Response.ACCEPTED
        inv.note = rng.choice(DECLINE_NOTES) if declined else ""
        inv.responded_at = invited_at + dt.timedelta(hours=rng.randint(2, 100))
        if inv.organisation and not declined:
            inv.delegates = f"{inv.organisation.name}代表"
    Invitation.objects.bulk_create(invitations)
    attendances = []
    for inv in invitations:
        if inv.response != Response.ACCEPTED:
            continue
        at = start - dt.timedelta(minutes=rng.randint(1, 40))
        if inv.person_id:
            person = inv.person
            household = person.resident.household_id if person.resident_id else None
            attendances.append(Attendance(session=session, person=person, invitation=inv, household_id=household,
                                          name=person.name[:50], method=CheckinMethod.QR, checked_in_at=at,
                                          recorded_by_label=person.name[:50], subdistrict_id=sub))
        else:
            attendances.append(Attendance(session=session, invitation=inv, organisation=inv.organisation,
                                          name=inv.delegates[:50], organisation_name=inv.organisation.name,
                                          method=CheckinMethod.RSVP_LINK, checked_in_at=at, subdistrict_id=sub))
    Attendance.objects.bulk_create(attendances)
    present = len(attendances)
    items = list(Item.objects.filter(session=session).prefetch_related("matters__category").order_by("position", "id"))
    edited = start + dt.timedelta(hours=3)
    Minutes.objects.bulk_create([
        Minutes(item=item, subdistrict_id=sub, edited_by_label=SECRETARY, edited_at=edited,
                text=f"{item.get_kind_display()}：{item.title}。{item.description[:300]}"
                     f"经社区党委、居委会、物业服务企业和共建单位代表协商，与会{present}人充分发表意见，形成一致意见。")
        for item in items])
    motions = []
    for item in items[:2]:
        votes_for = present - rng.randint(0, 2)
        against = rng.randint(0, present - votes_for)
        threshold = Threshold.TWO_THIRDS if item.kind == "major" else Threshold.SIMPLE
        motions.append(Motion(session=session, item=item, text=f"同意：{item.title}", method=Method.HANDS,
                              threshold=threshold, status=MotionStatus.CLOSED, votes_for=votes_for,
                              votes_against=against, votes_abstain=present - votes_for - against, eligible=present,
                              result=result_of(threshold, votes_for, against, present - votes_for - against),
                              opened_at=start + dt.timedelta(minutes=20), closed_at=start + dt.timedelta(minutes=25),
                              created_by_label=SECRETARY, subdistrict_id=sub))
    Motion.objects.bulk_create(motions)
    by_kind = {}
    for org in orgs:
        by_kind.setdefault(org.kind, org)
    resolutions = 0
    for item in items:
        matters = list(item.matters.all())
        if not matters:
            continue
        kind = OWNER_BY_CATEGORY.get(matters[0].category.code, OrganisationKind.PROPERTY_COMPANY)
        owner = by_kind.get(kind) or by_kind.get(OrganisationKind.PROPERTY_COMPANY) or (orgs[0] if orgs else None)
        if owner is None:
            continue
        passed = next((m for m in motions if m.item_id == item.pk and m.result == Result.PASSED), None)
        resolution = Resolution.objects.create(
            session=session, item=item, motion=passed, text=f"议定：{item.title}，由{owner.name}牵头落实。",
            responsible_organisation=owner, due_on=timezone.localdate(start) + dt.timedelta(days=30),
            created_at=edited, created_by_label=SECRETARY, subdistrict_id=sub)
        resolution.matters.set(matters)
        resolutions += 1
    MeetingRecord.objects.create(session=session, subdistrict_id=sub, held_at=edited, held_by_label=SECRETARY,
                                 published_at=edited + dt.timedelta(days=1), published_by_label=SECRETARY)
    Session.objects.filter(pk=session.pk).update(status=SessionStatus.PUBLISHED)
    counts["meeting_sessions"] += 1
    counts["meeting_invitations"] += len(invitations)
    counts["meeting_attendances"] += present
    counts["meeting_minutes"] += len(items)
    counts["meeting_motions"] += len(motions)
    counts["meeting_resolutions"] += resolutions
