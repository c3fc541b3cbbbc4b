"""The recurrence rule of a hall: the day of the month, moved off non-working days as the hall chooses.

Working days come from the matters' Holiday table (public holidays, and weekend days made working days
— 调休), through `core.workclock.Calendar`, so a 调休 Saturday counts as a working day here too.
"""

from __future__ import annotations

import datetime as dt

from wangge.core.workclock import Calendar

from .models import NonWorkingDay

_ONE_DAY = dt.timedelta(days=1)


def working_calendar() -> Calendar:
    """The working calendar (matters.sla's), read afresh (a few rows) so a holiday just entered counts at once."""
    from wangge.matters import sla

    return sla.calendar(fresh=True)


def rule_date(year: int, month: int, *, day_of_month: int, on_non_working_day: str, calendar: Calendar) -> dt.date:
    """The sitting's date in a month: `day_of_month`, or the working day after / before it."""
    day = dt.date(year, month, day_of_month)
    if on_non_working_day == NonWorkingDay.KEEP:
        return day
    step = _ONE_DAY if on_non_working_day == NonWorkingDay.NEXT else -_ONE_DAY
    for _i in range(60):
        if calendar.is_workday(day):
            return day
        day += step
    raise ValueError("no working day within 60 days; check the holiday calendar")


def months_from(year: int, month: int):
    """(year, month), (year, month + 1), … for ever."""
    while True:
        yield year, month
        month += 1
        if month == 13:
            year, month = year + 1, 1
