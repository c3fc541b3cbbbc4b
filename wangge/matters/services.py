"""Every write to a matter: intake from any channel, transitions, reassignment, supervision, merging,
rating, comments, photos, and the SLA sweep. Keyword-only, one transaction each, domain errors on bad
input; notifications and webhooks are written in the same transaction and delivered after it commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from wangge.core import geo, images, pii
from wangge.core.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied
from wangge.core.text import clean_text
from wangge.notify.services import emit, notify
from wangge.people import access
from wangge.people.access import DISPATCH, SUPERVISE, UNMASK, VIEW
from wangge.people.models import Duty, Person, PiiAccessLog
from wangge.registry import locate as locating
from wangge.registry.models import GridNode, Household, Unit

from . import lifecycle, routing, selectors, signals, sla
from .lifecycle import ACTIONS, ASSIGNEE, DISPATCHER, REPORTER, STAGE_OF, IllegalTransition
from .models import (
    AttributeType,
    Category,
    Comment,
    Escalation,
    Event,
    IdempotencyKey,
    Matter,
    Open311Client,
    Photo,
    PhotoKind,
    Rating,
    Source,
    State,
)

DESCRIPTION_MAX = 2000
NOTE_MAX = 1000
PHOTOS_MAX = 9
STAFF_SOURCES = {Source.VISIT, Source.PATROL, Source.HOTLINE, Source.DELIBERATION}
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,100}$")


# -- who is acting -------------------------------------------------------------------------------------


class Actor(access.Actor):
    """The actor of people.access, with what they are to a matter (dispatcher, assignee, reporter)."""

    def roles_on(self, matter: Matter) -> set[str]:
        roles = set()
        if self.scope.is_admin or self.scope.can(DISPATCH, matter.grid):
            roles.add(DISPATCHER)
        if self.person is not None and matter.assignee_id == self.person.pk:
            roles.add(ASSIGNEE)
        if self.user_id is not None and matter.reporter_user_id == self.user_id:
            roles.add(REPORTER)
        return roles

    def sees(self, matter: Matter) -> bool:
        return bool(self.roles_on(matter)) or self.scope.can(VIEW, matter.grid) or (
            matter.handling_grid is not None and self.scope.can(VIEW, matter.handling_grid)
        )


def _lock(matter_id: int, actor: Actor) -> Matter:
    """The matter, locked for this transaction; 404 when the actor may not see it."""
    matter = (
        Matter.objects.select_for_update(of=("self",))
        .select_related("category", "grid", "handling_grid", "assignee")
        .filter(pk=matter_id)
        .first()
    )
    if matter is None or not actor.sees(matter):
        raise NotFound("未找到该事项")
    return signals.loaded(matter)


def _event(matter: Matter, action: str, actor: Actor, *, at, from_state="", to_state="", note="", data=None,
           public=True, seq: int | None = None) -> Event:
    """Record an event: the matter's next `seq`, unless given (a matter being created knows its own)."""
    if seq is None:
        seq = (matter.events.aggregate(m=Max("seq"))["m"] or 0) + 1
    event = _new_event(matter, action, actor, at=at, from_state=from_state, to_state=to_state, note=note, data=data,
                       public=public, seq=seq)
    event.save(force_insert=True)
    return event


def _new_event(matter: Matter, action: str, actor: Actor, *, at, seq: int, from_state="", to_state="", note="",
               data=None, public=True) -> Event:
    """An event not yet saved: for a caller that writes several at once."""
    return Event(
        matter=matter, seq=seq, at=at, action=action, from_state=from_state, to_state=to_state,
        actor_user_id=actor.user_id, actor_label=actor.label[:60], note=note, data=data or {}, public=public,
    )


# -- notifications ---------------------------------------------------------------------------------


def _reporter_persons(matter: Matter) -> list[Person]:
    """The reporter, and the reporters of the matters merged into this one: all are kept informed."""
    user_ids = [matter.reporter_user_id, *matter.merged.values_list("reporter_user_id", flat=True)]
    return list(Person.objects.filter(user_id__in=[u for u in user_ids if u]))


