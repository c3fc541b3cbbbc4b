"""The period a dashboard shows: a preset (this month, last month, this quarter, this year, the last 12
months) or a custom [start, end], in local days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from wangge.core.errors import FieldError, InvalidInput
from wangge.core.months import month_start

PRESETS = {
    "month": _("本月"),
    "last_month": _("上月"),
    "quarter": _("本季度"),
    "year": _("本年"),
    "12m": _("近12个月"),
    "custom": _("自定义"),
}
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    preset: str
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes: local midnight of the first day and of the day after the last."""
        tz = timezone.get_current_timezone()
        return (dt.datetime.combine(self.start, dt.time.min, tzinfo=tz),
                dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))

    @property
    def daily(self) -> bool:
        """Trend lines by day for up to two months, by month beyond."""
        return self.days <= 62


def preset_range(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    if preset == "month":
        return month_start(today), today
    if preset == "last_month":
        first = month_start(today, -1)
        return first, month_start(today) - dt.timedelta(days=1)
    if preset == "quarter":
        return dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1), today
    if preset == "year":
        return dt.date(today.year, 1, 1), today
    return month_start(today, -11), today  # 12m


def _parse(value) -> dt.date | None:
    try:
        return parse_date(value) if isinstance(value, str) else None
    except ValueError:  # well formed, but no such day (2026-13-01)
        return None


def period_of(preset: str | None = None, start: str | dt.date | None = None, end: str | dt.date | None = None,
              *, today: dt.date | None = None) -> Period:
    """The period of a request; start and end make it custom. Bad input names its field."""
    today = today or timezone.localdate()
    if start or end:
        errors, days = [], {}
        for name, value in (("start", start), ("end", end)):
            day = value if isinstance(value, dt.date) else _parse(value)
            if value in (None, ""):
                errors.append(FieldError(name, "请同时填写开始和结束日期"))
            elif day is None:
                errors.append(FieldError(name, f"日期格式应为 YYYY-MM-DD：{value}"))
            days[name] = day
        if not errors and days["end"] < days["start"]:
            errors.append(FieldError("end", "结束日期不能早于开始日期"))
        if not errors and (days["end"] - days["start"]).days >= MAX_DAYS:
            errors.append(FieldError("end", "时间段最长三年"))
        if errors:
            raise InvalidInput(errors[0].message, errors=errors)
        return Period("custom", days["start"], days["end"])
    preset = preset or "month"
    if preset not in PRESETS or preset == "custom":
        raise InvalidInput.field("period", f"应为 {'、'.join(p for p in PRESETS if p != 'custom')} 之一")
    return Period(preset, *preset_range(preset, today))
