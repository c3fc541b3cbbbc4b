"""Importing grid boundaries from a GeoJSON FeatureCollection keyed by `properties.code`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db import transaction

from wangge.core import geo
from wangge.core.errors import ApplicationError, FieldError, InvalidInput
from wangge.people.access import EDIT_REGISTRY, actor_scope

from .. import services
from ..models import GridNode, ImportStage
from .reports import PROGRESS_EVERY, ImportRowError, Progress, Report, file_error


@dataclass
class BoundaryReport(Report):
    total: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[FieldError] = field(default_factory=list)
    written: bool = False

    def as_dict(self) -> dict:
        return {
            "ok": self.ok, "written": self.written, "total": self.total, "updated": self.updated,
            "unchanged": self.unchanged, "errors": [e.as_dict() for e in self.errors],
        }

    def summary(self) -> str:
        text = f"共 {self.total} 个要素；更新 {self.updated}、未变 {self.unchanged}"
        if self.errors:
            text += f"；{len(self.errors)} 处错误" + ("" if self.written else "，未写入任何数据")
        return text


def _convert_coordinates(coordinates, crs: str):
    if isinstance(coordinates, list) and coordinates and isinstance(coordinates[0], int | float):
        lon, lat = geo.to_wgs84(float(coordinates[0]), float(coordinates[1]), crs)
        return [lon, lat, *coordinates[2:]]
    if isinstance(coordinates, list):
        return [_convert_coordinates(c, crs) for c in coordinates]
    return coordinates


def _to_wgs84(geometry, crs: str):
    if crs == "wgs84" or not isinstance(geometry, dict):
        return geometry
    try:
        return {**geometry, "coordinates": _convert_coordinates(geometry.get("coordinates"), crs)}
    except (ApplicationError, TypeError, ValueError, IndexError):
        return geometry  # parse_boundary names what is wrong with it


def _features(data: bytes) -> list:
    """The features of a GeoJSON FeatureCollection, or InvalidInput naming the field "file"."""
    if not data or not data.strip():
        raise file_error("文件为空")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise file_error("文件应为 UTF-8 编码的 GeoJSON") from exc
    except json.JSONDecodeError as exc:
        raise file_error(f"不是有效的 JSON：{exc.msg}（第{exc.lineno}行第{exc.colno}列）") from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise file_error("应为 GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise file_error("FeatureCollection 中没有要素（features）")
    return features


def _code(feature) -> str | None:
    props = feature.get("properties") if isinstance(feature, dict) else None
    code = props.get("code") if isinstance(props, dict) else None
    return str(code).strip() if isinstance(code, str | int) and not isinstance(code, bool) else None


@transaction.atomic
def boundaries_import(
    *, actor=None, data: bytes, crs: str = "wgs84", skip_invalid: bool = False, progress: Progress | None = None
) -> BoundaryReport:
    """Set grid boundaries from a GeoJSON FeatureCollection whose features carry `properties.code`.
    Errors name the feature (`features[3].geometry`). Nothing is written when a feature is wrong, unless
    `skip_invalid`."""
    if crs not in geo.CRS_CHOICES:
        raise InvalidInput.field("crs", f"未知坐标系 {crs!r}，应为 {'、'.join(geo.CRS_CHOICES)} 之一")
    features = _features(data)
    scope = actor_scope(actor)
    report = BoundaryReport(total=len(features))
    codes = [_code(feature) for feature in features]
    nodes = {n.code: n for n in GridNode.objects.filter(code__in=[c for c in codes if c])}
    first: dict[str, int] = {}
    updates: list[tuple[GridNode, dict]] = []
    for index, (feature, code) in enumerate(zip(features, codes, strict=True)):
        where = f"features[{index}]"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            report.errors.append(FieldError(where, "应为 GeoJSON Feature"))
            continue
        if not code:
            report.errors.append(FieldError(f"{where}.properties.code", "缺少网格编码"))
            continue
        node = nodes.get(code)
        if node is None or not scope.sees_grid(node):
            report.errors.append(FieldError(f"{where}.properties.code", f"未找到网格编码 {code}"))
            continue
        if not scope.can(EDIT_REGISTRY, node):
            report.errors.append(FieldError(f"{where}.properties.code", f"无权修改网格 {code} 的边界"))
            continue
        if code in first:
            report.errors.append(FieldError(f"{where}.properties.code", f"与 features[{first[code]}] 的网格编码重复"))
            continue
        first[code] = index
        try:
            geometry = geo.parse_boundary(_to_wgs84(feature.get("geometry"), crs), field=f"{where}.geometry")
        except InvalidInput as exc:
            report.errors.extend(exc.errors)
            continue
        boundary = geo.to_geojson(geometry)
        if boundary == node.boundary:
            report.unchanged += 1
        else:
            updates.append((node, boundary))
        if progress and (index + 1) % PROGRESS_EVERY == 0:
            progress(ImportStage.CHECK, index + 1, len(features))
    if report.errors and not skip_invalid:
        raise ImportRowError(report)
    for done, (node, boundary) in enumerate(updates, start=1):
        services.grid_update(actor=actor, grid=node, boundary=boundary)
        if progress and done % PROGRESS_EVERY == 0:
            progress(ImportStage.WRITE, done, len(updates))
    report.updated = len(updates)
    report.written = True
    return report