def _tell(matter: Matter, event: str, title: str, recipients, body: str = "") -> None:
    notify(
        recipients=recipients,
        event=event,
        title=title,
        body=body or matter.description[:140],
        link=f"/matters/{matter.pk}/",
        payload={"matter": matter.pk, "state": matter.state},
        subdistrict_id=matter.subdistrict_id,
    )


def _emit(matter: Matter, event: str, **extra) -> None:
    emit(
        event=f"matter.{event}",
        payload={
            "id": matter.pk,
            "category": matter.category.code,
            "state": matter.state,
            "grid": matter.grid_id,
            "assignee": matter.assignee_id,
            "deadline": matter.deadline.isoformat() if matter.deadline else None,
            **extra,
        },
        subdistrict_id=matter.subdistrict_id,
    )


# -- clock -------------------------------------------------------------------------------------------


def _enter(matter: Matter, state: str, at: dt.datetime) -> None:
    """Move to `state`, starting a new deadline when the SLA stage changes."""
    matter.state = state
    stage = STAGE_OF.get(state, "")
    if stage != matter.stage:
        matter.stage = stage
        matter.deadline = sla.deadline(matter.category, stage, at) if stage else None
        matter.deadline_seq += 1
        if stage == "resolve" and matter.resolve_due is None:
            matter.resolve_due = matter.deadline


# -- intake ------------------------------------------------------------------------------------------


@dataclass
class Report:
    """What any channel hands to `matter_report`. Location: a point (lon, lat in `crs`) or a unit."""

    category: str
    description: str
    source: str = Source.RESIDENT
    lon: float | None = None
    lat: float | None = None
    crs: str = "wgs84"
    unit: int | None = None
    household: int | None = None
    address: str = ""
    attributes: dict = field(default_factory=dict)
    photos: list = field(default_factory=list)  # bytes or files, cleaned by core.images
    media_urls: list[str] = field(default_factory=list)
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    anonymous: bool = False
    device_id: str = ""


def category_for_report(code) -> Category:
    """The active leaf category `code` names, with its extra questions, from the process's kept copy (read
    again at once when the code is not in it: a category added elsewhere this minute)."""
    if not isinstance(code, str) or not code.strip():
        raise InvalidInput.field("category", "请选择事项类别")
    code = code.strip()
    category = selectors.report_categories().get(code) or selectors.report_categories(fresh=True).get(code)
    if category is None:
        raise InvalidInput.field("category", f"未知的事项类别 {code!r}")
    return category


def clean_attributes(category: Category, values: dict | None, *, field_prefix: str = "attributes") -> dict:
    """The category's extra questions, checked against their types; unknown codes are refused."""
    values = dict(values or {})
    attributes = {a.code: a for a in category.attributes.all() if a.variable}
    errors: list[FieldError] = []
    cleaned: dict = {}
    for code in values:
        if code not in attributes:
            errors.append(FieldError(f"{field_prefix}.{code}", f"“{category.name}”没有附加项 {code!r}"))
    for code, attr in attributes.items():
        name = f"{field_prefix}.{code}"
        value = values.get(code)
        if value in (None, "", []):
            if attr.required:
                errors.append(FieldError(name, f"请填写：{attr.description}"))
            continue
        keys = {str(v.get("key")) for v in attr.values}
        if attr.datatype == AttributeType.SINGLE:
            value = str(value)
            if value not in keys:
                errors.append(FieldError(name, f"无效选项 {value!r}，可选：{'、'.join(sorted(keys))}"))
        elif attr.datatype == AttributeType.MULTI:
            value = [str(v) for v in (value if isinstance(value, list) else [value])]
            bad = [v for v in value if v not in keys]
            if bad:
                errors.append(FieldError(name, f"无效选项 {'、'.join(bad)}，可选：{'、'.join(sorted(keys))}"))
        elif attr.datatype == AttributeType.NUMBER:
            try:
                value = float(value)
            except (TypeError, ValueError):
                errors.append(FieldError(name, "应为数字"))
                continue
            if value != value or value in (float("inf"), float("-inf")):
                errors.append(FieldError(name, "应为数字"))
        elif attr.datatype == AttributeType.DATETIME:
            parsed = parse_datetime(str(value)) if isinstance(value, str) else None
            if parsed is None:
                errors.append(FieldError(name, "应为日期时间，如 2026-05-01T08:30:00+08:00"))
            else:
                value = parsed.isoformat()
        else:
            value = str(value).strip()
            limit = 1000 if attr.datatype == AttributeType.TEXT else 200
            if len(value) > limit:
                errors.append(FieldError(name, f"不能超过{limit}字"))
        cleaned[code] = value
    if errors:
        raise InvalidInput(errors[0].message, errors=errors)
    return cleaned


