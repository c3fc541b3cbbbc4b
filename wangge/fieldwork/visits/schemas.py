from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from wangge.core.schemas import MAX_ID, Id, InputSchema, ListQuery

OutcomeCode = Literal["met", "nobody_home", "refused"]
CareFlagCode = Literal["elderly_alone", "disabled", "low_income", "special_needs", "veteran", "left_behind_child"]


class VisitGridRef(Schema):
    id: int
    code: str
    name: str
    level: str


class PlanOut(Schema):
    id: int
    grid: VisitGridRef
    period_days: int
    care_period_days: int
    care_flags: list[str]
    active: bool
    note: str
    updated_at: dt.datetime


class PlanIn(InputSchema):
    grid: Id = Field(..., description="网格编号：计划适用于该网格及其全部下级（下级自己的计划优先）")
    period_days: int = Field(91, description="每户至少多少天走访一次，默认91天（一个季度）")
    care_period_days: int = Field(30, description="关爱户多少天走访一次，默认30天")
    care_flags: list[CareFlagCode] | None = Field(None, description="计为关爱户的标签，默认全部")
    active: bool = True
    note: str = Field("", max_length=200)


class PlanPatch(InputSchema):
    period_days: int | None = None
    care_period_days: int | None = None
    care_flags: list[CareFlagCode] | None = None
    active: bool | None = None
    note: str | None = Field(None, max_length=200)


class PlanQuery(ListQuery):
    active: bool | None = None


class HouseholdRef(Schema):
    id: int
    address: str = Field(..., description="地址（房号已遮蔽）")
    building: str
    unit: str
    floor: int
    room: str = Field(..., description="房号（已遮蔽）")
    grid_id: int
    grid_name: str


class MatterRef(Schema):
    id: int
    category: str
    category_name: str
    state: str


class VisitOut(Schema):
    id: int
    household: HouseholdRef
    worker_id: int | None
    worker_name: str
    visited_at: dt.datetime
    outcome: str
    outcome_label: str
    notes: str
    follow_up_on: dt.date | None
    matters: list[MatterRef]
    created_at: dt.datetime


class RaisedMatterIn(InputSchema):
    category: str = Field("", max_length=64, description="事项类别编码，见 /matters/categories")
    description: str = Field("", max_length=2000)


class VisitIn(InputSchema):
    household: Id
    outcome: OutcomeCode
    notes: str = Field("", max_length=1000)
    follow_up_on: dt.date | None = Field(None, description="回访日期（可选）")
    visited_at: dt.datetime | None = Field(None, description="走访时间，默认现在；可补登30天内的走访")
    matters: list[RaisedMatterIn] = Field(default_factory=list, max_length=5,
                                          description="收集的关键小事，每件登记为来源为“入户走访”的事项")


class VisitQuery(ListQuery):
    outcome: OutcomeCode | None = None
    household: Id | None = None
    worker: Id | None = None
    since: dt.date | None = None
    until: dt.date | None = None


class DueQuery(InputSchema):
    within: int | None = Field(None, ge=1, le=MAX_ID, description="只看该网格（含全部下级）")
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(200, ge=1, le=500)


class DueOut(Schema):
    household: HouseholdRef
    head: str = Field(..., description="户主姓名")
    care: list[str] = Field(..., description="关爱标签（计入关爱周期的）")
    period_days: int
    plan_id: int | None
    last_met_at: dt.datetime | None
    due_on: dt.date | None = Field(..., description="应走访日期；从未见面走访为空")
    status: Literal["never", "overdue", "due", "ok"]
    overdue_days: int
    follow_up_on: dt.date | None
    follow_up_due: bool
    tried_today: str = Field(..., description="今天已去过但未见到：nobody_home 或 refused")


class VisitCoverageQuery(InputSchema):
    within: int | None = Field(None, ge=1, le=MAX_ID, description="按该网格的下级分行统计；默认本人负责的网格")


class TallyOut(Schema):
    households: int
    in_period: int = Field(..., description="周期内已见面走访的户数")
    overdue: int
    never: int
    share: float | None
    care: int
    care_in_period: int


class GridCoverageOut(TallyOut):
    grid: VisitGridRef


class WorkerCoverageOut(TallyOut):
    person_id: int
    name: str
    roles: list[str]
    grids: list[str]
    visits_30d: int
    met_30d: int


class VisitCoverageOut(Schema):
    grid: VisitGridRef
    as_of: dt.date
    total: TallyOut
    items: list[GridCoverageOut]
    count: int
    workers: list[WorkerCoverageOut]
