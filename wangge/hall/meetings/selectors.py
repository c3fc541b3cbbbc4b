"""Every read of the meeting day, scoped.

- The secretary's reads (invitations, attendance, quorum, motions, drafts of minutes and resolutions) need
  HALL over the hall's community: 404 outside the scope, 403 inside without it.
- Residents of the community (their household's grid chain contains the community) read published
  sessions' minutes and resolutions only; an unpublished session answers 404 to them.
- Attendees read the open motions of a session they are checked in to (the phone vote page).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from wangge.core.errors import NotFound
from wangge.core.text import normalize_query
from wangge.hall.agenda.models import Item, Session, SessionStatus
from wangge.matters.models import Matter
from wangge.people.access import HALL, actor_scope, require
from wangge.people.models import Duty, Organisation, Person
from wangge.people.selectors import person_pick_list
from wangge.registry.models import path_ids
from wangge.registry.selectors import within_node

from .models import Attendance, Invitation, MeetingRecord, Motion, MotionStatus, Resolution


def near_q(community, prefix: str = "") -> Q:
    """Grid nodes inside the community or above it (the subdistrict's police station serves it too), for
    a row whose grid is `<prefix>grid`."""
    return (Q(**{f"{prefix}grid__path__startswith": community.path})
            | Q(**{f"{prefix}grid_id__in": path_ids(community.path)}))


def persons_near_q(community, at: dt.datetime) -> Q:
    """The persons a session of the community's hall may invite (or name responsible for a resolution):
    registered at a grid in the community or above it, holding a current duty there or above it, or
    living in it."""
    return (near_q(community)
            | Q(Exists(Duty.objects.current(at).filter(near_q(community), person=OuterRef("pk"))))
            | Q(resident__left_at__isnull=True, resident__household__unit__micro_grid__path__startswith=community.path))


def organisations_near(community) -> QuerySet[Organisation]:
    """The organisations serving the community (placed in it or above it), which its hall may invite."""
    return Organisation.objects.filter(near_q(community)).order_by("kind", "id")


def invite_person_picks(*, actor, session: Session, q: str = "", at: dt.datetime | None = None) -> QuerySet[Person]:
    """The invitation form's person search: persons the actor may see whom the session may invite, found
    by name, pinyin or initials, each with `current_duties` (so that two 张伟 can be told apart)."""
    at = at or timezone.now()
    return (person_pick_list(actor=actor, q=q).filter(persons_near_q(session.hall.community, at))
            .select_related("resident__household__unit__micro_grid").order_by("id"))


def _session(session_id: int) -> Session:
    session = Session.objects.select_related("hall__community").filter(pk=session_id).first()
    if session is None:
        raise NotFound("未找到该会议")
    return session


def session_for_staff(*, actor, session_id: int) -> Session:
    scope = actor_scope(actor)
    session = _session(session_id)
    require(scope, HALL, session.hall.community)
    return session


def can_run(actor, session: Session) -> bool:
    return actor_scope(actor).can(HALL, session.hall.community)


def is_resident_of(actor, session: Session) -> bool:
    scope = actor_scope(actor)
    return session.hall.community_id in scope.household_chain


def session_for_reader(*, actor, session_id: int) -> Session:
    """A session whose minutes and resolutions the actor may read: HALL over its community (any status),
    or a resident of the community once it is published. Anyone else: 404."""
    scope = actor_scope(actor)
    session = _session(session_id)
    if scope.can(HALL, session.hall.community):
        return session
    if session.status == SessionStatus.PUBLISHED and session.hall.community_id in scope.household_chain:
        return session
    if scope.sees_grid(session.hall.community) and session.status == SessionStatus.PUBLISHED:
        return session  # staff of the community without HALL read what residents read
    raise NotFound("未找到该会议")


def record_of(session: Session) -> MeetingRecord | None:
    return MeetingRecord.objects.filter(session=session).first()


def invitation_list(*, actor, session_id: int) -> QuerySet[Invitation]:
    session = session_for_staff(actor=actor, session_id=session_id)
    return session.invitations.select_related("person", "organisation").order_by("organisation_id", "id")


def invitation_by_token(token: str) -> Invitation:
    if not isinstance(token, str) or not token or len(token) > 32:
        raise NotFound("邀请链接无效")
    invitation = (
        Invitation.objects.select_related("session__hall__community", "person", "organisation")
        .filter(token=token).first()
    )
    if invitation is None:
        raise NotFound("邀请链接无效")
    return invitation


def session_by_checkin_token(token: str) -> Session:
    record = (
        MeetingRecord.objects.select_related("session__hall__community").filter(checkin_token=token).first()
        if isinstance(token, str) and token and len(token) <= 32 else None
    )
    if record is None:
        raise NotFound("签到二维码无效")
    return record.session


def attendance_list(*, actor, session_id: int) -> QuerySet[Attendance]:
    session = session_for_staff(actor=actor, session_id=session_id)
    return session.attendances.select_related("person", "organisation", "invitation").order_by("checked_in_at", "id")


def attendance_of(*, actor, session: Session) -> Attendance | None:
    person = getattr(actor, "person", None)
    if person is None:
        return None
    return Attendance.objects.filter(session=session, person=person).first()


def motion_list(*, actor, session_id: int) -> QuerySet[Motion]:
    """The motions of a session: all of them for the secretary (and, once published, for readers); the
    open ones for a checked-in attendee."""
    scope = actor_scope(actor)
    session = _session(session_id)
    qs = Motion.objects.filter(session=session).select_related("item").order_by("id")
    if scope.can(HALL, session.hall.community):
        return qs
    if Attendance.objects.filter(session=session, person_id=scope.person_id).exists() and scope.person_id:
        return qs.filter(status__in=[MotionStatus.OPEN, MotionStatus.CLOSED])
    session_for_reader(actor=actor, session_id=session_id)
    return qs.filter(status=MotionStatus.CLOSED)


def items_of(session: Session) -> QuerySet[Item]:
    return session.items.select_related("meeting_minutes").prefetch_related("matters").order_by("position", "id")


def _resolutions() -> QuerySet[Resolution]:
    return (
        Resolution.objects.select_related("session__hall__community", "item__meeting_minutes", "responsible_person",
                                          "responsible_organisation", "motion")
        .prefetch_related(Prefetch("matters", queryset=Matter.objects.select_related("category").order_by("id")))
    )


def session_resolutions(*, actor, session_id: int) -> QuerySet[Resolution]:
    session = session_for_reader(actor=actor, session_id=session_id)
    return _resolutions().filter(session=session).order_by("id")


def resolution_list(*, actor, within: int | None = None, q: str | None = None,
                    session: int | None = None) -> QuerySet[Resolution]:
    """Resolutions the actor may read: every one over the communities where they run a hall, and the
    published ones of the community a resident lives in (or the staff of a community see)."""
    scope = actor_scope(actor)
    qs = _resolutions()
    if not scope.is_admin:
        visible = scope.grid_q("session__hall__community__", HALL)
        published = Q(session__status=SessionStatus.PUBLISHED) & (
            Q(session__hall__community_id__in=scope.household_chain or [0])
            | scope.grid_q("session__hall__community__")
        )
        qs = qs.filter(visible | published)
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(Q(session__hall__community__path__startswith=node.path)
                       | Q(session__hall__community_id__in=path_ids(node.path)))
    if session is not None:
        qs = qs.filter(session_id=session)
    if q:
        needle = q.strip()
        qs = qs.filter(Q(text__contains=needle) | Q(text__contains=normalize_query(q)) | Q(item__title__contains=needle))
    return qs.order_by("-session__starts_at", "id")


FINISHED = {"closed", "evaluated", "withdrawn", "merged", "rejected"}


def follow_up_progress(resolutions) -> dict:
    """How far the follow-up matters of these resolutions are: done / total, and whether all are done."""
    total = done = 0
    for resolution in resolutions:
        for matter in resolution.matters.all():
            total += 1
            done += matter.state in FINISHED
    return {"total": total, "done": done, "all_done": total > 0 and done == total}