def _place(report: Report, actor: Actor) -> tuple[
    GridNode, Unit | None, Household | None, float | None, float | None
]:
    """The grid node from the unit (its micro-grid) or from the point; the unit wins when both are given."""
    unit = household = None
    lon = lat = None
    if report.lon is not None or report.lat is not None:
        if report.lon is None or report.lat is None:
            missing = "lat" if report.lat is None else "lon"
            raise InvalidInput.field(missing, "经度和纬度需同时提供")
        try:
            lon, lat = float(report.lon), float(report.lat)
        except (TypeError, ValueError) as exc:
            raise InvalidInput.field("lon", "经纬度应为数字") from exc
        if report.crs not in geo.CRS_CHOICES:
            raise InvalidInput.field("crs", f"未知坐标系 {report.crs!r}，应为 wgs84、gcj02 或 bd09")
        if not (-180 <= lon <= 180):
            raise InvalidInput.field("lon", "经度应在 -180 到 180 之间")
        if not (-90 <= lat <= 90):
            raise InvalidInput.field("lat", "纬度应在 -90 到 90 之间")
    if report.unit is not None:
        unit = Unit.objects.select_related("micro_grid", "building__estate_grid").filter(pk=report.unit).first()
        if unit is None or not _may_use_unit(actor, unit):
            raise InvalidInput.field("unit", "未找到该单元")
        if report.household is not None:
            household = Household.objects.filter(pk=report.household, unit=unit).first()
            if household is None:
                raise InvalidInput.field("household", "该单元没有这一住户")
    if lon is not None:
        try:
            node, (lon, lat) = locating.locate(lon=lon, lat=lat, crs=report.crs)
        except NotFound as exc:
            raise InvalidInput.field("lon", "该位置不在任何网格内，请在地图上重新选点或选择楼栋单元") from exc
    else:
        node = None
    if unit is not None:
        node = unit.micro_grid or unit.building.estate_grid
    if node is None:
        raise InvalidInput.field("location", "请在地图上选点，或选择楼栋单元")
    return node, unit, household, lon, lat


def _may_use_unit(actor: Actor, unit: Unit) -> bool:
    grid = unit.micro_grid or unit.building.estate_grid
    if actor.scope.can(VIEW, grid):
        return True
    # A resident reports in their own estate.
    if actor.scope.household_id is not None:
        return unit.building.estate_grid_id in actor.scope.household_chain
    return False


def _fingerprint(report: Report) -> str:
    data = {
        k: v for k, v in report.__dict__.items() if k not in ("photos",)
    }
    data["photos"] = [hashlib.sha256(p if isinstance(p, bytes) else b"").hexdigest() for p in report.photos]
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def check_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not _KEY_RE.match(key):
        raise InvalidInput.field("Idempotency-Key", "应为1到100个可见ASCII字符（建议使用UUID）")
    return key


def matter_report(
    *, actor=None, report: Report, idempotency_key: str | None = None, client: str | None = None,
    open311_client: Open311Client | None = None, at: dt.datetime | None = None,
) -> tuple[Matter, bool]:
    """Take a report from any channel. Returns (matter, created): a repeated `idempotency_key` from the
    same client returns the first matter and creates nothing."""
    actor = Actor.of(actor)
    key = check_idempotency_key(idempotency_key)
    client = client or (f"user:{actor.user_id}" if actor.user_id else "system")
    fingerprint = _fingerprint(report) if key else ""
    if key:
        existing = _replay(client, key, fingerprint)
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            matter = _create(actor, report, open311_client=open311_client, at=at or timezone.now())
            if key:
                IdempotencyKey.objects.create(
                    client=client, key=key, fingerprint=fingerprint, matter=matter, created_at=matter.created_at
                )
    except IntegrityError:
        # The same key raced in from another request and won: answer with its matter.
        existing = _replay(client, key, fingerprint) if key else None
        if existing is None:
            raise
        return existing, False
    return matter, True


