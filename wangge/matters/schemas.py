from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from wangge.core.schemas import MAX_ID, Id, InputSchema, ListQuery

StateCode = Literal[
    "reported", "accepted", "rejected", "dispatched", "in_progress", "resolved", "rework", "verified", "closed",
    "evaluated", "withdrawn", "merged", "on_hold",
]
SourceCode = Literal["resident", "visit", "patrol", "hotline", "api", "deliberation"]
ActionCode = Literal[
    "accept", "reject", "dispatch", "start", "resolve", "verify", "rework", "close", "hold", "resume", "withdraw"
]
RatingCode = Literal["satisfied", "basic", "unsatisfied"]
CrsCode = Literal["wgs84", "gcj02", "bd09"]
PhotoKindCode = Literal["report", "before", "after", "other"]


class AttributeOut(Schema):
    code: str
    description: str
    datatype: str
    required: bool
    values: list[dict]


class SlaOut(Schema):
    amount: float
    unit: str


class CategoryOut(Schema):
    code: str
    name: str
    group: str | None
    group_code: str | None
    description: str
    is_public: bool
    photos_required: int
    handler_role: str
    handler_org_kind: str
    handler_level: str
    sla: dict[str, SlaOut]
    attributes: list[AttributeOut]


class MatterIn(InputSchema):
    category: str = Field(..., max_length=64, description="类别编码，见 /matters/categories")
    description: str = Field(..., max_length=2000)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    crs: CrsCode = "wgs84"
    unit: Id | None = Field(None, description="单元编号；与坐标二选一，都给时以单元定网格")
    household: Id | None = None
    address: str = Field("", max_length=200)
    attributes: dict[str, str | float | int | list[str]] = Field(default_factory=dict)
    anonymous: bool = Field(False, description="对公众匿名")
    source: SourceCode = Field("api", description="工作人员可登记 visit、patrol、hotline")
    reporter_name: str = Field("", max_length=50)
    reporter_phone: str = Field("", max_length=20)
    photos: list[str] = Field(default_factory=list, max_length=9, description="照片（base64），JPEG、PNG、WebP 或 HEIC")


class PersonRef(Schema):
    id: int
    name: str


class GridRef(Schema):
    id: int
    code: str
    name: str
    level: str


class MatterOut(Schema):
    id: int
    category: str
    category_name: str
    source: str
    state: str
    state_label: str
    description: str
    grid: GridRef
    address: str
    lon: float | None
    lat: float | None
    assignee: PersonRef | None
    assignee_role: str
    deadline: dt.datetime | None
    stage: str
    light: str
    overdue: bool
    breached: bool
    escalation_level: int
    supervised: bool
    rating: str
    created_at: dt.datetime
    updated_at: dt.datetime
    reporter_name: str
    reporter_phone: str


class MatterPage(Schema):
    items: list[MatterOut]
    count: int | None = Field(description="总数；使用 cursor 翻页时为 null")
    next_cursor: str | None


class EventOut(Schema):
    seq: int
    at: dt.datetime
    action: str
    from_state: str
    to_state: str
    actor: str
    note: str
    photos: list[str]


class PhotoOut(Schema):
    id: int
    kind: str
    url: str
    width: int | None
    height: int | None
    at: dt.datetime


class CommentOut(Schema):
    id: int
    author: str
    body: str
    internal: bool
    at: dt.datetime


class DuplicateOut(Schema):
    id: int
    state: str
    description: str
    distance_m: float | None
    created_at: dt.datetime


class MatterDetailOut(MatterOut):
    attributes: dict
    actions: list[str]
    events: list[EventOut]
    photos: list[PhotoOut]
    comments: list[CommentOut]
    duplicates: list[DuplicateOut]
    merged_into: int | None


class MatterQuery(ListQuery):
    state: list[StateCode] | None = Field(None, description="状态，可多选")
    category: str | None = Field(None, max_length=64, description="类别或大类编码")
    overdue: bool | None = Field(None, description="是否已超时")
    source: Literal["resident", "visit", "patrol", "hotline", "api", "open311", "deliberation"] | None = None
    assignee: Id | None = None
    supervised: bool | None = None
    mine: bool = Field(False, description="只看我上报的")
    cursor: str | None = Field(None, max_length=64, description="深度翻页：上一页的 next_cursor（按编号倒序）")


class TransitionIn(InputSchema):
    action: ActionCode
    note: str = Field("", max_length=1000)
    assignee: Id | None = Field(None, description="派遣时指定处置人（人员编号）")


class ReassignIn(InputSchema):
    assignee: Id
    reason: str = Field(..., max_length=1000)


class SuperviseIn(InputSchema):
    note: str = Field(..., max_length=1000)


class MergeIn(InputSchema):
    into: Id
    note: str = Field("", max_length=1000)


class RatingIn(InputSchema):
    rating: RatingCode
    comment: str = Field("", max_length=500)


class CommentIn(InputSchema):
    body: str = Field(..., max_length=1000)
    internal: bool = False


class NearbyQuery(InputSchema):
    category: str = Field(..., max_length=64)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    crs: CrsCode = "wgs84"
    unit: int | None = Field(None, ge=1, le=MAX_ID)


class ReporterUnmaskIn(InputSchema):
    reason: str = Field(..., max_length=200, description="查看事由（记入个人信息查看记录）")


class PhoneOut(Schema):
    phone: str
