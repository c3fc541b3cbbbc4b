"""Calendar months as dates: a month is named by its first day."""

from __future__ import annotations

import datetime as dt


def month_start(day: dt.date, shift: int = 0) -> dt.date:
    """The first day of `day`'s month, moved `shift` months (negative: back)."""
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after `day`'s."""
    return month_start(day, 1)


def month_end(day: dt.date) -> dt.date:
    """The last day of `day`'s month."""
    return next_month(day) - dt.timedelta(days=1)


def last_months(today: dt.date, n: int) -> list[dt.date]:
    """The first days of the `n` months ending with today's, oldest first."""
    return [month_start(today, -back) for back in range(n - 1, -1, -1)]