def _replay(client: str, key: str, fingerprint: str) -> Matter | None:
    row = IdempotencyKey.objects.filter(client=client, key=key).select_related("matter").first()
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise Conflict("该 Idempotency-Key 已用于内容不同的另一次上报", errors=[
            FieldError("Idempotency-Key", "已用于内容不同的另一次上报")
        ])
    return row.matter


def _create(actor: Actor, report: Report, *, open311_client, at) -> Matter:
    if report.source not in Source.values:
        raise InvalidInput.field("source", f"未知来源 {report.source!r}")
    category = category_for_report(report.category)
    description = clean_text(report.description, "description", limit=DESCRIPTION_MAX, required=True)
    attributes = clean_attributes(category, report.attributes)
    address = clean_text(report.address, "address", limit=200)
    name = clean_text(report.reporter_name, "reporter_name", limit=50)
    phone = pii.normalize_phone(report.reporter_phone or "")
    if phone and (problem := pii.phone_problem(phone)):
        raise InvalidInput.field("reporter_phone", problem)
    email = clean_text(report.reporter_email, "reporter_email", limit=254)
    if len(report.photos) > PHOTOS_MAX:
        raise InvalidInput.field("photos", f"最多{PHOTOS_MAX}张照片")
    if len(report.photos) + len(report.media_urls) < category.photos_required:
        raise InvalidInput.field("photos", f"“{category.name}”至少需要{category.photos_required}张照片")
    cleaned = [images.clean_image(p, field="photos") for p in report.photos]
    node, unit, household, lon, lat = _place(report, actor)
    if report.source in STAFF_SOURCES and not actor.scope.can(VIEW, node):
        raise PermissionDenied("只有该网格的工作人员可以登记走访、巡查或热线事项")
    if report.source == Source.OPEN311 and open311_client is None:
        raise InvalidInput.field("source", "Open311 上报须经 Open311 接口")
    if actor.person is not None and not name and report.source == Source.RESIDENT:
        name = actor.person.name
        phone = phone or actor.person.phone
    if not address and unit is not None:
        address = f"{unit.building.name}{unit.name}"
    handler = routing.route(category, node, at=at)
    matter = Matter(
        category=category, source=report.source, description=description, attributes=attributes, grid=node,
        unit=unit, household=household or (_own_household(actor, unit)), lon=lon, lat=lat, address=address,
        reporter_user=actor.user if actor.user_id else None, reporter_name=name, reporter_phone=phone,
        reporter_email=email, anonymous=bool(report.anonymous), open311_client=open311_client,
        device_id=(report.device_id or "")[:100], subdistrict_id=node.tenant_id, created_at=at, updated_at=at,
        assignee=handler.person if handler else None, assignee_role=handler.role if handler else "",
        handling_grid=handler.grid if handler else None,
    )
    _enter(matter, State.REPORTED, at)
    signals.saved(matter)
    event = _new_event(matter, "report", actor, at=at, to_state=State.REPORTED, data={"source": report.source}, seq=1)
    events = [event]
    if handler is not None:
        events.append(_new_event(matter, "assign", actor, at=at, data={"to": handler.person.pk, "role": handler.role},
                                 public=False, seq=2))
    Event.objects.bulk_create(events)  # one statement; each gets its id (the photos point to the report's)
    for image in cleaned:
        _save_photo(matter, image, kind=PhotoKind.REPORT, event=event, actor=actor, at=at)
    for url in report.media_urls:
        Photo.objects.create(matter=matter, event=event, kind=PhotoKind.REPORT, url=url[:500], at=at)
    if handler is not None:
        _tell(matter, "matter.assigned", f"新事项：{category.name}", [handler.person])
    _emit(matter, "created")
    return matter


def _own_household(actor: Actor, unit: Unit | None) -> Household | None:
    if unit is None or actor.scope.household_id is None:
        return None
    return Household.objects.filter(pk=actor.scope.household_id, unit=unit).first()


def _save_photo(matter: Matter, image, *, kind: str, event: Event | None, actor: Actor, at) -> Photo:
    photo = Photo(
        matter=matter, event=event, kind=kind, content_type=image.content_type, width=image.width,
        height=image.height, sha256=image.sha256, uploaded_by=actor.user if actor.user_id else None, at=at,
    )
    photo.file.save(f"photo.{image.extension}", ContentFile(image.content), save=False)
    photo.save()
    return photo


