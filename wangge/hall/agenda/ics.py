"""iCalendar (RFC 5545) for the hall: the public feed of a hall's sessions, and one session as an
invitation (METHOD:REQUEST, for an .ics attachment). No personal data: titles, times, places and links.

UIDs are stable (`hall-session-<id>@<host>`), so a moved session updates the event in a calendar app
instead of adding a second one; SEQUENCE grows when a session is moved or cancelled.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from .models import Hall, Session, SessionStatus

PRODID = "-//wangge//hall//ZH"


def _base_url() -> str:
    return getattr(settings, "NOTIFY_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


def session_uid(session: Session) -> str:
    host = urlsplit(_base_url()).hostname or "wangge"
    return f"hall-session-{session.pk}@{host}"


def session_url(session: Session) -> str:
    return _base_url() + reverse("hall-session", args=[session.pk])


def _calendar(name: str, method: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    if method:
        cal.add("method", method)
    return cal


def _event(session: Session, hall: Hall) -> Event:
    tz = timezone.get_default_timezone()
    event = Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", timezone.now().astimezone(tz))
    event.add("dtstart", session.starts_at.astimezone(tz))
    event.add("dtend", session.ends_at.astimezone(tz))
    event.add("summary", f"{hall.name} · {session.title}")
    if session.place or hall.place:
        event.add("location", session.place or hall.place)
    event.add("url", session_url(session))
    event.add("description", f"{hall.community.name}{hall.name}议事会。议程见 {session_url(session)}")
    cancelled = session.status == SessionStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("sequence", int(session.moved_from is not None) + int(cancelled))
    return event


def hall_ics(hall: Hall) -> bytes:
    """The hall's feed: every session, the cancelled ones as STATUS:CANCELLED (so calendars drop them)."""
    cal = _calendar(hall.name)
    for session in hall.sessions.order_by("starts_at", "id"):
        cal.add_component(_event(session, hall))
    return cal.to_ical()


def session_ics(session: Session) -> bytes:
    """One session as an invitation (METHOD:REQUEST), for an e-mail attachment."""
    hall = session.hall
    cal = _calendar(hall.name, method="REQUEST")
    cal.add_component(_event(session, hall))
    return cal.to_ical()
