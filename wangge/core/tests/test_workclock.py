"""The SLA clock: hand-checked deadlines plus properties that must hold for any start and amount."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wangge.core.workclock import UNITS, Calendar

SH = ZoneInfo("Asia/Shanghai")
# National Day 2026: Thu 10-01 .. Wed 10-07 off; Sat 10-10 is a make-up working day (调休).
NATIONAL_DAY = frozenset(date(2026, 10, d) for d in range(1, 8))
CAL = Calendar(holidays=NATIONAL_DAY, workdays={date(2026, 10, 10)})


def at(y, m, d, hh=0, mm=0, ss=0):
    return datetime(y, m, d, hh, mm, ss, tzinfo=SH)


def test_default_zone_is_the_settings_zone():
    assert str(Calendar().tz) == "Asia/Shanghai"


def test_is_workday():
    assert CAL.is_workday(date(2026, 9, 30))  # Wed
    assert not CAL.is_workday(date(2026, 10, 1))  # holiday on a Thursday
    assert not CAL.is_workday(date(2026, 10, 3))  # Saturday
    assert CAL.is_workday(date(2026, 10, 10))  # make-up Saturday
    assert not CAL.is_workday(date(2026, 10, 11))  # ordinary Sunday


@pytest.mark.parametrize(
    ("start", "amount", "unit", "due"),
    [
        # natural hours ignore the calendar
        (at(2026, 9, 30, 17), 48, "hours", at(2026, 10, 2, 17)),
        (at(2026, 9, 25, 11), 0.5, "hours", at(2026, 9, 25, 11, 30)),
        # working hours: lunch break, evening, weekend
        (at(2026, 9, 24, 11), 2, "work_hours", at(2026, 9, 24, 15)),
        (at(2026, 9, 24, 12, 30), 1, "work_hours", at(2026, 9, 24, 15)),
        (at(2026, 9, 24, 6), 1, "work_hours", at(2026, 9, 24, 9)),
        (at(2026, 9, 25, 17, 30), 2, "work_hours", at(2026, 9, 28, 9, 30)),  # Fri → Mon
        (at(2026, 9, 26, 10), 1, "work_hours", at(2026, 9, 28, 9)),  # Saturday start
        (at(2026, 9, 25, 16), 2, "work_hours", at(2026, 9, 25, 18)),  # ends at the period's end
        (at(2026, 9, 24, 10), 2, "work_hours", at(2026, 9, 24, 12)),  # not 14:00
        (at(2026, 9, 24, 10), 1.25, "work_hours", at(2026, 9, 24, 11, 15)),
        # National Day: Wed 30 Sep 17:00 + 2h → Thu 8 Oct 09:00
        (at(2026, 9, 30, 17), 2, "work_hours", at(2026, 10, 8, 9)),
        # make-up Saturday 10-10 counts: Fri 10-09 17:00 + 2h → Sat 10-10 09:00
        (at(2026, 10, 9, 17), 2, "work_hours", at(2026, 10, 10, 9)),
        # working days = 8 working hours each on the same clock
        (at(2026, 9, 22, 10), 1, "work_days", at(2026, 9, 23, 10)),  # Tue → Wed
        (at(2026, 9, 25, 10), 1, "work_days", at(2026, 9, 28, 10)),  # Fri → Mon
        (at(2026, 9, 22, 7), 1, "work_days", at(2026, 9, 22, 18)),  # before hours: end of that day
        (at(2026, 9, 21, 19), 1, "work_days", at(2026, 9, 22, 18)),  # after hours: end of next day
        (at(2026, 9, 22, 10), 0.5, "work_days", at(2026, 9, 22, 16)),
        (at(2026, 9, 29, 10), 3, "work_days", at(2026, 10, 9, 10)),  # Tue, Wed, (holidays), Thu, Fri
        (at(2026, 9, 29, 10), 5, "work_days", at(2026, 10, 12, 10)),  # via the make-up Saturday
        # zero is "due now", even at night
        (at(2026, 9, 26, 3), 0, "work_hours", at(2026, 9, 26, 3)),
    ],
)
def test_hand_checked_deadlines(start, amount, unit, due):
    result = CAL.add(start, amount, unit)
    assert result == due
    assert result.tzinfo == SH


def test_works_on_utc_input_and_answers_in_local_time():
    start = at(2026, 9, 25, 17, 30).astimezone(UTC)
    result = CAL.add(start, 2, "work_hours")
    assert result.utcoffset() == timedelta(hours=8)
    assert (result.hour, result.minute, result.date()) == (9, 30, date(2026, 9, 28))


def test_natural_hours_are_elapsed_time_even_across_dst():
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 3, 28, 12, tzinfo=berlin)  # clocks go forward on the 29th at 02:00
    assert Calendar(tz=berlin).add(start, 24, "hours") == datetime(2026, 3, 29, 13, tzinfo=berlin)


def test_working_seconds_examples():
    assert CAL.working_seconds(at(2026, 9, 25, 17, 30), at(2026, 9, 28, 9, 30)) == 2 * 3600
    assert CAL.working_seconds(at(2026, 9, 24, 11), at(2026, 9, 24, 15)) == 2 * 3600
    assert CAL.working_seconds(at(2026, 9, 30), at(2026, 10, 8)) == 8 * 3600  # only Sep 30
    assert CAL.working_seconds(at(2026, 9, 24, 15), at(2026, 9, 24, 11)) == 0


def test_sixty_working_days_is_quick_and_right():
    start = at(2026, 9, 1, 9)
    due = CAL.add(start, 60, "work_days")
    assert CAL.working_seconds(start, due) == 60 * 8 * 3600
    assert due.time() == time(9)


def test_custom_periods():
    cal = Calendar(periods=((time(9), time(17)),), tz=SH)
    assert cal.seconds_per_workday == 8 * 3600
    assert cal.add(at(2026, 9, 22, 16), 2, "work_hours") == at(2026, 9, 23, 10)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"periods": ()},
        {"periods": ((time(12), time(8)),)},
        {"periods": ((time(8), time(12)), (time(11), time(13)))},
        {"holidays": {date(2026, 10, 10)}, "workdays": {date(2026, 10, 10)}},
    ],
)
def test_silly_calendars_are_refused(kwargs):
    with pytest.raises(ValueError):
        Calendar(**kwargs)


def test_a_calendar_without_working_days_fails_instead_of_looping():
    every_day = frozenset(date(2026, 1, 1) + timedelta(days=i) for i in range(366 * 6))
    with pytest.raises(ValueError, match="no working time"):
        Calendar(holidays=every_day).add(at(2026, 1, 1), 1, "work_hours")


@pytest.mark.parametrize(("amount", "unit"), [(-1, "hours"), (float("nan"), "work_hours"), (1, "minutes")])
def test_bad_amounts_and_units(amount, unit):
    with pytest.raises(ValueError):
        CAL.add(at(2026, 9, 22, 10), amount, unit)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        CAL.add(datetime(2026, 9, 22, 10), 1, "work_hours")  # noqa: DTZ001


def test_unit_labels():
    assert set(UNITS) == {"hours", "work_hours", "work_days"}
    assert str(UNITS["work_days"]) == "工作日"


# --- properties -------------------------------------------------------------------------------------

starts = st.datetimes(min_value=datetime(2026, 9, 1), max_value=datetime(2026, 12, 31)).map(  # noqa: DTZ001
    lambda d: d.replace(tzinfo=SH)
)
seconds = st.floats(min_value=0, max_value=60 * 8 * 3600, allow_nan=False)


def in_working_time(instant: datetime, *, closed_end: bool) -> bool:
    local = instant.astimezone(SH)
    if not CAL.is_workday(local.date()):
        return False
    t = local.time()
    return any(a <= t < b or (closed_end and t == b) for a, b in CAL.periods)


@settings(max_examples=200, deadline=None)
@given(starts, seconds)
def test_round_trip(start, s):
    assert CAL.working_seconds(start, CAL.add_working_seconds(start, s)) == pytest.approx(s, abs=1e-5)


@settings(max_examples=200, deadline=None)
@given(starts, st.sampled_from(sorted(UNITS)), seconds, seconds)
def test_add_is_monotonic(start, unit, x, y):
    small, big = sorted((x / 3600, y / 3600))
    assert start <= CAL.add(start, small, unit) <= CAL.add(start, big, unit)


@settings(max_examples=200, deadline=None)
@given(starts, st.sampled_from(["work_hours", "work_days"]), st.floats(min_value=1e-6, max_value=100))
def test_a_positive_deadline_is_in_working_time(start, unit, amount):
    due = CAL.add(start, amount, unit)
    assert in_working_time(due, closed_end=True), due
