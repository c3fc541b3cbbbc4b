from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from wangge.core.schemas import MAX_ID, Id, InputSchema, ListQuery


class MonthlyReportIn(InputSchema):
    node: Id = Field(..., description="社区、街道或县（区）网格")
    month: str = Field(..., max_length=10, description="月份 YYYY-MM（不能是尚未开始的月份）")


class MonthlyReportQuery(ListQuery):
    node: int | None = Field(None, ge=1, le=MAX_ID, description="只看该网格的报告")


class MonthlyReportGridOut(Schema):
    id: int
    code: str
    name: str
    level: str


class MonthlyReportOut(Schema):
    id: int
    grid: MonthlyReportGridOut
    month: dt.date = Field(..., description="该月第一天")
    status: str = Field(..., description="queued / running / done / failed")
    status_label: str
    stage: str = Field(..., description="collect / xlsx / charts / pdf / email；排队时为空")
    stage_label: str
    progress: int = Field(..., description="进度（百分比）")
    error: str = Field(..., description="失败时的错误信息")
    attempts: int
    requested_by: str | None = Field(..., description="申请人；每月自动生成的为空")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    xlsx_url: str | None = Field(..., description="完成后的表格下载地址")
    pdf_url: str | None = Field(..., description="完成后的PDF下载地址")


class ReportSubscriptionIn(InputSchema):
    node: Id
    subscribed: bool = Field(..., description="true 订阅，false 取消订阅")


class ReportSubscriptionOut(Schema):
    node: int
    subscribed: bool
    email: str = Field(..., description="接收报告的电子邮箱；为空时只发站内通知")
