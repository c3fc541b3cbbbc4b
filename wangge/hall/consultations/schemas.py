"""Request and response schemas of /api/v1/consultations."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from wangge.core.schemas import Id, InputSchema, ListQuery

BasisCode = Literal["resident", "household"]
KindCode = Literal["single", "multiple", "scale", "text"]
StatusCode = Literal["draft", "open", "closed"]


class ConsultationQuery(ListQuery):
    status: StatusCode | None = Field(None, description="draft 草稿 / open 征求中 / closed 已结束（含已过截止时间的）")


class ConsultationQuestionIn(InputSchema):
    kind: KindCode = Field(description="single 单选 / multiple 多选 / scale 量表 / text 文字")
    text: str = Field(max_length=2000)
    options: list[str] = Field([], max_length=100, description="单选、多选题的选项，按顺序")
    required: bool = True
    scale_min: int = Field(1, ge=-1000, le=1000)
    scale_max: int = Field(5, ge=-1000, le=1000)
    min_label: str = Field("", max_length=200, description="量表最小值的说明，如“很不满意”")
    max_label: str = Field("", max_length=200, description="量表最大值的说明，如“很满意”")


class ConsultationIn(InputSchema):
    community: Id = Field(description="社区网格 id")
    title: str = Field(max_length=1000)
    proposal: str = Field("", max_length=20000, description="方案说明")
    basis: BasisCode = Field("resident", description="resident 每位居民一份 / household 每户一份")
    opens_at: dt.datetime | None = Field(None, description="开始时间（ISO 8601）；不填则发布即开始")
    closes_at: dt.datetime = Field(description="截止时间（ISO 8601），到时自动结束")
    item: Id | None = Field(None, description="议事厅议题 id（类别须为“征求意见的重大事”）")
    grids: list[Id] = Field([], max_length=500, description="征求网格 id（含下级）；与 buildings 都不填则为全社区")
    buildings: list[Id] = Field([], max_length=500, description="征求楼栋 id")
    questions: list[ConsultationQuestionIn] = Field([], max_length=100)
    publish_results: bool = Field(False, description="结束后向居民公开结果")


class ConsultationPatch(InputSchema):
    title: str | None = Field(None, max_length=1000)
    proposal: str | None = Field(None, max_length=20000)
    basis: BasisCode | None = None
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    item: Id | None = None
    grids: list[Id] | None = Field(None, max_length=500)
    buildings: list[Id] | None = Field(None, max_length=500)
    questions: list[ConsultationQuestionIn] | None = Field(None, max_length=100)
    publish_results: bool | None = None


class ConsultationAnswerIn(InputSchema):
    question: Id
    options: list[Id] = Field([], max_length=100, description="单选题一项、多选题一项或多项")
    value: int | None = Field(None, ge=-1000, le=1000, description="量表题的分值")
    text: str | None = Field(None, max_length=5000, description="文字题的回答")


class ConsultationResponseIn(InputSchema):
    answers: list[ConsultationAnswerIn] = Field(max_length=100)


class ConsultationRef(Schema):
    id: int
    name: str


class ConsultationOptionOut(Schema):
    id: int
    text: str


class ConsultationQuestionOut(Schema):
    id: int
    position: int
    kind: str
    text: str
    required: bool
    options: list[ConsultationOptionOut]
    scale_min: int
    scale_max: int
    min_label: str
    max_label: str


class ConsultationDocumentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class ConsultationOut(Schema):
    id: int
    title: str
    community: ConsultationRef
    item: ConsultationRef | None
    basis: str
    status: str = Field(description="draft / open / closed（已过截止时间即为 closed）")
    status_label: str
    opens_at: dt.datetime | None
    closes_at: dt.datetime
    accepting: bool = Field(description="现在可以作答")
    publish_results: bool


class ConsultationMyAnswerOut(Schema):
    question: int
    options: list[int]
    value: int | None
    text: str


class ConsultationDetailOut(ConsultationOut):
    proposal: str
    audience: str
    grids: list[ConsultationRef]
    buildings: list[ConsultationRef]
    questions: list[ConsultationQuestionOut]
    documents: list[ConsultationDocumentOut]
    my_answers: list[ConsultationMyAnswerOut] | None = Field(description="您（或您家）已提交的回答；未作答为 null")
    results_available: bool = Field(description="您现在可以查看结果")


class ConsultationOptionCount(Schema):
    id: int
    text: str
    count: int
    share: float = Field(description="占本题作答数的比例，0–1")


class ConsultationScaleCount(Schema):
    value: int
    count: int
    share: float


class ConsultationQuestionResult(Schema):
    id: int
    position: int
    kind: str
    text: str
    required: bool
    answered: int
    options: list[ConsultationOptionCount]
    distribution: list[ConsultationScaleCount]
    mean: float | None
    scale_min: int
    scale_max: int
    min_label: str
    max_label: str
    texts: list[str] = Field(description="文字回答（不含姓名）")


class ConsultationResultsOut(Schema):
    basis: str
    eligible: int = Field(description="可作答的居民数（每户一份时为户数）")
    responses: int
    rate: float = Field(description="参与率：responses ÷ eligible，0–1")
    questions: list[ConsultationQuestionResult]


class ConsultationResponseOut(Schema):
    id: int
    submitted_at: dt.datetime
    updated_at: dt.datetime
