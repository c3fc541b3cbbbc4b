"""Every write of gate duty (门岗值守): posts and their shift templates, weekly rosters, single shifts,
check-in and check-out, swaps, and the sweeps that report gaps and missed check-ins.

Keyword-only, one transaction each, domain errors naming the field. A person never holds two overlapping
shifts (at any post): every write that gives someone a shift locks that person's row first and checks
then, so two leaders rostering the same guard at the same time cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from wangge.core import geo
from wangge.core.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied, full_clean
from wangge.core.schemas import MAX_ID
from wangge.core.text import clean_text
from wangge.notify.services import notify
from wangge.people.access import GATE, ROLE_CAPABILITIES, ROSTER, Actor, Scope, actor_scope, require
from wangge.people.models import Duty, Person
from wangge.registry.models import GridNode, Level, path_ids

from . import conf
from .coverage import gap_label, to_minute, uncovered
from .models import COVERING, GapAlert, Post, Shift, ShiftStatus, ShiftTemplate, SwapRequest, SwapStatus

DEFAULT_TEMPLATES = (("早班", dt.time(8), dt.time(16)), ("中班", dt.time(16), dt.time(0)), ("夜班", dt.time(0), dt.time(8)))
MAX_SHIFT = dt.timedelta(hours=24)
NAME_MAX = 60
REASON_MAX = 200
WEEK = dt.timedelta(days=7)


def roles_with(capability: str) -> list[str]:
    return [role for role, caps in ROLE_CAPABILITIES.items() if capability in caps]


def guards_of(post: Post, *, at: dt.datetime | None = None):
    """Persons who may keep this post's gate: a current duty with the gate capability at its estate or
    above. Those at the estate itself first."""
    duties = Duty.objects.current(at).filter(role__in=roles_with(GATE), grid_id__in=path_ids(post.estate.path))
    return Person.objects.filter(pk__in=duties.values("person_id")).order_by("name", "pk")


def is_guard(post: Post, person_id: int, *, at: dt.datetime | None = None) -> bool:
    return Duty.objects.current(at).filter(
        person_id=person_id, role__in=roles_with(GATE), grid_id__in=path_ids(post.estate.path)
    ).exists()


def leaders_of(post: Post) -> list[Person]:
    """Who answers for the post: its leader, or else the holders of the roster capability at the nearest
    grid above (the estate first, then its area grid, community …)."""
    if post.leader_id is not None:
        return [post.leader]
    chain = path_ids(post.estate.path)
    duties = list(
        Duty.objects.current().filter(role__in=roles_with(ROSTER), grid_id__in=chain).select_related("person")
    )
    for grid_id in reversed(chain):
        found = [d.person for d in duties if d.grid_id == grid_id]
        if found:
            return list({p.pk: p for p in found}.values())
    return []


def _lock_persons(ids) -> None:
    """Lock the persons' rows (in id order, so two writers never deadlock) for the overlap checks."""
    list(Person.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("pk").values_list("pk"))


def _post_for(scope: Scope, post_id: int, capability: str, *, lock: bool = False) -> Post:
    qs = Post.objects.select_related("estate", "leader")
    if lock:
        qs = qs.select_for_update(of=("self",))
    post = qs.filter(pk=post_id).first() if post_id <= MAX_ID else None
    if post is None:
        raise NotFound("未找到该门岗")
    require(scope, capability, post.estate)
    return post


