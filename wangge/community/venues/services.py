"""Every write of 活动场地: venues, and bookings with their conflict checks and approval.

A booking must lie inside one opening interval of its day, fit the venue's capacity, and overlap no booking
that holds its slot (pending or approved) nor an activity held at the venue. Every check runs with the
venue's row locked, so two people asking for the same slot at once never both get it; approval re-checks
under the same lock."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from wangge.core.errors import Conflict, InvalidInput, PermissionDenied, full_clean
from wangge.core.pii import normalize_phone, phone_problem
from wangge.core.text import clean_text
from wangge.notify.services import notify
from wangge.people.access import VENUES, Actor, require
from wangge.people.models import Organisation
from wangge.registry.models import GridNode

from . import selectors
from .models import WEEKDAYS, Booking, BookingStatus, Venue, hours_problem

MAX_BOOKING_DAYS_AHEAD = 180


def _grid(actor: Actor, grid_id) -> GridNode:
    grid = GridNode.objects.filter(pk=grid_id).first() if grid_id else None
    if grid is None:
        raise InvalidInput.field("community", "请选择所属网格")
    require(actor.scope, VENUES, grid)
    return grid


def _capacity(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1 or value > 100_000:
        raise InvalidInput.field("capacity", "容纳人数应为1到100000之间的整数")
    return value


def _hours(value) -> dict:
    problem = hours_problem(value if value is not None else {})
    if problem:
        raise InvalidInput.field("opening_hours", problem)
    return {str(k): [list(i) for i in sorted(v)] for k, v in (value or {}).items() if v}


@transaction.atomic
def venue_create(*, actor, community: int, name: str, description: str = "", place: str = "", capacity: int = 20,
                 opening_hours: dict | None = None, needs_approval: bool = True, active: bool = True) -> Venue:
    actor = Actor.of(actor)
    grid = _grid(actor, community)
    name = clean_text(name, "name", limit=60, required=True)
    if Venue.objects.filter(community=grid, name=name).exists():
        raise InvalidInput.field("name", f"{grid.name}已有名为“{name}”的场地")
    venue = Venue(community=grid, name=name, description=clean_text(description, "description", limit=2000),
                  place=clean_text(place, "place", limit=120), capacity=_capacity(capacity),
                  opening_hours=_hours(opening_hours), needs_approval=bool(needs_approval), active=bool(active))
    full_clean(venue)
    venue.save()
    return venue


@transaction.atomic
def venue_update(*, actor, venue_id: int, **changes) -> Venue:
    actor = Actor.of(actor)
    venue = selectors.venue_get(actor=actor.scope, venue_id=venue_id)
    require(actor.scope, VENUES, venue.community)
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    if "name" in changes and changes["name"] is not None:
        name = clean_text(changes["name"], "name", limit=60, required=True)
        if Venue.objects.filter(community_id=venue.community_id, name=name).exclude(pk=venue.pk).exists():
            raise InvalidInput.field("name", f"已有名为“{name}”的场地")
        venue.name = name
    if changes.get("description") is not None:
        venue.description = clean_text(changes["description"], "description", limit=2000)
    if changes.get("place") is not None:
        venue.place = clean_text(changes["place"], "place", limit=120)
    if changes.get("capacity") is not None:
        venue.capacity = _capacity(changes["capacity"])
    if changes.get("opening_hours") is not None:
        venue.opening_hours = _hours(changes["opening_hours"])
    for flag in ("needs_approval", "active"):
        if changes.get(flag) is not None:
            setattr(venue, flag, bool(changes[flag]))
    full_clean(venue)
    venue.save()
    return venue


# -- conflicts ---------------------------------------------------------------------------------------------


def _fmt(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


def check_slot(*, venue: Venue, starts_at: dt.datetime, ends_at: dt.datetime, attendees: int | None = None,
               exclude_booking: int | None = None, exclude_activity: int | None = None,
               hours: bool = True) -> None:
    """Refuse a slot outside the opening hours, over capacity, or overlapping a booking that holds its slot
    or an activity held at the venue. Call with the venue row locked."""
    from wangge.community.activities.models import Activity, Status

    if ends_at <= starts_at:
        raise InvalidInput.field("ends_at", "结束时间应晚于开始时间")
    if hours:
        start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
        day = start.isoweekday()
        intervals = (venue.opening_hours or {}).get(str(day)) or []
        if start.date() != end.date() or not any(a <= start.strftime("%H:%M") and end.strftime("%H:%M") <= b
                                                 for a, b in intervals):
            open_text = "、".join(f"{a}–{b}" for a, b in sorted(intervals)) or "不开放"
            raise InvalidInput.field("starts_at", f"不在{venue.name}的开放时间内（周{WEEKDAYS[day - 1]}：{open_text}）")
    if attendees is not None and attendees > venue.capacity:
        raise InvalidInput.field("attendees", f"人数{attendees}超过{venue.name}的容纳人数{venue.capacity}")
    clash = Booking.objects.filter(venue=venue, status__in=[BookingStatus.PENDING, BookingStatus.APPROVED],
                                   starts_at__lt=ends_at, ends_at__gt=starts_at).exclude(pk=exclude_booking) \
        .order_by("starts_at").first()
    if clash is not None:
        raise Conflict(f"与{clash.get_status_display()}的预约冲突：{_fmt(clash.starts_at)}–"
                       f"{timezone.localtime(clash.ends_at):%H:%M} {clash.purpose}",
                       errors=[], extra={"booking": clash.pk})
    activity = Activity.objects.filter(venue=venue, starts_at__lt=ends_at, ends_at__gt=starts_at) \
        .exclude(status=Status.CANCELLED).exclude(pk=exclude_activity).order_by("starts_at").first()
    if activity is not None:
        raise Conflict(f"与活动冲突：{_fmt(activity.starts_at)}–{timezone.localtime(activity.ends_at):%H:%M} "
                       f"{activity.title}", extra={"activity": activity.pk})


def lock_venue(venue_id: int) -> Venue:
    return Venue.objects.select_for_update(of=("self",)).select_related("community").get(pk=venue_id)


# -- bookings ---------------------------------------------------------------------------------------------


@transaction.atomic
def booking_create(*, actor, venue_id: int, purpose: str, starts_at: dt.datetime, ends_at: dt.datetime,
                   attendees: int = 1, organisation: int | None = None, contact_name: str = "",
                   contact_phone: str = "", now: dt.datetime | None = None) -> Booking:
    """A resident books for themselves, or for an organisation they belong to; a venue keeper may book for
    any organisation. Pending until a keeper approves, unless the venue needs no approval."""
    actor = Actor.of(actor)
    venue = selectors.venue_get(actor=actor.scope, venue_id=venue_id)
    keeper = selectors.is_keeper(actor.scope, venue)
    if not venue.active:
        raise InvalidInput.field("venue", f"{venue.name}已停用，不能预约")
    purpose = clean_text(purpose, "purpose", limit=200, required=True)
    if not isinstance(attendees, int) or isinstance(attendees, bool) or attendees < 1:
        raise InvalidInput.field("attendees", "人数至少为1")
    now = now or timezone.now()
    if starts_at is None:
        raise InvalidInput.field("starts_at", "请填写开始时间")
    if ends_at is None:
        raise InvalidInput.field("ends_at", "请填写结束时间")
    if starts_at < now:
        raise InvalidInput.field("starts_at", "开始时间已过，不能预约过去的时段")
    if starts_at > now + dt.timedelta(days=MAX_BOOKING_DAYS_AHEAD):
        raise InvalidInput.field("starts_at", f"最多提前{MAX_BOOKING_DAYS_AHEAD}天预约")
    org = None
    if organisation is not None:
        org = Organisation.objects.filter(pk=organisation).first()
        member = org is not None and actor.person is not None and org.memberships.filter(
            person=actor.person, end__isnull=True).exists()
        if org is None or not (keeper or member or actor.scope.is_admin):
            raise InvalidInput.field("organisation", "只能以您所在的单位名义预约")
    if org is None and actor.person is None:
        raise InvalidInput.field("organisation", "请选择预约单位")
    contact_name = clean_text(contact_name, "contact_name", limit=50) or (actor.person.name if actor.person else "")
    if not contact_name:
        raise InvalidInput.field("contact_name", "请填写联系人")
    contact_phone = clean_text(contact_phone, "contact_phone", limit=20) or (
        actor.person.phone if actor.person else "")
    if contact_phone:
        problem = phone_problem(contact_phone)
        if problem:
            raise InvalidInput.field("contact_phone", problem)
        contact_phone = normalize_phone(contact_phone)
    venue = lock_venue(venue.pk)
    check_slot(venue=venue, starts_at=starts_at, ends_at=ends_at, attendees=attendees)
    booking = Booking(venue=venue, subdistrict=venue.subdistrict, person=actor.person, organisation=org,
                      contact_name=contact_name, contact_phone=contact_phone, purpose=purpose, starts_at=starts_at,
                      ends_at=ends_at, attendees=attendees, created_by=actor.user if actor.user_id else None,
                      status=BookingStatus.PENDING if venue.needs_approval else BookingStatus.APPROVED)
    if booking.status == BookingStatus.APPROVED:
        booking.decided_at = now
        booking.decision_note = "无需审批"
    full_clean(booking)
    booking.save()
    return booking


def _booker_notice(booking: Booking, title: str, body: str = "") -> None:
    if booking.person_id:
        notify(recipients=[booking.person], event="venue.booking", title=title, body=body, link="/bookings/",
               subdistrict_id=booking.subdistrict_id or booking.venue.subdistrict_id)


@transaction.atomic
def booking_decide(*, actor, booking_id: int, approve: bool, note: str = "") -> Booking:
    actor = Actor.of(actor)
    booking = selectors.booking_get(actor=actor.scope, booking_id=booking_id)
    require(actor.scope, VENUES, booking.venue.community)
    note = clean_text(note, "note", limit=200)
    if not approve and not note:
        raise InvalidInput.field("note", "不批准时请写明原因")
    venue = lock_venue(booking.venue_id)
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status != BookingStatus.PENDING:
        raise Conflict(f"该预约{booking.get_status_display()}，不能再审批")
    if approve:
        check_slot(venue=venue, starts_at=booking.starts_at, ends_at=booking.ends_at, attendees=booking.attendees,
                   exclude_booking=booking.pk, hours=False)
    booking.status = BookingStatus.APPROVED if approve else BookingStatus.REJECTED
    booking.decided_by = actor.person
    booking.decided_at = timezone.now()
    booking.decision_note = note
    booking.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    when = f"{_fmt(booking.starts_at)}–{timezone.localtime(booking.ends_at):%H:%M}"
    _booker_notice(booking, f"{venue.name}预约{booking.get_status_display()}：{when}", note)
    return booking


@transaction.atomic
def booking_cancel(*, actor, booking_id: int, reason: str = "") -> Booking:
    """The booker cancels their own booking; a venue keeper may cancel any (telling the booker why)."""
    actor = Actor.of(actor)
    booking = selectors.booking_get(actor=actor.scope, booking_id=booking_id)
    own = actor.person is not None and booking.person_id == actor.person.pk
    keeper = selectors.is_keeper(actor.scope, booking.venue)
    if not (own or keeper):
        raise PermissionDenied("只能取消自己的预约")
    reason = clean_text(reason, "reason", limit=200)
    if keeper and not own and not reason:
        raise InvalidInput.field("reason", "取消他人的预约时请写明原因")
    lock_venue(booking.venue_id)
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status not in (BookingStatus.PENDING, BookingStatus.APPROVED):
        raise Conflict(f"该预约{booking.get_status_display()}，不能取消")
    if booking.ends_at <= timezone.now():
        raise Conflict("该预约的时段已过，不能取消")
    booking.status = BookingStatus.CANCELLED
    booking.decision_note = reason or booking.decision_note
    booking.save(update_fields=["status", "decision_note"])
    if not own:
        _booker_notice(booking, f"{booking.venue.name}的预约已被取消", reason)
    return booking

