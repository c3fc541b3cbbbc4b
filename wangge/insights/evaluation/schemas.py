from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from wangge.core.schemas import MAX_ID, ListQuery
from wangge.insights.dashboards.schemas import (
    DashboardFiguresOut,
    DashboardNodeOut,
    DashboardPeriodOut,
    DashboardQuery,
)


class EvaluationQuery(DashboardQuery):
    by: str = Field("grid", max_length=20, description="grid（按网格）、worker（按处置人）、organisation（按处置单位）")
    level: str | None = Field(None, max_length=20, description="按网格时：比较该层级的全部网格（默认直属下级）")


class EvaluationRowOut(DashboardFiguresOut):
    rank: int | None = Field(description="名次；没有应结案事项的不排名")
    key: int = Field(description="网格、人员或单位的 id")
    name: str
    detail: str
    score: float | None


class EvaluationOut(Schema):
    node: DashboardNodeOut
    period: DashboardPeriodOut
    by: str
    score_formula: str
    rows: list[EvaluationRowOut]


class EvaluationMattersQuery(ListQuery):
    node: int | None = Field(None, ge=1, le=MAX_ID)
    period: str | None = Field(None, max_length=20)
    start: str | None = Field(None, max_length=10)
    end: str | None = Field(None, max_length=10)
    indicator: str = Field("received", max_length=20,
                           description="received、due、done、done_on_time、not_done、late、reworked、rated、"
                                       "unsatisfied、breached")
    by: str | None = Field(None, max_length=20)
    key: int | None = Field(None, ge=1, le=MAX_ID)


class EvaluationMatterOut(Schema):
    id: int
    category: str
    state: str
    grid: str
    assignee: str | None
    created_at: dt.datetime
    resolve_due: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    breached: bool
    rework_count: int
    rating: str
