"""Every write to the camera registry: register a camera, change it (move, relink, fault, remove).
Keyword-only, one transaction each; bad input names the field."""

from __future__ import annotations

import datetime as dt
import math

from django.db import IntegrityError, transaction
from django.utils import timezone

from wangge.core import geo
from wangge.core.errors import InvalidInput, NotFound, full_clean
from wangge.core.text import clean_text
from wangge.people.access import CAMERAS, VIEW, actor_scope, require
from wangge.people.models import Organisation
from wangge.registry import locate as locating
from wangge.registry.models import Building, GridNode, Level

from .models import RADIUS_MAX, Camera, Kind, OwnerKind, Status

FIELDS = ("grid", "code", "name", "lon", "lat", "crs", "building", "gate", "kind", "owner_kind", "owner", "status",
          "installed_on", "removed_on", "radius_m", "note")
# A camera watching a building or a gate stands near it.
LINK_MAX_M = 300


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    rad = math.radians
    dlat, dlon = rad(lat2 - lat1), rad(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(rad(lat1)) * math.cos(rad(lat2)) * math.sin(dlon / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


def _date(value, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput.field(field, "应为日期，如 2025-03-01") from exc


def _choice(value, field: str, choices) -> str:
    if value not in choices.values:
        raise InvalidInput.field(field, f"无效的取值 {value!r}，可选：{'、'.join(choices.values)}")
    return value


def _apply(camera: Camera, data: dict, scope) -> None:
    """Validate `data` (every field of FIELDS, current values filled in) onto `camera`."""
    # Where: the point, then what it watches, then the grid node.
    lon, lat = data.get("lon"), data.get("lat")
    if lon is None:
        raise InvalidInput.field("lon", "请填写经度")
    if lat is None:
        raise InvalidInput.field("lat", "请填写纬度")
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError) as exc:
        raise InvalidInput.field("lon", "经纬度应为数字") from exc
    if not (-180 <= lon <= 180) or lon != lon:
        raise InvalidInput.field("lon", "经度应在 -180 到 180 之间")
    if not (-90 <= lat <= 90) or lat != lat:
        raise InvalidInput.field("lat", "纬度应在 -90 到 90 之间")
    crs = data.get("crs") or "wgs84"
    if crs not in geo.CRS_CHOICES:
        raise InvalidInput.field("crs", f"未知坐标系 {crs!r}，应为 wgs84、gcj02 或 bd09")
    lon, lat = geo.to_wgs84(lon, lat, crs)
    building = gate = None
    if data.get("building") and data.get("gate"):
        raise InvalidInput.field("gate", "一个摄像头只看护一处：楼栋或门岗，二选一")
    if data.get("building"):
        building = Building.objects.select_related("estate_grid").filter(pk=data["building"]).first()
        if building is None or not scope.can(VIEW, building.estate_grid):
            raise InvalidInput.field("building", "未找到该楼栋")
    if data.get("gate"):
        from wangge.fieldwork.gates.models import Post

        gate = Post.objects.select_related("estate").filter(pk=data["gate"]).first()
        if gate is None or not scope.can(VIEW, gate.estate):
            raise InvalidInput.field("gate", "未找到该门岗")
    estate = building.estate_grid if building else gate.estate if gate else None
    grid = None
    if data.get("grid"):
        grid = GridNode.objects.filter(pk=data["grid"]).first()
        if grid is None or not scope.can(VIEW, grid):
            raise InvalidInput.field("grid", "未找到该网格")
    elif estate is not None:
        grid = estate
    else:
        try:
            grid, _point = locating.locate(lon=lon, lat=lat)
        except NotFound as exc:
            raise InvalidInput.field("lon", "该位置不在任何网格内，请核对经纬度或选择网格") from exc
    if grid.level not in (Level.ESTATE_GRID, Level.MICRO_GRID):
        raise InvalidInput.field("grid", "摄像头应登记在小区网格或楼栋单元微网格")
    if estate is not None and not grid.path.startswith(estate.path):
        raise InvalidInput.field("building" if building else "gate", "所看护的楼栋或门岗不在该摄像头的小区内")
    target = building or gate
    if target is not None and target.lon is not None and target.lat is not None:
        far = distance_m(lon, lat, target.lon, target.lat)
        if far > LINK_MAX_M:
            raise InvalidInput.field(
                "lon", f"摄像头距所看护的{target.name}约{far:.0f}米，超过{LINK_MAX_M}米，请核对位置"
            )
    require(scope, CAMERAS, grid)

    code = clean_text(data.get("code"), "code", limit=40, required=True)
    name = clean_text(data.get("name"), "name", limit=60, required=True)
    note = clean_text(data.get("note"), "note", limit=200)
    kind = _choice(data.get("kind") or Kind.BULLET, "kind", Kind)
    owner_kind = _choice(data.get("owner_kind") or OwnerKind.PROPERTY, "owner_kind", OwnerKind)
    status = _choice(data.get("status") or Status.IN_SERVICE, "status", Status)
    owner = None
    if data.get("owner"):
        owner = Organisation.objects.filter(pk=data["owner"], subdistrict_id=grid.subdistrict_id).first()
        if owner is None:
            raise InvalidInput.field("owner", "未找到该产权单位")
    try:
        radius = int(data.get("radius_m") if data.get("radius_m") is not None else 30)
    except (TypeError, ValueError) as exc:
        raise InvalidInput.field("radius_m", "视野半径应为整数（米）") from exc
    if not 1 <= radius <= RADIUS_MAX:
        raise InvalidInput.field("radius_m", f"视野半径应在 1 到 {RADIUS_MAX} 米之间")
    today = timezone.localdate()
    installed_on = _date(data.get("installed_on"), "installed_on")
    if installed_on is None:
        raise InvalidInput.field("installed_on", "请填写安装日期")
    if installed_on > today:
        raise InvalidInput.field("installed_on", "安装日期不能晚于今天")
    removed_on = _date(data.get("removed_on"), "removed_on")
    if status == Status.REMOVED:
        removed_on = removed_on or today
        if removed_on < installed_on:
            raise InvalidInput.field("removed_on", "拆除日期不能早于安装日期")
        if removed_on > today:
            raise InvalidInput.field("removed_on", "拆除日期不能晚于今天")
    elif removed_on is not None:
        raise InvalidInput.field("removed_on", "只有已拆除的摄像头才有拆除日期")

    camera.grid, camera.subdistrict_id = grid, grid.tenant_id
    camera.lon, camera.lat = round(lon, 7), round(lat, 7)
    camera.building, camera.gate = building, gate
    camera.code, camera.name, camera.note, camera.kind = code, name, note, kind
    camera.owner_kind, camera.owner, camera.status = owner_kind, owner, status
    camera.radius_m, camera.installed_on, camera.removed_on = radius, installed_on, removed_on
    taken = Camera.objects.filter(subdistrict_id=camera.subdistrict_id, code=code).exclude(pk=camera.pk)
    if taken.exists():
        raise InvalidInput.field("code", f"编号 {code} 已被本街道的其他摄像头使用")
    full_clean(camera, exclude=["search_text"])


def _save(camera: Camera) -> Camera:
    try:
        with transaction.atomic():
            camera.save()
    except IntegrityError as exc:  # two registrations of one code at once
        raise InvalidInput.field("code", f"编号 {camera.code} 已被使用") from exc
    return camera


@transaction.atomic
def camera_create(*, actor, **data) -> Camera:
    """Register a camera. `data`: the names in FIELDS; grid defaults to the watched building's or gate's
    estate, else to where the point lies."""
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], "未知字段")
    camera = Camera()
    _apply(camera, data, actor_scope(actor))
    return _save(camera)


@transaction.atomic
def camera_update(*, actor, camera_id: int, **changes) -> Camera:
    """Change the given fields of a camera (the others keep their values). Setting status `removed`
    stamps today as the removal date unless one is given."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], "未知字段")
    scope = actor_scope(actor)
    camera = Camera.objects.select_for_update(of=("self",)).select_related("grid").filter(pk=camera_id).first()
    if camera is None or not scope.can(VIEW, camera.grid):
        raise NotFound("未找到该摄像头")
    require(scope, CAMERAS, camera.grid)
    data = {f: getattr(camera, f"{f}_id" if f in ("grid", "building", "gate", "owner") else f, None) for f in FIELDS}
    data["crs"] = "wgs84"
    if "lon" in changes or "lat" in changes:
        data["crs"] = changes.get("crs") or "wgs84"
    if changes.get("status") and changes["status"] != Status.REMOVED and "removed_on" not in changes:
        data["removed_on"] = None
    if ("building" in changes or "gate" in changes) and "grid" not in changes:
        data["grid"] = None  # follow the new link's estate
    data.update({k: v for k, v in changes.items() if k != "crs"})
    _apply(camera, data, scope)
    return _save(camera)
