"""Every write of notifications, and the only place that queues them (STYLE.md): the inbox, each
person's channels, emails and text messages, the daily digest, and signed outbound webhooks.

`notify` and `emit` are called by other apps inside their own transactions. They write the inbox rows
and outbox rows (`Delivery`, `WebhookDelivery`) there, and queue a job per outbox row once the
transaction commits, so a rolled-back change sends nothing. A job that never runs (the queue was down at
the commit, a worker died mid-send) loses nothing: `deliveries_send_due`, every minute, sends whatever is
due. A sender first claims its row (`_claim`), so two workers never send one row twice."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import re
import secrets
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from wangge.core import pii
from wangge.core.errors import FieldError, InvalidInput, NotFound, full_clean
from wangge.people.access import MANAGE_PEOPLE, actor_scope, require
from wangge.people.models import Person
from wangge.registry.models import GridNode, Level

from . import selectors, sms
from .models import (
    Attachment,
    Channel,
    Delivery,
    Notification,
    Outbox,
    Preference,
    State,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
)

logger = logging.getLogger(__name__)

EVENT = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
EVENT_PREFIX = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.?$")  # "matter." matches every matter.*
SWEEP_BATCH = 200  # rows of each outbox one sweep sends at most; the next minute takes the rest


def _check_event(event: str) -> None:
    if not isinstance(event, str) or len(event) > 64 or not EVENT.match(event):
        raise InvalidInput.field("event", f"事件代码 {event!r} 无效，应如 matter.assigned")


def _absolute(path: str) -> str:
    return f"{settings.NOTIFY_BASE_URL}{path}" if path else ""


def _after_commit(task_name: str, ids: list[int]) -> None:
    """Queue one job (tasks.<task_name>) per outbox row once the caller's transaction commits. Robust: a
    queue that is down must not fail a change that has already committed; the sweep sends those rows."""
    if not ids:
        return

    def enqueue() -> None:
        from . import tasks

        task = getattr(tasks, task_name)
        for pk in ids:
            task(pk)

    transaction.on_commit(enqueue, robust=True)


# -- the inbox and each person's channels -----------------------------------------------------------------


def _channels(person: Person, *, urgent: bool = False) -> list[str]:
    """Where a notification goes besides the inbox: nowhere one by one for those who take the daily
    digest; otherwise email and text message as chosen, where there is an address to send to. An urgent
    one (an emergency) goes through every channel the person has, whatever they chose."""
    if urgent:
        has_email = person.user is not None and bool(person.user.email)
        return [c for c, has in ((Channel.EMAIL, has_email), (Channel.SMS, bool(person.phone))) if has]
    preference = selectors.preference_get(person=person)
    if preference.digest:
        return []
    channels = []
    if preference.email and person.user is not None and person.user.email:
        channels.append(Channel.EMAIL)
    if preference.sms and person.phone:
        channels.append(Channel.SMS)
    return channels


ATTACHMENTS_MAX_BYTES = 5 * 1024 * 1024  # all the attachments of one notify() call together
MIMETYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")


def _attachments(attachments, subdistrict_id) -> list[Attachment]:
    """`attachments` as unsaved rows: each a (filename, content, mimetype) triple, content bytes (a str is
    encoded as UTF-8), a plain file name and a type/subtype."""
    rows, total = [], 0
    for entry in attachments or ():
        try:
            filename, content, mimetype = entry
        except (TypeError, ValueError) as exc:
            raise InvalidInput.field("attachments", "附件应为（文件名、内容、类型）") from exc
        if isinstance(content, str):
            content = content.encode()
        filename = filename.strip() if isinstance(filename, str) else ""
        mimetype = mimetype.strip().lower() if isinstance(mimetype, str) else ""
        if not filename or len(filename) > 100 or any(c in filename for c in '/\\\r\n"'):
            raise InvalidInput.field("attachments", f"附件文件名 {filename!r} 无效")
        if not MIMETYPE.match(mimetype) or len(mimetype) > 100:
            raise InvalidInput.field("attachments", f"附件类型 {mimetype!r} 无效，应如 text/calendar")
        if not isinstance(content, bytes | bytearray | memoryview):
            raise InvalidInput.field("attachments", "附件内容应为字节")
        content = bytes(content)
        total += len(content)
        if total > ATTACHMENTS_MAX_BYTES:
            raise InvalidInput.field("attachments", "附件合计不能超过5MB")
        rows.append(Attachment(subdistrict_id=subdistrict_id, filename=filename, mimetype=mimetype, content=content))
    return rows


def notify(
    *, recipients: Iterable[Person | None], event: str, title: str, body: str = "", link: str = "",
    payload: dict | None = None, subdistrict_id: int, urgent: bool = False,
    attachments: Iterable[tuple[str, bytes | str, str]] | None = None,
) -> list[Notification]:
    """Tell `recipients` of `event`: an inbox entry for each (duplicates and None skipped), and an email
    and/or a text message as each has chosen, sent after the caller's transaction commits. `link` is a
    path on this site (the inbox opens it; emails make it absolute with NOTIFY_BASE_URL). `urgent`
    (emergencies only) sends an email and a text message to everyone who has an address for them,
    ignoring their choices and the daily digest. `attachments`, (filename, content bytes, mimetype)
    triples such as a calendar invitation's .ics, are stored once and attached to each email sent one
    by one (not to text messages nor to the daily digest)."""
    _check_event(event)
    title = (title or "").strip()
    if not title:
        raise InvalidInput.field("title", "标题不能为空")
    if link and (not link.startswith("/") or link.startswith("//") or len(link) > 500):
        raise InvalidInput.field("link", "链接应为本站内的路径，以 / 开头")
    files = _attachments(attachments, subdistrict_id)
    order = {pk: n for n, pk in enumerate(dict.fromkeys(p.pk for p in recipients if p is not None))}
    if not order:
        return []
    persons = Person.objects.filter(pk__in=list(order)).select_related("user", "notify_preference")
    now = timezone.now()
    # Everything is checked: the writes go together, in a transaction of their own or inside the caller's
    # without a savepoint (a failed write fails the caller's transaction, as PostgreSQL makes it anyway).
    with transaction.atomic(savepoint=False):
        notifications = Notification.objects.bulk_create([
            Notification(
                subdistrict_id=subdistrict_id, recipient=person, event=event, title=title[:200], body=body or "",
                link=link, payload=payload or {}, created_at=now,
            )
            for person in sorted(persons, key=lambda p: order[p.pk])
        ])
        if files:
            files = Attachment.objects.bulk_create(files)
            Notification.attachments.through.objects.bulk_create([
                Notification.attachments.through(notification_id=n.pk, attachment_id=f.pk)
                for n in notifications for f in files
            ])
        deliveries = Delivery.objects.bulk_create([
            Delivery(subdistrict_id=subdistrict_id, person=n.recipient, notification=n, channel=channel,
                     next_attempt_at=now, created_at=now)
            for n in notifications
            for channel in _channels(n.recipient, urgent=urgent)
        ])
    _after_commit("delivery_send", [d.pk for d in deliveries])
    return notifications


@transaction.atomic
def sms_to_numbers(*, phones: Iterable[str], title: str, link: str = "", subdistrict_id: int) -> list[Delivery]:
    """An urgent text message to bare phone numbers, for people who must be reached but are no person
    (residents of a building on fire with only a phone number in the registry): one per distinct
    number, sent through the outbox after the caller's transaction commits like any other. No inbox, no
    preferences (they have none). Every number must be a mainland mobile number."""
    title = (title or "").strip()
    if not title:
        raise InvalidInput.field("title", "标题不能为空")
    if link and (not link.startswith("/") or link.startswith("//") or len(link) > 500):
        raise InvalidInput.field("link", "链接应为本站内的路径，以 / 开头")
    numbers = list(dict.fromkeys(pii.normalize_phone(p) for p in phones))
    bad = [p for p in numbers if pii.phone_problem(p)]
    if bad:
        raise InvalidInput.field("phones", f"不是有效的大陆手机号码：{'、'.join(bad[:5])}")
    text = f"{title} {_absolute(link)}".strip()[:500]
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create([
        Delivery(subdistrict_id=subdistrict_id, person=None, address=number, text=text, channel=Channel.SMS,
                 next_attempt_at=now, created_at=now)
        for number in numbers
    ])
    _after_commit("delivery_send", [d.pk for d in deliveries])
    return deliveries


@transaction.atomic
def notification_mark_read(*, actor, notification_ids: list[int] | None = None) -> int:
    """Mark the actor's notifications read: those of `notification_ids`, or all when it is None. An id
    that is not one of theirs refuses the whole request (404, naming `ids`). Returns how many changed."""
    mine = selectors.notification_list(actor=actor)
    if notification_ids is not None:
        wanted = set(notification_ids)
        missing = sorted(wanted - set(mine.filter(pk__in=wanted).values_list("pk", flat=True)))
        if missing:
            message = "未找到通知：" + "、".join(str(pk) for pk in missing[:20])
            raise NotFound(message, errors=[FieldError("ids", message)])
        mine = mine.filter(pk__in=wanted)
    return Notification.objects.filter(pk__in=mine.filter(read_at__isnull=True).values("pk")).update(
        read_at=timezone.now()
    )


def person_of(actor) -> Person:
    """The acting user's person, whose inbox and channels these are."""
    user_id = selectors.actor_user_id(actor)
    person = Person.objects.select_related("user").filter(user_id=user_id).first() if user_id else None
    if person is None:
        raise NotFound("您的账号没有关联人员，没有通知设置")
    return person


