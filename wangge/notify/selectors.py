"""Reads of notifications. A person's inbox is theirs alone: every read here starts from the acting
user, and a user who is no person has an empty inbox."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from wangge.people.access import Scope

from .models import Channel, Notification, Preference


def actor_user_id(actor) -> int | None:
    """The user id behind a user or a Scope; None for the system and anonymous users."""
    if isinstance(actor, Scope):
        return actor.user_id
    if actor is None or not actor.is_authenticated:
        return None
    return actor.pk


def notification_list(*, actor, unread: bool | None = None) -> QuerySet[Notification]:
    """The actor's inbox, newest first; `unread` True or False keeps only the unread or the read ones.
    Found through the person's login rather than Scope.person_id, which admins' scopes lack."""
    user_id = actor_user_id(actor)
    if user_id is None:
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient__user_id=user_id)
    if unread is not None:
        qs = qs.filter(read_at__isnull=unread)
    return qs.order_by("-created_at", "-id")


def unread_count(*, actor) -> int:
    return notification_list(actor=actor, unread=True).count()


def preference_get(*, person) -> Preference:
    """The person's channels: their saved choice, or the defaults (an unsaved row) until they make one."""
    try:
        return person.notify_preference
    except Preference.DoesNotExist:
        return Preference(person=person, subdistrict_id=person.subdistrict_id)


def day_span(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local day (TIME_ZONE) as [start, end) in aware datetimes."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def digest_notifications(*, person_id: int, day: dt.date) -> QuerySet[Notification]:
    """What a person's digest of `day` lists: that day's notifications that were not emailed one by one."""
    start, end = day_span(day)
    return (
        Notification.objects.filter(recipient_id=person_id, created_at__gte=start, created_at__lt=end)
        .exclude(deliveries__channel=Channel.EMAIL)
        .order_by("created_at", "id")
    )
