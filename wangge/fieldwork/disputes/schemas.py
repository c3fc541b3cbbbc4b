from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from wangge.core.schemas import Id, InputSchema, ListQuery

KindCode = Literal["neighbours", "noise", "leak", "parking", "property_fee", "family", "tenancy", "other"]
StatusCode = Literal["open", "mediating", "agreement", "referred", "failed", "withdrawn"]
SideCode = Literal["applicant", "respondent", "other"]
OutcomeCode = Literal["agreement", "referred", "failed", "withdrawn"]
ReferredCode = Literal["police", "court", "other"]


class DisputeGridRef(Schema):
    id: int
    code: str
    name: str
    level: str


class DisputePersonRef(Schema):
    id: int
    name: str


class PartyOut(Schema):
    id: int
    side: str
    side_label: str
    name: str
    resident: int | None
    phone: str = Field(description="已脱敏")
    id_number: str = Field(description="已脱敏")


class SessionOut(Schema):
    id: int
    held_at: dt.datetime
    place: str
    notes: str
    parties_present: list[int]
    mediators_present: list[int]
    recorded_by: str


class DisputeOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    status: str
    status_label: str
    grid: DisputeGridRef
    matter: int | None
    mediators: list[DisputePersonRef]
    opened_at: dt.datetime
    concluded_at: dt.datetime | None
    follow_up_on: dt.date | None
    follow_up_done_on: dt.date | None


class DisputeDetailOut(DisputeOut):
    number: str
    summary: str
    household: str = Field(description="发生地住户（房号已脱敏）")
    opened_by: str
    parties: list[PartyOut]
    sessions: list[SessionOut]
    agreement_terms: str
    referred_to: str
    referred_body: str
    failure_reason: str
    withdrawal_reason: str
    follow_up_note: str
    agreement_pdf: str | None = Field(description="协议书 PDF 的地址（达成协议后）")
    signed_copy: str | None = Field(description="签字协议的地址（已上传时）")
    signed_copy_type: str


class DisputeQuery(ListQuery):
    status: list[StatusCode] | None = Field(None, description="状态，可多选")
    kind: KindCode | None = None
    follow_up_due: bool | None = Field(None, description="是否待回访")


class PartyIn(InputSchema):
    side: SideCode = "applicant"
    resident: Id | None = Field(None, description="在册居民编号；与姓名二选一")
    name: str = Field("", max_length=50, description="外来人员姓名")
    phone: str = Field("", max_length=20)
    id_number: str = Field("", max_length=18)


class DisputeIn(InputSchema):
    kind: KindCode
    title: str = Field(..., max_length=100)
    summary: str = Field("", max_length=2000)
    grid: Id | None = Field(None, description="发生地网格；给了 household 或 matter 时不需要")
    household: Id | None = None
    matter: Id | None = Field(None, description="由该事项转入调解：取其网格、住户和上报人")
    mediators: list[Id] = Field(default_factory=list, max_length=10, description="调解员（人员编号）；不填则为登记人")
    parties: list[PartyIn] = Field(default_factory=list, max_length=20)


class MediatorsIn(InputSchema):
    mediators: list[Id] = Field(..., max_length=10)


class SessionIn(InputSchema):
    held_at: dt.datetime | None = Field(None, description="调解时间，默认现在")
    place: str = Field(..., max_length=100)
    notes: str = Field(..., max_length=4000)
    parties_present: list[Id] = Field(default_factory=list, max_length=20)
    mediators_present: list[Id] = Field(default_factory=list, max_length=10)


class DisputeConcludeIn(InputSchema):
    outcome: OutcomeCode
    agreement_terms: str = Field("", max_length=4000, description="达成协议时必填")
    follow_up_on: dt.date | None = Field(None, description="回访日期，达成协议时默认30天后")
    referred_to: ReferredCode | Literal[""] = Field("", description="移交时必填")
    referred_body: str = Field("", max_length=100, description="移交时必填：接收单位名称")
    failure_reason: str = Field("", max_length=1000, description="调解不成时必填")
    withdrawal_reason: str = Field("", max_length=1000, description="撤回时必填")


class FollowUpIn(InputSchema):
    note: str = Field(..., max_length=1000)
    done_on: dt.date | None = None


class DisputeUnmaskIn(InputSchema):
    reason: str = Field(..., max_length=200, description="查看事由（记入个人信息查看记录）")


class PartyPiiOut(Schema):
    phone: str
    id_number: str
