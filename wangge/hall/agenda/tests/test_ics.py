"""The iCalendar feed of a hall and one session's invitation parse back with icalendar."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from wangge.hall.agenda import services
from wangge.hall.agenda.ics import session_ics, session_uid

from .conftest import make_hall

pytestmark = pytest.mark.django_db


def _events(data: bytes):
    return [c for c in Calendar.from_ical(data).walk() if c.name == "VEVENT"]


def test_public_feed_has_every_session_with_stable_uids_and_cancelled_status(world):
    hall = make_hall(world)
    sessions = list(hall.sessions.order_by("starts_at"))
    services.session_update(actor=world.users["committee_A"], session_id=sessions[1].pk, cancel=True,
                            cancel_reason="与节日活动冲突")
    response = Client().get(f"/hall/{hall.pk}.ics")     # no login
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    events = _events(response.content)
    assert [str(e["uid"]) for e in events] == [session_uid(s) for s in sessions]
    assert [str(e["status"]) for e in events] == ["CONFIRMED", "CANCELLED", "CONFIRMED"]
    first = events[0]
    assert first.decoded("dtstart") == sessions[0].starts_at
    assert first.decoded("dtend") == sessions[0].ends_at
    assert str(first["location"]) == "党群服务中心"
    assert str(first["url"]).endswith(f"/hall/sessions/{sessions[0].pk}/")
    assert "红旗社区议事厅" in str(first["summary"])
    # Fetching again gives the same UIDs (a calendar app updates rather than duplicates).
    assert [str(e["uid"]) for e in _events(Client().get(f"/hall/{hall.pk}.ics").content)] == \
        [str(e["uid"]) for e in events]
    # No personal data: no resident name or phone in the feed.
    assert "居民" not in response.content.decode() and "139" not in response.content.decode()


def test_unknown_hall_feed_is_404(world):
    assert Client().get("/hall/999999.ics").status_code == 404


def test_session_invitation_is_a_request_with_one_event(world):
    hall = make_hall(world)
    session = hall.sessions.order_by("starts_at").first()
    cal = Calendar.from_ical(session_ics(session))
    assert str(cal["method"]) == "REQUEST"
    events = _events(session_ics(session))
    assert len(events) == 1 and str(events[0]["uid"]) == session_uid(session)


def test_a_cancelled_session_is_a_cancel_message_and_the_feed_stays_a_plain_calendar(world):
    hall = make_hall(world)
    first, second = list(hall.sessions.order_by("starts_at"))[:2]
    moved = services.session_update(actor=world.users["committee_A"], session_id=first.pk,
                                    starts_at=timezone.localtime(first.starts_at).replace(hour=15))
    cancelled = services.session_update(actor=world.users["committee_A"], session_id=second.pk, cancel=True,
                                        cancel_reason="与节日活动冲突")
    cal = Calendar.from_ical(session_ics(cancelled))
    [event] = _events(session_ics(cancelled))
    assert str(cal["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == session_uid(cancelled) and event["sequence"] == 1
    assert "mailto:" in str(event["organizer"])
    [event] = _events(session_ics(moved))
    assert event["sequence"] == 1 and event.decoded("dtstart").hour == 15
    # moved again: a newer version of the same event, in the invitation and in the feed alike
    moved = services.session_update(actor=world.users["committee_A"], session_id=first.pk,
                                    starts_at=timezone.localtime(first.starts_at).replace(hour=16))
    [event] = _events(session_ics(moved))
    assert event["sequence"] == 2 and event.decoded("dtstart").hour == 16
    # the public feed: no METHOD (not an iTIP message), every session, no organizer
    feed = Client().get(f"/hall/{hall.pk}.ics").content
    assert "METHOD" not in Calendar.from_ical(feed) and b"ORGANIZER" not in feed
    by_uid = {str(e["uid"]): e for e in _events(feed)}
    assert str(by_uid[session_uid(cancelled)]["status"]) == "CANCELLED"
    assert by_uid[session_uid(moved)]["sequence"] == 2
