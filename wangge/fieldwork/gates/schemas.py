from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from wangge.core.schemas import Id, InputSchema, ListQuery

ShiftStatusCode = Literal["planned", "checked_in", "done", "missed", "cancelled"]
SwapStatusCode = Literal["pending", "approved", "rejected"]
CrsCode = Literal["wgs84", "gcj02", "bd09"]
HHMM = r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$"


def parse_hhmm(text: str) -> dt.time:
    """"08:00" → 08:00; "24:00" (the end of the day) → 00:00."""
    hours, minutes = (int(p) for p in text.split(":"))
    return dt.time(hours % 24, minutes)


class DutyRef(Schema):
    id: int
    name: str


class TemplateOut(Schema):
    id: int
    name: str
    start: str
    end: str
    minutes: int
    order: int


class PostOut(Schema):
    id: int
    name: str
    estate: DutyRef
    lon: float | None
    lat: float | None
    checkin_radius_m: int
    active: bool
    leader: DutyRef | None


class PostDetailOut(PostOut):
    templates: list[TemplateOut]
    day_gaps: list[str] = Field(description="模板在一天内没有覆盖的时段")
    leaders: list[DutyRef] = Field(description="接收提醒、审批换班的人员")


class PostQuery(ListQuery):
    active: bool | None = None


class PostIn(InputSchema):
    estate: Id = Field(..., description="小区网格编号")
    name: str = Field(..., max_length=60)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    checkin_radius_m: int = Field(200, ge=10, le=5000)
    leader: Id | None = None
    default_templates: bool = Field(True, description="同时建立早班 08:00–16:00、中班 16:00–24:00、夜班 00:00–08:00")


class PostPatch(InputSchema):
    name: str | None = Field(None, max_length=60)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    checkin_radius_m: int | None = Field(None, ge=10, le=5000)
    leader: Id | None = None
    active: bool | None = None


class TemplateIn(InputSchema):
    name: str = Field(..., max_length=20)
    start: str = Field(..., pattern=HHMM, description="开始时间 HH:MM")
    end: str = Field(..., pattern=HHMM, description="结束时间 HH:MM；不晚于开始时间表示跨到次日，24:00 即次日 00:00")


class TemplatesIn(InputSchema):
    templates: list[TemplateIn] = Field(..., max_length=12)


class GapOut(Schema):
    start: dt.datetime
    end: dt.datetime
    minutes: int
    label: str


class PostCoverageOut(Schema):
    post: int
    start: dt.datetime
    end: dt.datetime
    covered: bool
    gaps: list[GapOut]


class PostCoverageQuery(InputSchema):
    start: dt.datetime | None = Field(None, description="默认现在")
    end: dt.datetime | None = Field(None, description="默认开始后 7 天；最多 62 天")


class AssignmentIn(InputSchema):
    day: dt.date
    template: Id
    persons: list[Id] = Field(..., max_length=20)


class RosterIn(InputSchema):
    week: dt.date = Field(..., description="该周任意一天（按周一至周日排）")
    assignments: list[AssignmentIn] = Field(..., max_length=500)
    allow_gaps: bool = Field(False, description="确认允许排班留有空档")
    replace: bool = Field(False, description="覆盖本周已排的待上岗班次")


class ShiftOut(Schema):
    id: int
    post: DutyRef
    estate: DutyRef
    person: DutyRef
    template: DutyRef | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    status_label: str
    checked_in_at: dt.datetime | None
    checkin_distance_m: float | None
    checked_out_at: dt.datetime | None


class RosterOut(Schema):
    created: int
    removed: int
    shifts: list[ShiftOut]
    gaps: list[GapOut]


class ShiftQuery(ListQuery):
    post: Id | None = None
    person: Id | None = None
    mine: bool = Field(False, description="只看我的班次")
    status: list[ShiftStatusCode] | None = None
    start: dt.datetime | None = Field(None, description="与该时刻之后有交集")
    end: dt.datetime | None = Field(None, description="与该时刻之前有交集")


class ShiftIn(InputSchema):
    post: Id
    person: Id
    starts_at: dt.datetime
    ends_at: dt.datetime
    template: Id | None = None


class CheckinIn(InputSchema):
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    crs: CrsCode = "wgs84"


class SwapIn(InputSchema):
    shift: Id
    to_person: Id
    exchange_shift: Id | None = None
    reason: str = Field("", max_length=200)


class SwapDecisionIn(InputSchema):
    approve: bool
    note: str = Field("", max_length=200)


class SwapOut(Schema):
    id: int
    shift: ShiftOut
    exchange_shift: ShiftOut | None
    requested_by: DutyRef
    to_person: DutyRef
    reason: str
    status: str
    status_label: str
    decided_by: DutyRef | None
    decided_at: dt.datetime | None
    decision_note: str
    created_at: dt.datetime


class SwapQuery(ListQuery):
    status: SwapStatusCode | None = None
    post: Id | None = None
