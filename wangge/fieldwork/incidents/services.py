"""Every write to an incident: report it, ask the property company to review footage, record what the
footage showed, hand it to the police station, conclude it. Keyword-only, one transaction each, every
step an append-only `Event`; notifications are written in the same transaction."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from wangge.core import geo
from wangge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from wangge.core.text import clean_text
from wangge.matters.services import Actor
from wangge.notify.services import notify
from wangge.people.access import INCIDENTS, require
from wangge.people.models import Duty, Organisation, OrganisationKind, Person, Role
from wangge.registry import locate as locating
from wangge.registry.models import GridNode, Household, Level, path_ids

from .models import FINAL_STATUSES, OPEN_STATUSES, Event, FootageReview, Incident, Kind, Status

TITLE_MAX = 100
TEXT_MAX = 2000
CLOCK_SKEW = dt.timedelta(minutes=10)
OCCURRED_SPAN_MAX = dt.timedelta(days=31)
REPORT_AGE_MAX = dt.timedelta(days=365)
WINDOW_MAX = dt.timedelta(hours=72)
WINDOW_SLACK = dt.timedelta(days=3)   # footage may be looked at this long before and after the incident
CAMERAS_MAX = 20


def _when(value, field: str, *, required: bool = True) -> dt.datetime | None:
    if value in (None, ""):
        if required:
            raise InvalidInput.field(field, "请填写时间")
        return None
    if isinstance(value, str):
        from django.utils.dateparse import parse_datetime

        parsed = parse_datetime(value)
        if parsed is None:
            raise InvalidInput.field(field, "应为日期时间，如 2025-05-01T08:30")
        value = parsed
    if not isinstance(value, dt.datetime):
        raise InvalidInput.field(field, "应为日期时间")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _estate_path(node: GridNode) -> str:
    """The path of the estate an incident's grid node belongs to (the node's own path above estates)."""
    if node.level == Level.MICRO_GRID and node.parent_id:
        return node.path.rsplit("/", 2)[0] + "/"
    return node.path


def _event(incident: Incident, action: str, actor: Actor, *, at, from_status="", to_status="", note="",
           data=None) -> Event:
    last = incident.events.aggregate(m=Max("seq"))["m"] or 0
    return Event.objects.create(
        incident=incident, seq=last + 1, at=at, action=action, from_status=from_status, to_status=to_status,
        actor_user_id=actor.user_id, actor_label=actor.label[:60], note=note[:2000], data=data or {},
    )


def _lock(incident_id: int, actor: Actor) -> Incident:
    """The incident, locked, for someone who may handle it: 404 outside the scope (the reporter gets a
    403: they see it but may not handle it), 403 inside without incidents.handle."""
    incident = (
        Incident.objects.select_for_update(of=("self",)).select_related("grid").filter(pk=incident_id).first()
    )
    if incident is None:
        raise NotFound("未找到该案事件")
    if actor.user_id is not None and incident.reporter_user_id == actor.user_id and not actor.scope.can(
        INCIDENTS, incident.grid
    ):
        raise PermissionDenied("报案人不能办理自己的案事件，请等待物业和网格工作人员处理")
    from .selectors import require_handler

    require_handler(actor.scope, incident.grid)
    return incident


def _must_be_open(incident: Incident) -> None:
    if incident.status not in OPEN_STATUSES:
        raise Conflict(f"该案事件已{incident.get_status_display()}，不能再办理")


def _handlers(incident: Incident, roles) -> list[Person]:
    """People on a current duty of one of `roles` at the incident's estate, above it or inside it."""
    estate_path = _estate_path(incident.grid)
    ancestors = path_ids(estate_path)
    duties = Duty.objects.current().filter(role__in=roles).filter(
        Q(grid_id__in=ancestors) | Q(grid__path__startswith=estate_path)
    ).select_related("person")
    return [d.person for d in duties]


def _tell(incident: Incident, recipients, event: str, title: str, body: str = "") -> None:
    notify(recipients=recipients, event=event, title=title, body=body or incident.title,
           link=f"/incidents/{incident.pk}/", payload={"incident": incident.pk, "status": incident.status},
           subdistrict_id=incident.subdistrict_id)


