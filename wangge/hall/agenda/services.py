"""Writes of the deliberation hall's calendar and agenda.

Halls, sessions and the agenda are run by holders of HALL on the hall's community (the two committees);
residents of the community propose items. Every function is keyword-only and one transaction; refusals
are domain errors naming the field.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from wangge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, full_clean
from wangge.core.text import clean_text
from wangge.matters.models import Matter
from wangge.people.access import HALL, Actor
from wangge.registry.models import GridNode, Level

from . import selectors, signals
from .models import (
    Hall,
    Item,
    ItemKind,
    ItemOrigin,
    ItemStatus,
    NonWorkingDay,
    Session,
    SessionStatus,
)
from .recurrence import months_from, rule_date, working_calendar

KIND_MESSAGE = "请选择议题类别：集中反映的迫切事（urgent）、协商协调的疑难事（difficult）或征求意见的重大事（major）"
HALL_FIELDS = ("name", "place", "active", "day_of_month", "start_time", "duration_minutes", "on_non_working_day",
               "months_ahead", "collective_min_households", "collective_window_days", "collective_level")


def _hall_for_write(actor: Actor, hall_id: int) -> Hall:
    hall = selectors.hall_get(actor=actor.scope, hall_id=hall_id)
    if not selectors.can_run(actor.scope, hall):
        raise PermissionDenied("只有社区两委成员（议事厅负责人）可以管理议事厅")
    return hall


# -- halls --------------------------------------------------------------------------------------------------


@transaction.atomic
def hall_create(*, actor, community_id: int, name: str, **fields) -> Hall:
    """A hall for a community (HALL there); its sessions for the coming months are scheduled at once."""
    actor = Actor.of(actor)
    community = GridNode.objects.filter(pk=community_id).first()
    scope = actor.scope
    if community is None or not (scope.is_admin or scope.sees_grid(community) or community.pk in scope.ancestor_ids()):
        raise NotFound("未找到该社区")
    if community.level != Level.COMMUNITY:
        raise InvalidInput.field("community", "议事厅只能设在社区一级")
    if not actor.scope.can(HALL, community):
        raise PermissionDenied("只有社区两委成员可以设立议事厅")
    hall = Hall(community=community, subdistrict_id=community.subdistrict_id,
                name=clean_text(name, "name", limit=60, required=True))
    _apply_hall_fields(hall, fields)
    full_clean(hall)
    hall.save()
    sessions_schedule(hall=hall)
    return hall


@transaction.atomic
def hall_update(*, actor, hall_id: int, **fields) -> Hall:
    """Change a hall's name, place, recurrence rule or suggestion thresholds. Sessions already scheduled
    stay where they are (move them one by one); the rule applies to months not yet scheduled."""
    actor = Actor.of(actor)
    hall = _hall_for_write(actor, hall_id)
    hall = Hall.objects.select_for_update().get(pk=hall.pk)
    if "name" in fields and fields["name"] is not None:
        fields["name"] = clean_text(fields["name"], "name", limit=60, required=True)
    _apply_hall_fields(hall, fields)
    full_clean(hall)
    hall.save()
    if hall.active:
        sessions_schedule(hall=hall)
    return hall


def _apply_hall_fields(hall: Hall, fields: dict) -> None:
    unknown = set(fields) - set(HALL_FIELDS)
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], "不能修改该项")
    for name, value in fields.items():
        if value is None:
            continue
        if name == "place":
            value = clean_text(value, "place", limit=100)
        if name == "on_non_working_day" and value not in NonWorkingDay.values:
            raise InvalidInput.field(name, "应为 keep（照常）、next（顺延）或 previous（提前）")
        if name == "collective_level" and value not in (Level.AREA_GRID, Level.ESTATE_GRID, Level.MICRO_GRID):
            raise InvalidInput.field(name, "应为 area_grid、estate_grid 或 micro_grid")
        if name == "day_of_month" and not (isinstance(value, int) and 1 <= value <= 28):
            raise InvalidInput.field(name, "每月议事日应在1到28日之间")
        setattr(hall, name, value)


# -- sessions -----------------------------------------------------------------------------------------------


def session_times(hall: Hall, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(day, hall.start_time, tzinfo=tz)
    return start, start + dt.timedelta(minutes=hall.duration_minutes)


def session_title(hall: Hall, day: dt.date) -> str:
    return f"{day.year}年{day.month}月议事会"


def planned_dates(hall: Hall, *, today: dt.date, count: int | None = None) -> list[dt.date]:
    """The rule's next `count` (default: the hall's months_ahead) dates on or after `today`."""
    count = hall.months_ahead if count is None else count
    calendar = working_calendar()
    out: list[dt.date] = []
    for year, month in months_from(today.year, today.month):
        day = rule_date(year, month, day_of_month=hall.day_of_month, on_non_working_day=hall.on_non_working_day,
                        calendar=calendar)
        if day >= today:
            out.append(day)
        if len(out) >= count:
            return out
    return out  # pragma: no cover


@transaction.atomic
def sessions_schedule(*, hall: Hall, today: dt.date | None = None) -> int:
    """Create the hall's sessions for its next `months_ahead` months by the rule; returns how many were
    new. Idempotent: a month already scheduled (even if moved or cancelled since, or the rule changed)
    is left alone."""
    if not hall.active:
        return 0
    today = today or timezone.localdate()
    dates = planned_dates(hall, today=today)
    # A month the rule already scheduled is left alone, even if the rule has changed since.
    first = dates[0].replace(day=1)
    have = {(d.year, d.month) for d in Session.objects.filter(hall=hall, scheduled_for__gte=first)
            .values_list("scheduled_for", flat=True)}
    times = {d: session_times(hall, d) for d in dates if (d.year, d.month) not in have}
    taken = set(Session.objects.filter(hall=hall, starts_at__in=[s for s, _e in times.values()])
                .values_list("starts_at", flat=True))
    rows = [
        Session(hall=hall, subdistrict_id=hall.subdistrict_id, title=session_title(hall, d), starts_at=start,
                ends_at=end, place=hall.place, scheduled_for=d)
        for d, (start, end) in times.items() if start not in taken
    ]
    Session.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def sessions_schedule_all(*, today: dt.date | None = None) -> int:
    """Every active hall (the daily job)."""
    return sum(sessions_schedule(hall=h, today=today) for h in Hall.objects.filter(active=True))


@transaction.atomic
def session_update(
    *, actor, session_id: int, starts_at: dt.datetime | None = None, ends_at: dt.datetime | None = None,
    place: str | None = None, title: str | None = None, cancel: bool = False, cancel_reason: str = "",
) -> Session:
    """Move a session (it keeps its identity, its items and its rule date; `moved_from` records the first
    time it had), change its place or title, or cancel it (a reason is needed). A move, a new place or a
    cancellation is announced by `signals.session_changed` (the meetings app tells the invitees)."""
    actor = Actor.of(actor)
    session = selectors.session_get(actor=actor.scope, session_id=session_id)
    _hall_for_write(actor, session.hall_id)
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status != SessionStatus.PLANNED:
        raise Conflict(f"该会议{session.get_status_display()}，不能再修改时间或取消")
    old_starts_at, old_ends_at, old_place = session.starts_at, session.ends_at, session.place
    if cancel:
        session.cancel_reason = clean_text(cancel_reason, "cancel_reason", limit=200, required=True)
        session.status = SessionStatus.CANCELLED
    if starts_at is not None:
        if starts_at.tzinfo is None:
            starts_at = timezone.make_aware(starts_at)
        length = session.ends_at - session.starts_at
        if session.moved_from is None and starts_at != session.starts_at:
            session.moved_from = session.starts_at
        session.starts_at = starts_at
        session.ends_at = ends_at or starts_at + length
    elif ends_at is not None:
        session.ends_at = ends_at
    if session.ends_at <= session.starts_at:
        raise InvalidInput.field("ends_at", "结束时间应晚于开始时间")
    if place is not None:
        session.place = clean_text(place, "place", limit=100)
    if title is not None:
        session.title = clean_text(title, "title", limit=100, required=True)
    if Session.objects.filter(hall_id=session.hall_id, starts_at=session.starts_at).exclude(pk=session.pk).exists():
        raise Conflict("该议事厅在这个时间已有一次会议")
    moved = (session.starts_at, session.ends_at) != (old_starts_at, old_ends_at)
    place_changed = session.place != old_place
    if cancel or moved or place_changed:
        session.sequence += 1  # a new version of the same calendar event
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError as exc:
        raise Conflict("该议事厅在这个时间已有一次会议") from exc
    if cancel or moved or place_changed:
        signals.session_changed.send(
            sender=Session, session=session, actor=actor, cancelled=cancel, moved=moved,
            place_changed=place_changed, old_starts_at=old_starts_at, old_ends_at=old_ends_at, old_place=old_place)
    return session


# -- items --------------------------------------------------------------------------------------------------


def _kind(kind) -> str:
    if not kind or kind not in ItemKind.values:
        raise InvalidInput.field("kind", KIND_MESSAGE)
    return kind


def _minutes(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 240:
        raise InvalidInput.field("minutes_planned", "计划时长应为1到240分钟")
    return value


def _matters_of(hall: Hall, ids: list[int]) -> list[Matter]:
    ids = list(dict.fromkeys(ids or []))
    found = {m.pk: m for m in Matter.objects.filter(pk__in=ids, grid__path__startswith=hall.community.path)}
    for i, pk in enumerate(ids):
        if pk not in found:
            raise InvalidInput.field(f"matters.{i}", f"事项#{pk}不存在或不属于{hall.community.name}")
    return [found[pk] for pk in ids]


def _session_of(hall: Hall, session_id: int, field: str = "session") -> Session:
    session = Session.objects.filter(pk=session_id, hall=hall).first()
    if session is None:
        raise InvalidInput.field(field, "该会议不存在或不属于本议事厅")
    if session.status not in (SessionStatus.PLANNED,):
        raise InvalidInput.field(field, f"该会议{session.get_status_display()}，不能再列入议题")
    return session


def _next_position(session: Session) -> int:
    return (Item.objects.filter(session=session).aggregate(m=Max("position"))["m"] or 0) + 1


@transaction.atomic
def item_create(
    *, actor, hall_id: int, kind, title: str, description: str = "", session_id: int | None = None,
    minutes_planned: int | None = None, matters: list[int] | None = None,
) -> Item:
    """Staff (HALL) add an item, onto a session or as waiting; a resident of the community proposes one
    (status proposed; no session, no linked matters)."""
    actor = Actor.of(actor)
    hall = selectors.hall_get(actor=actor.scope, hall_id=hall_id)
    kind = _kind(kind)
    title = clean_text(title, "title", limit=100, required=True)
    description = clean_text(description, "description", limit=4000)
    staff = selectors.can_run(actor.scope, hall)
    if not staff:
        if not selectors.is_resident_of(actor.scope, hall):
            raise PermissionDenied("只有本社区居民可以提议议题")
        if session_id is not None or matters:
            raise InvalidInput.field("session" if session_id is not None else "matters",
                                     "居民提议由议事厅工作人员审核后列入会议")
    if not hall.active:
        raise Conflict("该议事厅已停用")
    item = Item(hall=hall, subdistrict_id=hall.subdistrict_id, kind=kind, title=title, description=description,
                proposed_by=actor.user if actor.user_id else None,
                origin=ItemOrigin.STAFF if staff else ItemOrigin.RESIDENT, status=ItemStatus.PROPOSED)
    if minutes_planned is not None:
        item.minutes_planned = _minutes(minutes_planned)
    linked = _matters_of(hall, matters or []) if staff else []
    if staff and session_id is not None:
        session = _session_of(hall, session_id)
        item.session, item.status, item.position = session, ItemStatus.SCHEDULED, _next_position(session)
    item.save()
    if linked:
        item.matters.set(linked)
    return item


ACTIONS = ("schedule", "unschedule", "up", "down", "time", "defer", "decline", "link", "unlink", "edit", "discussed")


@transaction.atomic
def item_update(
    *, actor, item_id: int, action: str, session_id: int | None = None, minutes_planned: int | None = None,
    reason: str = "", matters: list[int] | None = None, title: str | None = None, description: str | None = None,
    kind: str | None = None, position: int | None = None,
) -> Item:
    """One step on an agenda item (HALL on the hall's community):
    schedule (onto `session`; accepts a proposal) · unschedule (back to waiting) · up / down (reorder) ·
    time (`minutes_planned`) · defer (to the next planned session; `deferred_from` keeps where it was) ·
    decline (a `reason` is needed) · link / unlink (`matters` of the hall's community) · edit (title,
    description, kind) · discussed."""
    actor = Actor.of(actor)
    item = selectors.item_get(actor=actor.scope, item_id=item_id)
    hall = _hall_for_write(actor, item.hall_id)
    item = Item.objects.select_for_update().get(pk=item.pk)
    if action not in ACTIONS:
        raise InvalidInput.field("action", f"未知操作，应为 {'、'.join(ACTIONS)} 之一")
    closed = item.status in (ItemStatus.DECLINED, ItemStatus.DISCUSSED)
    if closed and action not in ("link", "unlink", "edit"):
        raise Conflict(f"该议题{item.get_status_display()}，不能再{action}")
    if action == "schedule":
        if session_id is None:
            raise InvalidInput.field("session", "请选择会议")
        session = _session_of(hall, session_id)
        if item.session_id != session.pk:
            item.session, item.position = session, _next_position(session)
        item.status = ItemStatus.SCHEDULED
        if minutes_planned is not None:
            item.minutes_planned = _minutes(minutes_planned)
    elif action == "unschedule":
        item.session, item.status, item.position = None, ItemStatus.PROPOSED, 0
    elif action in ("up", "down"):
        _reorder(item, action, position)
        return Item.objects.get(pk=item.pk)
    elif action == "time":
        item.minutes_planned = _minutes(minutes_planned)
    elif action == "defer":
        if item.session_id is None:
            raise InvalidInput.field("session", "该议题尚未列入会议，无需暂缓")
        current = item.session
        nxt = _next_session(hall, after=current)
        item.deferred_from, item.session = current, nxt
        item.position, item.status = _next_position(nxt), ItemStatus.DEFERRED
    elif action == "decline":
        item.decline_reason = clean_text(reason, "reason", limit=500, required=True)
        item.status, item.session, item.position = ItemStatus.DECLINED, None, 0
    elif action in ("link", "unlink"):
        linked = _matters_of(hall, matters or [])
        if not linked:
            raise InvalidInput.field("matters", "请选择事项")
        (item.matters.add if action == "link" else item.matters.remove)(*linked)
    elif action == "edit":
        if title is not None:
            item.title = clean_text(title, "title", limit=100, required=True)
        if description is not None:
            item.description = clean_text(description, "description", limit=4000)
        if kind is not None:
            item.kind = _kind(kind)
    elif action == "discussed":
        if item.session_id is None:
            raise InvalidInput.field("session", "该议题尚未列入会议")
        item.status = ItemStatus.DISCUSSED
    item.save()
    return item


def _next_session(hall: Hall, *, after: Session) -> Session:
    """The hall's next planned session after `after`; scheduled by the rule when none exists yet."""
    def find():
        return (Session.objects.filter(hall=hall, status=SessionStatus.PLANNED, starts_at__gt=after.starts_at)
                .order_by("starts_at").first())

    nxt = find()
    if nxt is None:
        day = timezone.localtime(after.starts_at).date() + dt.timedelta(days=1)
        for d in planned_dates(hall, today=day, count=1):
            start, end = session_times(hall, d)
            if not Session.objects.filter(hall=hall, scheduled_for=d).exists():
                Session.objects.get_or_create(
                    hall=hall, starts_at=start,
                    defaults={"subdistrict_id": hall.subdistrict_id, "title": session_title(hall, d), "ends_at": end,
                              "place": hall.place, "scheduled_for": d},
                )
        nxt = find()
    if nxt is None:
        raise Conflict("没有可以顺延到的下一次会议")
    return nxt


def _reorder(item: Item, direction: str, position: int | None) -> None:
    if item.session_id is None:
        raise InvalidInput.field("session", "该议题尚未列入会议，不能排序")
    rows = list(Item.objects.select_for_update().filter(session_id=item.session_id,
                                                          status__in=selectors.AGENDA_STATUSES)
                .order_by("position", "id"))
    ids = [r.pk for r in rows]
    i = ids.index(item.pk)
    j = i - 1 if direction == "up" else i + 1
    if position is not None:
        j = max(0, min(len(ids) - 1, position - 1))
    if 0 <= j < len(ids) and j != i:
        ids.insert(j, ids.pop(i))
    by_id = {r.pk: r for r in rows}
    changed = []
    for n, pk in enumerate(ids, start=1):
        if by_id[pk].position != n:
            by_id[pk].position = n
            changed.append(by_id[pk])
    Item.objects.bulk_update(changed, ["position"])


@transaction.atomic
def suggestion_accept(
    *, actor, hall_id: int, key: str, session_id: int | None = None, title: str | None = None,
    now: dt.datetime | None = None,
) -> Item:
    """Turn a suggestion into an item with its matters linked (onto `session` when given). Accepting the
    same suggestion twice finds it gone: its matters are on an item now."""
    actor = Actor.of(actor)
    hall = _hall_for_write(actor, hall_id)
    Hall.objects.select_for_update().filter(pk=hall.pk).first()  # one acceptance at a time per hall
    suggestion = selectors.suggestion_get(hall=hall, key=key, now=now)
    item = Item(hall=hall, subdistrict_id=hall.subdistrict_id, kind=suggestion.kind,
                title=clean_text(title, "title", limit=100, required=True) if title else suggestion.title,
                description=suggestion.description, proposed_by=actor.user if actor.user_id else None,
                origin=ItemOrigin.SUGGESTED, status=ItemStatus.PROPOSED)
    if session_id is not None:
        session = _session_of(hall, session_id)
        item.session, item.status, item.position = session, ItemStatus.SCHEDULED, _next_position(session)
    item.save()
    item.matters.set(suggestion.matters)
    return item
