from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from wangge.core.schemas import MAX_ID, Id, InputSchema, ListQuery

LevelCode = Literal["district", "subdistrict", "community", "area_grid", "estate_grid", "micro_grid"]
OccupancyCode = Literal["owner", "rented", "vacant"]
RelationCode = Literal["self", "spouse", "child", "parent", "grandchild", "grandparent", "sibling", "tenant", "other"]
CareFlagCode = Literal["elderly_alone", "disabled", "low_income", "special_needs", "veteran", "left_behind_child"]
LeftReasonCode = Literal["moved_away", "deceased", "other"]


class GridOut(Schema):
    id: int
    code: str
    name: str
    level: str
    level_label: str
    parent_id: int | None
    subdistrict_id: int | None
    has_boundary: bool


class GridDetailOut(GridOut):
    boundary: dict | None
    ancestors: list[GridOut]
    households: int
    residents: int
    on_duty: int
    children: int


class GridQuery(ListQuery):
    level: LevelCode | None = Field(None, description="层级")
    parent: int | None = Field(None, ge=1, le=MAX_ID, description="只看该网格的直接下级")


class GeoQuery(InputSchema):
    level: LevelCode | None = None
    parent: int | None = Field(None, ge=1, le=MAX_ID)
    within: int | None = Field(None, ge=1, le=MAX_ID)


class LocateQuery(InputSchema):
    lon: float = Field(..., ge=-180, le=180, description="经度")
    lat: float = Field(..., ge=-90, le=90, description="纬度")
    crs: Literal["wgs84", "gcj02", "bd09"] = Field("wgs84", description="坐标系")


class LocateOut(Schema):
    grid: GridOut
    ancestors: list[GridOut]
    wgs84: list[float]


class BoundaryIn(InputSchema):
    boundary: dict | None


class BuildingOut(Schema):
    id: int
    name: str
    estate_grid_id: int
    estate_grid_name: str
    floors: int
    lon: float | None
    lat: float | None


class UnitOut(Schema):
    id: int
    name: str
    building_id: int
    building_name: str
    micro_grid_id: int | None
    micro_grid_name: str | None


class HouseholdOut(Schema):
    id: int
    unit_id: int
    building_name: str
    unit_name: str
    floor: int
    room: str
    address: str
    occupancy: str
    micro_grid_id: int | None
    resident_count: int


class ResidentOut(Schema):
    id: int
    household_id: int
    name: str
    id_number: str
    phone: str
    relation: str
    gender: str
    birth_year: int | None
    care_flags: list[str]
    is_party_member: bool
    address: str
    left_at: dt.date | None = Field(None, description="离开日期；仍在住为 null")
    left_reason: str = Field("", description="离开原因：moved_away 迁出、deceased 去世、other 其他")


class ResidentQuery(ListQuery):
    status: Literal["current", "left", "all"] = Field(
        "current", description="current 仍在住（默认）；left 已离开；all 全部"
    )


class HouseholdIn(InputSchema):
    unit_id: Id
    floor: int = Field(..., ge=-5, le=200, description="楼层，-5 到楼栋层数")
    room: str = Field(..., min_length=1, max_length=20, description="房号，单元内唯一")
    occupancy: OccupancyCode = Field("owner", description="居住状态：owner 自住、rented 出租、vacant 空置")


class HouseholdPatch(InputSchema):
    floor: int | None = Field(None, ge=-5, le=200)
    occupancy: OccupancyCode | None = None


class ResidentIn(InputSchema):
    household_id: Id
    name: str = Field(..., max_length=50)
    id_number: str = Field(..., max_length=30, description="18位居民身份证号（GB 11643 校验）")
    phone: str = Field("", max_length=20, description="大陆手机号码，可空")
    relation: RelationCode = Field("self", description="与户主关系；每户至多一位户主（self）")
    care_flags: list[CareFlagCode] = Field(default_factory=list, max_length=10)
    is_party_member: bool = False


class ResidentPatch(InputSchema):
    """Only the fields sent are changed; null leaves a field as it is; an empty phone clears it."""

    name: str | None = Field(None, max_length=50)
    id_number: str | None = Field(None, max_length=30)
    phone: str | None = Field(None, max_length=20)
    relation: RelationCode | None = None
    care_flags: list[CareFlagCode] | None = Field(None, max_length=10)
    is_party_member: bool | None = None


class ResidentMoveIn(InputSchema):
    household_id: Id = Field(..., description="迁入的住户；已离开的居民可迁回原住户以恢复登记")
    relation: RelationCode | None = Field(None, description="在新住户与户主的关系，默认不变")
    new_head_id: Id | None = Field(None, description="户主迁出时，原住户的新户主（该户其他在住居民）")


class ResidentLeaveIn(InputSchema):
    reason: LeftReasonCode = Field(..., description="moved_away 迁出、deceased 去世、other 其他（须写说明）")
    note: str = Field("", max_length=200)
    left_at: dt.date | None = Field(None, description="离开日期，默认今天")
    new_head_id: Id | None = Field(None, description="户主离开时，该户的新户主")


class UnmaskIn(InputSchema):
    reason: str = Field(..., min_length=2, max_length=200, description="查看事由（记入查看记录）")


class UnmaskOut(Schema):
    id: int
    name: str
    id_number: str
    phone: str
    address: str


class CoverageProblemOut(Schema):
    kind: str
    message: str
    grid_id: int | None
    grid_code: str
    object_id: int | None


class CoverageOut(Schema):
    complete: bool
    grid_id: int | None
    households_checked: int
    grids_checked: int
    problems: list[CoverageProblemOut]


class CoverageQuery(InputSchema):
    grid: int | None = Field(None, ge=1, le=MAX_ID, description="只检查该网格（含下级）")
