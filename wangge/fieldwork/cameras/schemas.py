from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from wangge.core.schemas import Id, InputSchema, ListQuery

KindCode = Literal["bullet", "dome", "minidome", "face", "plate", "high_rise"]
OwnerKindCode = Literal["property", "police", "committee", "other"]
StatusCode = Literal["in_service", "faulty", "removed"]
CrsCode = Literal["wgs84", "gcj02", "bd09"]


class CameraRef(Schema):
    id: int
    name: str


class CameraOut(Schema):
    id: int
    code: str
    name: str
    grid: CameraRef
    lon: float
    lat: float
    building: CameraRef | None
    gate: CameraRef | None
    kind: str
    kind_label: str
    owner_kind: str
    owner: CameraRef | None
    status: str
    installed_on: dt.date
    removed_on: dt.date | None
    radius_m: int
    note: str


class CameraQuery(ListQuery):
    status: StatusCode | None = None
    kind: KindCode | None = None
    building: Id | None = None
    gate: Id | None = None


class CameraIn(InputSchema):
    code: str = Field(..., max_length=40)
    name: str = Field(..., max_length=60)
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    crs: CrsCode = "wgs84"
    grid: Id | None = Field(None, description="小区网格或微网格；不填时取所看护楼栋/门岗的小区，或按坐标定位")
    building: Id | None = None
    gate: Id | None = None
    kind: KindCode = "bullet"
    owner_kind: OwnerKindCode = "property"
    owner: Id | None = Field(None, description="产权单位（组织编号）")
    status: StatusCode = "in_service"
    installed_on: dt.date
    removed_on: dt.date | None = None
    radius_m: int = Field(30, ge=1, le=200, description="视野半径（米）")
    note: str = Field("", max_length=200)


class CameraPatch(InputSchema):
    code: str | None = Field(None, max_length=40)
    name: str | None = Field(None, max_length=60)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    crs: CrsCode | None = None
    grid: Id | None = None
    building: Id | None = None
    gate: Id | None = None
    kind: KindCode | None = None
    owner_kind: OwnerKindCode | None = None
    owner: Id | None = None
    status: StatusCode | None = None
    installed_on: dt.date | None = None
    removed_on: dt.date | None = None
    radius_m: int | None = Field(None, ge=1, le=200)
    note: str | None = Field(None, max_length=200)


class CameraCoverageQuery(InputSchema):
    within: Id | None = Field(None, description="只看该网格（含全部下级）；不填为全部可见范围")


class TargetOut(Schema):
    kind: Literal["building", "gate"]
    id: int
    name: str
    estate: CameraRef
    lon: float | None
    lat: float | None
    covered: bool
    cameras: list[int]
    linked: list[int]
    nearest_m: float | None


class CameraCoverageOut(Schema):
    within: int | None
    targets: int
    covered: int
    percent: float
    gaps: list[TargetOut]
    items: list[TargetOut]
    count: int


class TimelineQuery(InputSchema):
    within: Id | None = None
    months: int = Field(24, ge=1, le=120)


class MonthOut(Schema):
    month: str
    end: dt.date
    in_service: int
    installed: int
    removed: int
