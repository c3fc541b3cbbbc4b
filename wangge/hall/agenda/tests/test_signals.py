"""session_update announces a move, a new place or a cancellation (inside its transaction) with what the
session had before; a new title, or a refused change, announces nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from wangge.core.errors import InvalidInput
from wangge.hall.agenda import services
from wangge.hall.agenda.signals import session_changed

from .conftest import make_hall

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    session_changed.connect(receiver, dispatch_uid="test-heard")
    yield calls
    session_changed.disconnect(dispatch_uid="test-heard")


def test_moves_places_and_cancellations_are_announced(world, heard):
    hall = make_hall(world)
    session = hall.sessions.order_by("starts_at").first()
    actor = world.users["committee_A"]
    old_start, old_end = session.starts_at, session.ends_at
    services.session_update(actor=actor, session_id=session.pk, title="改名不通知")
    assert heard == []
    services.session_update(actor=actor, session_id=session.pk, starts_at=old_start + dt.timedelta(days=1))
    [moved] = heard
    assert moved["moved"] and not moved["cancelled"] and not moved["place_changed"]
    assert (moved["old_starts_at"], moved["old_ends_at"], moved["old_place"]) == (old_start, old_end, "党群服务中心")
    assert moved["session"].starts_at == old_start + dt.timedelta(days=1)
    assert moved["actor"].user == actor
    services.session_update(actor=actor, session_id=session.pk, place="社区活动室")
    assert heard[-1]["place_changed"] and not heard[-1]["moved"]
    with pytest.raises(InvalidInput):
        services.session_update(actor=actor, session_id=session.pk, cancel=True)  # no reason: refused
    assert len(heard) == 2
    services.session_update(actor=actor, session_id=session.pk, cancel=True, cancel_reason="停电")
    cancelled = heard[-1]
    assert cancelled["cancelled"] and cancelled["session"].cancel_reason == "停电"
    assert len(heard) == 3
