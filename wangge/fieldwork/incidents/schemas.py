from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from wangge.core.schemas import Id, InputSchema, ListQuery

KindCode = Literal["vehicle_damage", "lost_item", "theft", "high_rise_throw", "other"]
StatusCode = Literal["reported", "reviewing", "handed_to_police", "solved", "unsolved", "closed"]
FinalCode = Literal["solved", "unsolved", "closed"]
CrsCode = Literal["wgs84", "gcj02", "bd09"]


class IncidentRef(Schema):
    id: int
    name: str


class IncidentOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    status: str
    status_label: str
    grid: IncidentRef
    place: str
    lon: float | None
    lat: float | None
    occurred_from: dt.datetime
    occurred_to: dt.datetime
    reporter: str
    by_resident: bool
    police: str
    police_ref: str
    handed_at: dt.datetime | None
    outcome: str
    concluded_at: dt.datetime | None
    created_at: dt.datetime


class FootageCameraRef(Schema):
    id: int
    code: str
    name: str


class ReviewOut(Schema):
    id: int
    cameras: list[FootageCameraRef]
    window_from: dt.datetime
    window_to: dt.datetime
    note: str
    requested_by: str
    requested_at: dt.datetime
    reviewer: str
    reviewed_at: dt.datetime | None
    finding: str
    found: bool | None


class IncidentEventOut(Schema):
    seq: int
    at: dt.datetime
    action: str
    from_status: str
    to_status: str
    actor: str
    note: str


class IncidentDetailOut(IncidentOut):
    description: str
    reviews: list[ReviewOut]
    events: list[IncidentEventOut]
    actions: list[str]


class IncidentQuery(ListQuery):
    status: list[StatusCode] | None = Field(None, description="可多选")
    kind: KindCode | None = None
    mine: bool = Field(False, description="只看我报的")


class IncidentIn(InputSchema):
    kind: KindCode
    title: str = Field(..., max_length=100)
    description: str = Field(..., max_length=2000)
    occurred_from: dt.datetime
    occurred_to: dt.datetime | None = Field(None, description="不填为与发生时间（起）相同")
    place: str = Field("", max_length=200)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    crs: CrsCode = "wgs84"
    grid: Id | None = Field(None, description="工作人员可指定网格；业主不填时为所住楼栋单元的微网格")


class FootageRequestIn(InputSchema):
    cameras: list[Id] = Field(..., min_length=1, max_length=20)
    window_from: dt.datetime
    window_to: dt.datetime
    note: str = Field("", max_length=500)


class FootageRecordIn(InputSchema):
    finding: str = Field(..., max_length=2000)
    found: bool


class HandoverIn(InputSchema):
    police: Id | None = Field(None, description="派出所（组织编号）")
    police_name: str = Field("", max_length=100, description="不在组织名录中时填写名称")
    police_ref: str = Field("", max_length=50, description="接警或案件编号")
    note: str = Field("", max_length=500)


class IncidentConcludeIn(InputSchema):
    status: FinalCode
    outcome: str = Field(..., max_length=2000)
