import datetime as dt

import pytest

from wangge.core import kept
from wangge.matters import sla
from wangge.matters.models import Holiday


@pytest.mark.django_db
def test_a_holiday_saved_here_moves_deadlines_at_once_one_written_elsewhere_within_the_minute(monkeypatch):
    day = dt.date(2031, 3, 4)  # a Tuesday
    assert sla.calendar().is_workday(day)
    holiday = Holiday.objects.create(date=day, name="调休")
    assert not sla.calendar().is_workday(day)  # saved in this process: seen at once
    # Written by another process (an update sends no signal): this one keeps its copy for the minute.
    Holiday.objects.filter(pk=holiday.pk).update(is_workday=True)
    assert not sla.calendar().is_workday(day)
    later = kept.time.monotonic() + sla.kept_calendar.ttl_s + 1
    monkeypatch.setattr(kept.time, "monotonic", lambda: later)
    assert sla.calendar().is_workday(day)
    holiday.save()  # is_workday=False again, saved here: seen at once
    assert not sla.calendar().is_workday(day)
    holiday.delete()  # deleted here: seen at once
    assert sla.calendar().is_workday(day)
