from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from wangge.core.schemas import MAX_ID, InputSchema


class DashboardQuery(InputSchema):
    node: int | None = Field(None, ge=1, le=MAX_ID, description="网格；不填为本人职责所在的最高一级网格")
    period: str | None = Field(None, max_length=20, description="month、last_month、quarter、year、12m；默认本月")
    start: str | None = Field(None, max_length=10, description="自定义开始日期 YYYY-MM-DD（须与 end 同时填写）")
    end: str | None = Field(None, max_length=10, description="自定义结束日期 YYYY-MM-DD（含当日）")


class DashboardNodeOut(Schema):
    id: int
    name: str
    level: str
    code: str


class DashboardPeriodOut(Schema):
    preset: str
    start: dt.date
    end: dt.date


class DashboardFiguresOut(Schema):
    received: int
    due: int
    done: int
    done_on_time: int
    reworked: int
    rated: int
    satisfied: int
    basic: int
    handling_s: int
    breached: int
    closed: int
    closed_on_time: int
    closure_rate: float | None
    on_time_rate: float | None
    rework_rate: float | None
    satisfaction_rate: float | None
    handling_hours: float | None


class DashboardIndicatorOut(Schema):
    key: str
    label: str
    formula: str
    value: float | None
    numerator: int | None
    denominator: int


class DashboardStatesOut(Schema):
    by_state: dict[str, int]
    open: int
    overdue: int = Field(description="未结且曾超时的事项")


class DashboardCategoryOut(DashboardFiguresOut):
    code: str
    name: str


class DashboardSourceOut(DashboardFiguresOut):
    code: str
    label: str


class DashboardPointOut(Schema):
    date: dt.date
    received: int
    closed: int
    done: int


class DashboardChildOut(DashboardFiguresOut):
    id: int
    name: str
    level: str
    open: int


class DashboardWorkOut(Schema):
    visits: int
    visits_met: int
    households_visited: int
    disputes_opened: int
    disputes_agreed: int
    disputes_open: int
    micro_grids: int
    micro_grids_staffed: int
    duty_coverage: float | None
    activities_held: int
    attendance: int
    cameras: int
    cameras_faulty: int
    sessions_held: int


class DashboardOut(Schema):
    node: DashboardNodeOut
    trail: list[DashboardNodeOut]
    period: DashboardPeriodOut
    figures: DashboardFiguresOut
    indicators: list[DashboardIndicatorOut]
    states: DashboardStatesOut
    categories: list[DashboardCategoryOut]
    sources: list[DashboardSourceOut]
    trend: list[DashboardPointOut]
    children: list[DashboardChildOut]
    work: DashboardWorkOut
