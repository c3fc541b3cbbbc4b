from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from wangge.core.schemas import Id, InputSchema, ListQuery

KindCode = Literal["fire", "flood", "gas_leak", "power_cut", "earthquake", "other"]
StatusCode = Literal["active", "cleared"]
HouseholdStateCode = Literal["not_reached", "safe", "needs_help"]


class EmergencyIn(InputSchema):
    kind: KindCode = Field(..., description="fire 火灾、flood 洪涝、gas_leak 燃气泄漏、power_cut 停电、earthquake 地震、other 其他")
    title: str = Field("", max_length=100, description="留空则按地点和类别生成")
    description: str = Field("", max_length=2000)
    drill: bool = Field(False, description="演练：流程相同，所有通知标题标明“演练”")
    grid: Id | None = Field(None, description="发生的网格（社区及以下），其下全部楼栋受影响")
    buildings: list[Id] = Field(default_factory=list, max_length=200, description="受影响楼栋；与 grid 至少给一个")


class EmergencyQuery(ListQuery):
    status: StatusCode | None = None
    kind: KindCode | None = None
    drill: bool | None = None


class ClearIn(InputSchema):
    report: str = Field(..., max_length=10000, description="处置报告（必填，至少10字）")


class StatusIn(InputSchema):
    status: HouseholdStateCode
    note: str = Field("", max_length=200)


class HouseholdQuery(ListQuery):
    status: HouseholdStateCode | None = None
    building: Id | None = None


class EmergencyGridRef(Schema):
    id: int
    code: str
    name: str
    level: str


class BuildingRef(Schema):
    id: int
    name: str


class CountsOut(Schema):
    total: int
    safe: int
    needs_help: int
    not_reached: int
    confirmed: int
    percent: int


class EmergencyOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    description: str
    drill: bool
    status: str
    status_label: str
    grid: EmergencyGridRef
    buildings: list[BuildingRef]
    declared_by: str
    declared_at: dt.datetime
    cleared_by: str
    cleared_at: dt.datetime | None
    report: str
    counts: CountsOut
    notified: dict
    summary: dict


class EmergencyResidentOut(Schema):
    name: str
    phone: str = Field(description="脱敏")
    care_flags: list[str]


class HouseholdStatusOut(Schema):
    household: int
    building: str
    unit: str
    floor: int
    room: str
    status: str
    status_label: str
    note: str
    confirmed_by: str
    confirmed_at: dt.datetime | None
    residents: list[EmergencyResidentOut]
