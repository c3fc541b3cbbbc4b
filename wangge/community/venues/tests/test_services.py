"""Bookings: opening hours, capacity, overlaps with bookings and activities, approval re-checks, cancelling."""

from __future__ import annotations

import pytest

from wangge.community.activities import services as activities
from wangge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from wangge.notify.models import Notification

from .. import services
from ..models import Booking, BookingStatus
from .conftest import at, make_venue

pytestmark = pytest.mark.django_db


def book(world, venue, user="resident", start=(2, 9), end=(2, 11), **extra):
    return services.booking_create(actor=world.users[user], venue_id=venue.pk, purpose="亲子阅读",
                                   starts_at=at(*start), ends_at=at(*end), **extra)


def test_a_resident_books_and_a_keeper_approves(world):
    venue = make_venue(world)
    b = book(world, venue, attendees=8)
    assert b.status == BookingStatus.PENDING and b.person == world.persons["resident"]
    assert b.contact_name == world.persons["resident"].name
    with pytest.raises(NotFound):  # a grid member keeps no venues: the booking is not theirs to see
        services.booking_decide(actor=world.users["member_A1e"], booking_id=b.pk, approve=True)
    with pytest.raises(NotFound):
        services.booking_decide(actor=world.users["committee_B"], booking_id=b.pk, approve=True)
    b = services.booking_decide(actor=world.users["committee_A"], booking_id=b.pk, approve=True)
    assert b.status == BookingStatus.APPROVED and b.decided_by == world.persons["committee_A"]
    assert Notification.objects.filter(recipient=world.persons["resident"], event="venue.booking").exists()
    with pytest.raises(Conflict, match="不能再审批"):
        services.booking_decide(actor=world.users["committee_A"], booking_id=b.pk, approve=False, note="x")


def test_a_venue_without_approval_books_at_once(world):
    venue = make_venue(world, needs_approval=False)
    assert book(world, venue).status == BookingStatus.APPROVED


def test_overlaps_outside_hours_and_over_capacity_are_refused_naming_the_problem(world):
    venue = make_venue(world, capacity=10)
    book(world, venue, start=(2, 9), end=(2, 11))
    with pytest.raises(Conflict, match="与待审批的预约冲突.*亲子阅读"):
        book(world, venue, user="committee_A", start=(2, 10), end=(2, 11, 30))
    with pytest.raises(InvalidInput, match="不在妇儿微家的开放时间内") as exc:
        book(world, venue, start=(3, 12), end=(3, 13))
    assert exc.value.errors[0].field == "starts_at"
    with pytest.raises(InvalidInput) as exc:
        book(world, venue, start=(3, 9), end=(3, 10), attendees=11)
    assert exc.value.errors[0].field == "attendees" and "容纳人数10" in exc.value.message
    with pytest.raises(InvalidInput) as exc:
        book(world, venue, start=(-1, 9), end=(-1, 10))
    assert exc.value.errors[0].field == "starts_at"
    with pytest.raises(InvalidInput) as exc:
        book(world, venue, start=(3, 10), end=(3, 9))
    assert exc.value.errors[0].field == "ends_at"
    with pytest.raises(InvalidInput) as exc:
        services.booking_create(actor=world.users["resident"], venue_id=venue.pk, purpose=" ", starts_at=at(3, 9),
                                ends_at=at(3, 10))
    assert exc.value.errors[0].field == "purpose"
    # back to back is fine
    assert book(world, venue, start=(2, 11), end=(2, 12)).status == "pending"
    assert Booking.objects.count() == 2


def test_an_activity_at_the_venue_blocks_the_slot_and_the_other_way_round(world):
    venue = make_venue(world)
    activities.activity_create(actor=None, grid=world.grid("A").pk, kind="party_history", title="党史学习读书会",
                               venue=venue.pk, starts_at=at(4, 14), ends_at=at(4, 16))
    with pytest.raises(Conflict, match="与活动冲突.*党史学习读书会"):
        book(world, venue, start=(4, 15), end=(4, 17))
    book(world, venue, start=(5, 9), end=(5, 10))
    with pytest.raises(Conflict, match="预约冲突"):
        activities.activity_create(actor=None, grid=world.grid("A").pk, kind="drill", title="消防演练",
                                   venue=venue.pk, starts_at=at(5, 9, 30), ends_at=at(5, 11))


def test_rejecting_needs_a_reason_and_frees_the_slot(world):
    venue = make_venue(world)
    b = book(world, venue)
    with pytest.raises(InvalidInput) as exc:
        services.booking_decide(actor=world.users["committee_A"], booking_id=b.pk, approve=False)
    assert exc.value.errors[0].field == "note"
    services.booking_decide(actor=world.users["committee_A"], booking_id=b.pk, approve=False, note="当天有检查")
    assert book(world, venue, user="committee_A").status == "pending"


def test_cancelling_own_or_as_keeper_with_a_reason(world):
    venue = make_venue(world)
    b = book(world, venue)
    with pytest.raises(NotFound):
        services.booking_cancel(actor=world.users["committee_B"], booking_id=b.pk)
    with pytest.raises(InvalidInput):
        services.booking_cancel(actor=world.users["committee_A"], booking_id=b.pk)
    assert services.booking_cancel(actor=world.users["resident"], booking_id=b.pk).status == "cancelled"
    with pytest.raises(Conflict):
        services.booking_cancel(actor=world.users["resident"], booking_id=b.pk)


def test_residents_of_other_communities_cannot_book(world):
    from .conftest import ALL_DAY

    venue = make_venue(world)
    person = world.persons["resident"]
    assert person.resident.household.unit.micro_grid.path.startswith(world.grid("A").path)
    b_venue = services.venue_create(actor=None, community=world.grid("B").pk, name="党群书吧", opening_hours=ALL_DAY)
    with pytest.raises(NotFound):
        book(world, b_venue)
    assert book(world, venue).pk


def test_venue_bad_input(world):
    for hours, needle in [({"8": []}, "星期"), ({"1": [["09:00", "08:00"]]}, "结束时间"),
                          ({"1": [["08:00", "12:00"], ["11:00", "13:00"]]}, "重叠"), ({"1": [["8点", "9点"]]}, "无效")]:
        with pytest.raises(InvalidInput, match=needle) as exc:
            services.venue_create(actor=world.users["committee_A"], community=world.grid("A").pk, name="书吧",
                                  opening_hours=hours)
        assert exc.value.errors[0].field == "opening_hours"
    with pytest.raises(PermissionDenied):
        services.venue_create(actor=world.users["member_A1e"], community=world.grid("A1e").pk, name="书吧")
    with pytest.raises(NotFound):
        services.venue_create(actor=world.users["committee_B"], community=world.grid("A").pk, name="书吧")
    make_venue(world)
    with pytest.raises(InvalidInput, match="已有"):
        make_venue(world)
