"""Background jobs of notifications (huey). A task takes ids, re-fetches, and calls one service; the
services' claims make every task safe to run twice."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import services


@db_task()
def delivery_send(delivery_id: int) -> None:
    """Send one email, text message or daily digest, queued when the notification was committed."""
    services.delivery_send(delivery_id=delivery_id)


@db_task()
def webhook_deliver(delivery_id: int) -> None:
    """POST one event to one webhook, queued when the event was committed."""
    services.webhook_deliver(delivery_id=delivery_id)


@db_periodic_task(crontab(minute="*"))
def deliveries_sweep() -> None:
    """Every minute: retries whose wait is over, and outbox rows whose job was lost."""
    services.deliveries_send_due()


def _digest_hours(timestamp: dt.datetime) -> bool:
    """From NOTIFY_DIGEST_AT (local time) until midnight, once an hour at its minute. The digest is sent
    once per person and day however often it runs, so the later runs only catch up a missed one (the
    consumer was down). huey hands a naive UTC time (its default utc=True)."""
    hour, minute = (int(part) for part in settings.NOTIFY_DIGEST_AT.split(":"))
    local = timezone.localtime(timestamp.replace(tzinfo=dt.UTC))
    return local.minute == minute and local.hour >= hour


@db_periodic_task(_digest_hours)
def digest_daily() -> None:
    """Each morning: the digest of yesterday's notifications for those who chose it."""
    services.digest_send(day=timezone.localdate() - dt.timedelta(days=1))
