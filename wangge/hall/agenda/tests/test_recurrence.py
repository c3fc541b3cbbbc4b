"""The recurrence rule: the 10th, moved off weekends and holidays as the hall chooses; 调休 counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wangge.core.workclock import Calendar
from wangge.hall.agenda import services
from wangge.hall.agenda.models import Session
from wangge.hall.agenda.recurrence import rule_date, working_calendar
from wangge.matters.models import Holiday

from .conftest import holiday, make_hall

pytestmark = pytest.mark.django_db

# 2026-01-10 is a Saturday; 2026-10-10 is a Saturday too; 2026-06-10 a Wednesday.
SAT = dt.date(2026, 1, 10)


def _date(rule: str, year: int = 2026, month: int = 1, cal: Calendar | None = None) -> dt.date:
    return rule_date(year, month, day_of_month=10, on_non_working_day=rule, calendar=cal or working_calendar())


def test_saturday_kept_moved_next_or_previous():
    Holiday.objects.filter(date__range=(dt.date(2026, 1, 1), dt.date(2026, 1, 31))).delete()
    Holiday.objects.filter(date__range=(dt.date(2026, 6, 1), dt.date(2026, 6, 30))).delete()
    assert SAT.weekday() == 5
    assert _date("keep") == SAT
    assert _date("next") == dt.date(2026, 1, 12)      # Monday
    assert _date("previous") == dt.date(2026, 1, 9)   # Friday
    assert _date("next", month=6) == dt.date(2026, 6, 10)  # a Wednesday stays


def test_public_holiday_moves_and_makeup_workday_counts():
    Holiday.objects.filter(date__range=(dt.date(2026, 6, 1), dt.date(2026, 6, 30))).delete()
    # A holiday on Wednesday 10 June: next working day is Thursday 11th.
    holiday(dt.date(2026, 6, 10))
    assert _date("next", month=6) == dt.date(2026, 6, 11)
    assert _date("previous", month=6) == dt.date(2026, 6, 9)
    # 调休: Saturday 10 October 2026 is a make-up working day, so the session stays on it.
    holiday(dt.date(2026, 10, 10), "国庆调休", workday=True)
    assert _date("next", month=10) == dt.date(2026, 10, 10)
    # A run of days off (Sunday 10 May, then two holidays) pushes it past them all.
    Holiday.objects.filter(date__range=(dt.date(2026, 5, 6), dt.date(2026, 5, 20))).delete()
    holiday(dt.date(2026, 5, 11))
    holiday(dt.date(2026, 5, 12))
    assert _date("next", month=5) == dt.date(2026, 5, 13)
    assert _date("previous", month=5) == dt.date(2026, 5, 8)


def test_hall_creation_schedules_and_scheduling_is_idempotent(world):
    Holiday.objects.filter(date__range=(dt.date(2026, 1, 1), dt.date(2026, 3, 31))).delete()
    hall = make_hall(world, on_non_working_day="next")
    assert hall.sessions.count() == 3
    today = dt.date(2025, 12, 20)
    created = services.sessions_schedule(hall=hall, today=today)
    april = dt.datetime(2026, 4, 1, tzinfo=timezone.get_default_timezone())
    starts = sorted(timezone.localtime(s.starts_at) for s in Session.objects.filter(hall=hall, starts_at__lt=april))
    assert created == 3
    assert [s.date() for s in starts] == [dt.date(2026, 1, 12), dt.date(2026, 2, 10), dt.date(2026, 3, 10)]
    assert all(s.hour == 9 and s.minute == 0 for s in starts)
    assert services.sessions_schedule(hall=hall, today=today) == 0
    assert services.sessions_schedule_all(today=today) == 0


def test_moved_session_keeps_identity_and_is_not_recreated(world):
    hall = make_hall(world)
    session = hall.sessions.order_by("starts_at").first()
    new_start = session.starts_at + dt.timedelta(days=2, hours=5)
    moved = services.session_update(actor=world.users["committee_A"], session_id=session.pk, starts_at=new_start)
    assert moved.pk == session.pk and moved.moved_from == session.starts_at and moved.starts_at == new_start
    assert moved.ends_at - moved.starts_at == dt.timedelta(minutes=hall.duration_minutes)
    assert services.sessions_schedule(hall=hall, today=timezone.localtime(session.starts_at).date()) == 0
    assert hall.sessions.count() == 3


def test_cancel_needs_a_reason(world):
    from wangge.core.errors import InvalidInput

    hall = make_hall(world)
    session = hall.sessions.first()
    with pytest.raises(InvalidInput) as exc:
        services.session_update(actor=world.users["committee_A"], session_id=session.pk, cancel=True)
    assert exc.value.errors[0].field == "cancel_reason"
    session.refresh_from_db()
    assert session.status == "planned"
    services.session_update(actor=world.users["committee_A"], session_id=session.pk, cancel=True, cancel_reason="疫情")
    session.refresh_from_db()
    assert session.status == "cancelled" and session.cancel_reason == "疫情"


def test_daily_task_runs_for_every_active_hall(world):
    from wangge.hall.agenda.tasks import agenda_sessions_schedule

    hall = make_hall(world)
    Session.objects.filter(hall=hall).delete()
    agenda_sessions_schedule.call_local()
    assert hall.sessions.count() == 3
