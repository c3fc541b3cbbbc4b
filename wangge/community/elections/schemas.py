from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from wangge.core.schemas import Id, InputSchema, ListQuery

PhaseCode = Literal["draft", "upcoming", "nominating", "reviewing", "voting", "counting", "finished"]


class ElectionQuery(ListQuery):
    phase: PhaseCode | None = Field(None, description="阶段：draft 草稿、nominating 提名中、voting 投票中、finished 已公布…")


class ElectionIn(InputSchema):
    community: Id = Field(..., description="举办评选的社区网格")
    title: str = Field(..., max_length=100, description="评选名称，如“最美党员”")
    description: str = Field("", max_length=5000)
    eligibility: Literal["residents", "party_members"] = Field(
        "residents", description="候选人条件：residents 本社区居民、party_members 本社区党员")
    basis: Literal["resident", "household"] = Field("resident", description="resident 每位居民一票、household 每户一票")
    votes_per_voter: int = Field(1, ge=1, le=10, description="每票最多可选几人")
    nomination_opens: dt.datetime
    nomination_closes: dt.datetime
    voting_opens: dt.datetime
    voting_closes: dt.datetime
    announce: bool = Field(False, description="立即发布给居民；否则为草稿")


class ElectionPatch(InputSchema):
    title: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=5000)
    eligibility: Literal["residents", "party_members"] | None = None
    basis: Literal["resident", "household"] | None = None
    votes_per_voter: int | None = Field(None, ge=1, le=10)
    nomination_opens: dt.datetime | None = None
    nomination_closes: dt.datetime | None = None
    voting_opens: dt.datetime | None = None
    voting_closes: dt.datetime | None = None


class PublishIn(InputSchema):
    results: bool = Field(False, description="false：发布评选（草稿→居民可见）；true：公布结果（投票截止后）")


class NominateIn(InputSchema):
    nominee: Id = Field(..., description="被提名的居民 id（本社区在住居民；最美党员须是党员）")
    reason: str = Field(..., max_length=1000, description="提名理由")


class NominationDecideIn(InputSchema):
    approve: bool = True
    citation: str = Field("", max_length=200, description="推荐词（确定为候选人时必填）")


class ElectionVoteIn(InputSchema):
    candidates: list[Id] = Field(..., min_length=1, max_length=10, description="所选候选人（提名）id")


class CommunityRef(Schema):
    id: int
    name: str


class ElectionOut(Schema):
    id: int
    community: CommunityRef
    title: str
    description: str
    eligibility: str
    eligibility_label: str
    basis: str
    basis_label: str
    votes_per_voter: int
    nomination_opens: dt.datetime
    nomination_closes: dt.datetime
    voting_opens: dt.datetime
    voting_closes: dt.datetime
    phase: str
    phase_label: str
    announced_at: dt.datetime | None
    results_published_at: dt.datetime | None
    candidates: int
    can_run: bool
    voted: bool = Field(description="本人（按户投票时本户）是否已投票")


class NominationOut(Schema):
    id: int
    nominee: int
    nominee_name: str
    reason: str
    status: str
    status_label: str
    citation: str
    nominated_by: str
    created_at: dt.datetime


class BallotOut(Schema):
    election: int
    cast_at: dt.datetime
    message: str


class CandidateCount(Schema):
    id: int
    name: str
    citation: str
    votes: int


class ResultsOut(Schema):
    election: int
    published: bool
    published_at: dt.datetime | None
    ballots: int
    eligible: int
    turnout: float = Field(description="投票率：已投票数 ÷ 有投票资格的居民（或户）数")
    candidates: list[CandidateCount]


class AuditOut(Schema):
    id: int
    at: dt.datetime
    action: str
    action_label: str
    actor: str
    detail: dict
