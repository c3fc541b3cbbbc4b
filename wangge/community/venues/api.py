"""/api/v1/venues and /api/v1/bookings: venues with their opening hours and week, bookings with conflict
checks and approval."""

from __future__ import annotations

from django.utils import timezone
from ninja import Query, Router, Status

from wangge.core.schemas import ERRORS, Id, list_of, page_of
from wangge.people.access import request_scope

from . import selectors, services
from .schemas import (
    BookingDecideIn,
    BookingIn,
    BookingOut,
    BookingQuery,
    CancelIn,
    VenueDetailOut,
    VenueIn,
    VenueOut,
    VenuePatch,
    VenueQuery,
)
from .serializers import booking_out, venue_out

router = Router(tags=["venues"])


@router.get("/venues", response={200: list_of(VenueOut), **ERRORS}, operation_id="venue_list")
def venue_list(request, query: Query[VenueQuery]):
    """Venues of the grids you may view; residents: the active venues of their community."""
    qs = selectors.venue_list(actor=request_scope(request), within=query.within, q=query.q, active=query.active)
    return page_of(qs, query, venue_out)


def _venue_detail(request, venue_id: int) -> dict:
    scope = request_scope(request)
    venue = selectors.venue_get(actor=scope, venue_id=venue_id)
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return {**venue_out(venue), "can_manage": selectors.is_keeper(scope, venue),
            "week": selectors.week_slots(actor=scope, venue=venue, start=start)}


@router.get("/venues/{venue_id}", response={200: VenueDetailOut, **ERRORS}, operation_id="venue_get")
def venue_get(request, venue_id: Id):
    """One venue and the slots taken in the next seven days (residents see that a slot is taken, not by whom)."""
    return _venue_detail(request, venue_id)


@router.post("/venues", response={201: VenueDetailOut, **ERRORS}, operation_id="venue_create")
def venue_create(request, payload: VenueIn):
    """A new venue of a grid (VENUES over the grid)."""
    venue = services.venue_create(actor=request.user, **payload.dict())
    return Status(201, _venue_detail(request, venue.pk))


@router.patch("/venues/{venue_id}", response={200: VenueDetailOut, **ERRORS}, operation_id="venue_update")
def venue_update(request, venue_id: Id, payload: VenuePatch):
    """Change a venue: name, capacity, opening hours, approval, active (VENUES)."""
    services.venue_update(actor=request.user, venue_id=venue_id, **payload.dict(exclude_unset=True))
    return _venue_detail(request, venue_id)


def _booking(request, booking) -> dict:
    scope = request_scope(request)
    return booking_out(booking, person_id=scope.person_id, keeper=selectors.is_keeper(scope, booking.venue))


@router.get("/bookings", response={200: list_of(BookingOut), **ERRORS}, operation_id="booking_list")
def booking_list(request, query: Query[BookingQuery]):
    """Bookings of the venues you keep (VENUES) and your own; `mine=true` only your own. Contact phones are
    masked except on your own bookings."""
    scope = request_scope(request)
    qs = selectors.booking_list(actor=scope, within=query.within, q=query.q, venue=query.venue, status=query.status,
                                mine=query.mine, since=timezone.now() if query.upcoming else None)
    return page_of(qs, query, lambda b: booking_out(b, person_id=scope.person_id, keeper=True))


@router.get("/bookings/{booking_id}", response={200: BookingOut, **ERRORS}, operation_id="booking_get")
def booking_get(request, booking_id: Id):
    """One booking: your own, or one of a venue you keep."""
    return _booking(request, selectors.booking_get(actor=request_scope(request), booking_id=booking_id))


@router.post("/bookings", response={201: BookingOut, **ERRORS}, operation_id="booking_create")
def booking_create(request, payload: BookingIn):
    """Book a slot of a venue of your community (for yourself or for your organisation). A slot outside the
    opening hours (422 on `starts_at`), over capacity (422 on `attendees`) or overlapping a pending or
    approved booking or an activity at the venue (409, naming the conflict) is refused."""
    data = payload.dict()
    booking = services.booking_create(actor=request.user, venue_id=data.pop("venue"), **data)
    return Status(201, _booking(request, booking))


@router.post("/bookings/{booking_id}/decide", response={200: BookingOut, **ERRORS}, operation_id="booking_decide")
def booking_decide(request, booking_id: Id, payload: BookingDecideIn):
    """Approve (re-checking conflicts) or reject (with a reason) a pending booking (VENUES)."""
    return _booking(request, services.booking_decide(actor=request.user, booking_id=booking_id,
                                                     approve=payload.approve, note=payload.note))


@router.post("/bookings/{booking_id}/cancel", response={200: BookingOut, **ERRORS}, operation_id="booking_cancel")
def booking_cancel(request, booking_id: Id, payload: CancelIn):
    """Cancel your own booking, or (VENUES, with a reason) any booking of a venue you keep."""
    return _booking(request, services.booking_cancel(actor=request.user, booking_id=booking_id,
                                                     reason=payload.reason))


