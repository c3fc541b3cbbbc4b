"""The minute-by-minute coverage check against a brute-force array of minutes."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from wangge.fieldwork.gates.coverage import gap_label, uncovered

T0 = dt.datetime(2025, 3, 3, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # a Monday
M = dt.timedelta(minutes=1)
SPAN = 3 * 1440


def brute(intervals, start: int, end: int) -> list[tuple[int, int]]:
    covered = [False] * SPAN
    for a, b in intervals:
        for m in range(max(a, 0), min(b, SPAN)):
            covered[m] = True
    gaps, open_ = [], None
    for m in range(start, end):
        if not covered[m] and open_ is None:
            open_ = m
        if covered[m] and open_ is not None:
            gaps.append((open_, m))
            open_ = None
    if open_ is not None:
        gaps.append((open_, end))
    return gaps


interval = st.tuples(st.integers(0, SPAN), st.integers(0, SPAN))


@settings(max_examples=300, deadline=None)
@given(st.lists(interval, max_size=12), st.integers(0, SPAN), st.integers(0, SPAN), st.integers(0, 59))
def test_uncovered_matches_the_minutes_nobody_is_on_duty(intervals, start, end, seconds):
    # Seconds inside a minute are dropped from every bound.
    moments = [(T0 + a * M + dt.timedelta(seconds=seconds), T0 + b * M) for a, b in intervals]
    got = uncovered(moments, T0 + start * M + dt.timedelta(seconds=seconds), T0 + end * M)
    expected = brute(intervals, start, end)
    assert [(int((a - T0) / M), int((b - T0) / M)) for a, b in got] == expected


def test_three_shifts_cover_the_day_and_a_missing_night_is_one_gap():
    day = [(T0 + dt.timedelta(hours=h), T0 + dt.timedelta(hours=h + 8)) for h in (0, 8, 16)]
    assert uncovered(day, T0, T0 + dt.timedelta(days=1)) == []
    gaps = uncovered(day[1:], T0, T0 + dt.timedelta(days=1))
    assert gaps == [(T0, T0 + dt.timedelta(hours=8))]
    assert gap_label(*gaps[0]) == "周一 00:00–08:00"
    # One minute short is a gap of one minute.
    short = [(T0, T0 + dt.timedelta(hours=8) - M), (T0 + dt.timedelta(hours=8), T0 + dt.timedelta(days=1))]
    assert uncovered(short, T0, T0 + dt.timedelta(days=1)) == [(T0 + dt.timedelta(hours=8) - M, T0 + dt.timedelta(hours=8))]


def test_labels_name_midnight_as_24_00():
    a = T0 + dt.timedelta(days=2, hours=16)
    assert gap_label(a, a + dt.timedelta(hours=8)) == "周三 16:00–24:00"
