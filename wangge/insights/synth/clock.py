"""Working-time arithmetic on plain epoch seconds, for simulating millions of matters.

`core.workclock.Calendar` is exact and readable but costs tens of microseconds a call; the synthetic city
needs a few calls per matter. `FastClock` lays the calendar's working periods over the simulated window
out once, as epoch seconds with their running total of working time, and answers by bisection. It is built
from the same `Calendar` (`matters.sla.calendar()`), keeps its rules (a deadline that uses up a period
exactly falls on that period's end; 0 returns the start), and the tests check it against `Calendar.add`.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right

from wangge.core.workclock import Calendar

DAY = 86400


class FastClock:
    def __init__(self, calendar: Calendar, start: float, end: float):
        """Working periods from the local day of `start` to that of `end` (epoch seconds)."""
        tz = calendar.tz
        first = dt.datetime.fromtimestamp(start, tz).date()
        last = dt.datetime.fromtimestamp(end, tz).date()
        self.starts: list[float] = []   # a_i
        self.ends: list[float] = []     # b_i
        self.before: list[float] = []   # working seconds before a_i (from the window's start)
        self.upto: list[float] = []     # working seconds up to b_i
        self.day_seconds = calendar.seconds_per_workday
        total = 0.0
        day = first
        while day <= last:
            if calendar.is_workday(day):
                for a, b in calendar.periods:
                    sa = dt.datetime.combine(day, a, tzinfo=tz).timestamp()
                    sb = dt.datetime.combine(day, b, tzinfo=tz).timestamp()
                    self.starts.append(sa)
                    self.ends.append(sb)
                    self.before.append(total)
                    total += sb - sa
                    self.upto.append(total)
            day += dt.timedelta(days=1)
        if not self.starts:
            raise ValueError("no working time in the simulated window")

    def work(self, t: float) -> float:
        """Working seconds from the window's start to `t`."""
        i = bisect_right(self.ends, t)
        if i >= len(self.ends):
            raise ValueError("instant beyond the simulated window")
        return self.before[i] + max(0.0, t - self.starts[i])

    def at_work(self, w: float) -> float:
        """The instant at which `w` working seconds have passed (the end of a period when exactly used up)."""
        j = bisect_left(self.upto, w)
        if j >= len(self.upto):
            raise ValueError("deadline beyond the simulated window")
        return self.starts[j] + (w - self.before[j])

    def add_working_seconds(self, t: float, seconds: float) -> float:
        if seconds <= 0:
            return t
        return self.at_work(self.work(t) + seconds)

    def add(self, t: float, amount: float, unit: str) -> float:
        """`Calendar.add` on epoch seconds."""
        if unit == "hours":
            return t + amount * 3600
        if amount == 0:
            return t
        return self.add_working_seconds(t, amount * (3600 if unit == "work_hours" else self.day_seconds))

    def working_seconds(self, t0: float, t1: float) -> float:
        return max(0.0, self.work(t1) - self.work(t0)) if t1 > t0 else 0.0

    def span(self, t0: float, t1: float, u: float, unit: str) -> float:
        """The moment `u` of the way from t0 to t1, counted in the stage's kind of time (working time for
        working units, so that nobody accepts a matter at 3 a.m.)."""
        if t1 <= t0:
            return t0 + 60
        if unit != "hours":
            w0 = self.work(t0)
            w1 = self.work(t1)
            if w1 > w0:
                return self.at_work(w0 + (w1 - w0) * u)
        return t0 + (t1 - t0) * u

    def remaining(self, unit: str, deadline: float, now: float) -> float:
        """`sla.remaining_s`: time left before a deadline in the stage's own kind of time."""
        if unit == "hours" or deadline <= now:
            return deadline - now
        return self.working_seconds(now, deadline)

    def resume(self, unit: str, now: float, remaining: float) -> float:
        """`sla.resume_deadline`."""
        if unit == "hours" or remaining <= 0:
            return now + remaining
        return self.add_working_seconds(now, remaining)
