"""The JSON twin of the transparency page: counts only (schema names are unique across the API)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class TransparencyMonthOut(Schema):
    month: str
    activities: int
    attendance: int
    matters_received: int
    matters_closed: int
    disputes_received: int
    disputes_mediated: int
    cameras: int
    sessions_held: int
    resolutions: int
    visits: int


class TransparencyOut(Schema):
    community_id: int
    community: str
    subdistrict: str
    year: int
    as_of: dt.datetime
    activities: int
    attendance: int
    matters_received: int
    matters_closed: int
    matters_rated: int
    satisfaction_rate: float | None
    disputes_received: int
    disputes_mediated: int
    cameras: int
    cameras_in_service: int
    cameras_faulty: int
    sessions_held: int
    resolutions: int
    visits: int
    households_visited: int
    months: list[TransparencyMonthOut]
