"""Agenda items: proposals, staff items, scheduling, order, timing, deferral, decline, linked matters."""

from __future__ import annotations

import datetime as dt

import pytest

from wangge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from wangge.hall.agenda import selectors, services
from wangge.hall.agenda.models import Item, ItemStatus, Session

from .conftest import report

pytestmark = pytest.mark.django_db


def _first(hall) -> Session:
    return hall.sessions.order_by("starts_at").first()


def _add(world, hall, title, *, session=None, minutes=15, kind="major", **kw):
    return services.item_create(actor=world.users["committee_A"], hall_id=hall.pk, kind=kind, title=title,
                                session_id=session.pk if session else None, minutes_planned=minutes, **kw)


def test_item_without_kind_is_refused_naming_kind(world, hall):
    for kind in (None, "", "other"):
        with pytest.raises(InvalidInput) as exc:
            services.item_create(actor=world.users["committee_A"], hall_id=hall.pk, kind=kind, title="停车")
        assert exc.value.errors[0].field == "kind" and "类别" in exc.value.message
    assert not Item.objects.exists()


def test_resident_proposes_and_staff_accept_or_decline(world, hall):
    item = services.item_create(actor=world.users["resident"], hall_id=hall.pk, kind="urgent", title="楼道灯不亮")
    assert item.status == ItemStatus.PROPOSED and item.origin == "resident" and item.session is None
    with pytest.raises(InvalidInput) as exc:
        services.item_update(actor=world.users["committee_A"], item_id=item.pk, action="decline")
    assert exc.value.errors[0].field == "reason"
    services.item_update(actor=world.users["committee_A"], item_id=item.pk, action="schedule",
                         session_id=_first(hall).pk)
    item.refresh_from_db()
    assert item.status == ItemStatus.SCHEDULED and item.session == _first(hall) and item.position == 1
    other = services.item_create(actor=world.users["resident"], hall_id=hall.pk, kind="major", title="装充电桩")
    services.item_update(actor=world.users["committee_A"], item_id=other.pk, action="decline", reason="已列入改造计划")
    other.refresh_from_db()
    assert other.status == ItemStatus.DECLINED and other.decline_reason == "已列入改造计划"


def test_resident_may_not_schedule_nor_propose_elsewhere(world, hall, hall_b):
    with pytest.raises(InvalidInput):
        services.item_create(actor=world.users["resident"], hall_id=hall.pk, kind="urgent", title="x",
                             session_id=_first(hall).pk)
    with pytest.raises(NotFound):
        services.item_create(actor=world.users["resident"], hall_id=hall_b.pk, kind="urgent", title="x")
    with pytest.raises(PermissionDenied):
        services.item_create(actor=world.users["member_A1e"], hall_id=hall.pk, kind="urgent", title="x")
    item = services.item_create(actor=world.users["resident"], hall_id=hall.pk, kind="urgent", title="x")
    with pytest.raises(PermissionDenied):
        services.item_update(actor=world.users["resident"], item_id=item.pk, action="decline", reason="x")


def test_order_timing_and_overrun(world, hall):
    session = _first(hall)
    a = _add(world, hall, "甲", session=session, minutes=60)
    b = _add(world, hall, "乙", session=session, minutes=40)
    c = _add(world, hall, "丙", session=session, minutes=30)
    items = selectors.agenda(session, actor=world.users["committee_A"])
    assert [i.title for i in items] == ["甲", "乙", "丙"]
    assert [i.planned_start - session.starts_at for i in items] == [dt.timedelta(0), dt.timedelta(minutes=60),
                                                                  dt.timedelta(minutes=100)]
    assert session.overrun_minutes == 10   # 130 minutes on a 120-minute session
    services.item_update(actor=world.users["committee_A"], item_id=c.pk, action="up")
    services.item_update(actor=world.users["committee_A"], item_id=a.pk, action="down")
    services.item_update(actor=world.users["committee_A"], item_id=b.pk, action="time", minutes_planned=20)
    items = selectors.agenda(session, actor=world.users["committee_A"])
    assert [i.title for i in items] == ["丙", "甲", "乙"] and [i.position for i in items] == [1, 2, 3]
    assert session.overrun_minutes == 0
    with pytest.raises(InvalidInput) as exc:
        services.item_update(actor=world.users["committee_A"], item_id=b.pk, action="time", minutes_planned=0)
    assert exc.value.errors[0].field == "minutes_planned"


def test_defer_moves_to_next_session_keeping_history_and_creates_one_if_needed(world, hall):
    sessions = list(hall.sessions.order_by("starts_at"))
    item = _add(world, hall, "外墙脱落", session=sessions[0])
    services.item_update(actor=world.users["committee_A"], item_id=item.pk, action="defer")
    item.refresh_from_db()
    assert item.session == sessions[1] and item.deferred_from == sessions[0] and item.status == ItemStatus.DEFERRED
    last = _add(world, hall, "最后一次", session=sessions[-1])
    services.item_update(actor=world.users["committee_A"], item_id=last.pk, action="defer")
    last.refresh_from_db()
    assert last.session.starts_at > sessions[-1].starts_at and hall.sessions.count() == 4
    assert last.session.scheduled_for is not None


def test_linked_matters_only_of_the_halls_community(world, hall):
    mine = report(world, "A1em1", 0)
    theirs = report(world, "B1em1", 0)
    with pytest.raises(InvalidInput) as exc:
        _add(world, hall, "x", matters=[mine.pk, theirs.pk])
    assert exc.value.errors[0].field == "matters.1"
    assert not Item.objects.exists()
    item = _add(world, hall, "x", matters=[mine.pk])
    assert list(item.matters.all()) == [mine]
    services.item_update(actor=world.users["committee_A"], item_id=item.pk, action="unlink", matters=[mine.pk])
    assert not item.matters.exists()
    with pytest.raises(InvalidInput):
        services.item_update(actor=world.users["committee_A"], item_id=item.pk, action="link", matters=[theirs.pk])


def test_cancelled_session_takes_no_items_and_held_ones_cannot_move(world, hall):
    session = _first(hall)
    services.session_update(actor=world.users["committee_A"], session_id=session.pk, cancel=True, cancel_reason="x")
    with pytest.raises(InvalidInput):
        _add(world, hall, "x", session=session)
    with pytest.raises(Conflict):
        services.session_update(actor=world.users["committee_A"], session_id=session.pk,
                                starts_at=session.starts_at + dt.timedelta(days=1))
