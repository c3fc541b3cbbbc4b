"""Every write of the meeting day: invitations and RSVPs, check-in, quorum rules, minutes, motions and
votes, resolutions with their follow-up matters, marking a session held and publishing it.

Keyword-only, one transaction each; bad input raises InvalidInput naming the field and nothing is
half-written. Secretary actions need HALL (`hall.run`) over the hall's community (404 outside the scope,
403 inside without it). Attendees act for themselves: check in with the session's QR token (logged in, or
with their own RSVP token), vote electronically once checked in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from wangge.core.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied
from wangge.core.text import clean_text
from wangge.hall.agenda.ics import session_ics
from wangge.hall.agenda.models import Hall, Item, Session, SessionStatus
from wangge.matters.models import Matter, Source
from wangge.notify.services import emit, notify
from wangge.people.access import HALL, Actor, require
from wangge.people.models import Duty, Membership, Organisation, OrganisationKind, Person, Role
from wangge.registry.models import Unit

from . import selectors
from .models import (
    Attendance,
    Ballot,
    Basis,
    CheckinMethod,
    Choice,
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
    Voter,
)

CHECKIN_EARLY = dt.timedelta(hours=2)
INVITE_MAX = 200
DEFAULT_CATEGORY = "property-repair"
USUAL_ORG_KINDS = (OrganisationKind.POLICE_STATION, OrganisationKind.HOUSING_BUREAU, OrganisationKind.FIRE_BRIGADE,
                   OrganisationKind.PROPERTY_COMPANY)
USUAL_ROLES = (Role.PARTY_BUILDING_HEAD, Role.BUILDING_STEWARD, Role.RESIDENT_REPRESENTATIVE)
CLOSED_SESSION = {SessionStatus.PUBLISHED, SessionStatus.CANCELLED}


# -- shared ------------------------------------------------------------------------------------------------


def _session(actor: Actor, session_id: int, *, lock: bool = False) -> Session:
    qs = Session.objects.select_related("hall__community")
    if lock:
        qs = qs.select_for_update(of=("self",))
    session = qs.filter(pk=session_id).first()
    if session is None:
        raise NotFound("未找到该会议")
    require(actor.scope, HALL, session.hall.community)
    return session


def _item(actor: Actor, item_id: int) -> Item:
    item = Item.objects.select_related("hall__community", "session").filter(pk=item_id).first()
    if item is None:
        raise NotFound("未找到该议题")
    require(actor.scope, HALL, item.hall.community)
    if item.session_id is None:
        raise InvalidInput.field("item", "该议题尚未列入会议")
    return item


def _writable(session: Session) -> None:
    if session.status in CLOSED_SESSION:
        raise Conflict(f"会议{session.get_status_display()}，不能再修改")


def record_for(session: Session) -> MeetingRecord:
    record, _ = MeetingRecord.objects.get_or_create(session=session,
                                                    defaults={"subdistrict_id": session.subdistrict_id})
    return record


def checkin_window(session: Session) -> tuple[dt.datetime, dt.datetime]:
    return session.starts_at - CHECKIN_EARLY, session.ends_at


def _in_window(session: Session, at: dt.datetime) -> None:
    start, end = checkin_window(session)
    if not (start <= at <= end):
        local = timezone.localtime(start)
        raise InvalidInput.field(
            "session", f"只能在会议当天签到（{local:%Y-%m-%d %H:%M} 至 {timezone.localtime(end):%H:%M}）")


def _ids(values, field: str) -> list[int]:
    out = []
    for value in values or []:
        try:
            pk = int(value)
        except (TypeError, ValueError) as exc:
            raise InvalidInput.field(field, "应为编号") from exc
        if pk < 1:
            raise InvalidInput.field(field, "应为编号")
        out.append(pk)
    return list(dict.fromkeys(out))


def _near(community) -> Q:
    """Grid nodes inside the community or above it (the subdistrict's police station serves it too)."""
    return selectors.near_q(community)


# -- invitations ---------------------------------------------------------------------------------------------


def _person_near(person: Person, community, at) -> bool:
    return Person.objects.filter(pk=person.pk).filter(selectors.persons_near_q(community, at)).exists()


def org_recipients(organisation: Organisation, at=None) -> list[Person]:
    """Whom an organisation's invitation reaches: its current liaisons (共建单位联络员 duties naming it),
    else its current members."""
    at = at or timezone.now()
    liaisons = [d.person for d in Duty.objects.current(at).filter(
        organisation=organisation, role=Role.JOINT_UNIT_LIAISON).select_related("person")]
    if liaisons:
        return liaisons
    today = timezone.localdate(at)
    return [m.person for m in Membership.objects.filter(organisation=organisation, start__lte=today)
            .filter(Q(end__isnull=True) | Q(end__gt=today)).select_related("person")]


def _recipients(invitation: Invitation, at=None) -> list[Person]:
    return [invitation.person] if invitation.person_id else org_recipients(invitation.organisation, at)


def _where(session: Session, place: str | None = None) -> str:
    place = session.place if place is None else place
    return place or session.hall.place or session.hall.name


def _when(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y年%m月%d日 %H:%M}"


def calendar_file(session: Session) -> tuple[str, bytes, str]:
    """The session's .ics as a notify() attachment."""
    return (f"session-{session.pk}.ics", session_ics(session), "text/calendar")


def _tell_invited(invitation: Invitation, session: Session, calendar: tuple[str, bytes, str]) -> None:
    """The invitee (an organisation's liaisons or members) is told in the inbox, and by email with the
    session's .ics attached when they take email."""
    recipients = _recipients(invitation)
    if not recipients:
        return
    title = f"议事会议邀请：{session.title}"
    body = f"{_when(session.starts_at)}，{_where(session)}。请通过链接回复是否出席。"
    notify(recipients=recipients, event="hall.meeting_invited", title=title, body=body,
           link=f"/m/rsvp/{invitation.token}/", payload={"session": session.pk, "invitation": invitation.pk},
           subdistrict_id=session.subdistrict_id, attachments=[calendar])


@transaction.atomic
def meeting_invite(*, actor, session_id: int, persons: list[int] | None = None,
                   organisations: list[int] | None = None, capacity: str = "",
                   at: dt.datetime | None = None) -> list[Invitation]:
    """Invite persons and organisations; those already invited are skipped. Each invitee (an
    organisation's liaisons or members) is told with an RSVP link."""
    actor = Actor.of(actor)
    at = at or timezone.now()
    session = _session(actor, session_id, lock=True)
    _writable(session)
    if session.status != SessionStatus.PLANNED:
        raise Conflict("会议已召开，不能再发邀请")
    person_ids = _ids(persons, "persons")
    org_ids = _ids(organisations, "organisations")
    capacity = clean_text(capacity, "capacity", limit=50)
    if not person_ids and not org_ids:
        raise InvalidInput.field("persons", "请选择要邀请的人员或组织")
    if len(person_ids) + len(org_ids) > INVITE_MAX:
        raise InvalidInput.field("persons", f"一次最多邀请{INVITE_MAX}个")
    community = session.hall.community
    found = {p.pk: p for p in Person.objects.filter(pk__in=person_ids)
             .filter(selectors.persons_near_q(community, at)).select_related("user")}
    for pk in person_ids:
        if pk not in found:
            raise InvalidInput.field("persons", f"人员 {pk} 不存在，或不在本社区")
    orgs = {o.pk: o for o in selectors.organisations_near(community).filter(pk__in=org_ids)}
    for pk in org_ids:
        if pk not in orgs:
            raise InvalidInput.field("organisations", f"组织 {pk} 不存在，或不服务本社区")
    capacities = None if capacity else _capacities(community, person_ids, at)
    return _invite(actor, session, [found[p] for p in person_ids], [orgs[o] for o in org_ids],
                   capacity=capacity, capacities=capacities, at=at)


def _capacities(community, person_ids: list[int], at) -> dict[int, str]:
    """In what capacity each person is invited, when the secretary did not say: their first current duty
    in the community (or above it), else resident."""
    out: dict[int, str] = {}
    duties = (Duty.objects.current(at).filter(_near(community), person_id__in=person_ids).order_by("start", "id"))
    for duty in duties:
        out.setdefault(duty.person_id, duty.get_role_display())
    residents = Person.objects.filter(pk__in=[p for p in person_ids if p not in out], resident__left_at__isnull=True,
                                      resident__household__unit__micro_grid__path__startswith=community.path)
    for pk in residents.values_list("pk", flat=True):
        out[pk] = "居民"
    return out


def _invite(actor: Actor, session: Session, persons, organisations, *, capacity="", capacities=None,
            at) -> list[Invitation]:
    have_p = set(session.invitations.filter(person__isnull=False).values_list("person_id", flat=True))
    have_o = set(session.invitations.filter(organisation__isnull=False).values_list("organisation_id", flat=True))
    rows = []
    for person in persons:
        if person.pk not in have_p:
            have_p.add(person.pk)
            rows.append(Invitation(session=session, person=person, invited_at=at, invited_by_label=actor.label,
                                   capacity=(capacities or {}).get(person.pk, capacity),
                                   subdistrict_id=session.subdistrict_id))
    for org in organisations:
        if org.pk not in have_o:
            have_o.add(org.pk)
            rows.append(Invitation(session=session, organisation=org, invited_at=at, invited_by_label=actor.label,
                                   capacity=org.get_kind_display(), subdistrict_id=session.subdistrict_id))
    record_for(session)
    calendar = calendar_file(session) if rows else None
    for row in rows:
        row.save()
        _tell_invited(row, session, calendar)
    return rows


@transaction.atomic
def meeting_invite_usual(*, actor, session_id: int, at: dt.datetime | None = None) -> list[Invitation]:
    """Invite the usual participants of the hall's community: the joint units (police station, housing
    and construction bureau, fire brigade) and the property company serving it, the persons holding a
    current duty there as party-member building head, building steward or resident representative, and
    the members of the community party committee."""
    actor = Actor.of(actor)
    at = at or timezone.now()
    session = _session(actor, session_id, lock=True)
    _writable(session)
    if session.status != SessionStatus.PLANNED:
        raise Conflict("会议已召开，不能再发邀请")
    persons, capacities, orgs = usual_invitees(session.hall, at=at)
    return _invite(actor, session, persons, orgs, capacities=capacities, at=at)


def usual_invitees(hall: Hall, *, at=None) -> tuple[list[Person], dict[int, str], list[Organisation]]:
    at = at or timezone.now()
    community = hall.community
    orgs = list(Organisation.objects.filter(kind__in=USUAL_ORG_KINDS).filter(_near(community)).order_by("kind", "id"))
    persons: dict[int, Person] = {}
    capacities: dict[int, str] = {}
    duties = (Duty.objects.current(at).filter(role__in=USUAL_ROLES, grid__path__startswith=community.path)
              .select_related("person").order_by("role", "id"))
    for duty in duties:
        persons.setdefault(duty.person_id, duty.person)
        capacities.setdefault(duty.person_id, duty.get_role_display())
    today = timezone.localdate(at)
    members = (Membership.objects.filter(organisation__kind=OrganisationKind.COMMUNITY_PARTY_COMMITTEE,
                                         organisation__grid=community, start__lte=today)
               .filter(Q(end__isnull=True) | Q(end__gt=today)).select_related("person").order_by("id"))
    for m in members:
        persons.setdefault(m.person_id, m.person)
        capacities.setdefault(m.person_id, "社区党委委员")
    return list(persons.values()), capacities, orgs


@transaction.atomic
def meeting_session_changed(*, session: Session, cancelled: bool, moved: bool, old_starts_at: dt.datetime,
                            old_place: str, at: dt.datetime | None = None) -> list:
    """Tell the invitees of a session that was moved, given another place or cancelled (the agenda's
    `session_changed` signal, inside its transaction): each invitation not declined — a person, or an
    organisation's liaisons or members — gets an inbox entry and, by email, the updated .ics (same UID,
    higher SEQUENCE; METHOD:CANCEL once cancelled). Someone reached by two invitations is told once."""
    at = at or timezone.now()
    invitations = list(session.invitations.select_related("person", "organisation").order_by("id"))
    where, old_where = _where(session), _where(session, old_place)
    if not invitations or not (cancelled or moved or where != old_where):
        return []
    calendar = calendar_file(session)
    if cancelled:
        event, title = "hall.meeting_cancelled", f"会议取消：{session.title}"
        body = f"原定{_when(old_starts_at)}在{old_where}举行的会议已取消。原因：{session.cancel_reason}"
    elif moved:
        event, title = "hall.meeting_moved", f"会议时间变更：{session.title}"
        body = f"会议时间由{_when(old_starts_at)}改为{_when(session.starts_at)}，地点：{where}"
        body += f"（原定{old_where}）。" if where != old_where else "。"
        body += "如不能出席，请通过链接更改回复。"
    else:
        event, title = "hall.meeting_moved", f"会议地点变更：{session.title}"
        body = f"{_when(session.starts_at)}的会议改在{where}举行（原定{old_where}）。如不能出席，请通过链接更改回复。"
    told: set[int] = set()
    notes = []
    for invitation in invitations:
        if invitation.response == Response.DECLINED:
            continue
        recipients = [p for p in _recipients(invitation, at) if p.pk not in told]
        told.update(p.pk for p in recipients)
        if recipients:
            notes += notify(recipients=recipients, event=event, title=title, body=body,
                            link=f"/m/rsvp/{invitation.token}/",
                            payload={"session": session.pk, "invitation": invitation.pk},
                            subdistrict_id=session.subdistrict_id, attachments=[calendar])
    return notes


@dataclass
class RsvpIn:
    response: str
    note: str = ""
    delegates: str = ""


@transaction.atomic
def meeting_rsvp(*, token: str, answer: RsvpIn, at: dt.datetime | None = None) -> Invitation:
    """Answer an invitation by its link (no login): accept or decline with a note; an organisation says
    who will come. The answer may change until the session ends."""
    at = at or timezone.now()
    invitation = (Invitation.objects.select_for_update(of=("self",)).select_related("session", "organisation")
                  .filter(token=token if isinstance(token, str) else "").first())
    if invitation is None:
        raise NotFound("邀请链接无效")
    session = invitation.session
    if session.status == SessionStatus.CANCELLED:
        raise Conflict("会议已取消，不能再回复")
    if session.status in CLOSED_SESSION or at > session.ends_at:
        raise Conflict("会议已结束，不能再回复")
    if answer.response not in (Response.ACCEPTED, Response.DECLINED):
        raise InvalidInput.field("response", "请选择“将出席”或“不能出席”")
    note = clean_text(answer.note, "note", limit=300)
    delegates = clean_text(answer.delegates, "delegates", limit=200)
    if delegates and invitation.person_id:
        raise InvalidInput.field("delegates", "个人邀请不需填写出席人员")
    if invitation.organisation_id and answer.response == Response.ACCEPTED and not delegates:
        raise InvalidInput.field("delegates", "请填写将出席的人员")
    invitation.response = answer.response
    invitation.note = note
    invitation.delegates = delegates if answer.response == Response.ACCEPTED else ""
    invitation.responded_at = at
    invitation.save(update_fields=["response", "note", "delegates", "responded_at"])
    return invitation


# -- attendance ----------------------------------------------------------------------------------------------


def _household_of(person: Person | None):
    if person is None or person.resident_id is None or person.resident.left_at is not None:
        return None
    return person.resident.household_id


def _invitation_of(session: Session, person: Person, at) -> Invitation | None:
    """The person's own invitation, or that of an invited organisation they are a liaison or member of."""
    own = session.invitations.filter(person=person).first()
    if own is not None:
        return own
    today = timezone.localdate(at)
    org_ids = set(Duty.objects.current(at).filter(person=person, role=Role.JOINT_UNIT_LIAISON,
                                                  organisation__isnull=False).values_list("organisation_id", flat=True))
    org_ids |= set(Membership.objects.filter(person=person, start__lte=today)
                   .filter(Q(end__isnull=True) | Q(end__gt=today)).values_list("organisation_id", flat=True))
    return session.invitations.filter(organisation_id__in=org_ids).select_related("organisation").first()


@transaction.atomic
def meeting_checkin(*, actor=None, checkin_token: str, rsvp_token: str | None = None,
                    at: dt.datetime | None = None) -> tuple[Attendance, bool]:
    """Check in by the session's QR code: the logged-in invitee (a person invited, or a liaison or member
    of an invited organisation), or whoever holds an invitation's RSVP link. Once only: a second check-in
    returns the first (created False). Only on the session's day, from 2 h before it starts to its end."""
    actor = Actor.of(actor) if actor is not None else None
    at = at or timezone.now()
    record = MeetingRecord.objects.select_related("session__hall").filter(
        checkin_token=checkin_token if isinstance(checkin_token, str) else "").first()
    if record is None:
        raise NotFound("签到二维码无效")
    session = Session.objects.select_for_update(of=("self",)).select_related("hall").get(pk=record.session_id)
    if session.status in CLOSED_SESSION:
        raise Conflict(f"会议{session.get_status_display()}")
    _in_window(session, at)
    if rsvp_token:
        invitation = (session.invitations.select_related("person__resident", "organisation")
                      .filter(token=rsvp_token if isinstance(rsvp_token, str) else "").first())
        if invitation is None:
            raise PermissionDenied("该邀请链接不属于本次会议")
        person = invitation.person
        if person is not None:
            return _attend(session, person=person, invitation=invitation, method=CheckinMethod.RSVP_LINK, at=at,
                           label=person.name)
        existing = session.attendances.filter(invitation=invitation, person__isnull=True).first()
        if existing is not None:
            return existing, False
        org = invitation.organisation
        row = Attendance(session=session, invitation=invitation, organisation=org, name=invitation.delegates[:50]
                         or org.name[:50], organisation_name=org.name, method=CheckinMethod.RSVP_LINK,
                         checked_in_at=at, recorded_by_label="", subdistrict_id=session.subdistrict_id)
        row.save()
        return row, True
    person = actor.person if actor is not None else None
    if person is None:
        raise PermissionDenied("请先登录，或使用邀请链接签到")
    invitation = _invitation_of(session, person, at)
    if invitation is None:
        raise PermissionDenied("您不在本次会议的邀请名单中，请向会务人员登记")
    return _attend(session, person=person, invitation=invitation, method=CheckinMethod.QR, at=at, label=person.name)


def _attend(session: Session, *, person: Person, invitation: Invitation | None, method: str, at,
            label: str, organisation: Organisation | None = None, organisation_name: str = "") -> tuple[Attendance, bool]:
    existing = session.attendances.filter(person=person).first()
    if existing is not None:
        return existing, False
    org = organisation or (invitation.organisation if invitation is not None else None)
    row = Attendance(session=session, person=person, invitation=invitation, organisation=org,
                     household_id=_household_of(person), name=person.name[:50],
                     organisation_name=organisation_name or (org.name if org else ""), method=method,
                     checked_in_at=at, recorded_by_label=label, subdistrict_id=session.subdistrict_id)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return session.attendances.get(person=person), False
    return row, True


@transaction.atomic
def meeting_attendance_add(*, actor, session_id: int, person: int | None = None, name: str = "",
                           organisation: int | None = None, organisation_name: str = "",
                           at: dt.datetime | None = None) -> Attendance:
    """The secretary checks someone in by hand: a known person (by id) or a walk-in by name, with their
    organisation (an id, or its name as text). Only on the session's day."""
    actor = Actor.of(actor)
    at = at or timezone.now()
    session = _session(actor, session_id, lock=True)
    if session.status in CLOSED_SESSION:
        raise Conflict(f"会议{session.get_status_display()}")
    _in_window(session, at)
    org = None
    if organisation is not None:
        org = Organisation.objects.filter(pk=_ids([organisation], "organisation")[0]).filter(
            _near(session.hall.community)).first()
        if org is None:
            raise InvalidInput.field("organisation", "该组织不存在，或不服务本社区")
    organisation_name = clean_text(organisation_name, "organisation_name", limit=100)
    if person is not None:
        found = (Person.objects.select_related("grid", "resident__household__unit__micro_grid")
                 .filter(pk=_ids([person], "person")[0]).first())
        if found is None or not _person_near(found, session.hall.community, at):
            raise InvalidInput.field("person", "该人员不存在，或不在本社区")
        if session.attendances.filter(person=found).exists():
            raise Conflict(f"{found.name}已签到")
        row, _created = _attend(session, person=found, invitation=_invitation_of(session, found, at),
                                method=CheckinMethod.MANUAL, at=at, label=actor.label, organisation=org,
                                organisation_name=organisation_name)
        return row
    name = clean_text(name, "name", limit=50, required=True)
    row = Attendance(session=session, name=name, organisation=org,
                     organisation_name=organisation_name or (org.name if org else ""), method=CheckinMethod.MANUAL,
                     checked_in_at=at, recorded_by_label=actor.label, subdistrict_id=session.subdistrict_id)
    row.save()
    return row


# -- quorum --------------------------------------------------------------------------------------------------


def rules_of(hall: Hall) -> HallRules:
    return HallRules.objects.filter(hall=hall).first() or HallRules(hall=hall)


@transaction.atomic
def meeting_rules_update(*, actor, hall_id: int, min_attendees: int = 0, min_invited_share: int = 0,
                         required_kinds: list[str] | None = None) -> HallRules:
    actor = Actor.of(actor)
    hall = Hall.objects.select_related("community").filter(pk=hall_id).first()
    if hall is None:
        raise NotFound("未找到该议事厅")
    require(actor.scope, HALL, hall.community)
    if not isinstance(min_attendees, int) or not (0 <= min_attendees <= 1000):
        raise InvalidInput.field("min_attendees", "应为 0 到 1000 之间的整数")
    if not isinstance(min_invited_share, int) or not (0 <= min_invited_share <= 100):
        raise InvalidInput.field("min_invited_share", "应为 0 到 100 之间的整数（百分比）")
    kinds = list(dict.fromkeys(required_kinds or []))
    unknown = [k for k in kinds if k not in OrganisationKind.values]
    if unknown:
        raise InvalidInput.field("required_kinds", f"未知组织类别 {'、'.join(map(str, unknown))}")
    rules, _ = HallRules.objects.select_for_update().get_or_create(
        hall=hall, defaults={"subdistrict_id": hall.subdistrict_id})
    rules.min_attendees = min_attendees
    rules.min_invited_share = min_invited_share
    rules.required_kinds = kinds
    rules.save()
    return rules


@dataclass
class Quorum:
    met: bool
    attendees: int
    invited_persons: int
    invited_present: int
    checks: list[dict]  # {"rule", "ok", "detail"}

    @property
    def reasons(self) -> list[str]:
        return [c["detail"] for c in self.checks if not c["ok"]]


def quorum(session: Session) -> Quorum:
    """Whether the hall's quorum rules hold now, with each rule's reason. With no rule set, at least one
    attendee is required."""
    rules = rules_of(session.hall)
    attendances = list(session.attendances.select_related("organisation"))
    attendees = len(attendances)
    invited_ids = set(session.invitations.filter(person__isnull=False).values_list("person_id", flat=True))
    present_ids = {a.person_id for a in attendances if a.person_id}
    invited_present = len(invited_ids & present_ids)
    checks = []
    minimum = max(rules.min_attendees, 1)
    checks.append({"rule": "min_attendees", "ok": attendees >= minimum,
                   "detail": f"到会{attendees}人，至少需{minimum}人"})
    if rules.min_invited_share:
        share = (invited_present * 100 / len(invited_ids)) if invited_ids else 0
        checks.append({"rule": "min_invited_share", "ok": bool(invited_ids) and share >= rules.min_invited_share,
                       "detail": f"受邀个人到会{invited_present}/{len(invited_ids)}（{share:.0f}%），"
                                 f"至少需{rules.min_invited_share}%"})
    present_kinds = {a.organisation.kind for a in attendances if a.organisation_id}
    labels = dict(OrganisationKind.choices)
    for kind in rules.required_kinds or []:
        ok = kind in present_kinds
        checks.append({"rule": f"kind:{kind}", "ok": ok,
                       "detail": f"{labels.get(kind, kind)}{'已到会' if ok else '未到会'}"})
    return Quorum(met=all(c["ok"] for c in checks), attendees=attendees, invited_persons=len(invited_ids),
                  invited_present=invited_present, checks=checks)


# -- minutes -------------------------------------------------------------------------------------------------


@transaction.atomic
def meeting_minutes_update(*, actor, item_id: int, text: str, at: dt.datetime | None = None) -> Minutes:
    actor = Actor.of(actor)
    at = at or timezone.now()
    item = _item(actor, item_id)
    session = Session.objects.select_for_update(of=("self",)).get(pk=item.session_id)
    _writable(session)
    text = clean_text(text, "text", limit=8000)
    minutes, _ = Minutes.objects.select_for_update().get_or_create(
        item=item, defaults={"edited_at": at, "subdistrict_id": item.subdistrict_id})
    minutes.text = text
    minutes.edited_by = actor.user if actor.user_id else None
    minutes.edited_by_label = actor.label
    minutes.edited_at = at
    minutes.save()
    return minutes


# -- motions and votes ---------------------------------------------------------------------------------------


@dataclass
class MotionIn:
    item: int
    text: str
    method: str = Method.HANDS
    basis: str = Basis.PERSON
    secret: bool = False
    threshold: str = Threshold.SIMPLE


@transaction.atomic
def meeting_motion_create(*, actor, session_id: int, data: MotionIn) -> Motion:
    actor = Actor.of(actor)
    session = _session(actor, session_id, lock=True)
    _writable(session)
    errors: list[FieldError] = []
    item = Item.objects.filter(pk=data.item, session=session).first() if isinstance(data.item, int) else None
    if item is None:
        errors.append(FieldError("item", "请选择本次会议的议题"))
    try:
        text = clean_text(data.text, "text", limit=2000, required=True)
    except InvalidInput as exc:
        errors.extend(exc.errors)
        text = ""
    for name, value, choices in (("method", data.method, Method), ("basis", data.basis, Basis),
                                 ("threshold", data.threshold, Threshold)):
        if value not in choices.values:
            errors.append(FieldError(name, f"应为 {'、'.join(choices.values)} 之一"))
    if not isinstance(data.secret, bool):
        errors.append(FieldError("secret", "应为是或否"))
    if data.method == Method.HANDS and data.secret is True:
        errors.append(FieldError("secret", "举手表决不能无记名，无记名请选电子表决"))
    if errors:
        raise InvalidInput(errors[0].message if len(errors) == 1 else "；".join(map(str, errors)), errors=errors)
    motion = Motion(session=session, item=item, text=text, method=data.method, basis=data.basis,
                    secret=data.secret, threshold=data.threshold, created_by_label=actor.label,
                    subdistrict_id=session.subdistrict_id)
    motion.save()
    return motion


def _motion(actor: Actor, motion_id: int) -> tuple[Motion, Session]:
    motion = Motion.objects.select_for_update(of=("self",)).filter(pk=motion_id).first()
    if motion is None:
        raise NotFound("未找到该表决事项")
    session = Session.objects.select_related("hall__community").get(pk=motion.session_id)
    require(actor.scope, HALL, session.hall.community)
    return motion, session


def _require_quorum(session: Session) -> Quorum:
    q = quorum(session)
    if not q.met:
        raise Conflict("未达到法定人数，不能开始表决：" + "；".join(q.reasons),
                       extra={"quorum": q.checks})
    return q


def result_of(threshold: str, votes_for: int, votes_against: int, votes_abstain: int) -> str:
    """Votes cast = for + against + abstain. Simple majority: more than half the votes cast are for
    (for × 2 > cast). Two-thirds: at least two thirds of the votes cast are for (for × 3 ≥ cast × 2; exactly
    two thirds passes). No vote cast: failed."""
    cast = votes_for + votes_against + votes_abstain
    if cast == 0:
        return Result.FAILED
    if threshold == Threshold.TWO_THIRDS:
        return Result.PASSED if votes_for * 3 >= cast * 2 else Result.FAILED
    return Result.PASSED if votes_for * 2 > cast else Result.FAILED


@transaction.atomic
def meeting_motion_open(*, actor, motion_id: int, at: dt.datetime | None = None) -> Motion:
    """Open the vote: only when the quorum is met, the session is not over and no other vote is open."""
    actor = Actor.of(actor)
    at = at or timezone.now()
    motion, session = _motion(actor, motion_id)
    _writable(session)
    if motion.status != MotionStatus.DRAFT:
        raise Conflict(f"该事项{motion.get_status_display()}")
    q = _require_quorum(session)
    if Motion.objects.filter(session=session, status=MotionStatus.OPEN).exclude(pk=motion.pk).exists():
        raise Conflict("已有正在表决的事项，请先结束它")
    motion.status = MotionStatus.OPEN
    motion.opened_at = at
    motion.eligible = q.attendees
    motion.save(update_fields=["status", "opened_at", "eligible"])
    emit(event="hall.motion_opened", payload={"id": motion.pk, "session": session.pk},
         subdistrict_id=session.subdistrict_id)
    return motion


@transaction.atomic
def meeting_motion_close(*, actor, motion_id: int, at: dt.datetime | None = None) -> Motion:
    actor = Actor.of(actor)
    at = at or timezone.now()
    motion, session = _motion(actor, motion_id)
    if motion.status != MotionStatus.OPEN:
        raise Conflict("该事项不在表决中")
    if motion.method == Method.HANDS:
        raise Conflict("举手表决请录入赞成、反对、弃权票数")
    return _close(motion, at)


def _close(motion: Motion, at) -> Motion:
    motion.status = MotionStatus.CLOSED
    motion.closed_at = at
    motion.result = result_of(motion.threshold, motion.votes_for, motion.votes_against, motion.votes_abstain)
    motion.save()
    return motion


@transaction.atomic
def meeting_hands_record(*, actor, motion_id: int, votes_for: int, votes_against: int, votes_abstain: int,
                         at: dt.datetime | None = None) -> Motion:
    """The secretary records a show of hands and closes the motion. The total may not exceed the attendees
    (per household: the households and other attendees present)."""
    actor = Actor.of(actor)
    at = at or timezone.now()
    motion, session = _motion(actor, motion_id)
    _writable(session)
    if motion.method != Method.HANDS:
        raise Conflict("电子表决由到会人员在手机上投票")
    if motion.status == MotionStatus.CLOSED:
        raise Conflict("该事项已结束表决")
    q = _require_quorum(session) if motion.status == MotionStatus.DRAFT else quorum(session)
    errors = []
    for name, value in (("votes_for", votes_for), ("votes_against", votes_against), ("votes_abstain", votes_abstain)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors.append(FieldError(name, "应为不小于0的整数"))
    if errors:
        raise InvalidInput(errors[0].message, errors=errors)
    limit = voting_units(session, motion.basis) if motion.basis == Basis.HOUSEHOLD else q.attendees
    total = votes_for + votes_against + votes_abstain
    if total > limit:
        raise InvalidInput.field("votes_for", f"赞成、反对、弃权合计{total}，超过到会{'户' if motion.basis == Basis.HOUSEHOLD else '人'}数{limit}")
    motion.votes_for, motion.votes_against, motion.votes_abstain = votes_for, votes_against, votes_abstain
    motion.eligible = limit
    motion.opened_at = motion.opened_at or at
    return _close(motion, at)


def voting_units(session: Session, basis: str) -> int:
    rows = list(session.attendances.values_list("person_id", "household_id"))
    if basis == Basis.HOUSEHOLD:
        units = {f"h:{h}" if h else f"p:{p}" for p, h in rows if p or h}
        return len(units) + sum(1 for p, h in rows if not p and not h)
    return len(rows)


def _voter_key(attendance: Attendance, basis: str) -> str:
    if basis == Basis.HOUSEHOLD and attendance.household_id:
        return f"h:{attendance.household_id}"
    return f"p:{attendance.person_id}"


@transaction.atomic
def meeting_vote(*, actor, motion_id: int, choice: str) -> Motion:
    """An attendee's electronic vote: only while the motion is open, only by someone checked in to the
    session (with a login), once per person — or once per household when the basis is the household. The
    motion row is locked for the vote; the database's unique (motion, key) holds even so."""
    actor = Actor.of(actor)
    motion = Motion.objects.select_for_update(of=("self",)).filter(pk=motion_id).first()
    if motion is None:
        raise NotFound("未找到该表决事项")
    attendance = (Attendance.objects.filter(session_id=motion.session_id, person_id=getattr(actor.person, "pk", 0))
                  .first() if actor.person is not None else None)
    if attendance is None:
        community = Session.objects.select_related("hall__community").get(pk=motion.session_id).hall.community
        if not (actor.scope.sees_grid(community) or actor.scope.is_admin):
            raise NotFound("未找到该表决事项")
        raise PermissionDenied("只有已签到的到会人员可以投票")
    if motion.method != Method.ELECTRONIC:
        raise Conflict("该事项为举手表决，不能在手机上投票")
    if motion.status != MotionStatus.OPEN:
        raise Conflict("该事项未在表决中" if motion.status == MotionStatus.DRAFT else "该事项已结束表决")
    if choice not in Choice.values:
        raise InvalidInput.field("choice", "请选择赞成、反对或弃权")
    key = _voter_key(attendance, motion.basis)
    if Voter.objects.filter(motion=motion, key=key).exists():
        raise Conflict("本户已投过票" if key.startswith("h:") else "您已投过票")
    try:
        with transaction.atomic():
            Voter.objects.create(motion=motion, key=key, attendance=attendance, subdistrict_id=motion.subdistrict_id)
    except IntegrityError as exc:
        raise Conflict("您已投过票") from exc
    Ballot.objects.create(motion=motion, choice=choice, voter_name="" if motion.secret else attendance.name,
                          subdistrict_id=motion.subdistrict_id)
    counter = {Choice.FOR: "votes_for", Choice.AGAINST: "votes_against", Choice.ABSTAIN: "votes_abstain"}[choice]
    Motion.objects.filter(pk=motion.pk).update(**{counter: F(counter) + 1})
    motion.refresh_from_db()
    return motion


# -- resolutions ---------------------------------------------------------------------------------------------


@dataclass
class ResolutionIn:
    item: int | None
    text: str = ""
    responsible_person: int | None = None
    responsible_organisation: int | None = None
    due_on: dt.date | None = None
    category: str = DEFAULT_CATEGORY
    adopt_item_matters: bool = True
    motion: int | None = None


def _place_for(item: Item, community) -> dict:
    matter = item.matters.order_by("id").first()
    if matter is not None:
        if matter.unit_id:
            return {"unit": matter.unit_id}
        if matter.lon is not None and matter.lat is not None:
            return {"lon": matter.lon, "lat": matter.lat}
    unit = (Unit.objects.filter(Q(micro_grid__path__startswith=community.path)
                                | Q(building__estate_grid__path__startswith=community.path))
            .order_by("id").first())
    if unit is None:
        raise InvalidInput.field("item", "本社区尚未登记楼栋单元，无法生成跟踪事项")
    return {"unit": unit.pk}


@transaction.atomic
def meeting_resolution_create(*, actor, session_id: int, data: ResolutionIn,
                              at: dt.datetime | None = None) -> Resolution:
    """Record a resolution of an item: text, owner (a person and/or an organisation — at least one) and a
    due date, both required. Its follow-ups: the item's own linked matters when it carries some (and
    `adopt_item_matters`), else a new matter with source `deliberation` in `category`, placed at the item's
    first matter or in the community."""
    from wangge.matters.services import Report, matter_report  # noqa: PLC0415

    actor = Actor.of(actor)
    at = at or timezone.now()
    session = _session(actor, session_id, lock=True)
    _writable(session)
    community = session.hall.community
    errors: list[FieldError] = []
    item = Item.objects.filter(pk=data.item, session=session).first() if isinstance(data.item, int) else None
    if item is None:
        errors.append(FieldError("item", "请选择本次会议的议题"))
    try:
        text = clean_text(data.text, "text", limit=2000, required=True)
    except InvalidInput as exc:
        errors.extend(exc.errors)
        text = ""
    person = org = None
    if data.responsible_person is None and data.responsible_organisation is None:
        errors.append(FieldError("responsible", "请指定责任人或责任单位"))
    if data.responsible_person is not None:
        person = Person.objects.select_related("grid", "resident__household__unit__micro_grid").filter(
            pk=data.responsible_person).first()
        if person is None or not _person_near(person, community, at):
            errors.append(FieldError("responsible_person", "责任人不存在，或不在本社区"))
    if data.responsible_organisation is not None:
        org = Organisation.objects.filter(pk=data.responsible_organisation).filter(_near(community)).first()
        if org is None:
            errors.append(FieldError("responsible_organisation", "责任单位不存在，或不服务本社区"))
    if data.due_on is None:
        errors.append(FieldError("due_on", "请填写完成时限"))
    elif not isinstance(data.due_on, dt.date):
        errors.append(FieldError("due_on", "日期格式应为 YYYY-MM-DD"))
    elif data.due_on < timezone.localdate(session.starts_at):
        errors.append(FieldError("due_on", "完成时限不能早于会议日期"))
    motion = None
    if data.motion is not None:
        motion = Motion.objects.filter(pk=data.motion, session=session).first()
        if motion is None:
            errors.append(FieldError("motion", "该表决事项不属于本次会议"))
        elif motion.result != Result.PASSED:
            errors.append(FieldError("motion", "该表决事项未通过，不能据此形成决议"))
    if errors:
        raise InvalidInput(errors[0].message if len(errors) == 1 else "；".join(map(str, errors)), errors=errors)
    resolution = Resolution(session=session, item=item, motion=motion, text=text, responsible_person=person,
                            responsible_organisation=org, due_on=data.due_on, created_at=at,
                            created_by_label=actor.label, subdistrict_id=session.subdistrict_id)
    resolution.save()
    adopted = list(item.matters.all()) if data.adopt_item_matters else []
    if adopted:
        resolution.matters.set(adopted)
    else:
        matter, _created = matter_report(actor=actor, at=at, report=Report(
            source=Source.DELIBERATION, category=data.category, description=f"【议事厅决议】{text}"[:2000],
            reporter_name=actor.label[:50], **_place_for(item, community)))
        resolution.matters.add(matter)
    return resolution


# -- held and published --------------------------------------------------------------------------------------


@transaction.atomic
def meeting_mark_held(*, actor, session_id: int, at: dt.datetime | None = None) -> Session:
    """The secretary marks the session held (answered): its minutes and resolutions are recorded. Nothing
    is visible to residents yet."""
    actor = Actor.of(actor)
    at = at or timezone.now()
    session = _session(actor, session_id, lock=True)
    if session.status != SessionStatus.PLANNED:
        raise Conflict(f"会议{session.get_status_display()}，不能再标记为已召开")
    if at < session.starts_at:
        raise Conflict("会议尚未开始")
    if Motion.objects.filter(session=session, status=MotionStatus.OPEN).exists():
        raise Conflict("还有正在表决的事项，请先结束表决")
    if not Minutes.objects.filter(item__session=session).exclude(text="").exists():
        raise InvalidInput.field("minutes", "请先记录至少一个议题的纪要")
    session.status = SessionStatus.HELD
    session.save(update_fields=["status"])
    record = record_for(session)
    record.held_at, record.held_by_label = at, actor.label
    record.save(update_fields=["held_at", "held_by_label"])
    return session


def community_residents(community) -> list[Person]:
    return list(Person.objects.filter(
        resident__isnull=False, resident__left_at__isnull=True,
        resident__household__unit__micro_grid__path__startswith=community.path))


@transaction.atomic
def meeting_publish(*, actor, session_id: int, at: dt.datetime | None = None) -> Session:
    """Publish a held session's minutes and resolutions to the residents of the community: a notice to
    each (inbox, and email or text as they chose), the minutes PDF downloadable, the resolutions listed."""
    actor = Actor.of(actor)
    at = at or timezone.now()
    session = _session(actor, session_id, lock=True)
    if session.status != SessionStatus.HELD:
        raise Conflict("只有已召开（已记录纪要和决议）的会议可以公开" if session.status == SessionStatus.PLANNED
                       else f"会议{session.get_status_display()}")
    session.status = SessionStatus.PUBLISHED
    session.save(update_fields=["status"])
    record = record_for(session)
    record.published_at, record.published_by_label = at, actor.label
    record.save(update_fields=["published_at", "published_by_label"])
    count = Resolution.objects.filter(session=session).count()
    notify(recipients=community_residents(session.hall.community), event="hall.session_published",
           title=f"议事会议纪要公开：{session.title}", body=f"本次会议形成决议{count}项，纪要可在线查看和下载。",
           link="/hall/resolutions/", payload={"session": session.pk}, subdistrict_id=session.subdistrict_id)
    emit(event="hall.session_published", payload={"id": session.pk, "resolutions": count},
         subdistrict_id=session.subdistrict_id)
    return session


def follow_up_states(resolution: Resolution) -> list[Matter]:
    return list(resolution.matters.all())