# -- report --------------------------------------------------------------------------------------------


@transaction.atomic
def incident_report(
    *, actor, kind: str, title: str, description: str, occurred_from, occurred_to=None, place: str = "",
    lon: float | None = None, lat: float | None = None, crs: str = "wgs84", grid: int | None = None,
) -> Incident:
    """An owner reports a case in their own estate (the grid defaults to their building's micro-grid), or
    a worker with incidents.handle reports one in their grid (by `grid` or by a point)."""
    actor = Actor.of(actor)
    scope = actor.scope
    if actor.user_id is None and not scope.is_admin:
        raise PermissionDenied("需要登录")
    if not scope.is_admin and not scope.grants and scope.household_id is None:
        raise PermissionDenied("只有登记在册的业主和网格、物业工作人员可以报案")
    if kind not in Kind.values:
        raise InvalidInput.field("kind", f"未知类别 {kind!r}，可选：{'、'.join(Kind.values)}")
    title = clean_text(title, "title", limit=TITLE_MAX, required=True)
    description = clean_text(description, "description", limit=TEXT_MAX, required=True)
    place = clean_text(place, "place", limit=200)
    now = timezone.now()
    occurred_from = _when(occurred_from, "occurred_from")
    occurred_to = _when(occurred_to, "occurred_to", required=False) or occurred_from
    if occurred_from > now + CLOCK_SKEW:
        raise InvalidInput.field("occurred_from", "发生时间不能晚于现在")
    if occurred_to > now + CLOCK_SKEW:
        raise InvalidInput.field("occurred_to", "发生时间（止）不能晚于现在")
    if occurred_to < occurred_from:
        raise InvalidInput.field("occurred_to", "发生时间（止）不能早于发生时间（起）")
    if occurred_to - occurred_from > OCCURRED_SPAN_MAX:
        raise InvalidInput.field("occurred_to", "发生时段不能超过31天")
    if occurred_from < now - REPORT_AGE_MAX:
        raise InvalidInput.field("occurred_from", "只受理一年以内发生的案事件")
    if (lon is None) != (lat is None):
        raise InvalidInput.field("lat" if lat is None else "lon", "经度和纬度需同时提供")
    if lon is not None:
        if crs not in geo.CRS_CHOICES:
            raise InvalidInput.field("crs", f"未知坐标系 {crs!r}，应为 wgs84、gcj02 或 bd09")
        if not (-180 <= lon <= 180):
            raise InvalidInput.field("lon", "经度应在 -180 到 180 之间")
        if not (-90 <= lat <= 90):
            raise InvalidInput.field("lat", "纬度应在 -90 到 90 之间")

    household = None
    if scope.household_id is not None:
        household = Household.objects.select_related("unit__micro_grid", "unit__building__estate_grid").get(
            pk=scope.household_id
        )
    node = None
    if grid is not None:
        node = GridNode.objects.filter(pk=grid).first()
        if node is None:
            raise NotFound("未找到该网格")
    elif lon is not None:
        try:
            node, (lon, lat) = locating.locate(lon=lon, lat=lat, crs=crs)
        except NotFound as exc:
            raise InvalidInput.field("lon", "该位置不在任何网格内，请重新选点") from exc
    elif household is not None:
        node = household.unit.micro_grid or household.unit.building.estate_grid
    if node is None:
        raise InvalidInput.field("grid", "请选择网格或在地图上选点")
    by_resident = False
    if not scope.can(INCIDENTS, node):
        estate = household.unit.building.estate_grid if household is not None else None
        if estate is not None and node.path.startswith(estate.path):
            by_resident = True
        elif estate is not None and not scope.grants:
            raise InvalidInput.field("lon", "只能报告您所在小区内发生的案事件")
        else:
            require(scope, INCIDENTS, node)
    incident = Incident.objects.create(
        subdistrict_id=node.tenant_id, grid=node, kind=kind, title=title,
        description=description, occurred_from=occurred_from, occurred_to=occurred_to, place=place,
        lon=round(lon, 7) if lon is not None else None, lat=round(lat, 7) if lat is not None else None,
        reporter_user_id=actor.user_id, reporter_person=actor.person, reporter_label=actor.label[:60],
        by_resident=by_resident, created_at=now, updated_at=now,
    )
    _event(incident, "report", actor, at=now, to_status=Status.REPORTED, note=title)
    _tell(incident, _handlers(incident, [Role.PROPERTY_STAFF, Role.PROPERTY_SUPERVISOR, Role.GRID_MEMBER]),
          "incident.reported", f"新报案：{incident.get_kind_display()} · {title}")
    return incident