@transaction.atomic
def preference_update(
    *, actor, email: bool | None = None, sms: bool | None = None, digest: bool | None = None
) -> Preference:
    """Change the acting user's channels; None leaves one as it is. Turning on email or the digest
    needs an email address on the account, text messages a phone number on the person."""
    person = person_of(actor)
    preference = selectors.preference_get(person=person)
    has_email = bool(person.user.email)
    problems = []
    if email and not preference.email and not has_email:
        problems.append(FieldError("email", "您的账号没有登记电子邮箱，无法开启邮件通知"))
    if digest and not preference.digest and not has_email:
        problems.append(FieldError("digest", "您的账号没有登记电子邮箱，无法开启每日汇总邮件"))
    if sms and not preference.sms and not person.phone:
        problems.append(FieldError("sms", "没有登记您的手机号码，无法开启短信通知"))
    if problems:
        raise InvalidInput(problems[0].message, errors=problems)
    for field, value in (("email", email), ("sms", sms), ("digest", digest)):
        if value is not None:
            setattr(preference, field, value)
    full_clean(preference)
    preference.save()
    return preference


# -- sending: claim, attempt, record ----------------------------------------------------------------------


class Undeliverable(Exception):
    """Nothing to send to (the address was removed): retrying would not help."""


def _retry_delay(attempt: int) -> dt.timedelta:
    delays = settings.NOTIFY_RETRY_DELAYS or [60]
    return dt.timedelta(seconds=delays[min(attempt, len(delays)) - 1])


