"""Every write of notices: draft, change, publish (and tell the audience), withdraw, mark read."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from wangge.core.errors import Conflict, FieldError, InvalidInput, NotFound, full_clean
from wangge.core.text import clean_text
from wangge.notify.services import notify
from wangge.people.access import Actor
from wangge.people.models import Person
from wangge.registry.models import Building, GridNode

from . import selectors
from .models import Audience, Notice, Receipt, Status

BATCH = 500  # recipients per notify() call: a big audience is told in slices


def _targets(actor: Actor, grids, buildings) -> tuple[list[GridNode], list[Building]]:
    grids = list(dict.fromkeys(grids or []))
    buildings = list(dict.fromkeys(buildings or []))
    grid_rows = {g.pk: g for g in GridNode.objects.filter(pk__in=grids)}
    building_rows = {b.pk: b for b in Building.objects.filter(pk__in=buildings).select_related("estate_grid")}
    for pk in grids:
        if pk not in grid_rows or not actor.scope.sees_grid(grid_rows[pk]):
            raise NotFound(f"未找到网格 {pk}", errors=[FieldError("grids", f"未找到网格 {pk}")])
    for pk in buildings:
        if pk not in building_rows or not actor.scope.sees_grid(building_rows[pk].estate_grid):
            raise NotFound(f"未找到楼栋 {pk}", errors=[FieldError("buildings", f"未找到楼栋 {pk}")])
    if not grids and not buildings:
        raise InvalidInput.field("grids", "请至少选择一个网格或楼栋")
    g, b = [grid_rows[pk] for pk in grids], [building_rows[pk] for pk in buildings]
    selectors.require_publisher(actor.scope, [*g, *(x.estate_grid for x in b)])
    return g, b


def _check_dates(publish_at, expires_at) -> None:
    for name, value in (("publish_at", publish_at), ("expires_at", expires_at)):
        if value is not None and (not isinstance(value, dt.datetime) or timezone.is_naive(value)):
            raise InvalidInput.field(name, "应为带时区的日期时间")
    if expires_at is not None and publish_at is not None and expires_at <= publish_at:
        raise InvalidInput.field("expires_at", "失效时间须晚于发布时间")


@transaction.atomic
def notice_create(
    *, actor, title: str, body: str, grids: list[int] | None = None, buildings: list[int] | None = None,
    audience: str = Audience.EVERYONE, publish_at: dt.datetime | None = None, expires_at: dt.datetime | None = None,
    pinned: bool = False, publish: bool = False,
) -> Notice:
    """A draft (or, with `publish`, a published notice) to grid subtrees and/or buildings. The author needs
    NOTICES over every target."""
    actor = Actor.of(actor)
    title = clean_text(title, "title", limit=100, required=True)
    body = clean_text(body, "body", limit=20000, required=True)
    if audience not in Audience.values:
        raise InvalidInput.field("audience", f"应为 {'、'.join(Audience.values)} 之一")
    publish_at = publish_at or timezone.now()
    _check_dates(publish_at, expires_at)
    g, b = _targets(actor, grids, buildings)
    first = g[0] if g else b[0].estate_grid
    notice = Notice(
        subdistrict_id=first.tenant_id, title=title, body=body, audience=audience,
        publish_at=publish_at, expires_at=expires_at, pinned=bool(pinned), author=actor.person,
        author_label=(actor.label or "")[:50],
    )
    full_clean(notice)
    notice.save()
    notice.grids.set(g)
    notice.buildings.set(b)
    if publish:
        _publish(notice)
    return notice


@transaction.atomic
def notice_update(*, actor, notice_id: int, **changes) -> Notice:
    """Change a draft freely; a published notice only in its title, body, expiry and pin (its audience has
    been told already). A withdrawn notice is final. Fields left out or None stay as they are, except
    `expires_at=None`, which removes the expiry."""
    actor = Actor.of(actor)
    notice = selectors.notice_for_publisher(actor=actor.scope, notice_id=notice_id)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status == Status.WITHDRAWN:
        raise Conflict("公告已撤回，不能再修改")
    changes = {k: v for k, v in changes.items() if v is not None or k == "expires_at"}
    audience_fields = {"grids", "buildings", "audience", "publish_at"}
    if notice.status == Status.PUBLISHED and audience_fields & set(changes):
        field = sorted(audience_fields & set(changes))[0]
        raise InvalidInput.field(field, "公告已发布，发布对象和发布时间不能再改")
    if "title" in changes:
        notice.title = clean_text(changes["title"], "title", limit=100, required=True)
    if "body" in changes:
        notice.body = clean_text(changes["body"], "body", limit=20000, required=True)
    if "audience" in changes:
        if changes["audience"] not in Audience.values:
            raise InvalidInput.field("audience", f"应为 {'、'.join(Audience.values)} 之一")
        notice.audience = changes["audience"]
    if "pinned" in changes:
        notice.pinned = bool(changes["pinned"])
    if "publish_at" in changes:
        notice.publish_at = changes["publish_at"]
    if "expires_at" in changes:
        notice.expires_at = changes["expires_at"]
    _check_dates(notice.publish_at, notice.expires_at)
    if "grids" in changes or "buildings" in changes:
        g, b = _targets(actor, changes.get("grids", list(notice.grids.values_list("pk", flat=True))),
                        changes.get("buildings", list(notice.buildings.values_list("pk", flat=True))))
        notice.grids.set(g)
        notice.buildings.set(b)
    full_clean(notice)
    notice.save()
    return notice


def _publish(notice: Notice) -> None:
    notice.status = Status.PUBLISHED
    notice.published_at = timezone.now()
    notice.save(update_fields=["status", "published_at"])
    if notice.publish_at <= timezone.now():
        _announce(notice)


def _announce(notice: Notice) -> int:
    """Tell the audience (inbox; email or text message as each prefers), in slices of BATCH persons."""
    ids = list(Person.objects.filter(resident__in=selectors.audience_residents(notice)).order_by("pk")
               .values_list("pk", flat=True))
    link = reverse("notice-detail", args=[notice.pk])
    for start in range(0, len(ids), BATCH):
        notify(recipients=Person.objects.filter(pk__in=ids[start:start + BATCH]), event="notice.published",
               title=notice.title, body=notice.body[:200], link=link, payload={"notice_id": notice.pk},
               subdistrict_id=notice.subdistrict_id)
    notice.notified_at = timezone.now()
    notice.save(update_fields=["notified_at"])
    return len(ids)


@transaction.atomic
def notice_publish(*, actor, notice_id: int) -> Notice:
    actor = Actor.of(actor)
    notice = selectors.notice_for_publisher(actor=actor.scope, notice_id=notice_id)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != Status.DRAFT:
        raise Conflict("只有草稿可以发布" if notice.status == Status.WITHDRAWN else "公告已发布")
    _publish(notice)
    return notice


@transaction.atomic
def notice_withdraw(*, actor, notice_id: int) -> Notice:
    actor = Actor.of(actor)
    notice = selectors.notice_for_publisher(actor=actor.scope, notice_id=notice_id)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != Status.PUBLISHED:
        raise Conflict("只有已发布的公告可以撤回")
    notice.status = Status.WITHDRAWN
    notice.withdrawn_at = timezone.now()
    notice.save(update_fields=["status", "withdrawn_at"])
    return notice


def notice_read(*, actor, notice: Notice) -> bool:
    """Record that the acting person opened the notice, once, when they are part of its audience and it is
    live. True when a receipt was written now."""
    actor = Actor.of(actor)
    person = actor.person
    if person is None or not person.resident_id or not notice.is_live:
        return False
    if not selectors.in_audience(notice, person.resident):
        return False
    if Receipt.objects.filter(notice=notice, person=person).exists():
        return False
    # Two tabs opening it at once: the unique constraint keeps one row, the other insert is ignored.
    Receipt.objects.bulk_create(
        [Receipt(notice=notice, person=person, subdistrict_id=notice.subdistrict_id)], ignore_conflicts=True)
    return True


def announce_due() -> int:
    """Tell the audiences of published notices whose time has come (scheduled ones): every minute."""
    told = 0
    now = timezone.now()
    for pk in Notice.objects.filter(status=Status.PUBLISHED, notified_at__isnull=True,
                                    publish_at__lte=now).values_list("pk", flat=True)[:50]:
        with transaction.atomic():
            notice = Notice.objects.select_for_update().filter(pk=pk, notified_at__isnull=True).first()
            if notice is None:
                continue
            told += _announce(notice)
    return told
