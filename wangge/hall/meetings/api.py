"""/api/v1 endpoints of 议事会议: invitations and RSVPs, check-in and attendance, quorum rules, minutes,
motions and votes, resolutions and their follow-ups, marking held and publishing, the minutes PDF.

Scope: secretary actions need HALL over the hall's community (404 outside the scope, 403 inside without
it). RSVP by link needs no login (the token is the key). Check-in and electronic votes are the attendee's
own. Residents of the community read published resolutions and minutes only."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Query, Router, Status

from wangge.core.errors import NotFound
from wangge.core.schemas import ERRORS, Id, list_of, page_of
from wangge.hall.agenda.models import Hall, Session
from wangge.people.access import HALL, Actor, request_scope, require

from . import pdf, selectors, services
from .models import Minutes
from .schemas import (
    AttendanceIn,
    AttendanceOut,
    HandsIn,
    InvitationOut,
    InviteIn,
    MeetingCheckinIn,
    MinutesIn,
    MinutesOut,
    MotionIn,
    MotionOut,
    MotionVoteIn,
    QuorumOut,
    QuorumRulesIn,
    QuorumRulesOut,
    ResolutionIn,
    ResolutionOut,
    ResolutionQuery,
    RsvpIn,
    RsvpOut,
    SessionStateOut,
)
from .serializers import (
    attendance_out,
    invitation_out,
    minutes_out,
    motion_out,
    resolution_out,
    rsvp_out,
    state_out,
)

router = Router(tags=["meetings"])

_PDF = {"responses": {200: {"description": "PDF", "content": {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}}


def _actor(request) -> Actor:
    return Actor.for_request(request)


def _present(session) -> set[int]:
    return set(session.attendances.filter(invitation__isnull=False).values_list("invitation_id", flat=True))


# -- invitations -----------------------------------------------------------------------------------------


@router.get("/hall/sessions/{session_id}/invitations", response={200: list_of(InvitationOut), **ERRORS},
            operation_id="meeting_invitation_list")
def meeting_invitation_list(request, session_id: Id):
    """The invitations of a session with their answers and who has checked in (HALL)."""
    qs = selectors.invitation_list(actor=request_scope(request), session_id=session_id)
    present = _present(Session.objects.get(pk=session_id))
    rows = list(qs)
    return {"items": [invitation_out(i, present) for i in rows], "count": len(rows)}


@router.post("/hall/sessions/{session_id}/invitations", response={201: list_of(InvitationOut), **ERRORS},
             operation_id="meeting_invite")
def meeting_invite(request, session_id: Id, payload: InviteIn):
    """Invite persons and organisations (those already invited are skipped); each is told with an RSVP
    link, and gets the session's .ics by email when they have an address (HALL)."""
    rows = services.meeting_invite(actor=_actor(request), session_id=session_id, persons=payload.persons,
                                   organisations=payload.organisations, capacity=payload.capacity)
    return Status(201, {"items": [invitation_out(i) for i in rows], "count": len(rows)})


@router.post("/hall/sessions/{session_id}/invitations/usual", response={201: list_of(InvitationOut), **ERRORS},
             operation_id="meeting_invite_usual")
def meeting_invite_usual(request, session_id: Id):
    """Invite the usual participants: joint units (police station, housing bureau, fire brigade), the
    property company, party-member building heads, building stewards, resident representatives and
    the community party committee's members (HALL)."""
    rows = services.meeting_invite_usual(actor=_actor(request), session_id=session_id)
    return Status(201, {"items": [invitation_out(i) for i in rows], "count": len(rows)})


@router.get("/hall/rsvp/{token}", response={200: RsvpOut, **ERRORS}, operation_id="meeting_rsvp_get", auth=None)
def meeting_rsvp_get(request, token: str):
    """An invitation by its link (no login): the session and the current answer."""
    return rsvp_out(selectors.invitation_by_token(token))


@router.post("/hall/rsvp/{token}", response={200: RsvpOut, **ERRORS}, operation_id="meeting_rsvp", auth=None)
def meeting_rsvp(request, token: str, payload: RsvpIn):
    """Answer an invitation by its link (no login): `accepted` or `declined` with a note; an organisation
    says who will come (`delegates`)."""
    inv = services.meeting_rsvp(token=token, answer=services.RsvpIn(**payload.dict()))
    return rsvp_out(selectors.invitation_by_token(inv.token))


@router.post("/hall/rsvp/{token}/checkin", response={200: AttendanceOut, **ERRORS},
             operation_id="meeting_rsvp_checkin", auth=None)
def meeting_rsvp_checkin(request, token: str, payload: MeetingCheckinIn):
    """Check in with one's own invitation link and the session's QR token (no login); once only, on the
    session's day."""
    row, created = services.meeting_checkin(checkin_token=payload.checkin_token, rsvp_token=token)
    return attendance_out(row, created)


# -- attendance and quorum -------------------------------------------------------------------------------


