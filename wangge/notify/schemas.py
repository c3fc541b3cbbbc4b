from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from wangge.core.schemas import Id, InputSchema


class NotificationQuery(InputSchema):
    """Not ListQuery: an inbox is one person's, so `within` and `q` would mean nothing here."""

    page: int = Field(1, ge=1, le=100_000, description="页码，从1开始")
    page_size: int = Field(50, ge=1, le=500, description="每页条数，最多500")
    unread: bool | None = Field(None, description="true 只看未读；false 只看已读；不传看全部")


class NotificationOut(Schema):
    id: int
    event: str
    title: str
    body: str
    link: str
    payload: dict
    created_at: dt.datetime
    read_at: dt.datetime | None


class ReadIn(InputSchema):
    ids: list[Id] | None = Field(None, min_length=1, max_length=500, description="要标为已读的通知 id")
    all: bool = Field(False, description="true：把全部未读通知标为已读（不传 ids）")


class ReadOut(Schema):
    marked: int = Field(..., description="这次标为已读的条数")
    unread: int = Field(..., description="还剩多少条未读")


class PreferenceIn(InputSchema):
    email: bool = Field(..., description="逐条发送电子邮件（需账号登记了电子邮箱）")
    sms: bool = Field(..., description="逐条发送短信（需登记了手机号码）")
    digest: bool = Field(..., description="每日汇总：不再逐条发送，每天早上用一封邮件汇总前一天的通知")


class PreferenceOut(Schema):
    email: bool
    sms: bool
    digest: bool
    has_email: bool = Field(..., description="账号是否登记了电子邮箱")
    has_phone: bool = Field(..., description="是否登记了手机号码")
