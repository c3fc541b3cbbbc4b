"""Request and response schemas of /api/v1/hall."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from wangge.core.schemas import Id, InputSchema, ListQuery

KindCode = Literal["urgent", "difficult", "major"]
ItemStatusCode = Literal["proposed", "scheduled", "discussed", "deferred", "declined"]
SessionStatusCode = Literal["planned", "held", "published", "cancelled"]
RuleCode = Literal["keep", "next", "previous"]
LevelCode = Literal["area_grid", "estate_grid", "micro_grid"]
ActionCode = Literal["schedule", "unschedule", "up", "down", "time", "defer", "decline", "link", "unlink", "edit",
                     "discussed"]


class SessionRef(Schema):
    id: int
    title: str
    starts_at: dt.datetime


class HallOut(Schema):
    id: int
    name: str
    place: str
    active: bool
    community_id: int
    community_name: str
    day_of_month: int
    start_time: dt.time
    duration_minutes: int
    on_non_working_day: str
    months_ahead: int
    collective_min_households: int
    collective_window_days: int
    collective_level: str
    ics_url: str
    can_run: bool


class HallIn(InputSchema):
    community: Id
    name: str = Field(..., max_length=60)
    place: str = Field("", max_length=100)
    day_of_month: int = Field(10, ge=1, le=28, description="每月议事日（1–28）")
    start_time: dt.time = Field(dt.time(9, 0), description="开始时间")
    duration_minutes: int = Field(120, ge=15, le=720)
    on_non_working_day: RuleCode = Field("keep", description="逢周末或节假日：keep 照常、next 顺延、previous 提前")
    months_ahead: int = Field(3, ge=1, le=12)
    collective_min_households: int = Field(3, ge=2, le=100)
    collective_window_days: int = Field(30, ge=1, le=365)
    collective_level: LevelCode = "estate_grid"


class HallPatch(InputSchema):
    name: str | None = Field(None, max_length=60)
    place: str | None = Field(None, max_length=100)
    active: bool | None = None
    day_of_month: int | None = Field(None, ge=1, le=28)
    start_time: dt.time | None = None
    duration_minutes: int | None = Field(None, ge=15, le=720)
    on_non_working_day: RuleCode | None = None
    months_ahead: int | None = Field(None, ge=1, le=12)
    collective_min_households: int | None = Field(None, ge=2, le=100)
    collective_window_days: int | None = Field(None, ge=1, le=365)
    collective_level: LevelCode | None = None


class HallQuery(ListQuery):
    active: bool | None = None


class ItemMatterRef(Schema):
    id: int
    category: str
    state: str
    grid: str
    description: str = Field(description="工作人员可见；居民看到的为空")
    created_at: dt.datetime


class ItemOut(Schema):
    id: int
    hall_id: int
    session_id: int | None
    kind: str
    kind_label: str
    title: str
    description: str
    status: str
    origin: str
    position: int
    minutes_planned: int
    planned_start: dt.datetime | None = None
    proposer: str | None = Field(None, description="提出人：工作人员可见姓名；居民只见“我”或不显示")
    decline_reason: str
    deferred_from_id: int | None
    matters: list[ItemMatterRef]
    created_at: dt.datetime


class HallSessionOut(Schema):
    id: int
    hall_id: int
    hall_name: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    status: str
    moved_from: dt.datetime | None
    cancel_reason: str
    scheduled_for: dt.date | None


class SessionDetailOut(HallSessionOut):
    items: list[ItemOut]
    agenda_end: dt.datetime
    overrun_minutes: int = Field(description="议程超出会议结束时间的分钟数，0 为未超出")
    can_run: bool


class SessionQuery(ListQuery):
    hall: Id | None = None
    upcoming: bool | None = Field(None, description="true：未结束的会议（最近的在前）；false：已结束的")
    status: SessionStatusCode | None = None


class SessionPatch(InputSchema):
    starts_at: dt.datetime | None = Field(None, description="改期：新的开始时间（会议保持原编号）")
    ends_at: dt.datetime | None = None
    place: str | None = Field(None, max_length=100)
    title: str | None = Field(None, max_length=100)
    cancel: bool = False
    cancel_reason: str = Field("", max_length=200, description="取消时必填")


class ItemQuery(ListQuery):
    status: ItemStatusCode | None = None
    kind: KindCode | None = None
    hall: Id | None = None
    session: Id | None = None


class ItemIn(InputSchema):
    hall: Id
    kind: str | None = Field(None, description="urgent 集中反映的迫切事、difficult 协商协调的疑难事、major 征求意见的重大事")
    title: str = Field(..., max_length=100)
    description: str = Field("", max_length=4000)
    session: Id | None = Field(None, description="工作人员：直接列入该会议")
    minutes_planned: int | None = Field(None, ge=1, le=240)
    matters: list[Id] = Field(default_factory=list, max_length=50, description="工作人员：关联的事项")


class ItemPatch(InputSchema):
    action: ActionCode
    session: Id | None = None
    minutes_planned: int | None = Field(None, ge=1, le=240)
    reason: str = Field("", max_length=500, description="不予列入时必填")
    matters: list[Id] = Field(default_factory=list, max_length=50)
    title: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=4000)
    kind: KindCode | None = None
    position: int | None = Field(None, ge=1, le=500, description="up/down 时可直接给出新位置（从1开始）")


class SuggestionOut(Schema):
    key: str
    kind: str
    kind_label: str
    title: str
    description: str
    households: int
    first_at: dt.datetime | None
    last_at: dt.datetime | None
    grid: str | None
    matters: list[ItemMatterRef]


class SuggestionAcceptIn(InputSchema):
    key: str = Field(..., max_length=80, description="建议的 key，见建议列表")
    session: Id | None = Field(None, description="直接列入该会议")
    title: str | None = Field(None, max_length=100)
