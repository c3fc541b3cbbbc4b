from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from wangge.core.schemas import Id, InputSchema, ListQuery

AudienceCode = Literal["everyone", "party_members", "owners"]


class NoticeQuery(ListQuery):
    status: Literal["draft", "published", "withdrawn"] | None = None
    unread: bool | None = Field(None, description="true：只看本人未读的")


class NoticeIn(InputSchema):
    title: str = Field(..., max_length=100)
    body: str = Field(..., max_length=20000, description="正文；空行分段，以“- ”开头的行为列表")
    grids: list[Id] = Field(default_factory=list, max_length=100, description="网格（含全部下级）")
    buildings: list[Id] = Field(default_factory=list, max_length=500, description="楼栋；与 grids 至少给一个")
    audience: AudienceCode = Field("everyone", description="everyone 全体居民、party_members 党员、owners 业主（自住户的户主及配偶）")
    publish_at: dt.datetime | None = Field(None, description="发布时间，默认现在；晚于现在为定时发布")
    expires_at: dt.datetime | None = None
    pinned: bool = False
    publish: bool = Field(False, description="立即发布；否则存为草稿")


class NoticePatch(InputSchema):
    title: str | None = Field(None, max_length=100)
    body: str | None = Field(None, max_length=20000)
    grids: list[Id] | None = Field(None, max_length=100)
    buildings: list[Id] | None = Field(None, max_length=500)
    audience: AudienceCode | None = None
    publish_at: dt.datetime | None = None
    expires_at: dt.datetime | None = Field(None, description="过期时间；传 null 则取消过期时间，不传则不变")
    pinned: bool | None = None


class Ref(Schema):
    id: int
    name: str


class NoticeOut(Schema):
    id: int
    title: str
    body: str
    grids: list[Ref]
    buildings: list[Ref]
    audience: str
    audience_label: str
    publish_at: dt.datetime
    expires_at: dt.datetime | None
    pinned: bool
    status: str
    status_label: str
    author: str
    read: bool = Field(description="本人是否已读")
    can_publish: bool


class UnreadOut(Schema):
    name: str = Field(description="脱敏姓名")
    place: str


class ReceiptsOut(Schema):
    notice: int
    audience: int = Field(description="对象居民人数")
    read: int = Field(description="其中已读人数")
    receipts: int
    unread: list[UnreadOut]
