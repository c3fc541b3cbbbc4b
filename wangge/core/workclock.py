"""Working-time arithmetic for SLA deadlines (时限): natural hours, working hours, working days.

Pure Python on purpose: the caller loads holidays and make-up working days (调休) from wherever they
live and passes them in, so the rules are testable without a database and cheap to call in a loop.

Rules, all in the calendar's local time zone (settings.TIME_ZONE unless given):
- A working day is Monday–Friday unless listed in `holidays`, or a Saturday/Sunday listed in `workdays`.
- Working time is the `periods` of a working day (08:00–12:00 and 14:00–18:00 by default).
- "hours" is natural elapsed time; weekends and nights count.
- "work_hours" counts only working time. Starting outside it, the clock starts at the next period;
  a deadline that uses up a period exactly falls on that period's end (Fri 16:00 + 2h = Fri 18:00,
  not Mon 08:00), so a deadline is never in the middle of a night or a lunch break.
- "work_days": N working days are N × (the working seconds of one full working day) of working time.
  1 working day from Tue 10:00 is Wed 10:00, from Fri 10:00 is Mon 10:00, and from Tue 07:00 or
  Mon 19:00 is Tue 18:00 — the same clock as "work_hours", so both units compose and compare.
- An amount of 0 returns `start` unchanged, even outside working time.

Arithmetic is done in UTC and on `timedelta` (whole microseconds), so it is exact and correct across
DST changes in zones that have them; results are aware datetimes in the calendar's zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from django.utils.translation import gettext_lazy as _

UNITS = {"hours": _("自然小时"), "work_hours": _("工作小时"), "work_days": _("工作日")}

# A search for working time that finds none in this many days means the calendar is nonsense
# (every day a holiday); fail loudly rather than loop for ever.
MAX_SEARCH_DAYS = 366 * 5

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    periods: tuple[tuple[time, time], ...] = ((time(8), time(12)), (time(14), time(18)))
    tz: tzinfo | None = None  # None: settings.TIME_ZONE, resolved at construction

    def __post_init__(self):
        # Accept any iterables from callers; keep the dataclass hashable and immutable.
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "periods", tuple((a, b) for a, b in self.periods))
        if self.tz is None:
            from django.utils import timezone

            object.__setattr__(self, "tz", timezone.get_default_timezone())
        if both := self.holidays & self.workdays:
            raise ValueError(f"dates both holiday and working day: {sorted(both)}")
        if not self.periods:
            raise ValueError("a calendar needs at least one working period")
        previous_end = None
        for start, end in self.periods:
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError("working periods are local wall-clock times, without tzinfo")
            if not start < end:
                raise ValueError(f"working period {start}–{end} is empty or reversed")
            if previous_end is not None and start < previous_end:
                raise ValueError("working periods must be in order and must not overlap")
            previous_end = end

    def is_workday(self, day: date) -> bool:
        if day in self.holidays:
            return False
        return day in self.workdays or day.weekday() < 5

    @property
    def seconds_per_workday(self) -> float:
        """The nominal length of one working day; what one "work_days" unit is worth."""
        return sum(_seconds(b) - _seconds(a) for a, b in self.periods)

    def add(self, start: datetime, amount: float, unit: str) -> datetime:
        """The deadline `amount` `unit`s after `start` (see the module docstring for the rules)."""
        if unit not in UNITS:
            raise ValueError(f"unknown unit {unit!r}; expected one of {sorted(UNITS)}")
        _check_amount(amount)
        if unit == "hours":
            return (self._utc(start) + _delta(amount * 3600)).astimezone(self.tz)
        if unit == "work_hours":
            return self.add_working_seconds(start, amount * 3600)
        return self.add_working_seconds(start, amount * self.seconds_per_workday)

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Working time between two instants, in seconds; 0 if `end` is not after `start`."""
        start, end = self._utc(start), self._utc(end)
        if end <= start:
            return 0.0
        total = timedelta()
        day, last = self._local_day(start), self._local_day(end)
        while day <= last:
            for a, b in self._intervals(day):
                if b > start and a < end:
                    total += min(b, end) - max(a, start)
            day += _ONE_DAY
        return total.total_seconds()

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant after `start` at which `seconds` of working time have passed."""
        _check_amount(seconds)
        now = self._utc(start)
        if seconds == 0:
            return now.astimezone(self.tz)
        remaining = _delta(seconds)
        day = self._local_day(now)
        for _i in range(MAX_SEARCH_DAYS):
            # Whole days cost one step each, so 60 working days is ~90 iterations, not minutes.
            for a, b in self._intervals(day):
                if b <= now:
                    continue
                a = max(a, now)
                if remaining <= b - a:
                    return (a + remaining).astimezone(self.tz)
                remaining -= b - a
            day += _ONE_DAY
        raise ValueError(f"no working time found within {MAX_SEARCH_DAYS} days; check the holiday calendar")

    def _intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's working periods as UTC instants (none on a day off)."""
        if not self.is_workday(day):
            return []
        return [
            (
                datetime.combine(day, a, tzinfo=self.tz).astimezone(UTC),
                datetime.combine(day, b, tzinfo=self.tz).astimezone(UTC),
            )
            for a, b in self.periods
        ]

    def _local_day(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    @staticmethod
    def _utc(instant: datetime) -> datetime:
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError("naive datetime: the working clock needs timezone-aware datetimes")
        return instant.astimezone(UTC)


def _check_amount(amount: float) -> None:
    if not math.isfinite(amount) or amount < 0:
        raise ValueError(f"amount must be a finite number ≥ 0, not {amount!r}")


def _delta(seconds: float) -> timedelta:
    try:
        return timedelta(seconds=seconds)
    except OverflowError:
        raise ValueError(f"amount too large: {seconds} seconds") from None


def _seconds(t: time) -> float:
    return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6
