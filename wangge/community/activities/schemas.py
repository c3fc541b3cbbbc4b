"""Request and answer schemas of /api/v1/activities."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from wangge.core.schemas import Id, InputSchema, ListQuery


class ActivityQuery(ListQuery):
    kind: str | None = Field(None, max_length=30, description="类别：party_education、policy_talk …")
    upcoming: bool | None = Field(None, description="true 只看未结束的，false 只看已结束的")
    status: str | None = Field(None, max_length=20)


class MySignUpOut(Schema):
    id: int
    status: str
    status_label: str
    waiting_rank: int | None


class ActivityOut(Schema):
    id: int
    grid: int
    grid_name: str
    kind: str
    kind_label: str
    title: str
    place: str
    venue: int | None
    venue_name: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int | None
    confirmed: int
    waiting: int
    attended: int
    free: int | None
    party_only: bool
    status: str
    status_label: str
    mine: MySignUpOut | None


class ActivityDetailOut(ActivityOut):
    description: str
    signup_opens: dt.datetime | None
    signup_closes: dt.datetime | None
    organiser: int | None
    organiser_name: str | None
    can_manage: bool
    checkin_url: str | None


class ActivityIn(InputSchema):
    grid: Id
    kind: str = Field(..., max_length=30)
    title: str = Field(..., max_length=300)
    description: str = Field("", max_length=10000)
    venue: Id | None = None
    place: str = Field("", max_length=500)
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int | None = Field(None, ge=1, le=100_000)
    signup_opens: dt.datetime | None = None
    signup_closes: dt.datetime | None = None
    party_only: bool = False
    status: str = Field("published", max_length=20, description="draft 或 published")
    organiser: Id | None = None


class ActivityPatch(InputSchema):
    kind: str | None = Field(None, max_length=30)
    title: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=10000)
    venue: Id | None = None
    place: str | None = Field(None, max_length=500)
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    capacity: int | None = Field(None, ge=1, le=100_000)
    signup_opens: dt.datetime | None = None
    signup_closes: dt.datetime | None = None
    party_only: bool | None = None
    status: str | None = Field(None, max_length=20)
    organiser: Id | None = None


class SignUpIn(InputSchema):
    resident: Id | None = Field(None, description="工作人员代居民报名时填写居民编号；居民本人报名不填")


class SignUpOut(Schema):
    id: int
    activity: int
    person: int
    name: str
    grid: int | None
    grid_name: str | None
    status: str
    status_label: str
    waiting_rank: int | None
    walk_in: bool
    created_at: dt.datetime
    attended_at: dt.datetime | None
    message: str = ""


class SignUpQuery(ListQuery):
    status: str | None = Field(None, max_length=20)


class CancelSignUpIn(InputSchema):
    signup: Id | None = Field(None, description="工作人员取消他人报名时填写；本人取消不填")


class ActivityCheckinIn(InputSchema):
    token: str | None = Field(None, max_length=64, description="居民扫码签到：活动二维码中的签到码")
    signup: Id | None = Field(None, description="工作人员为已报名者签到")
    resident: Id | None = Field(None, description="工作人员登记现场参加的居民")


class StatsQuery(ListQuery):
    since: dt.date | None = None
    until: dt.date | None = None


class KindCountOut(Schema):
    kind: str
    label: str
    activities: int
    attended: int


class GridCountOut(Schema):
    grid: int
    name: str
    level: str
    attended: int


class StatsOut(Schema):
    activities: int
    attended: int
    party_activities: int
    by_kind: list[KindCountOut]
    by_grid: list[GridCountOut]


