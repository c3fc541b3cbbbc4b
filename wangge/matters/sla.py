"""Deadlines: the category's time limit for a stage, counted on the working calendar (Holiday table)."""

from __future__ import annotations

import datetime as dt
import time

from wangge.core.workclock import Calendar

from .models import Category, Holiday, SlaUnit

_cache: tuple[float, Calendar] | None = None
_TTL_S = 60.0


def calendar() -> Calendar:
    """The working calendar, re-read at most once a minute (holidays change a few times a year)."""
    global _cache
    if _cache is None or time.monotonic() - _cache[0] > _TTL_S:
        rows = list(Holiday.objects.values_list("date", "is_workday"))
        _cache = (
            time.monotonic(),
            Calendar(
                holidays=frozenset(d for d, work in rows if not work),
                workdays=frozenset(d for d, work in rows if work),
            ),
        )
    return _cache[1]


def forget_calendar() -> None:
    global _cache
    _cache = None


def deadline(category: Category, stage: str, start: dt.datetime) -> dt.datetime:
    amount, unit = category.sla(stage)
    return calendar().add(start, amount, unit)


def remaining_s(category: Category, stage: str, deadline_at: dt.datetime, now: dt.datetime) -> float:
    """Time left before a deadline, in the stage's own kind of time (negative when already past)."""
    _amount, unit = category.sla(stage)
    if unit == SlaUnit.HOURS or deadline_at <= now:
        return (deadline_at - now).total_seconds()
    return calendar().working_seconds(now, deadline_at)


def resume_deadline(category: Category, stage: str, now: dt.datetime, remaining: float) -> dt.datetime:
    _amount, unit = category.sla(stage)
    if unit == SlaUnit.HOURS or remaining <= 0:
        return now + dt.timedelta(seconds=remaining)
    return calendar().add_working_seconds(now, remaining)