# -- transitions -------------------------------------------------------------------------------------


def _person_for_assignment(actor: Actor, matter: Matter, person_id, field_name: str = "assignee") -> Person:
    """A person holding a current duty somewhere the dispatcher sees: the only people a matter can go to."""
    try:
        pid = int(person_id)
    except (TypeError, ValueError) as exc:
        raise InvalidInput.field(field_name, "应为人员编号") from exc
    duties = Duty.objects.current().filter(person_id=pid).select_related("grid", "person")
    duty = next((d for d in duties if actor.scope.can(VIEW, d.grid)), None)
    if duty is None:
        raise InvalidInput.field(field_name, "该人员不存在，或在您的网格内没有在岗职责")
    return duty.person


def _assign(matter: Matter, person: Person, actor: Actor, *, at, reason: str, action: str = "reassign") -> None:
    duty = (
        Duty.objects.current(at).filter(person=person).select_related("grid").order_by("-grid__depth", "id").first()
    )
    previous = matter.assignee_id
    matter.assignee = person
    matter.assignee_role = duty.role if duty else ""
    matter.handling_grid = duty.grid if duty else matter.handling_grid
    _event(matter, action, actor, at=at, note=reason, data={"from": previous, "to": person.pk}, public=False)
    if previous != person.pk:
        _tell(matter, "matter.assigned", f"派给您的事项：{matter.category.name}", [person], body=reason)


@transaction.atomic
def matter_transition(
    *, actor=None, matter_id: int, action: str, note: str = "", photos=(), assignee: int | None = None,
    at: dt.datetime | None = None,
) -> Matter:
    """Take one action of the state machine. Refused with 409 when the state does not allow it, 403
    when the actor may not take it, 422 on bad input."""
    actor = Actor.of(actor)
    at = at or timezone.now()
    if action in ("merge", "rate"):
        raise InvalidInput.field("action", f"{action} 请使用专门的接口")
    matter = _lock(matter_id, actor)
    try:
        spec = lifecycle.check(action, matter.state)
    except IllegalTransition as exc:
        if action not in ACTIONS:
            raise InvalidInput.field("action", str(exc)) from exc
        raise Conflict(str(exc), extra={"state": matter.state}) from exc
    if not (actor.scope.is_admin or spec.by & actor.roles_on(matter)):
        raise PermissionDenied(f"您不能对该事项进行“{spec.label}”")
    note = clean_text(note, "note", limit=NOTE_MAX, required=spec.note_required)
    if len(photos) > PHOTOS_MAX:
        raise InvalidInput.field("photos", f"最多{PHOTOS_MAX}张照片")
    cleaned = [images.clean_image(p, field="photos") for p in photos]
    new_assignee = None
    if assignee is not None:
        if action != "dispatch":
            raise InvalidInput.field("assignee", "只有派遣时可以指定处置人")
        new_assignee = _person_for_assignment(actor, matter, assignee)
    from_state = matter.state
    if action == "hold":
        matter.held_state = from_state
        matter.held_remaining_s = (
            sla.remaining_s(matter.category, matter.stage, matter.deadline, at) if matter.deadline else None
        )
        stage = matter.stage
        _enter(matter, State.ON_HOLD, at)
        matter.stage, matter.deadline = stage, None
    elif action == "resume":
        state, remaining = matter.held_state, matter.held_remaining_s
        matter.state = state
        matter.deadline = (
            sla.resume_deadline(matter.category, matter.stage, at, remaining) if remaining is not None else None
        )
        matter.deadline_seq += 1
        matter.held_state, matter.held_remaining_s = "", None
    else:
        if action == "rework":
            matter.rework_count += 1
            matter.stage = ""  # a new resolve deadline
        _enter(matter, spec.target, at)
    if action == "resolve":
        matter.resolved_at = at
    elif action == "close":
        matter.closed_at = at
    if action == "dispatch" and matter.assignee_id is None and new_assignee is None:
        handler = routing.route(matter.category, matter.grid, at=at)
        new_assignee = handler.person if handler else None
    kind = {"start": PhotoKind.BEFORE, "resolve": PhotoKind.AFTER}.get(action, PhotoKind.OTHER)
    event = _event(matter, action, actor, at=at, from_state=from_state, to_state=matter.state, note=note)
    for image in cleaned:
        _save_photo(matter, image, kind=kind, event=event, actor=actor, at=at)
    if new_assignee is not None:
        _assign(matter, new_assignee, actor, at=at, reason=note, action="assign")
    matter.updated_at = at
    signals.saved(matter)
    _after_transition(matter, action, actor, note)
    return matter