@router.post("/hall/checkin", response={200: AttendanceOut, **ERRORS}, operation_id="meeting_checkin")
def meeting_checkin(request, payload: MeetingCheckinIn):
    """Check in with the session's QR token as the logged-in invitee (or with an RSVP token); once only,
    from 2 h before the start to the end."""
    row, created = services.meeting_checkin(actor=_actor(request), checkin_token=payload.checkin_token,
                                            rsvp_token=payload.rsvp_token)
    return attendance_out(row, created)


@router.get("/hall/sessions/{session_id}/attendance", response={200: list_of(AttendanceOut), **ERRORS},
            operation_id="meeting_attendance")
def meeting_attendance(request, session_id: Id):
    """The attendance record of a session (HALL)."""
    rows = list(selectors.attendance_list(actor=request_scope(request), session_id=session_id))
    return {"items": [attendance_out(a) for a in rows], "count": len(rows)}


@router.post("/hall/sessions/{session_id}/attendance", response={201: AttendanceOut, **ERRORS},
             operation_id="meeting_attendance_add")
def meeting_attendance_add(request, session_id: Id, payload: AttendanceIn):
    """Check someone in by hand: a known person or a walk-in by name, with their organisation (HALL)."""
    row = services.meeting_attendance_add(actor=_actor(request), session_id=session_id, **payload.dict())
    return Status(201, attendance_out(row, True))


@router.get("/hall/sessions/{session_id}/quorum", response={200: QuorumOut, **ERRORS}, operation_id="meeting_quorum")
def meeting_quorum(request, session_id: Id):
    """Whether the hall's quorum rules hold now, with each rule's reason (HALL)."""
    session = selectors.session_for_staff(actor=request_scope(request), session_id=session_id)
    q = services.quorum(session)
    return {"met": q.met, "attendees": q.attendees, "invited_persons": q.invited_persons,
            "invited_present": q.invited_present, "checks": q.checks, "reasons": q.reasons}


def _rules_out(rules) -> dict:
    return {"hall_id": rules.hall_id, "min_attendees": rules.min_attendees,
            "min_invited_share": rules.min_invited_share, "required_kinds": list(rules.required_kinds or [])}


def _hall(request, hall_id: int) -> Hall:
    hall = Hall.objects.select_related("community").filter(pk=hall_id).first()
    if hall is None:
        raise NotFound("未找到该议事厅")
    require(request_scope(request), HALL, hall.community)
    return hall


@router.get("/hall/halls/{hall_id}/quorum-rules", response={200: QuorumRulesOut, **ERRORS},
            operation_id="meeting_rules_get")
def meeting_rules_get(request, hall_id: Id):
    """The hall's quorum rules (HALL)."""
    return _rules_out(services.rules_of(_hall(request, hall_id)))


@router.put("/hall/halls/{hall_id}/quorum-rules", response={200: QuorumRulesOut, **ERRORS},
            operation_id="meeting_rules_update")
def meeting_rules_update(request, hall_id: Id, payload: QuorumRulesIn):
    """Set the hall's quorum rules: minimum attendees, minimum share of invited persons present, the
    organisation kinds that must be present (HALL)."""
    return _rules_out(services.meeting_rules_update(actor=_actor(request), hall_id=hall_id, **payload.dict()))


# -- minutes ---------------------------------------------------------------------------------------------


@router.get("/hall/sessions/{session_id}/minutes", response={200: list_of(MinutesOut), **ERRORS},
            operation_id="meeting_minutes_list")
def meeting_minutes_list(request, session_id: Id):
    """The minutes per item: HALL at any time; residents of the community once published."""
    session = selectors.session_for_reader(actor=request_scope(request), session_id=session_id)
    items = list(selectors.items_of(session))
    minutes = {m.item_id: m for m in Minutes.objects.filter(item__in=items)}
    return {"items": [minutes_out(i, minutes.get(i.pk)) for i in items], "count": len(items)}


@router.put("/hall/items/{item_id}/minutes", response={200: MinutesOut, **ERRORS},
            operation_id="meeting_minutes_update")
def meeting_minutes_update(request, item_id: Id, payload: MinutesIn):
    """Write the minutes of an item; the last editor and time are kept (HALL; not after publishing)."""
    minutes = services.meeting_minutes_update(actor=_actor(request), item_id=item_id, text=payload.text)
    return minutes_out(minutes.item, minutes)


@router.get("/hall/sessions/{session_id}/minutes.pdf", response=ERRORS, operation_id="meeting_minutes_pdf",
            openapi_extra=_PDF)
def meeting_minutes_pdf(request, session_id: Id):
    """The minutes as a PDF in Chinese: HALL at any time (a draft until published); residents of the
    community once published."""
    session = selectors.session_for_reader(actor=request_scope(request), session_id=session_id)
    response = HttpResponse(pdf.minutes_pdf(session), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf.filename(session)}"'
    return response


