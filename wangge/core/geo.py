"""Geometry helpers: GeoJSON validation, coordinate systems used by Chinese phones, local areas.

Boundaries are stored as GeoJSON in WGS84 (lon, lat). Phones in China usually report GCJ-02 (AMap,
Tencent) or BD-09 (Baidu); `to_wgs84` converts them back, iterating the published forward transform
until the round trip is below a millimetre.
"""

from __future__ import annotations

import json
import math

import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

from .errors import InvalidInput

CRS_CHOICES = ("wgs84", "gcj02", "bd09")

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0


def _outside_china(lon: float, lat: float) -> bool:
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _delta(lon: float, lat: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    if _outside_china(lon, lat):
        return lon, lat
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.cos(theta), z * math.sin(theta)


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    if _outside_china(lon, lat):
        return lon, lat
    wlon, wlat = lon, lat
    for _ in range(30):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        dlon, dlat = glon - lon, glat - lat
        wlon, wlat = wlon - dlon, wlat - dlat
        if abs(dlon) < 1e-10 and abs(dlat) < 1e-10:
            break
    return wlon, wlat


def to_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    check_point(lon, lat)
    if crs == "wgs84":
        return lon, lat
    if crs == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if crs == "bd09":
        return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))
    raise InvalidInput.field("crs", f"未知坐标系 {crs!r}，应为 wgs84、gcj02 或 bd09")


def check_point(lon: float, lat: float) -> None:
    if not isinstance(lon, int | float) or not math.isfinite(lon) or not -180 <= lon <= 180:
        raise InvalidInput.field("lon", "经度应在 -180 到 180 之间")
    if not isinstance(lat, int | float) or not math.isfinite(lat) or not -90 <= lat <= 90:
        raise InvalidInput.field("lat", "纬度应在 -90 到 90 之间")


def _check_ring(ring, field: str) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise InvalidInput.field(field, "多边形的环至少需要4个坐标（首尾相同）")
    for position in ring:
        if (
            not isinstance(position, list | tuple)
            or len(position) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in position[:2])
        ):
            raise InvalidInput.field(field, "坐标应为 [经度, 纬度] 数对")
        lon, lat = position[0], position[1]
        if not -180 <= lon <= 180 or not -90 <= lat <= 90:
            raise InvalidInput.field(field, f"坐标超出范围：[{lon}, {lat}]")
    if list(ring[0][:2]) != list(ring[-1][:2]):
        raise InvalidInput.field(field, "多边形未闭合：首尾坐标应相同")


def parse_boundary(geojson, *, field: str = "boundary"):
    """Validate a GeoJSON Polygon or MultiPolygon (or a Feature holding one) and return it as a shapely
    geometry. Raises InvalidInput naming `field` when it is not closed, self-intersects or is out of range."""
    if isinstance(geojson, dict) and geojson.get("type") == "Feature":
        geojson = geojson.get("geometry")
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidInput.field(field, "应为 GeoJSON Polygon 或 MultiPolygon")
    coordinates = geojson.get("coordinates")
    polygons = [coordinates] if geojson["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        raise InvalidInput.field(field, "缺少坐标")
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise InvalidInput.field(field, "多边形缺少坐标环")
        for ring in polygon:
            _check_ring(ring, field)
    geometry = shape(geojson)
    if not geometry.is_valid:
        raise InvalidInput.field(field, f"多边形无效（自相交或环嵌套错误）：{explain_validity(geometry)}")
    if geometry.area == 0:
        raise InvalidInput.field(field, "多边形面积为零")
    return geometry


def to_geojson(geometry) -> dict:
    return json.loads(json.dumps(shapely.geometry.mapping(geometry)))


def local_area_m2(geometry) -> float:
    """Area in square metres, on a local equirectangular projection (good to a fraction of a percent
    at the size of a community)."""
    if geometry.is_empty:
        return 0.0
    lat0 = geometry.centroid.y
    kx = 111_320.0 * math.cos(math.radians(lat0))
    ky = 110_540.0
    return geometry.area * kx * ky