_REPORTER_NEWS = {
    "accept": "您反映的事项已受理",
    "reject": "您反映的事项不予受理",
    "start": "您反映的事项正在处置",
    "resolve": "您反映的事项已处置完成",
    "close": "您反映的事项已结案，请评价",
    "hold": "您反映的事项暂时挂起",
    "resume": "您反映的事项恢复处置",
}


def _after_transition(matter: Matter, action: str, actor: Actor, note: str) -> None:
    if action in _REPORTER_NEWS:
        _tell(matter, f"matter.{action}", _REPORTER_NEWS[action], _reporter_persons(matter), body=note)
    if action == "rework" and matter.assignee_id:
        _tell(matter, "matter.rework", f"事项需返工：{matter.category.name}", [matter.assignee], body=note)
    _emit(matter, action)


@transaction.atomic
def matter_reassign(*, actor=None, matter_id: int, assignee: int, reason: str, at=None) -> Matter:
    """A dispatcher gives the matter to someone else; the reason is kept."""
    actor = Actor.of(actor)
    at = at or timezone.now()
    matter = _lock(matter_id, actor)
    if DISPATCHER not in actor.roles_on(matter):
        raise PermissionDenied("只有派遣人员可以改派")
    if not matter.is_open:
        raise Conflict(f"“{matter.get_state_display()}”的事项不能改派")
    reason = clean_text(reason, "reason", limit=NOTE_MAX, required=True)
    person = _person_for_assignment(actor, matter, assignee)
    if person.pk == matter.assignee_id:
        raise InvalidInput.field("assignee", "已由该人员处置")
    _assign(matter, person, actor, at=at, reason=reason)
    matter.updated_at = at
    signals.saved(matter)
    _emit(matter, "reassigned")
    return matter


@transaction.atomic
def matter_supervise(*, actor=None, matter_id: int, note: str, at=None) -> Matter:
    """督办: a leader marks the matter and its assignee is told at once."""
    actor = Actor.of(actor)
    at = at or timezone.now()
    matter = _lock(matter_id, actor)
    if not (actor.scope.is_admin or actor.scope.can(SUPERVISE, matter.grid)):
        raise PermissionDenied("只有网格长或社区两委成员可以督办")
    if not matter.is_open:
        raise Conflict(f"“{matter.get_state_display()}”的事项不需督办")
    note = clean_text(note, "note", limit=NOTE_MAX, required=True)
    matter.supervised_at = at
    matter.supervised_by = actor.person
    matter.updated_at = at
    signals.saved(matter)
    _event(matter, "supervise", actor, at=at, note=note, public=False)
    if matter.assignee_id:
        _tell(matter, "matter.supervised", f"督办：{matter.category.name}", [matter.assignee], body=note)
    _emit(matter, "supervised")
    return matter


@transaction.atomic
def matter_merge(*, actor=None, matter_id: int, into: int, note: str = "", at=None) -> Matter:
    """Merge a duplicate into the matter that goes on; both reporters follow the survivor."""
    actor = Actor.of(actor)
    at = at or timezone.now()
    if matter_id == into:
        raise InvalidInput.field("into", "不能合并到自身")
    # Lock in id order so two merges of the same pair cannot deadlock.
    first, second = sorted([matter_id, into])
    locked = {first: _lock(first, actor), second: _lock(second, actor)}
    matter, target = locked[matter_id], locked[into]
    if DISPATCHER not in actor.roles_on(matter) or DISPATCHER not in actor.roles_on(target):
        raise PermissionDenied("只有派遣人员可以合并事项")
    try:
        lifecycle.check("merge", matter.state)
    except IllegalTransition as exc:
        raise Conflict(str(exc)) from exc
    if not target.is_open:
        raise InvalidInput.field("into", f"目标事项“{target.get_state_display()}”，不能合并到它")
    note = clean_text(note, "note", limit=NOTE_MAX)
    from_state = matter.state
    matter.merged_into = target
    _enter(matter, State.MERGED, at)
    matter.updated_at = at
    signals.saved(matter)
    _event(matter, "merge", actor, at=at, from_state=from_state, to_state=State.MERGED, note=note,
           data={"into": target.pk})
    _event(target, "absorb", actor, at=at, note=note, data={"from": matter.pk})
    _tell(target, "matter.merged", f"您反映的事项已与 #{target.pk} 合并处理", _reporter_persons(target))
    _emit(matter, "merged", into=target.pk)
    return matter