def _claim(row: Outbox) -> bool:
    """Take a due outbox row for this worker, by a conditional UPDATE that moves `next_attempt_at` on by
    this attempt's retry delay. Of two workers holding the same row only one can win; a worker that dies
    mid-send leaves the row pending, and it is tried again once that delay has passed."""
    now = timezone.now()
    if row.state != State.PENDING or row.next_attempt_at > now:
        return False
    attempt = row.attempts + 1
    claimed = type(row).objects.filter(
        pk=row.pk, state=State.PENDING, attempts=row.attempts, next_attempt_at__lte=now
    ).update(attempts=attempt, next_attempt_at=now + _retry_delay(attempt))
    if claimed:
        row.attempts = attempt
    return bool(claimed)


def _record(row: Outbox, *, error: str = "", final: bool = False, **fields) -> None:
    """The outcome of the attempt this worker claimed: sent, pending again (the claim already set when),
    or failed for good after the last retry."""
    if not error:
        row.state = State.SENT
    elif final or row.attempts > len(settings.NOTIFY_RETRY_DELAYS):
        row.state = State.FAILED
    row.last_error = error[:2000]
    for name, value in fields.items():
        setattr(row, name, value)
    type(row).objects.filter(pk=row.pk, attempts=row.attempts).update(
        state=row.state, last_error=row.last_error, **fields
    )


def delivery_send(*, delivery_id: int) -> Delivery | None:
    """Send one email or text message (or one daily digest) when it is due and not being sent already."""
    delivery = Delivery.objects.select_related("person__user", "notification").filter(pk=delivery_id).first()
    if delivery is None or not _claim(delivery):
        return delivery
    try:
        _send(delivery)
    except Undeliverable as exc:
        _record(delivery, error=str(exc), final=True)
    except Exception as exc:  # whatever the mail server or SMS provider said: log it and retry
        logger.warning("notify delivery %s (%s) failed: %s", delivery.pk, delivery.channel, exc)
        _record(delivery, error=f"{type(exc).__name__}: {exc}")
    else:
        _record(delivery, sent_at=timezone.now())
    return delivery


def _email_address(person: Person) -> str:
    address = person.user.email if person.user is not None else ""
    if not address:
        raise Undeliverable("接收人没有电子邮箱")
    return address


