"""Coverage minute by minute: which stretches of a window have nobody on duty.

Pure functions over (start, end) pairs of aware datetimes. Time is taken at minute resolution: seconds
are dropped from every bound, and a shift covers the minutes m with start <= m < end. The property test
(tests/test_coverage.py) checks `uncovered` against a brute-force array of minutes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

MINUTE = dt.timedelta(minutes=1)
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def to_minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


def uncovered(
    intervals: Iterable[tuple[dt.datetime, dt.datetime]], start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The maximal stretches of [start, end) that no interval covers, in order."""
    start, end = to_minute(start), to_minute(end)
    if end <= start:
        return []
    spans = sorted(
        (max(to_minute(a), start), min(to_minute(b), end)) for a, b in intervals if to_minute(b) > to_minute(a)
    )
    gaps: list[tuple[dt.datetime, dt.datetime]] = []
    reached = start  # everything before `reached` is covered (or was reported as a gap)
    for a, b in spans:
        if b <= reached or b <= a:
            continue
        if a > reached:
            gaps.append((reached, a))
        reached = max(reached, b)
        if reached >= end:
            break
    if reached < end:
        gaps.append((reached, end))
    return gaps


def gap_label(start: dt.datetime, end: dt.datetime, *, with_date: bool = False) -> str:
    """周三 00:00–08:00 (local time); a gap running past midnight names its end day too."""
    a, b = timezone.localtime(start), timezone.localtime(end)
    day = f"{a:%m-%d} " if with_date else ""
    head = f"{WEEKDAYS[a.weekday()]} {day}{a:%H:%M}"
    same_day = a.date() == b.date() or (b - a <= dt.timedelta(days=1) and b.time() == dt.time(0) and
                                        b.date() == a.date() + dt.timedelta(days=1))
    if same_day:
        tail = "24:00" if b.time() == dt.time(0) and b.date() != a.date() else f"{b:%H:%M}"
    else:
        tail = f"{WEEKDAYS[b.weekday()]} {f'{b:%m-%d} ' if with_date else ''}{b:%H:%M}"
    return f"{head}–{tail}"