@transaction.atomic
def matter_rate(*, actor=None, matter_id: int, rating: str, comment: str = "", at=None) -> Matter:
    """The reporter rates a closed matter. The first unsatisfied rating reopens it as rework for the
    grid leader to review; after that a rating is final."""
    actor = Actor.of(actor)
    at = at or timezone.now()
    matter = _lock(matter_id, actor)
    if REPORTER not in actor.roles_on(matter):
        raise PermissionDenied("只有上报人可以评价")
    if rating not in Rating.values:
        raise InvalidInput.field("rating", f"应为 {'、'.join(Rating.values)} 之一")
    try:
        lifecycle.check("rate", matter.state)
    except IllegalTransition as exc:
        raise Conflict(str(exc)) from exc
    comment = clean_text(comment, "comment", limit=500, required=rating == Rating.UNSATISFIED)
    matter.rating, matter.rating_comment, matter.rated_at = rating, comment, at
    from_state = matter.state
    reopen = rating == Rating.UNSATISFIED and not matter.reopened
    if reopen:
        matter.reopened = True
        matter.rework_count += 1
        matter.stage = ""
        _enter(matter, State.REWORK, at)
    else:
        _enter(matter, State.EVALUATED, at)
    matter.updated_at = at
    signals.saved(matter)
    _event(matter, "rate", actor, at=at, from_state=from_state, to_state=matter.state, note=comment,
           data={"rating": rating})
    if reopen:
        leader = routing.first_leader(matter.grid, at=at)
        if leader is not None:
            _assign(matter, leader.person, Actor.of(None), at=at, reason="居民不满意，请网格长复核", action="assign")
            signals.saved(matter)
    _emit(matter, "rated", rating=rating)
    return matter


# -- comments and photos -----------------------------------------------------------------------------


@transaction.atomic
def comment_add(*, actor=None, matter_id: int, body: str, internal: bool = False, at=None) -> Comment:
    actor = Actor.of(actor)
    at = at or timezone.now()
    matter = _lock(matter_id, actor)
    body = clean_text(body, "body", limit=1000, required=True)
    staff = actor.scope.is_admin or actor.scope.can(VIEW, matter.grid) or ASSIGNEE in actor.roles_on(matter)
    if internal and not staff:
        raise PermissionDenied("只有工作人员可以写内部留言")
    comment = Comment.objects.create(
        matter=matter, author_user=actor.user if actor.user_id else None, author_label=actor.label[:60],
        body=body, internal=internal, at=at,
    )
    if not internal:
        others = [p for p in [matter.assignee, *_reporter_persons(matter)] if p and p != actor.person]
        _tell(matter, "matter.comment", f"事项 #{matter.pk} 有新留言", others, body=body)
    return comment


@transaction.atomic
def photo_add(*, actor=None, matter_id: int, data, kind: str = PhotoKind.OTHER, at=None) -> Photo:
    actor = Actor.of(actor)
    at = at or timezone.now()
    matter = _lock(matter_id, actor)
    if kind not in PhotoKind.values:
        raise InvalidInput.field("kind", f"应为 {'、'.join(PhotoKind.values)} 之一")
    if not matter.is_open:
        raise Conflict("事项已办结，不能再添加照片")
    if not (actor.roles_on(matter) or actor.scope.can(VIEW, matter.grid)):
        raise PermissionDenied("您不能为该事项添加照片")
    if matter.photos.count() >= PHOTOS_MAX * 4:
        raise InvalidInput.field("file", "该事项的照片已达上限")
    image = images.clean_image(data, field="file")
    event = _event(matter, "photo", actor, at=at, data={"kind": kind})
    return _save_photo(matter, image, kind=kind, event=event, actor=actor, at=at)