def _send(delivery: Delivery) -> None:
    person, notification = delivery.person, delivery.notification
    if person is None:  # a text to a bare number (sms_to_numbers)
        sms.get_backend().send(delivery.address, delivery.text)
        return
    context = {"preferences_url": _absolute(reverse("inbox-preferences"))}
    if delivery.channel == Channel.EMAIL:
        text = render_to_string("notify/email.txt", {**context, "n": notification,
                                                      "url": _absolute(notification.link)})
        message = EmailMessage(notification.title, text, None, [_email_address(person)])
        for attachment in notification.attachments.all():
            message.attach(attachment.filename, bytes(attachment.content), attachment.mimetype)
        message.send()
    elif delivery.channel == Channel.SMS:
        if not person.phone:
            raise Undeliverable("接收人没有手机号码")
        url = _absolute(notification.link)
        sms.get_backend().send(person.phone, f"{notification.title} {url}".strip())
    else:
        notifications = list(selectors.digest_notifications(person_id=person.pk, day=delivery.digest_day))
        if notifications:
            address = _email_address(person)
            items = [(n, _absolute(n.link)) for n in notifications]
            text = render_to_string("notify/digest.txt", {**context, "day": delivery.digest_day, "items": items,
                                                          "inbox_url": _absolute(reverse("inbox"))})
            subject = f"每日通知汇总（{delivery.digest_day:%Y-%m-%d}，{len(items)}条）"
            send_mail(subject, text, None, [address])


# -- the daily digest --------------------------------------------------------------------------------------


@transaction.atomic
def digest_send(*, day: dt.date) -> list[Delivery]:
    """Queue the digest of `day` (a local date) for everyone who chose it and had notifications that day
    that were not emailed one by one. Once per person and day, however often it runs (a unique
    constraint), so the job may run again to catch up."""
    start, end = selectors.day_span(day)
    recipients = (
        Notification.objects.filter(created_at__gte=start, created_at__lt=end,
                                    recipient__notify_preference__digest=True, recipient__user__email__gt="")
        .exclude(deliveries__channel=Channel.EMAIL)
        .order_by()
        .values_list("recipient_id", "recipient__subdistrict_id")
        .distinct()
    )
    Delivery.objects.bulk_create(
        [Delivery(person_id=person_id, subdistrict_id=subdistrict_id, channel=Channel.DIGEST, digest_day=day)
         for person_id, subdistrict_id in recipients],
        ignore_conflicts=True,
    )
    digests = list(Delivery.objects.filter(channel=Channel.DIGEST, digest_day=day).order_by("id"))
    _after_commit("delivery_send", [d.pk for d in digests if d.state == State.PENDING])
    return digests


# -- webhooks ------------------------------------------------------------------------------------------------


def clean_events(events) -> list[str]:
    if not isinstance(events, list | tuple):
        raise InvalidInput.field("events", "应为事件代码的列表")
    cleaned = []
    for event in events:
        if not isinstance(event, str) or len(event.strip()) > 64 or not EVENT_PREFIX.match(event.strip()):
            raise InvalidInput.field("events", f"事件代码 {event!r} 无效，应如 matter.assigned，或以“.”结尾的前缀如 matter.")
        cleaned.append(event.strip())
    return list(dict.fromkeys(cleaned))


def _new_secret() -> str:
    return secrets.token_hex(32)


@transaction.atomic
def webhook_create(
    *, actor, subdistrict: GridNode, name: str, url: str, events: list[str] | tuple = (), active: bool = True
) -> Webhook:
    """A webhook for the events of a subdistrict, with a new signing secret (show it to its owner once).
    Needs the people-management permission at the subdistrict (or above it), or an admin."""
    require(actor_scope(actor), MANAGE_PEOPLE, subdistrict)
    if subdistrict.level != Level.SUBDISTRICT:
        raise InvalidInput.field("subdistrict", "Webhook 应设在街道一级")
    webhook = Webhook(subdistrict=subdistrict, name=(name or "").strip(), url=(url or "").strip(),
                      events=clean_events(events), active=active, secret=_new_secret())
    full_clean(webhook)
    _check_url(webhook.url)
    webhook.save()
    return webhook


@transaction.atomic
def webhook_update(*, actor, webhook: Webhook, name: str, url: str, events: list[str], active: bool) -> Webhook:
    require(actor_scope(actor), MANAGE_PEOPLE, webhook.subdistrict)
    webhook.name, webhook.url, webhook.active = (name or "").strip(), (url or "").strip(), active
    webhook.events = clean_events(events)
    full_clean(webhook)
    _check_url(webhook.url)
    webhook.save(update_fields=["name", "url", "events", "active"])
    return webhook


@transaction.atomic
def webhook_rotate_secret(*, actor, webhook: Webhook) -> Webhook:
    """A new signing secret, for when the old one was lost or leaked: the receiver must switch to it."""
    require(actor_scope(actor), MANAGE_PEOPLE, webhook.subdistrict)
    webhook.secret = _new_secret()
    webhook.save(update_fields=["secret"])
    return webhook