# -- footage ----------------------------------------------------------------------------------------------


@transaction.atomic
def incident_footage_request(
    *, actor, incident_id: int, cameras: list[int], window_from, window_to, note: str = "",
) -> FootageReview:
    """Ask the property company of the estate to review `cameras` over [window_from, window_to)."""
    from wangge.fieldwork.cameras.models import Camera

    actor = Actor.of(actor)
    incident = _lock(incident_id, actor)
    _must_be_open(incident)
    note = clean_text(note, "note", limit=500)
    window_from = _when(window_from, "window_from")
    window_to = _when(window_to, "window_to")
    now = timezone.now()
    if window_to <= window_from:
        raise InvalidInput.field("window_to", "调阅时段的结束时间应晚于开始时间")
    if window_to - window_from > WINDOW_MAX:
        raise InvalidInput.field("window_to", "一次调阅的时段不能超过72小时，请分段申请")
    if window_from > now:
        raise InvalidInput.field("window_from", "调阅时段不能在将来")
    if window_from < incident.occurred_from - WINDOW_SLACK or window_to > incident.occurred_to + WINDOW_SLACK:
        raise InvalidInput.field("window_from", "调阅时段应在案发时段前后3天以内")
    ids = list(dict.fromkeys(cameras or []))
    if not ids:
        raise InvalidInput.field("cameras", "请至少选择一个摄像头")
    if len(ids) > CAMERAS_MAX:
        raise InvalidInput.field("cameras", f"一次最多调阅{CAMERAS_MAX}个摄像头")
    found = {c.pk: c for c in Camera.objects.filter(pk__in=ids).select_related("grid")}
    estate_path = _estate_path(incident.grid)
    for n, pk in enumerate(ids):
        camera = found.get(pk)
        if camera is None or not camera.grid.path.startswith(estate_path):
            raise InvalidInput.field(f"cameras.{n}", f"摄像头 {pk} 不在本案所在小区")
        if camera.installed_on > window_to.date() or (camera.removed_on and camera.removed_on < window_from.date()):
            raise InvalidInput.field(f"cameras.{n}", f"摄像头 {camera.code} 在该时段未安装或已拆除")
    review = FootageReview.objects.create(
        subdistrict_id=incident.subdistrict_id, incident=incident, window_from=window_from, window_to=window_to,
        note=note, requested_by_id=actor.user_id, requested_label=actor.label[:60], requested_at=now,
    )
    review.cameras.set(ids)
    before = incident.status
    if incident.status == Status.REPORTED:
        incident.status = Status.REVIEWING
    incident.updated_at = now
    incident.save(update_fields=["status", "updated_at"])
    codes = "、".join(found[pk].code for pk in ids)
    _event(incident, "footage_request", actor, at=now, from_status=before, to_status=incident.status,
           note=f"申请调阅 {codes}，{timezone.localtime(window_from):%m-%d %H:%M}–{timezone.localtime(window_to):%m-%d %H:%M}",
           data={"review": review.pk, "cameras": ids})
    _tell(incident, _handlers(incident, [Role.PROPERTY_STAFF, Role.PROPERTY_SUPERVISOR]), "incident.footage_requested",
          f"请调阅监控：{incident.title}", f"摄像头 {codes}；{note}")
    return review


