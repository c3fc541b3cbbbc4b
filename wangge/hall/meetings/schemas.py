"""Request and response schemas of the meeting-day API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from wangge.core.schemas import Id, InputSchema, ListQuery


class InviteIn(InputSchema):
    persons: list[Id] = Field(default_factory=list, max_length=200, description="受邀人员编号")
    organisations: list[Id] = Field(default_factory=list, max_length=200, description="受邀组织编号")
    capacity: str = Field("", max_length=50, description="受邀身份，如 居民代表")


class InvitationOut(Schema):
    id: int
    session_id: int
    person_id: int | None
    organisation_id: int | None
    name: str
    organisation_kind: str | None
    capacity: str
    response: str
    response_label: str
    note: str
    delegates: str
    responded_at: dt.datetime | None
    invited_at: dt.datetime
    checked_in: bool


class RsvpIn(InputSchema):
    response: str = Field(..., max_length=10, description="accepted 或 declined")
    note: str = Field("", max_length=300)
    delegates: str = Field("", max_length=200, description="组织回复时：谁将出席")


class RsvpOut(Schema):
    session_id: int
    session_title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    invitee: str
    response: str
    response_label: str
    note: str
    delegates: str


class MeetingCheckinIn(InputSchema):
    checkin_token: str = Field(..., max_length=32, description="会议签到二维码中的令牌")
    rsvp_token: str | None = Field(None, max_length=32, description="未登录时：本人邀请链接的令牌")


class AttendanceIn(InputSchema):
    person: Id | None = Field(None, description="在册人员编号；与姓名二选一")
    name: str = Field("", max_length=50, description="现场登记的姓名")
    organisation: Id | None = None
    organisation_name: str = Field("", max_length=100)


class AttendanceOut(Schema):
    id: int
    session_id: int
    person_id: int | None
    name: str
    organisation_id: int | None
    organisation_name: str
    household_id: int | None
    method: str
    checked_in_at: dt.datetime
    created: bool = False


class QuorumCheck(Schema):
    rule: str
    ok: bool
    detail: str


class QuorumOut(Schema):
    met: bool
    attendees: int
    invited_persons: int
    invited_present: int
    checks: list[QuorumCheck]
    reasons: list[str]


class QuorumRulesIn(InputSchema):
    min_attendees: int = Field(0, ge=0, le=1000)
    min_invited_share: int = Field(0, ge=0, le=100, description="受邀个人到会比例下限（%）")
    required_kinds: list[str] = Field(default_factory=list, max_length=10, description="必须到会的组织类别")


class QuorumRulesOut(Schema):
    hall_id: int
    min_attendees: int
    min_invited_share: int
    required_kinds: list[str]


class MinutesIn(InputSchema):
    text: str = Field(..., max_length=8000)


class MinutesOut(Schema):
    item_id: int
    item_title: str
    text: str
    edited_by: str
    edited_at: dt.datetime | None


class MotionIn(InputSchema):
    item: Id
    text: str = Field(..., max_length=2000)
    method: str = Field("hands", max_length=12, description="hands 举手 / electronic 电子")
    basis: str = Field("person", max_length=12, description="person 一人一票 / household 一户一票")
    secret: bool = False
    threshold: str = Field("simple", max_length=12, description="simple 过半数 / two_thirds 三分之二")


class MotionOut(Schema):
    id: int
    session_id: int
    item_id: int
    text: str
    method: str
    basis: str
    secret: bool
    threshold: str
    status: str
    status_label: str
    result: str
    votes_for: int
    votes_against: int
    votes_abstain: int
    votes_cast: int
    eligible: int
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None
    voters: list[str] = Field(default_factory=list, description="记名表决的投票人与选择；无记名时为空")


class HandsIn(InputSchema):
    votes_for: int = Field(..., ge=0, le=100_000)
    votes_against: int = Field(..., ge=0, le=100_000)
    votes_abstain: int = Field(0, ge=0, le=100_000)


class MotionVoteIn(InputSchema):
    choice: Literal["for", "against", "abstain"]


class ResolutionIn(InputSchema):
    item: Id | None = None
    text: str = Field("", max_length=2000)
    responsible_person: Id | None = None
    responsible_organisation: Id | None = None
    due_on: dt.date | None = None
    category: str = Field("property-repair", max_length=64, description="新建跟踪事项的类别")
    adopt_item_matters: bool = Field(True, description="议题已关联事项时，以这些事项作为跟踪事项")
    motion: Id | None = None


class FollowUpOut(Schema):
    id: int
    state: str
    state_label: str
    category: str
    source: str


class ResolutionOut(Schema):
    id: int
    session_id: int
    session_title: str
    starts_at: dt.datetime
    item_id: int
    item_title: str
    text: str
    responsible_person_id: int | None
    responsible_organisation_id: int | None
    responsible: str
    due_on: dt.date
    published: bool
    matters: list[FollowUpOut]
    follow_ups_done: int
    follow_ups_total: int


class ResolutionQuery(ListQuery):
    session: Id | None = None


class SessionStateOut(Schema):
    id: int
    status: str
    status_label: str
    held_at: dt.datetime | None
    published_at: dt.datetime | None