# -- the reporter's phone -------------------------------------------------------------------------------


@transaction.atomic
def reporter_unmask(*, actor, matter_id: int, reason: str) -> str:
    """The reporter's phone in full, for calling them back; who saw it, when and why is logged. For the
    matter's assignee and for those who may unmask personal information over its grid."""
    actor = Actor.of(actor)
    if actor.user_id is None:
        raise PermissionDenied("需要登录")
    matter = _lock(matter_id, actor)
    if not (actor.scope.is_admin or actor.scope.can(UNMASK, matter.grid) or ASSIGNEE in actor.roles_on(matter)):
        raise PermissionDenied("您不能查看上报人的完整电话")
    reason = clean_text(reason, "reason", limit=200, required=True)
    if len(reason) < 2:
        raise InvalidInput.field("reason", "请说明查看事由")
    if not matter.reporter_phone:
        raise InvalidInput.field("reason", "该事项没有登记上报人电话")
    PiiAccessLog.objects.create(
        actor=actor.user, subject_name=(matter.reporter_name or "上报人")[:50], fields="phone",
        purpose="matter", reason=f"#{matter.pk} {reason}"[:200],
    )
    return matter.reporter_phone


# -- SLA sweep ---------------------------------------------------------------------------------------


def escalate(*, matter_id: int, deadline_seq: int, now: dt.datetime | None = None) -> Escalation | None:
    """Escalate one breached deadline, once. Safe to call from any number of workers at the same
    time, and again after a worker died halfway: the matter row is locked, and the Escalation row is
    unique per deadline; everything is one transaction."""
    now = now or timezone.now()
    system = Actor.of(None)
    with transaction.atomic():
        matter = (
            Matter.objects.select_for_update(of=("self",))
            .select_related("category", "grid", "handling_grid", "assignee")
            .filter(pk=matter_id, deadline_seq=deadline_seq, deadline__lt=now, state__in=list(STAGE_OF))
            .first()
        )
        signals.loaded(matter)
        if matter is None or Escalation.objects.filter(matter=matter, deadline_seq=deadline_seq).exists():
            return None
        current = routing.rank(matter.handling_grid, matter.assignee_role)
        handler = routing.next_rung(matter.grid, current, exclude=matter.assignee_id, at=now)
        escalation = Escalation.objects.create(
            matter=matter, deadline_seq=deadline_seq, stage=matter.stage, deadline=matter.deadline, at=now,
            from_person=matter.assignee, to_person=handler.person if handler else None,
            to_grid=handler.grid if handler else matter.handling_grid,
        )
        previous = matter.assignee
        if handler is not None:
            matter.assignee, matter.assignee_role, matter.handling_grid = handler.person, handler.role, handler.grid
        matter.escalation_level += 1
        matter.breached = True
        matter.deadline = sla.deadline(matter.category, matter.stage, now)
        matter.deadline_seq += 1
        matter.updated_at = now
        signals.saved(matter)
        _event(
            matter, "escalate", system, at=now, note=f"{matter.get_stage_display()}超时，升级处理",
            data={"from": getattr(previous, "pk", None), "to": getattr(handler and handler.person, "pk", None),
                  "stage": escalation.stage},
            public=False,
        )
        recipients = [p for p in (previous, handler and handler.person, matter.supervised_by) if p]
        _tell(matter, "matter.escalated", f"超时升级：{matter.category.name} #{matter.pk}", recipients)
        _emit(matter, "escalated", stage=escalation.stage)
    return escalation


def sweep(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Escalate every breached deadline; returns how many were escalated by this call."""
    now = now or timezone.now()
    done = 0
    seen: set[tuple[int, int]] = set()
    while True:
        due = list(
            Matter.objects.filter(deadline__lt=now, state__in=list(STAGE_OF))
            .order_by("deadline")
            .values_list("pk", "deadline_seq")[:batch]
        )
        due = [d for d in due if d not in seen]
        if not due:
            return done
        for matter_id, seq in due:
            seen.add((matter_id, seq))
            if escalate(matter_id=matter_id, deadline_seq=seq, now=now) is not None:
                done += 1