@transaction.atomic
def incident_footage_record(*, actor, incident_id: int, review_id: int, finding: str, found) -> FootageReview:
    """What the reviewer saw in the footage; the reviewer is the acting person."""
    actor = Actor.of(actor)
    incident = _lock(incident_id, actor)
    _must_be_open(incident)
    review = FootageReview.objects.select_for_update().filter(pk=review_id, incident=incident).first()
    if review is None:
        raise NotFound("未找到该调阅申请")
    if review.reviewed_at is not None:
        raise Conflict("该调阅已登记过结果")
    finding = clean_text(finding, "finding", limit=TEXT_MAX, required=True)
    if not isinstance(found, bool):
        raise InvalidInput.field("found", "请选择是否发现线索")
    now = timezone.now()
    review.reviewer, review.reviewer_label = actor.person, actor.label[:60]
    review.reviewed_at, review.finding, review.found = now, finding, found
    review.save()
    incident.updated_at = now
    incident.save(update_fields=["updated_at"])
    _event(incident, "footage_record", actor, at=now, note=finding, data={"review": review.pk, "found": found})
    if incident.reporter_person_id:
        _tell(incident, [incident.reporter_person], "incident.footage_reviewed", f"监控已调阅：{incident.title}",
              "已发现线索" if found else "暂未发现线索")
    return review


# -- police and outcome ----------------------------------------------------------------------------------


@transaction.atomic
def incident_handover(
    *, actor, incident_id: int, police: int | None = None, police_name: str = "", police_ref: str = "",
    note: str = "",
) -> Incident:
    """Hand the case to the police station (an organisation of that kind, or one named in text)."""
    actor = Actor.of(actor)
    incident = _lock(incident_id, actor)
    _must_be_open(incident)
    if incident.status == Status.HANDED_TO_POLICE:
        raise Conflict("该案事件已移交派出所")
    police_name = clean_text(police_name, "police_name", limit=100)
    police_ref = clean_text(police_ref, "police_ref", limit=50)
    note = clean_text(note, "note", limit=500)
    org = None
    if police is not None:
        org = Organisation.objects.filter(
            pk=police, kind=OrganisationKind.POLICE_STATION, subdistrict_id=incident.subdistrict_id
        ).first()
        if org is None:
            raise InvalidInput.field("police", "未找到该派出所")
        police_name = police_name or org.name
    if not police_name:
        raise InvalidInput.field("police", "请选择或填写移交的派出所")
    now = timezone.now()
    before = incident.status
    incident.status, incident.police, incident.police_name = Status.HANDED_TO_POLICE, org, police_name
    incident.police_ref, incident.handed_at, incident.updated_at = police_ref, now, now
    incident.save()
    _event(incident, "handover", actor, at=now, from_status=before, to_status=incident.status,
           note=f"移交{police_name}" + (f"（编号 {police_ref}）" if police_ref else "") + (f"：{note}" if note else ""),
           data={"police": org.pk if org else None, "ref": police_ref})
    liaisons = []
    if org is not None:
        liaisons = [p for p in _handlers(incident, [Role.JOINT_UNIT_LIAISON])
                    if Duty.objects.current().filter(person=p, organisation=org).exists()]
    _tell(incident, [*liaisons, incident.reporter_person], "incident.handed_to_police",
          f"案事件已移交{police_name}：{incident.title}")
    return incident


@transaction.atomic
def incident_conclude(*, actor, incident_id: int, status: str, outcome: str) -> Incident:
    """Record the outcome: solved (破获/找回), unsolved (未能查明) or closed (e.g. withdrawn). The outcome
    text is required for each."""
    actor = Actor.of(actor)
    incident = _lock(incident_id, actor)
    _must_be_open(incident)
    if status not in FINAL_STATUSES:
        raise InvalidInput.field("status", "办结结果应为 solved（已破获/已找回）、unsolved（未能查明）或 closed（已关闭）")
    outcome = clean_text(outcome, "outcome", limit=TEXT_MAX, required=True)
    now = timezone.now()
    before = incident.status
    incident.status, incident.outcome, incident.concluded_at, incident.updated_at = status, outcome, now, now
    incident.save()
    _event(incident, "conclude", actor, at=now, from_status=before, to_status=status, note=outcome)
    _tell(incident, [incident.reporter_person], "incident.concluded",
          f"案事件{incident.get_status_display()}：{incident.title}", outcome[:140])
    return incident
