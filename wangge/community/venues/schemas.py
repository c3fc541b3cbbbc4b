"""Request and answer schemas of /api/v1/venues and /api/v1/bookings."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from wangge.core.schemas import MAX_ID, Id, InputSchema, ListQuery


class VenueQuery(ListQuery):
    active: bool | None = Field(None, description="只看启用/停用的场地")


class VenueOut(Schema):
    id: int
    community: int
    community_name: str
    name: str
    description: str
    place: str
    capacity: int
    opening_hours: dict[str, list[list[str]]]
    hours: list[str]
    needs_approval: bool
    active: bool


class SlotOut(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    kind: str
    status: str
    label: str
    mine: bool


class VenueDetailOut(VenueOut):
    can_manage: bool
    week: list[SlotOut]


class VenueIn(InputSchema):
    community: Id
    name: str = Field(..., max_length=200)
    description: str = Field("", max_length=5000)
    place: str = Field("", max_length=500)
    capacity: int = Field(20, ge=1, le=100_000)
    opening_hours: dict[str, list[list[str]]] = Field(default_factory=dict,
                                                      description='如 {"1": [["08:30", "12:00"]]}，1=周一…7=周日')
    needs_approval: bool = True
    active: bool = True


class VenuePatch(InputSchema):
    name: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=5000)
    place: str | None = Field(None, max_length=500)
    capacity: int | None = Field(None, ge=1, le=100_000)
    opening_hours: dict[str, list[list[str]]] | None = None
    needs_approval: bool | None = None
    active: bool | None = None


class BookingQuery(ListQuery):
    venue: int | None = Field(None, ge=1, le=MAX_ID)
    status: str | None = Field(None, max_length=20, description="pending、approved、rejected、cancelled")
    mine: bool = Field(False, description="只看我自己的预约")
    upcoming: bool | None = Field(None, description="只看未结束的预约")


class BookingOut(Schema):
    id: int
    venue: int
    venue_name: str
    booker: str
    organisation: int | None
    contact_name: str
    contact_phone: str
    purpose: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    attendees: int
    status: str
    status_label: str
    decision_note: str
    decided_at: dt.datetime | None
    mine: bool


class BookingIn(InputSchema):
    venue: Id
    purpose: str = Field(..., max_length=500)
    starts_at: dt.datetime
    ends_at: dt.datetime
    attendees: int = Field(1, ge=1, le=100_000)
    organisation: Id | None = None
    contact_name: str = Field("", max_length=100)
    contact_phone: str = Field("", max_length=40)


class BookingDecideIn(InputSchema):
    approve: bool
    note: str = Field("", max_length=500)


class CancelIn(InputSchema):
    reason: str = Field("", max_length=500)
