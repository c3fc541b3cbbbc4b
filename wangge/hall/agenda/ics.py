"""iCalendar (RFC 5545) for the hall: the public feed of a hall's sessions, and one session as an
invitation (an iTIP message, RFC 5546, for an .ics attachment: METHOD:REQUEST, or METHOD:CANCEL once the
session is cancelled). No personal data: titles, times, places and links.

UIDs are stable (`hall-session-<id>@<host>`), so a moved session updates the event in a calendar app
instead of adding a second one. SEQUENCE is the session's own `sequence`, which grows with each move, new
place or cancellation, so the feed and every emailed invitation or update agree on it.
"""

from __future__ import annotations

from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress

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


def _organizer(hall: Hall) -> vCalAddress | None:
    """The hall, at the address the platform's emails come from (iTIP messages name their organizer)."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL or "")[1]
    if "@" not in address:
        return None
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = hall.name
    return organizer


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
    event.add("sequence", session.sequence)
    return event


def hall_ics(hall: Hall) -> bytes:
    """The hall's feed: every session, the cancelled ones as STATUS:CANCELLED (so calendars drop them)."""
    cal = _calendar(hall.name)
    for session in hall.sessions.order_by("starts_at", "id"):
        cal.add_component(_event(session, hall))
    return cal.to_ical()


def session_ics(session: Session) -> bytes:
    """One session as an invitation for an e-mail attachment: METHOD:REQUEST (a new or moved session), or
    METHOD:CANCEL with STATUS:CANCELLED once it is cancelled, so a calendar app that has the event updates
    or removes it."""
    hall = session.hall
    cancelled = session.status == SessionStatus.CANCELLED
    cal = _calendar(hall.name, method="CANCEL" if cancelled else "REQUEST")
    event = _event(session, hall)
    organizer = _organizer(hall)
    if organizer is not None:
        event.add("organizer", organizer)
    cal.add_component(event)
    return cal.to_ical()
