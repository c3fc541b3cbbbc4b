from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from wangge.core.schemas import MAX_ID, InputSchema, ListQuery

RoleCode = Literal[
    "two_committee_member", "grid_leader", "grid_member", "micro_grid_member", "building_steward",
    "information_officer", "property_supervisor", "property_staff", "joint_unit_liaison",
    "resident_representative", "party_building_head",
]
OrganisationKindCode = Literal[
    "community_party_committee", "grid_party_group", "property_party_org", "residents_committee",
    "property_company", "subdistrict_office", "police_station", "housing_bureau", "fire_brigade", "joint_unit",
]


class TokenIn(InputSchema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=200)


class TokenOut(Schema):
    token: str
    expires_at: dt.datetime


class DutyBrief(Schema):
    id: int
    role: str
    role_label: str
    grid_id: int
    grid_name: str
    start: dt.datetime
    end: dt.datetime | None


class MeOut(Schema):
    username: str
    is_admin: bool
    person_id: int | None
    name: str
    household_id: int | None
    duties: list[DutyBrief]
    scope_grid_ids: list[int]


class PersonOut(Schema):
    id: int
    name: str
    phone: str
    is_resident: bool
    has_login: bool
    subdistrict_id: int | None


class PersonIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=50, description="姓名")
    phone: str = Field("", max_length=20, description="大陆手机号码，可不填")
    grid_id: int = Field(..., ge=1, le=MAX_ID, description="登记在哪个网格（需在该网格有人员管理权限）")


class PersonFromResidentIn(InputSchema):
    resident_id: int = Field(..., ge=1, le=MAX_ID)


class PersonPatchIn(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=50, description="姓名；不传则不改")
    phone: str | None = Field(None, max_length=20, description="大陆手机号码；空字符串清除；不传则不改")


class PersonDetailOut(PersonOut):
    duties: list[DutyBrief]


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    parent_id: int | None
    grid_id: int
    grid_name: str


class MemberOut(Schema):
    person_id: int
    name: str
    post: str
    is_party_member: bool


class OrganisationDetailOut(OrganisationOut):
    members: list[MemberOut]


class DutyOut(Schema):
    id: int
    person_id: int
    person_name: str
    role: str
    role_label: str
    grid_id: int
    grid_code: str
    grid_name: str
    organisation_id: int | None
    start: dt.datetime
    end: dt.datetime | None
    is_current: bool
    note: str


class DutyQuery(ListQuery):
    role: RoleCode | None = Field(None, description="职责代码")
    person: int | None = Field(None, ge=1, le=MAX_ID)
    status: Literal["current", "ended", "all"] = Field("current", description="current 在岗；ended 已结束；all 全部")


class OrganisationQuery(ListQuery):
    kind: OrganisationKindCode | None = None


class DutyIn(InputSchema):
    person_id: int = Field(..., ge=1, le=MAX_ID)
    role: RoleCode
    grid_id: int = Field(..., ge=1, le=MAX_ID)
    organisation_id: int | None = Field(None, ge=1, le=MAX_ID)
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    note: str = Field("", max_length=200)


class DutyEndIn(InputSchema):
    note: str = Field("", max_length=200)


class AccessLogOut(Schema):
    id: int
    actor: str
    subject_name: str
    resident_id: int | None
    fields: str
    purpose: str
    reason: str
    at: dt.datetime
