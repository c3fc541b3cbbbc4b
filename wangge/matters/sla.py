"""Deadlines: the category's time limit for a stage, counted on the working calendar (Holiday table)."""

from __future__ import annotations

import datetime as dt

from wangge.core.kept import Kept
from wangge.core.workclock import Calendar

from .models import Category, Holiday, SlaUnit


def _read_calendar() -> Calendar:
    rows = list(Holiday.objects.values_list("date", "is_workday"))
    return Calendar(
        holidays=frozenset(d for d, work in rows if not work),
        workdays=frozenset(d for d, work in rows if work),
    )


# The working calendar, re-read at most once a minute (holidays change a few times a year) and at once when a
# holiday is saved or deleted in this process (connected in MattersConfig.ready).
kept_calendar = Kept(_read_calendar)
calendar = kept_calendar.get
forget_calendar = kept_calendar.forget


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