def emit(*, event: str, payload: dict, subdistrict_id: int) -> list[WebhookDelivery]:
    """Announce `event` to the subdistrict's active webhooks that want it (an exact code, a prefix such
    as "matter.", or all events), after the caller's transaction commits."""
    _check_event(event)
    webhooks = [w for w in Webhook.objects.filter(subdistrict_id=subdistrict_id, active=True) if w.wants(event)]
    if not webhooks:  # most subdistricts have none: one read, no write
        return []
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create([
        WebhookDelivery(subdistrict_id=subdistrict_id, webhook=w, event=event, payload=payload,
                        next_attempt_at=now, created_at=now)
        for w in webhooks
    ])
    _after_commit("webhook_deliver", [d.pk for d in deliveries])
    return deliveries


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Wangge-Signature` value: HMAC-SHA256 of "{timestamp}.{body}" with the webhook's secret.
    A receiver recomputes it, compares in constant time, and refuses old timestamps (replays)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_body(delivery: WebhookDelivery) -> bytes:
    envelope = {
        "id": delivery.pk, "event": delivery.event, "created_at": delivery.created_at,
        "subdistrict_id": delivery.subdistrict_id, "data": delivery.payload,
    }
    return json.dumps(envelope, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is a failed delivery: following it would re-send the body (and its signature) to an
    address nobody configured."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def blocked_address(url: str) -> str | None:
    """The address `url`'s host resolves to when it lies in WEBHOOK_BLOCKED_NETWORKS (loopback and
    link-local by default, where the server's own services and cloud metadata answer), else None. Private
    networks stay allowed: intranet deployments deliver to receivers on them."""
    networks = [ipaddress.ip_network(n.strip(), strict=False) for n in settings.WEBHOOK_BLOCKED_NETWORKS if n.strip()]
    if not networks:
        return None
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return None  # unresolvable: the delivery fails on its own, and is retried
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if any(address in network for network in networks):
            return str(address)
    return None


def _check_url(url: str) -> None:
    address = blocked_address(url)
    if address is not None:
        raise InvalidInput.field("url", f"不能发往本机或链路本地地址（{address}）")


def webhook_deliver(*, delivery_id: int) -> WebhookDelivery | None:
    """POST one event to its webhook, signed, when it is due and not being sent already. Any answer but
    2xx, a timeout or a refused connection is logged as an attempt and retried later; after the last
    retry the delivery is given up."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or not _claim(delivery):
        return delivery
    webhook = delivery.webhook
    if not webhook.active:
        _record(delivery, error="Webhook 已停用", final=True)
        return delivery
    # Checked again at each delivery: a name may come to resolve to another address after it was saved.
    address = blocked_address(webhook.url)
    if address is not None:
        _record(delivery, error=f"不能发往本机或链路本地地址（{address}）", final=True)
        return delivery
    body = webhook_body(delivery)
    timestamp = str(int(time.time()))
    request = urllib.request.Request(webhook.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "wangge-webhook/1",
        "X-Wangge-Event": delivery.event,
        "X-Wangge-Delivery": str(delivery.pk),
        "X-Wangge-Timestamp": timestamp,
        "X-Wangge-Signature": webhook_signature(webhook.secret, timestamp, body),
    })
    started, status, error = time.monotonic(), None, ""
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:  # an answer, but not 2xx
        status, error = exc.code, f"HTTP {exc.code}"
        exc.close()
    except Exception as exc:  # no answer: refused, timed out, bad address…
        error = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
    WebhookAttempt.objects.create(
        subdistrict_id=delivery.subdistrict_id, delivery=delivery, number=delivery.attempts,
        response_status=status, error=error[:2000], duration_ms=int((time.monotonic() - started) * 1000),
    )
    _record(delivery, error=error, response_status=status, delivered_at=None if error else timezone.now())
    return delivery


# -- the sweep -------------------------------------------------------------------------------------------------


def deliveries_send_due(*, limit: int = SWEEP_BATCH) -> int:
    """Send every outbox row that is due: retries whose wait is over, and rows whose job never ran or
    whose worker died. Run every minute; rows another worker holds are skipped by the claim. Returns how
    many rows it tried."""
    now = timezone.now()
    tried = 0
    for model, send in ((Delivery, delivery_send), (WebhookDelivery, webhook_deliver)):
        due = (model.objects.filter(state=State.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
        for pk in list(due):
            send(delivery_id=pk)
            tried += 1
    return tried
