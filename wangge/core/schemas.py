"""Schemas every API router shares: errors, list envelopes, the list query."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import create_model, field_validator

# Database ids are 64-bit; anything larger is refused as bad input rather than overflowing the driver.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class FieldErrorOut(Schema):
    field: str
    message: str
    row: int | None = None


class ErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut] = []


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class InputSchema(Schema):
    """Base of every request schema: text may not carry NUL characters (PostgreSQL refuses them)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value):
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("不能包含空字符（NUL）")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _utc(cls, value):
        """Times arrive with any offset (+19:59 is valid ISO 8601); PostgreSQL takes offsets up to ±15:59, so
        every aware time is taken in UTC before it reaches a query or a row."""
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(dt.UTC)
        return value


class ListQuery(InputSchema):
    page: int = Field(1, ge=1, le=100_000, description="页码，从1开始")
    page_size: int = Field(50, ge=1, le=500, description="每页条数，最多500")
    within: int | None = Field(None, ge=1, le=MAX_ID, description="只看该网格（含全部下级）")
    q: str | None = Field(None, max_length=100, description="搜索：简繁体、拼音、拼音首字母均可")


_list_models: dict[str, type] = {}


def list_of(item: type[Schema]) -> type[Schema]:
    """`{"items": [...], "count": N}` for an item schema: the shape of every list endpoint."""
    name = f"{item.__name__.removesuffix('Out')}List"
    if name not in _list_models:
        _list_models[name] = create_model(name, __base__=Schema, items=(list[item], ...), count=(int, ...))
    return _list_models[name]


def page_of(qs, query: ListQuery, serialize) -> dict:
    count = qs.count()
    start = (query.page - 1) * query.page_size
    rows = qs[start : start + query.page_size]
    return {"items": [serialize(row) for row in rows], "count": count}
