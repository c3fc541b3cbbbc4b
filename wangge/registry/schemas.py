from __future__ import annotations

from typing import Literal

from ninja import Field, Schema

from wangge.core.schemas import MAX_ID, InputSchema, ListQuery

LevelCode = Literal["district", "subdistrict", "community", "area_grid", "estate_grid", "micro_grid"]


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