# -- motions and votes -----------------------------------------------------------------------------------


@router.get("/hall/sessions/{session_id}/motions", response={200: list_of(MotionOut), **ERRORS},
            operation_id="meeting_motion_list")
def meeting_motion_list(request, session_id: Id):
    """Motions: all for HALL; open and closed ones for a checked-in attendee; closed ones for readers of a
    published session."""
    rows = list(selectors.motion_list(actor=request_scope(request), session_id=session_id))
    return {"items": [motion_out(m) for m in rows], "count": len(rows)}


@router.post("/hall/sessions/{session_id}/motions", response={201: MotionOut, **ERRORS},
             operation_id="meeting_motion_create")
def meeting_motion_create(request, session_id: Id, payload: MotionIn):
    """Put a motion on an item: method (hands/electronic), basis (person/household), open or secret,
    threshold (simple/two_thirds) (HALL)."""
    motion = services.meeting_motion_create(actor=_actor(request), session_id=session_id,
                                            data=services.MotionIn(**payload.dict()))
    return Status(201, motion_out(motion))


@router.post("/hall/motions/{motion_id}/open", response={200: MotionOut, **ERRORS}, operation_id="meeting_motion_open")
def meeting_motion_open(request, motion_id: Id):
    """Open the vote; refused (409, with the reasons) while the quorum is not met (HALL)."""
    return motion_out(services.meeting_motion_open(actor=_actor(request), motion_id=motion_id))


@router.post("/hall/motions/{motion_id}/close", response={200: MotionOut, **ERRORS},
             operation_id="meeting_motion_close")
def meeting_motion_close(request, motion_id: Id):
    """Close an electronic vote and compute the result (HALL)."""
    return motion_out(services.meeting_motion_close(actor=_actor(request), motion_id=motion_id))


@router.post("/hall/motions/{motion_id}/hands", response={200: MotionOut, **ERRORS},
             operation_id="meeting_hands_record")
def meeting_hands_record(request, motion_id: Id, payload: HandsIn):
    """Record a show of hands (for/against/abstain; the total may not exceed the attendees) and close it
    (HALL)."""
    return motion_out(services.meeting_hands_record(actor=_actor(request), motion_id=motion_id, **payload.dict()))


@router.post("/hall/motions/{motion_id}/vote", response={200: MotionOut, **ERRORS}, operation_id="meeting_vote")
def meeting_vote(request, motion_id: Id, payload: MotionVoteIn):
    """Vote on an open electronic motion as a checked-in attendee: once per person, or per household."""
    motion = services.meeting_vote(actor=_actor(request), motion_id=motion_id, choice=payload.choice)
    out = motion_out(motion)
    if motion.secret:
        out.update(votes_for=0, votes_against=0, votes_abstain=0, votes_cast=0)
    return out


# -- resolutions -----------------------------------------------------------------------------------------


@router.post("/hall/sessions/{session_id}/resolutions", response={201: ResolutionOut, **ERRORS},
             operation_id="meeting_resolution_create")
def meeting_resolution_create(request, session_id: Id, payload: ResolutionIn):
    """Record a resolution: item, text, responsible person and/or organisation (at least one), due date.
    Its follow-ups are the item's matters (adopted) or a new matter with source `deliberation` (HALL)."""
    resolution = services.meeting_resolution_create(actor=_actor(request), session_id=session_id,
                                                    data=services.ResolutionIn(**payload.dict()))
    row = selectors.session_resolutions(actor=request_scope(request), session_id=session_id).get(pk=resolution.pk)
    return Status(201, resolution_out(row))


@router.get("/hall/resolutions", response={200: list_of(ResolutionOut), **ERRORS},
            operation_id="meeting_resolution_list")
def meeting_resolution_list(request, query: Query[ResolutionQuery]):
    """Resolutions with their follow-ups' progress: all in the communities where you run a hall; for
    residents, the published ones of their community."""
    qs = selectors.resolution_list(actor=request_scope(request), within=query.within, q=query.q,
                                   session=query.session)
    return page_of(qs, query, resolution_out)


# -- held and published ----------------------------------------------------------------------------------


@router.post("/hall/sessions/{session_id}/held", response={200: SessionStateOut, **ERRORS},
             operation_id="meeting_mark_held")
def meeting_mark_held(request, session_id: Id):
    """Mark the session held (answered): minutes and resolutions recorded; not yet visible to residents
    (HALL)."""
    session = services.meeting_mark_held(actor=_actor(request), session_id=session_id)
    return state_out(session, selectors.record_of(session))


@router.post("/hall/sessions/{session_id}/publish", response={200: SessionStateOut, **ERRORS},
             operation_id="meeting_publish")
def meeting_publish(request, session_id: Id):
    """Publish the minutes and resolutions to the residents of the community, who are notified (HALL)."""
    session = services.meeting_publish(actor=_actor(request), session_id=session_id)
    return state_out(session, selectors.record_of(session))
