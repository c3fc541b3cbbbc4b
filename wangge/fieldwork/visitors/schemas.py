from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from wangge.core.schemas import Id, InputSchema, ListQuery

StatusCode = Literal["registered", "admitted", "refused"]
DecisionCode = Literal["admitted", "refused"]
KindCode = Literal["measure", "check"]


class RuleItemOut(Schema):
    code: str
    label: str
    kind: str
    unit: str = ""
    min: float | None = None
    max: float | None = None
    pass_label: str = ""
    required: bool = True
    active: bool = True


class CheckResultOut(Schema):
    code: str
    label: str
    kind: str
    unit: str = ""
    min: float | None = None
    max: float | None = None
    pass_label: str = ""
    required: bool = True
    value: float | bool | None = None
    ok: bool | None = None


class VisitorOut(Schema):
    id: int
    ticket: str
    name: str
    phone: str = Field(..., description="打码显示，如 138****5678；完整号码见 unmask")
    purpose: str
    host: str = Field(..., description="被访楼栋单元房号（房号打码）")
    host_matched: bool = Field(..., description="是否匹配到本小区登记的住户")
    estate: int
    estate_name: str
    post: int
    post_name: str
    status: str
    flagged: bool
    registered_at: dt.datetime
    checked_at: dt.datetime | None
    checked_by: str
    note: str
    host_confirmed: bool | None
    host_answered_at: dt.datetime | None


class VisitorDetailOut(VisitorOut):
    rules: list[CheckResultOut] = Field(..., description="登记时的查验规则（快照）")
    checks: list[CheckResultOut] = Field(..., description="门岗记录的测量值和查验结果")


class VisitorQuery(ListQuery):
    status: StatusCode | None = None
    post: Id | None = Field(None, description="只看该门岗登记的访客")
    flagged: bool | None = Field(None, description="只看有异常（或无异常）的")
    mine: bool = Field(False, description="只看来访我家的访客（居民）")


class RegisterIn(InputSchema):
    token: str = Field(..., max_length=64, description="门岗二维码中的令牌")
    name: str = Field(..., max_length=60)
    phone: str = Field(..., max_length=40, description="11位大陆手机号")
    purpose: str = Field(..., max_length=200)
    unit: Id | None = Field(None, description="被访住户所在单元（见 /visitors/gate/{token} 的 units）")
    room: str = Field("", max_length=40, description="被访房号，如 301")
    host: str = Field("", max_length=120, description="没有单元可选时：被访地址")


class RegisteredOut(Schema):
    ticket: str = Field(..., description="登记码：向门岗出示")
    name: str
    post_name: str
    estate_name: str
    registered_at: dt.datetime


class GateUnitOut(Schema):
    id: int
    building: str
    name: str


class GateOut(Schema):
    post_name: str
    estate_name: str
    units: list[GateUnitOut]
    rules: list[RuleItemOut] = Field(..., description="到门岗时需要查验的项目")


class CheckIn(InputSchema):
    post: Id = Field(..., description="您所在的门岗")
    decision: DecisionCode
    values: dict[str, float | bool | str] = Field(default_factory=dict,
                                                  description="查验项代码 → 测量值（数字）或是否通过（true/false）")
    note: str = Field("", max_length=400)


class ConfirmIn(InputSchema):
    confirmed: bool = True


class VisitorUnmaskIn(InputSchema):
    reason: str = Field(..., max_length=200)


class VisitorPhoneOut(Schema):
    phone: str


class RuleItemIn(InputSchema):
    code: str = Field(..., max_length=30)
    label: str = Field(..., max_length=60)
    kind: KindCode
    unit: str = Field("", max_length=20)
    min: float | None = None
    max: float | None = None
    pass_label: str = Field("", max_length=60)
    required: bool = True
    active: bool = True


class RulesIn(InputSchema):
    items: list[RuleItemIn] = Field(default_factory=list, max_length=50)
    inherit: bool = Field(False, description="删除本级规则，沿用上级")


class RulesOut(Schema):
    grid: int
    grid_name: str
    source: int | None = Field(..., description="规则来自哪个网格；空为系统默认")
    source_name: str
    own: bool = Field(..., description="本级是否有自己的规则")
    items: list[RuleItemOut] = Field(..., description="生效中的查验项")
    all_items: list[RuleItemOut] = Field(..., description="本级的全部查验项（含已停用）")
