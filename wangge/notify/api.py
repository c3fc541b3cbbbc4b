"""/api/v1 routes of the acting user's own notifications: the inbox and their channels."""

from __future__ import annotations

from ninja import Query, Router

from wangge.core.errors import InvalidInput
from wangge.core.schemas import ERRORS, list_of, page_of

from . import selectors, services
from .schemas import NotificationOut, NotificationQuery, PreferenceIn, PreferenceOut, ReadIn, ReadOut

router = Router(tags=["notify"])


def notification_out(n) -> dict:
    return {
        "id": n.pk, "event": n.event, "title": n.title, "body": n.body, "link": n.link, "payload": n.payload,
        "created_at": n.created_at, "read_at": n.read_at,
    }


def preference_out(person) -> dict:
    p = selectors.preference_get(person=person)
    return {"email": p.email, "sms": p.sms, "digest": p.digest, "has_email": bool(person.user.email),
            "has_phone": bool(person.phone)}


@router.get("/notifications", response={200: list_of(NotificationOut), **ERRORS}, operation_id="notification_list")
def notification_list(request, query: Query[NotificationQuery]):
    """My notifications, newest first. A user who is no person has none."""
    return page_of(selectors.notification_list(actor=request.user, unread=query.unread), query, notification_out)


@router.post("/notifications/read", response={200: ReadOut, **ERRORS}, operation_id="notification_read")
def notification_read(request, payload: ReadIn):
    """Mark some of my notifications read (`ids`), or all of them (`all: true`). An id that is not one
    of mine marks nothing and answers 404 naming `ids`."""
    if payload.all == (payload.ids is not None):
        field = "all" if payload.all else "ids"
        raise InvalidInput.field(field, "请给出 ids，或 all 为 true（二者选一）")
    marked = services.notification_mark_read(actor=request.user, notification_ids=None if payload.all else payload.ids)
    return {"marked": marked, "unread": selectors.unread_count(actor=request.user)}


@router.get("/notifications/preferences", response={200: PreferenceOut, **ERRORS},
            operation_id="notification_preferences")
def notification_preferences(request):
    """How I hear of notifications besides the inbox. 404 for a user who is no person."""
    return preference_out(services.person_of(request.user))


@router.put("/notifications/preferences", response={200: PreferenceOut, **ERRORS},
            operation_id="notification_preferences_update")
def notification_preferences_update(request, payload: PreferenceIn):
    """Choose email, text messages and the daily digest. Turning on email or the digest needs an email
    address on the account, text messages a phone number (422 naming the field)."""
    preference = services.preference_update(actor=request.user, email=payload.email, sms=payload.sms,
                                            digest=payload.digest)
    return preference_out(preference.person)