def _span(a: dt.datetime, b: dt.datetime) -> str:
    return gap_label(a, b, with_date=True)


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def template_times(template: ShiftTemplate, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The start and end of `template` on `day` (local time); an end at or before the start is the next day."""
    end_day = day + dt.timedelta(days=1) if template.end <= template.start else day
    return _local(day, template.start), _local(end_day, template.end)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


# -- overlaps ----------------------------------------------------------------------------------------------


@dataclass
class Planned:
    person_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    row: int | None = None
    template: ShiftTemplate | None = None


def _overlap_errors(planned: list[Planned], *, exclude_ids=(), names: dict[int, str] | None = None) -> list[FieldError]:
    """One error per planned shift that overlaps another of the same person: among themselves, and with
    the shifts already held (cancelled ones and `exclude_ids` aside)."""
    errors: list[FieldError] = []
    if not planned:
        return errors
    names = names or dict(Person.objects.filter(pk__in={p.person_id for p in planned}).values_list("pk", "name"))
    by_person: dict[int, list[Planned]] = {}
    for p in planned:
        by_person.setdefault(p.person_id, []).append(p)
    for person_id, mine in by_person.items():
        low = min(p.starts_at for p in mine)
        high = max(p.ends_at for p in mine)
        held = list(
            Shift.objects.filter(person_id=person_id, starts_at__lt=high, ends_at__gt=low)
            .exclude(status=ShiftStatus.CANCELLED).exclude(pk__in=list(exclude_ids)).select_related("post")
        )
        mine = sorted(mine, key=lambda p: p.starts_at)
        for i, p in enumerate(mine):
            clash = next((q for q in mine[:i] if q.ends_at > p.starts_at and q.starts_at < p.ends_at), None)
            if clash is not None:
                message = (f"{names.get(person_id, person_id)}的班次 {_span(p.starts_at, p.ends_at)} 与同一次排的"
                           f" {_span(clash.starts_at, clash.ends_at)} 时间重叠")
                errors.append(FieldError("person", message, p.row))
                continue
            other = next((s for s in held if s.starts_at < p.ends_at and s.ends_at > p.starts_at), None)
            if other is not None:
                message = (f"{names.get(person_id, person_id)}的班次 {_span(p.starts_at, p.ends_at)} 与其在"
                           f"{other.post.name}的班次 {_span(other.starts_at, other.ends_at)} 时间重叠")
                errors.append(FieldError("person", message, p.row))
    return errors


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise InvalidInput(errors[0].message if len(errors) == 1 else f"共有 {len(errors)} 处问题：{errors[0].message}",
                           errors=errors)


# -- posts and templates -----------------------------------------------------------------------------------


def _clean_name(name) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput.field("name", "名称不能为空")
    if len(name) > NAME_MAX:
        raise InvalidInput.field("name", f"名称不能超过 {NAME_MAX} 个字")
    return name


def _check_position(lon, lat) -> None:
    if (lon is None) != (lat is None):
        raise InvalidInput.field("lon" if lon is None else "lat", "经度和纬度应同时填写或同时留空")
    if lon is not None:
        geo.check_point(lon, lat)


def _check_leader(scope: Scope, estate: GridNode, leader_id: int | None) -> Person | None:
    if leader_id is None:
        return None
    leader = Person.objects.filter(pk=leader_id).first()
    if leader is None or not Duty.objects.current().filter(
        person=leader, role__in=roles_with(ROSTER), grid_id__in=path_ids(estate.path)
    ).exists():
        raise InvalidInput.field("leader", "值守负责人应是在本小区有排班权限的人员（网格长、物业服务监督员等）")
    return leader


@transaction.atomic
def post_create(
    *, actor, estate_id: int, name: str, lon: float | None = None, lat: float | None = None,
    checkin_radius_m: int = 200, leader_id: int | None = None, default_templates: bool = True,
) -> Post:
    """A gate post of an estate grid, with the three default shifts (早班、中班、夜班) unless told not to."""
    scope = actor_scope(actor)
    estate = GridNode.objects.filter(pk=estate_id).first()
    if estate is None:
        raise NotFound("未找到该网格", errors=[FieldError("estate", "未找到该网格")])
    require(scope, ROSTER, estate)
    if estate.level != Level.ESTATE_GRID:
        raise InvalidInput.field("estate", f"门岗应设在小区网格上，{estate.name}是{estate.get_level_display()}")
    name = _clean_name(name)
    _check_position(lon, lat)
    if not 10 <= checkin_radius_m <= 5000:
        raise InvalidInput.field("checkin_radius_m", "签到半径应在 10 到 5000 米之间")
    if Post.objects.filter(estate=estate, name=name).exists():
        raise InvalidInput.field("name", f"{estate.name}已有名为“{name}”的门岗")
    leader = _check_leader(scope, estate, leader_id)
    post = Post(estate=estate, name=name, lon=lon, lat=lat, checkin_radius_m=checkin_radius_m, leader=leader,
                subdistrict=estate.tenant)
    full_clean(post)
    post.save()
    if default_templates:
        ShiftTemplate.objects.bulk_create(
            ShiftTemplate(post=post, name=n, start=s, end=e, order=i) for i, (n, s, e) in enumerate(DEFAULT_TEMPLATES)
        )
    return post


_UNSET = object()


@transaction.atomic
def post_update(
    *, actor, post_id: int, name=_UNSET, lon=_UNSET, lat=_UNSET, checkin_radius_m=_UNSET, leader_id=_UNSET,
    active=_UNSET,
) -> Post:
    """Change what is given; leave the rest."""
    scope = actor_scope(actor)
    post = _post_for(scope, post_id, ROSTER, lock=True)
    if name is not _UNSET:
        name = _clean_name(name)
        if Post.objects.filter(estate=post.estate, name=name).exclude(pk=post.pk).exists():
            raise InvalidInput.field("name", f"{post.estate.name}已有名为“{name}”的门岗")
        post.name = name
    if lon is not _UNSET or lat is not _UNSET:
        new_lon = post.lon if lon is _UNSET else lon
        new_lat = post.lat if lat is _UNSET else lat
        _check_position(new_lon, new_lat)
        post.lon, post.lat = new_lon, new_lat
    if checkin_radius_m is not _UNSET:
        if checkin_radius_m is None or not 10 <= checkin_radius_m <= 5000:
            raise InvalidInput.field("checkin_radius_m", "签到半径应在 10 到 5000 米之间")
        post.checkin_radius_m = checkin_radius_m
    if leader_id is not _UNSET:
        post.leader = _check_leader(scope, post.estate, leader_id)
    if active is not _UNSET:
        post.active = bool(active)
    full_clean(post)
    post.save()
    return post


@dataclass
class TemplateSpec:
    name: str
    start: dt.time
    end: dt.time


@transaction.atomic
def templates_set(*, actor, post_id: int, templates: list[TemplateSpec]) -> list[ShiftTemplate]:
    """Replace the post's shift templates, in the order given. Any pattern is allowed (3×8h, 2×12h, …);
    templates keep their id when their name stays, so past shifts keep their link."""
    post = _post_for(actor_scope(actor), post_id, ROSTER, lock=True)
    if not templates:
        raise InvalidInput.field("templates", "至少需要一个班次")
    if len(templates) > 12:
        raise InvalidInput.field("templates", "班次不能超过 12 个")
    errors, seen = [], set()
    for i, spec in enumerate(templates, start=1):
        name = (spec.name or "").strip()
        if not name:
            errors.append(FieldError("name", "班次名称不能为空", i))
        elif len(name) > 20:
            errors.append(FieldError("name", "班次名称不能超过 20 个字", i))
        elif name in seen:
            errors.append(FieldError("name", f"班次名称“{name}”重复", i))
        seen.add(name)
        if spec.start.second or spec.end.second or spec.start.microsecond or spec.end.microsecond:
            errors.append(FieldError("start", "时间精确到分钟即可", i))
    _raise(errors)
    existing = {t.name: t for t in post.templates.all()}
    kept = []
    for i, spec in enumerate(templates):
        name = spec.name.strip()
        template = existing.pop(name, None) or ShiftTemplate(post=post, name=name)
        template.start, template.end, template.order = spec.start.replace(tzinfo=None), spec.end.replace(tzinfo=None), i
        template.save()
        kept.append(template)
    ShiftTemplate.objects.filter(pk__in=[t.pk for t in existing.values()]).delete()
    return kept


def day_gaps(post: Post, templates: list[ShiftTemplate]) -> list[str]:
    """Stretches of a day that the templates leave uncovered, e.g. ["12:00–13:00"]: shown beside the editor."""
    day = dt.date(2024, 1, 1)
    spans = [template_times(t, day) for t in templates] + [template_times(t, day - dt.timedelta(days=1)) for t in templates]
    return [_hm(a, b) for a, b in uncovered(spans, _local(day, dt.time(0)), _local(day + dt.timedelta(days=1), dt.time(0)))]


def _hm(a: dt.datetime, b: dt.datetime) -> str:
    a, b = timezone.localtime(a), timezone.localtime(b)
    return f"{a:%H:%M}–{'24:00' if b.date() > a.date() and b.time() == dt.time(0) else f'{b:%H:%M}'}"


# -- rosters -----------------------------------------------------------------------------------------------


@dataclass
class Assignment:
    day: dt.date
    template: int
    persons: list[int] = field(default_factory=list)


@dataclass
class RosterResult:
    shifts: list[Shift]
    gaps: list[tuple[dt.datetime, dt.datetime]]
    removed: int = 0


def covering_spans(post_id: int, start: dt.datetime, end: dt.datetime, *, exclude_ids=()) -> list[tuple]:
    qs = Shift.objects.filter(post_id=post_id, status__in=COVERING, starts_at__lt=end, ends_at__gt=start)
    return list(qs.exclude(pk__in=list(exclude_ids)).values_list("starts_at", "ends_at"))


def gaps_of(post: Post | int, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    post_id = post if isinstance(post, int) else post.pk
    return uncovered(covering_spans(post_id, start, end), start, end)


def gap_message(gaps) -> str:
    shown = "；".join(f"{gap_label(a, b)} 无人值守" for a, b in gaps[:10])
    more = f"；另有 {len(gaps) - 10} 段" if len(gaps) > 10 else ""
    return f"排班有空档：{shown}{more}。请补排，或确认允许空档后再提交"


@transaction.atomic
def roster_build(
    *, actor, post_id: int, week: dt.date, assignments: list[Assignment], allow_gaps: bool = False,
    replace: bool = False,
) -> RosterResult:
    """Write a week (Monday to Sunday, local time; `week` may be any day of it) of the post's shifts from
    its templates: for each day and template, the persons on duty. The whole week is checked first —
    templates, persons who may keep the gate, overlaps (also with their shifts at other posts), and the
    minute-by-minute coverage — and written in one go, or nothing is. With `replace`, the week's planned
    shifts at this post give way (shifts already checked in, done or missed stay)."""
    scope = actor_scope(actor)
    post = _post_for(scope, post_id, ROSTER, lock=True)
    monday = week_start(week)
    start, end = _local(monday, dt.time(0)), _local(monday + WEEK, dt.time(0))
    templates = {t.pk: t for t in post.templates.all()}
    errors: list[FieldError] = []
    if not assignments:
        errors.append(FieldError("assignments", "没有任何排班"))
    planned: list[Planned] = []
    person_ids = {pid for a in assignments for pid in a.persons}
    guards = set(guards_of(post).filter(pk__in=person_ids).values_list("pk", flat=True))
    names = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "name"))
    for row, a in enumerate(assignments, start=1):
        if not monday <= a.day < monday + WEEK:
            errors.append(FieldError("day", f"{a.day} 不在 {monday} 开始的这一周内", row))
            continue
        template = templates.get(a.template)
        if template is None:
            errors.append(FieldError("template", f"班次模板 {a.template} 不属于{post.name}", row))
            continue
        for pid in dict.fromkeys(a.persons):
            if pid not in guards:
                who = names.get(pid)
                errors.append(FieldError(
                    "persons", f"{who}不是本小区的门岗值守人员" if who else f"未找到人员 {pid}", row))
                continue
            s, e = template_times(template, a.day)
            planned.append(Planned(pid, s, e, row, template))
    _raise(errors)
    _lock_persons(person_ids)
    existing = list(Shift.objects.filter(post=post, starts_at__gte=start, starts_at__lt=end)
                    .exclude(status=ShiftStatus.CANCELLED))
    if existing and not replace:
        raise InvalidInput.field("replace", f"{post.name}本周已有 {len(existing)} 个班次；如需重排，请选择覆盖本周排班")
    removed = [s.pk for s in existing if s.status == ShiftStatus.PLANNED]
    _raise(_overlap_errors(planned, exclude_ids=removed, names=names))
    spans = [(p.starts_at, p.ends_at) for p in planned] + covering_spans(post.pk, start, end, exclude_ids=removed)
    gaps = uncovered(spans, start, end)
    if gaps and not allow_gaps:
        raise InvalidInput.field("assignments", gap_message(gaps))
    Shift.objects.filter(pk__in=removed).update(status=ShiftStatus.CANCELLED)
    shifts = Shift.objects.bulk_create([
        Shift(post=post, person_id=p.person_id, template=p.template, starts_at=p.starts_at, ends_at=p.ends_at,
              subdistrict_id=post.subdistrict_id)
        for p in planned
    ])
    return RosterResult(shifts=shifts, gaps=gaps, removed=len(removed))


# -- single shifts -----------------------------------------------------------------------------------------


@transaction.atomic
def shift_create(
    *, actor, post_id: int, person_id: int, starts_at: dt.datetime, ends_at: dt.datetime,
    template_id: int | None = None,
) -> Shift:
    """One shift outside the weekly roster (a stand-in, an extra guard at a busy hour)."""
    post = _post_for(actor_scope(actor), post_id, ROSTER, lock=True)
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    if timezone.is_naive(ends_at):
        ends_at = timezone.make_aware(ends_at)
    starts_at, ends_at = to_minute(starts_at), to_minute(ends_at)
    if ends_at <= starts_at:
        raise InvalidInput.field("ends_at", "结束时间应晚于开始时间")
    if ends_at - starts_at > MAX_SHIFT:
        raise InvalidInput.field("ends_at", "一个班次不能超过 24 小时")
    template = None
    if template_id is not None:
        template = post.templates.filter(pk=template_id).first()
        if template is None:
            raise InvalidInput.field("template", f"班次模板 {template_id} 不属于{post.name}")
    if not Person.objects.filter(pk=person_id).exists() or not is_guard(post, person_id):
        raise InvalidInput.field("person", "该人员不是本小区的门岗值守人员")
    _lock_persons([person_id])
    _raise(_overlap_errors([Planned(person_id, starts_at, ends_at)]))
    shift = Shift(post=post, person_id=person_id, template=template, starts_at=starts_at, ends_at=ends_at,
                  subdistrict_id=post.subdistrict_id)
    full_clean(shift)
    shift.save()
    return shift


def _shift_for(scope: Scope, shift_id: int, *, lock: bool = True) -> Shift:
    qs = Shift.objects.select_related("post__estate", "post__leader", "person")
    if lock:
        qs = qs.select_for_update(of=("self",))
    shift = qs.filter(pk=shift_id).first() if shift_id <= MAX_ID else None
    if shift is None:
        raise NotFound("未找到该班次")
    if scope.person_id is not None and shift.person_id == scope.person_id:
        return shift
    if not (scope.can(GATE, shift.post.estate) or scope.sees_grid(shift.post.estate)):
        raise NotFound("未找到该班次")
    return shift


@transaction.atomic
def shift_cancel(*, actor, shift_id: int) -> Shift:
    """Take a planned shift off the roster (the coverage check will show the gap it leaves)."""
    scope = actor_scope(actor)
    shift = _shift_for(scope, shift_id)
    require(scope, ROSTER, shift.post.estate)
    if shift.status != ShiftStatus.PLANNED:
        raise Conflict(f"班次{shift.get_status_display()}，不能取消")
    shift.status = ShiftStatus.CANCELLED
    shift.save(update_fields=["status"])
    return shift


def _own(scope: Scope, shift: Shift, what: str) -> None:
    if scope.person_id is None or shift.person_id != scope.person_id:
        raise PermissionDenied(f"只能{what}自己的班次")
    require(scope, GATE, shift.post.estate)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    rad = math.radians
    dlat, dlon = rad(lat2 - lat1), rad(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(rad(lat1)) * math.cos(rad(lat2)) * math.sin(dlon / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


@transaction.atomic
def shift_checkin(
    *, actor, shift_id: int, lon: float | None = None, lat: float | None = None, crs: str = "wgs84",
    at: dt.datetime | None = None,
) -> Shift:
    """The guard checks in to their own shift: from 30 minutes before its start until its end, and — when
    the post has a position — within the post's check-in radius. A shift marked missed may still be
    checked in late."""
    scope = actor_scope(actor)
    shift = _shift_for(scope, shift_id)
    _own(scope, shift, "签到")
    at = at or timezone.now()
    if shift.status == ShiftStatus.CHECKED_IN:
        raise Conflict("已经签到过了")
    if shift.status not in (ShiftStatus.PLANNED, ShiftStatus.MISSED):
        raise Conflict(f"班次{shift.get_status_display()}，不能签到")
    opens = shift.starts_at - dt.timedelta(minutes=conf.CHECKIN_EARLY_MINUTES)
    if not opens <= at <= shift.ends_at:
        when = timezone.localtime(opens)
        raise InvalidInput.field(
            "time", f"不在签到时间内：本班 {_span(shift.starts_at, shift.ends_at)}，{when:%m-%d %H:%M} 起可签到，下班后不能再签到")
    post = shift.post
    distance = None
    if lon is not None or lat is not None:
        _check_position(lon, lat)
        lon, lat = geo.to_wgs84(lon, lat, crs)
    if post.lon is not None and post.lat is not None:
        if lon is None:
            raise InvalidInput.field("position", "签到需要手机定位，请允许浏览器获取位置后重试")
        distance = round(distance_m(lon, lat, post.lon, post.lat), 1)
        if distance > post.checkin_radius_m:
            raise InvalidInput.field(
                "position", f"您距离{post.name}约 {distance:.0f} 米，超出签到范围（{post.checkin_radius_m} 米），请到岗后再签到")
    shift.status = ShiftStatus.CHECKED_IN
    shift.checked_in_at = at
    shift.checkin_lon, shift.checkin_lat, shift.checkin_distance_m = lon, lat, distance
    shift.save(update_fields=["status", "checked_in_at", "checkin_lon", "checkin_lat", "checkin_distance_m"])
    return shift


@transaction.atomic
def shift_checkout(*, actor, shift_id: int, at: dt.datetime | None = None) -> Shift:
    scope = actor_scope(actor)
    shift = _shift_for(scope, shift_id)
    _own(scope, shift, "签退")
    if shift.status != ShiftStatus.CHECKED_IN:
        raise Conflict("还没有签到，不能签退" if shift.status in (ShiftStatus.PLANNED, ShiftStatus.MISSED)
                       else f"班次{shift.get_status_display()}，不能签退")
    at = at or timezone.now()
    shift.status = ShiftStatus.DONE
    shift.checked_out_at = max(at, shift.checked_in_at)
    shift.save(update_fields=["status", "checked_out_at"])
    return shift


# -- swaps -------------------------------------------------------------------------------------------------


def _tell(post: Post, recipients, event: str, title: str, body: str = "", link: str = "") -> None:
    notify(recipients=recipients, event=event, title=title, body=body, link=link or f"/duty/posts/{post.pk}/",
           payload={"post": post.pk}, subdistrict_id=post.subdistrict_id or post.estate.tenant.pk)


def _swap_plans(swap_shift: Shift, to_person_id: int, exchange: Shift | None) -> list[Planned]:
    plans = [Planned(to_person_id, swap_shift.starts_at, swap_shift.ends_at)]
    if exchange is not None:
        plans.append(Planned(swap_shift.person_id, exchange.starts_at, exchange.ends_at))
    return plans


def _swap_excluded(swap_shift: Shift, exchange: Shift | None) -> list[int]:
    return [swap_shift.pk] + ([exchange.pk] if exchange is not None else [])


@transaction.atomic
def swap_create(
    *, actor, shift_id: int, to_person_id: int, exchange_shift_id: int | None = None, reason: str = "",
    at: dt.datetime | None = None,
) -> SwapRequest:
    """A guard asks to hand their planned shift to another guard of the estate, or to exchange it for one
    of that guard's planned shifts. The post's leader decides (`swap_decide`)."""
    scope = actor_scope(actor)
    shift = _shift_for(scope, shift_id)
    _own(scope, shift, "申请调换")
    at = at or timezone.now()
    if shift.status != ShiftStatus.PLANNED or shift.starts_at <= at:
        raise InvalidInput.field("shift", "只能调换还没开始的班次")
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise InvalidInput.field("reason", f"理由不能超过 {REASON_MAX} 个字")
    if to_person_id == shift.person_id:
        raise InvalidInput.field("to_person", "不能和自己换班")
    to_person = Person.objects.filter(pk=to_person_id).first()
    if to_person is None or not is_guard(shift.post, to_person_id):
        raise InvalidInput.field("to_person", "接班人应是本小区的门岗值守人员")
    exchange = None
    if exchange_shift_id is not None:
        exchange = Shift.objects.select_related("post").filter(pk=exchange_shift_id).first()
        if exchange is None or exchange.person_id != to_person_id or exchange.post.estate_id != shift.post.estate_id:
            raise InvalidInput.field("exchange_shift", f"换回的班次应是{to_person.name}在本小区的班次")
        if exchange.status != ShiftStatus.PLANNED or exchange.starts_at <= at:
            raise InvalidInput.field("exchange_shift", "换回的班次应是还没开始的班次")
    _raise(_overlap_errors(_swap_plans(shift, to_person_id, exchange), exclude_ids=_swap_excluded(shift, exchange)))
    swap = SwapRequest(shift=shift, exchange_shift=exchange, requested_by_id=shift.person_id, to_person=to_person,
                       reason=reason, subdistrict_id=shift.subdistrict_id)
    try:
        with transaction.atomic():
            swap.save()
    except IntegrityError as exc:
        raise Conflict("这个班次已有一份待审批的换班申请") from exc
    body = f"{shift.person.name}申请把 {_span(shift.starts_at, shift.ends_at)} 的班交给{to_person.name}"
    if exchange is not None:
        body += f"，换回 {_span(exchange.starts_at, exchange.ends_at)} 的班"
    _tell(shift.post, leaders_of(shift.post), "duty.swap.requested", f"{shift.post.name}换班申请待审批",
          body + (f"。理由：{reason}" if reason else ""), link="/duty/swaps/")
    _tell(shift.post, [to_person], "duty.swap.requested", f"{shift.person.name}想和您换班", body, link="/duty/my/")
    return swap


@transaction.atomic
def swap_decide(*, actor, swap_id: int, approve: bool, note: str = "", at: dt.datetime | None = None) -> SwapRequest:
    """The post's leader (roster capability at the estate) approves or rejects. Approval checks again
    that the shifts have not started and that nobody ends up with two overlapping shifts."""
    actor = Actor.of(actor)
    scope = actor.scope
    swap = (SwapRequest.objects.select_for_update(of=("self",))
            .select_related("shift__post__estate", "exchange_shift", "requested_by", "to_person").filter(pk=swap_id).first()
            if swap_id <= MAX_ID else None)
    if swap is None:
        raise NotFound("未找到该换班申请")
    post = swap.shift.post
    require(scope, ROSTER, post.estate)
    if swap.status != SwapStatus.PENDING:
        raise Conflict(f"该申请{swap.get_status_display()}，不能再审批")
    note = clean_text(note, "note", limit=REASON_MAX, label="审批意见")
    at = at or timezone.now()
    if approve:
        _lock_persons([swap.requested_by_id, swap.to_person_id])
        shift = Shift.objects.select_for_update().get(pk=swap.shift_id)
        exchange = Shift.objects.select_for_update().get(pk=swap.exchange_shift_id) if swap.exchange_shift_id else None
        for s in filter(None, (shift, exchange)):
            if s.status != ShiftStatus.PLANNED or s.starts_at <= at:
                raise InvalidInput.field("shift", f"班次 {_span(s.starts_at, s.ends_at)} 已开始或已变更，不能再换班")
        if shift.person_id != swap.requested_by_id or (exchange and exchange.person_id != swap.to_person_id):
            raise InvalidInput.field("shift", "班次的值守人员已变更，不能再按此申请换班")
        if not is_guard(post, swap.to_person_id):
            raise InvalidInput.field("to_person", f"{swap.to_person.name}已不是本小区的门岗值守人员")
        _raise(_overlap_errors(_swap_plans(shift, swap.to_person_id, exchange),
                               exclude_ids=_swap_excluded(shift, exchange)))
        shift.person_id = swap.to_person_id
        shift.save(update_fields=["person"])
        if exchange is not None:
            exchange.person_id = swap.requested_by_id
            exchange.save(update_fields=["person"])
    swap.status = SwapStatus.APPROVED if approve else SwapStatus.REJECTED
    swap.decided_by = actor.person
    swap.decided_at = at
    swap.decision_note = note
    swap.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    verdict = "同意" if approve else "驳回"
    body = f"{_span(swap.shift.starts_at, swap.shift.ends_at)} 的班：{swap.requested_by.name} → {swap.to_person.name}"
    _tell(post, [swap.requested_by, swap.to_person], f"duty.swap.{swap.status}", f"换班申请已{verdict}",
          body + (f"。意见：{note}" if note else ""), link="/duty/my/")
    return swap


# -- the sweeps: gaps ahead, missed check-ins --------------------------------------------------------------


def _gap_start(post: Post, gap_start: dt.datetime, now: dt.datetime) -> dt.datetime:
    """Where a gap that is already running began: the end of the last covering shift before now (or the
    post's creation), so that the same gap keeps the same key minute after minute."""
    if gap_start > to_minute(now):
        return gap_start
    last = (Shift.objects.filter(post=post, status__in=COVERING, ends_at__lte=now)
            .aggregate(m=Max("ends_at"))["m"])
    return to_minute(last or post.created_at)


def gaps_sweep(*, now: dt.datetime | None = None) -> int:
    """Report every gap of an active post that starts within the next GATE_GAP_NOTICE_HOURS (or is running
    now) to the post's leaders, once per post and gap start. Returns how many were reported."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(hours=conf.gap_notice_hours())
    reported = 0
    for post in Post.objects.filter(active=True).select_related("estate", "leader"):
        for a, b in gaps_of(post, now, horizon):
            start = _gap_start(post, a, now)
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        GapAlert.objects.create(post=post, starts_at=start, ends_at=b, subdistrict_id=post.subdistrict_id)
                except IntegrityError:
                    continue
                running = a <= to_minute(now)
                title = f"{post.name}{'正无人值守' if running else '将出现无人值守'}：{gap_label(a, b, with_date=True)}"
                _tell(post, leaders_of(post), "duty.gap", title,
                      f"{post.estate.name}{post.name}在 {gap_label(a, b, with_date=True)} 没有排班，请尽快补排。")
                reported += 1
    return reported


def missed_sweep(*, now: dt.datetime | None = None) -> int:
    """Mark planned shifts not checked in GATE_CHECKIN_GRACE_MINUTES after their start as missed, and tell
    the post's leaders — once per shift (the status change is the claim)."""
    now = now or timezone.now()
    due = now - dt.timedelta(minutes=conf.checkin_grace_minutes())
    marked = 0
    candidates = Shift.objects.filter(status=ShiftStatus.PLANNED, starts_at__lte=due, ends_at__gt=now - WEEK)
    for shift in candidates.select_related("post__estate", "post__leader", "person")[:1000]:
        with transaction.atomic():
            claimed = Shift.objects.filter(pk=shift.pk, status=ShiftStatus.PLANNED).update(
                status=ShiftStatus.MISSED, missed_at=now)
            if not claimed:
                continue
            post = shift.post
            _tell(post, [*leaders_of(post), shift.person], "duty.missed",
                  f"{post.name}漏签：{shift.person.name}",
                  f"{shift.person.name} {_span(shift.starts_at, shift.ends_at)} 的班超过 {conf.checkin_grace_minutes()} 分钟未签到。")
            marked += 1
    return marked


def sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {"missed": missed_sweep(now=now), "gaps": gaps_sweep(now=now)}
