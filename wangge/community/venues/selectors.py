"""Every read of 活动场地, filtered through the access scope. Staff see the venues of the grids they may view
and the bookings of the venues they keep (VENUES); residents see the active venues of their community (any
grid on their household's chain) and only their own bookings."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from wangge.core.errors import NotFound, one_of
from wangge.core.text import normalize_query
from wangge.people.access import VENUES, Scope, actor_scope
from wangge.registry.selectors import within_node

from .models import Booking, BookingStatus, Venue


def venue_visible_q(scope: Scope) -> Q:
    if scope.is_admin:
        return Q()
    q = scope.grid_q("community__")
    if scope.household_chain:
        q |= Q(community_id__in=scope.household_chain, active=True)
    return q


def venue_list(*, actor, within: int | None = None, q: str | None = None, active: bool | None = None
               ) -> QuerySet[Venue]:
    scope = actor_scope(actor)
    qs = Venue.objects.filter(venue_visible_q(scope)).select_related("community")
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(community__path__startswith=node.path)
    if active is not None:
        qs = qs.filter(active=active)
    if q:
        qs = qs.filter(search_text__contains=normalize_query(q))
    return qs.order_by("community__path", "name", "id")


def venue_get(*, actor, venue_id: int) -> Venue:
    venue = Venue.objects.filter(venue_visible_q(actor_scope(actor)), pk=venue_id).select_related("community").first()
    if venue is None:
        raise NotFound("未找到该场地")
    return venue


def booking_visible_q(scope: Scope) -> Q:
    if scope.is_admin:
        return Q()
    q = scope.grid_q("venue__community__", VENUES)
    if scope.person_id is not None:
        q |= Q(person_id=scope.person_id)
    return q


def is_keeper(scope: Scope, venue: Venue) -> bool:
    return scope.can(VENUES, venue.community)


def booking_list(*, actor, within: int | None = None, q: str | None = None, venue: int | None = None,
                 status: str | None = None, mine: bool = False, since: dt.datetime | None = None,
                 until: dt.datetime | None = None) -> QuerySet[Booking]:
    scope = actor_scope(actor)
    if mine:
        qs = Booking.objects.filter(person_id=scope.person_id) if scope.person_id else Booking.objects.none()
    else:
        qs = Booking.objects.filter(booking_visible_q(scope))
    qs = qs.select_related("venue__community", "person", "organisation")
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(venue__community__path__startswith=node.path)
    if venue is not None:
        qs = qs.filter(venue_id=venue)
    if status:
        one_of(status, BookingStatus.values, "status", "状态")
        qs = qs.filter(status=status)
    if since is not None:
        qs = qs.filter(ends_at__gt=since)
    if until is not None:
        qs = qs.filter(starts_at__lt=until)
    if q:
        needle = q.strip()
        qs = qs.filter(Q(purpose__icontains=needle) | Q(contact_name__icontains=needle)
                       | Q(venue__name__icontains=needle) | Q(organisation__name__icontains=needle))
    return qs.order_by("starts_at", "id")


def booking_get(*, actor, booking_id: int) -> Booking:
    booking = Booking.objects.filter(booking_visible_q(actor_scope(actor)), pk=booking_id) \
        .select_related("venue__community", "person", "organisation").first()
    if booking is None:
        raise NotFound("未找到该预约")
    return booking


def week_slots(*, actor, venue: Venue, start: dt.datetime, days: int = 7) -> list[dict]:
    """The slots taken at a venue in the days from `start`: bookings that hold their slot and activities held
    there. Residents see when a slot is taken, not by whom."""
    from wangge.community.activities.models import Activity, Status

    scope = actor_scope(actor)
    end = start + dt.timedelta(days=days)
    keeper = is_keeper(scope, venue)
    rows = []
    for b in Booking.objects.filter(venue=venue, status__in=[BookingStatus.PENDING, BookingStatus.APPROVED],
                                    starts_at__lt=end, ends_at__gt=start).select_related("organisation"):
        own = scope.person_id is not None and b.person_id == scope.person_id
        rows.append({"starts_at": b.starts_at, "ends_at": b.ends_at, "kind": "booking", "status": b.status,
                     "label": (b.purpose if keeper or own else "已预约"), "mine": own, "id": b.pk if keeper or own else None,
                     "status_label": b.get_status_display()})
    for a in Activity.objects.filter(venue=venue, starts_at__lt=end, ends_at__gt=start) \
            .exclude(status=Status.CANCELLED):
        rows.append({"starts_at": a.starts_at, "ends_at": a.ends_at, "kind": "activity", "status": a.status,
                     "label": a.title, "mine": False, "id": a.pk, "status_label": "活动"})
    return sorted(rows, key=lambda r: r["starts_at"])
