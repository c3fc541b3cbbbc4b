"""Rosters, single shifts, check-in and check-out, swaps, and the sweeps — as a leader and a guard would
notice them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from wangge.core.errors import Conflict, InvalidInput, PermissionDenied
from wangge.fieldwork.gates import services
from wangge.fieldwork.gates.models import GapAlert, Shift, ShiftStatus, SwapRequest, SwapStatus
from wangge.notify.models import Notification

from .conftest import POST_LAT, POST_LON, at, full_week, next_monday

pytestmark = pytest.mark.django_db


def _guards(world):
    return [world.persons["guard1"], world.persons["guard2"], world.persons["guard3"]]


def test_a_post_starts_with_three_shifts_covering_the_day(world, gates):
    templates = list(gates["post"].templates.all())
    assert [(t.name, f"{t.start:%H:%M}", f"{t.end:%H:%M}") for t in templates] == [
        ("早班", "08:00", "16:00"), ("中班", "16:00", "00:00"), ("夜班", "00:00", "08:00")]
    assert services.day_gaps(gates["post"], templates) == []


def test_templates_any_pattern_and_the_uncovered_part_of_the_day(world, gates):
    post = gates["post"]
    spec = services.TemplateSpec
    services.templates_set(actor=world.users["supervisor_A1e"], post_id=post.pk,
                           templates=[spec("白班", dt.time(8), dt.time(20)), spec("夜班", dt.time(20), dt.time(7))])
    templates = list(post.templates.all())
    assert [t.name for t in templates] == ["白班", "夜班"]
    assert services.day_gaps(post, templates) == ["07:00–08:00"]
    with pytest.raises(InvalidInput) as exc:
        services.templates_set(actor=world.users["supervisor_A1e"], post_id=post.pk,
                               templates=[spec("白班", dt.time(8), dt.time(20)), spec("白班", dt.time(20), dt.time(8))])
    assert "重复" in str(exc.value)
    assert [t.name for t in post.templates.all()] == ["白班", "夜班"]


def test_a_full_week_is_written_in_one_go(world, gates):
    post, monday = gates["post"], next_monday()
    result = services.roster_build(actor=world.users["supervisor_A1e"], post_id=post.pk, week=monday,
                                   assignments=full_week(post, monday, _guards(world)))
    assert len(result.shifts) == 21 and result.gaps == []
    assert services.gaps_of(post, at(monday, 0), at(monday + dt.timedelta(days=7), 0)) == []


def test_a_roster_with_a_gap_is_refused_naming_the_stretch_unless_allowed(world, gates):
    post, monday = gates["post"], next_monday()
    rows = full_week(post, monday, _guards(world))
    night = post.templates.get(name="夜班")
    wednesday = monday + dt.timedelta(days=2)
    rows = [r for r in rows if not (r.day == wednesday and r.template == night.pk)]
    with pytest.raises(InvalidInput) as exc:
        services.roster_build(actor=world.users["supervisor_A1e"], post_id=post.pk, week=monday, assignments=rows)
    assert "周三 00:00–08:00 无人值守" in str(exc.value)
    assert exc.value.errors[0].field == "assignments"
    assert not Shift.objects.filter(post=post).exists()
    result = services.roster_build(actor=world.users["supervisor_A1e"], post_id=post.pk, week=monday,
                                   assignments=rows, allow_gaps=True)
    assert len(result.shifts) == 20
    assert result.gaps == [(at(wednesday, 0), at(wednesday, 8))]


def test_overlapping_shifts_for_one_person_are_refused_and_nothing_is_written(world, gates):
    post, monday = gates["post"], next_monday()
    g1 = world.persons["guard1"]
    other = services.post_create(actor=None, estate_id=world.grid("A1e").pk, name="西门")
    services.shift_create(actor=world.users["supervisor_A1e"], post_id=other.pk, person_id=g1.pk,
                          starts_at=at(monday, 12), ends_at=at(monday, 14))
    rows = full_week(post, monday, _guards(world))
    rows[0].persons = [g1.pk]  # Monday's 早班 08:00–16:00, while g1 keeps 西门 12:00–14:00
    with pytest.raises(InvalidInput) as exc:
        services.roster_build(actor=world.users["supervisor_A1e"], post_id=post.pk, week=monday, assignments=rows)
    assert "西门" in str(exc.value) and "重叠" in str(exc.value)
    assert not Shift.objects.filter(post=post).exists()
    # Within one roster too: the same person twice at the same time.
    rows = full_week(post, monday, _guards(world))
    rows[0].persons = [world.persons["guard2"].pk]
    rows.append(services.Assignment(monday, rows[0].template, [world.persons["guard2"].pk]))
    rows[0].persons = [world.persons["guard2"].pk]
    with pytest.raises(InvalidInput):
        services.shift_create(actor=world.users["supervisor_A1e"], post_id=post.pk, person_id=g1.pk,
                              starts_at=at(monday, 13), ends_at=at(monday, 20))


def test_a_roster_refuses_persons_who_do_not_keep_the_gate(world, gates):
    post, monday = gates["post"], next_monday()
    rows = full_week(post, monday, _guards(world))
    rows[3].persons = [world.persons["guard_B"].pk]
    with pytest.raises(InvalidInput) as exc:
        services.roster_build(actor=world.users["supervisor_A1e"], post_id=post.pk, week=monday, assignments=rows)
    assert exc.value.errors[0].row == 4 and "不是本小区的门岗值守人员" in str(exc.value)


def test_a_second_roster_for_the_same_week_needs_replace(world, gates):
    post, monday = gates["post"], next_monday()
    rows = full_week(post, monday, _guards(world))
    services.roster_build(actor=world.users["supervisor_A1e"], post_id=post.pk, week=monday, assignments=rows)
    with pytest.raises(InvalidInput) as exc:
        services.roster_build(actor=world.users["supervisor_A1e"], post_id=post.pk, week=monday, assignments=rows)
    assert exc.value.errors[0].field == "replace"
    result = services.roster_build(actor=world.users["supervisor_A1e"], post_id=post.pk, week=monday,
                                   assignments=rows, replace=True)
    assert result.removed == 21
    assert Shift.objects.filter(post=post).exclude(status=ShiftStatus.CANCELLED).count() == 21


def test_guards_may_not_roster(world, gates):
    with pytest.raises(PermissionDenied):
        services.roster_build(actor=world.users["guard1"], post_id=gates["post"].pk, week=next_monday(),
                              assignments=full_week(gates["post"], next_monday(), _guards(world)))


def _shift(world, gates, starts_at, hours=8, who="guard1"):
    return services.shift_create(actor=None, post_id=gates["post"].pk, person_id=world.persons[who].pk,
                                 starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=hours))


def test_check_in_window_position_and_check_out(world, gates):
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(hours=1)
    shift = _shift(world, gates, start)
    guard = world.users["guard1"]
    with pytest.raises(InvalidInput) as exc:  # 31 minutes early
        services.shift_checkin(actor=guard, shift_id=shift.pk, lon=POST_LON, lat=POST_LAT,
                               at=start - dt.timedelta(minutes=31))
    assert exc.value.errors[0].field == "time" and "不在签到时间内" in str(exc.value)
    with pytest.raises(InvalidInput) as exc:  # no position at a post that has one
        services.shift_checkin(actor=guard, shift_id=shift.pk, at=start)
    assert exc.value.errors[0].field == "position"
    with pytest.raises(InvalidInput) as exc:  # about 1.1 km away
        services.shift_checkin(actor=guard, shift_id=shift.pk, lon=POST_LON, lat=POST_LAT + 0.01, at=start)
    assert "超出签到范围" in str(exc.value) and "200 米" in str(exc.value)
    with pytest.raises(PermissionDenied):
        services.shift_checkin(actor=world.users["guard2"], shift_id=shift.pk, lon=POST_LON, lat=POST_LAT, at=start)
    with pytest.raises(Conflict):
        services.shift_checkout(actor=guard, shift_id=shift.pk)
    shift = services.shift_checkin(actor=guard, shift_id=shift.pk, lon=POST_LON + 0.0005, lat=POST_LAT,
                                   at=start - dt.timedelta(minutes=10))
    assert shift.status == ShiftStatus.CHECKED_IN and 30 < shift.checkin_distance_m < 60
    with pytest.raises(Conflict):
        services.shift_checkin(actor=guard, shift_id=shift.pk, lon=POST_LON, lat=POST_LAT, at=start)
    shift = services.shift_checkout(actor=guard, shift_id=shift.pk, at=start + dt.timedelta(hours=8))
    assert shift.status == ShiftStatus.DONE
    # After the end: too late.
    late = _shift(world, gates, start + dt.timedelta(hours=9))
    with pytest.raises(InvalidInput):
        services.shift_checkin(actor=guard, shift_id=late.pk, lon=POST_LON, lat=POST_LAT,
                               at=start + dt.timedelta(hours=17, minutes=1))


def test_a_swap_approved_moves_the_shift_and_approval_checks_overlaps_again(world, gates):
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=1)
    shift = _shift(world, gates, start)
    swap = services.swap_create(actor=world.users["guard1"], shift_id=shift.pk,
                                to_person_id=world.persons["guard2"].pk, reason="家里有事")
    leader_notes = Notification.objects.filter(recipient=world.persons["supervisor_A1e"], event="duty.swap.requested")
    assert leader_notes.count() == 1
    with pytest.raises(PermissionDenied):
        services.swap_decide(actor=world.users["guard2"], swap_id=swap.pk, approve=True)
    # Meanwhile guard2 gets a shift at the same time: approval now refuses, and nothing changes.
    _shift(world, gates, start + dt.timedelta(hours=2), hours=2, who="guard2")
    with pytest.raises(InvalidInput) as exc:
        services.swap_decide(actor=world.users["supervisor_A1e"], swap_id=swap.pk, approve=True)
    assert "重叠" in str(exc.value)
    swap.refresh_from_db()
    shift.refresh_from_db()
    assert swap.status == SwapStatus.PENDING and shift.person_id == world.persons["guard1"].pk
    # A swap to guard3 goes through once the first is rejected.
    services.swap_decide(actor=world.users["supervisor_A1e"], swap_id=swap.pk, approve=False, note="另找人")
    swap2 = services.swap_create(actor=world.users["guard1"], shift_id=shift.pk, to_person_id=world.persons["guard3"].pk)
    services.swap_decide(actor=world.users["supervisor_A1e"], swap_id=swap2.pk, approve=True)
    shift.refresh_from_db()
    assert shift.person_id == world.persons["guard3"].pk
    assert Notification.objects.filter(recipient=world.persons["guard1"], event="duty.swap.approved").exists()
    assert Notification.objects.filter(recipient=world.persons["guard1"], event="duty.swap.rejected").exists()
    with pytest.raises(Conflict):
        services.swap_decide(actor=world.users["supervisor_A1e"], swap_id=swap2.pk, approve=True)


def test_a_swap_exchange_and_bad_requests(world, gates):
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=1)
    mine = _shift(world, gates, start)
    theirs = _shift(world, gates, start + dt.timedelta(days=1), who="guard2")
    with pytest.raises(InvalidInput) as exc:
        services.swap_create(actor=world.users["guard1"], shift_id=mine.pk, to_person_id=world.persons["guard_B"].pk)
    assert exc.value.errors[0].field == "to_person"
    with pytest.raises(InvalidInput):
        services.swap_create(actor=world.users["guard1"], shift_id=mine.pk, to_person_id=world.persons["guard1"].pk)
    swap = services.swap_create(actor=world.users["guard1"], shift_id=mine.pk, to_person_id=world.persons["guard2"].pk,
                                exchange_shift_id=theirs.pk)
    with pytest.raises(Conflict):
        services.swap_create(actor=world.users["guard1"], shift_id=mine.pk, to_person_id=world.persons["guard3"].pk)
    services.swap_decide(actor=world.users["leader_A1"], swap_id=swap.pk, approve=True)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.person_id == world.persons["guard2"].pk and theirs.person_id == world.persons["guard1"].pk
    assert SwapRequest.objects.get(pk=swap.pk).decided_by == world.persons["leader_A1"]


def test_gaps_ahead_are_reported_to_the_leaders_exactly_once(world, gates):
    post = gates["post"]
    now = timezone.now().replace(second=0, microsecond=0)
    # Covered from now for 24 hours except a stretch starting in 3 hours.
    _shift(world, gates, now - dt.timedelta(hours=1), hours=4)
    _shift(world, gates, now + dt.timedelta(hours=5), hours=20, who="guard2")
    GapAlert.objects.all().delete()
    with override_settings(GATE_GAP_NOTICE_HOURS=12):
        assert services.gaps_sweep(now=now) == 2  # the post B (nothing rostered) and post A's stretch
        assert services.gaps_sweep(now=now + dt.timedelta(minutes=1)) == 0
        assert services.gaps_sweep(now=now + dt.timedelta(hours=4)) == 0  # now running, still the same gap
    alert = GapAlert.objects.get(post=post)
    assert alert.starts_at == now + dt.timedelta(hours=3)
    notes = Notification.objects.filter(event="duty.gap", recipient=world.persons["supervisor_A1e"])
    assert notes.count() == 1 and "将出现无人值守" in notes.get().title
    # Leaders of estate B1e: the grid leader of B1.
    assert Notification.objects.filter(event="duty.gap", recipient=world.persons["leader_B1"]).count() == 1
    # A gap beyond the notice window is not reported yet.
    with override_settings(GATE_GAP_NOTICE_HOURS=1):
        Notification.objects.all().delete()
        GapAlert.objects.all().delete()
        assert services.gaps_sweep(now=now) == 1  # post B only


def test_a_post_leader_takes_the_alerts(world, gates):
    post = services.post_update(actor=world.users["leader_A1"], post_id=gates["post"].pk,
                                leader_id=world.persons["supervisor_A1e"].pk)
    assert services.leaders_of(post) == [world.persons["supervisor_A1e"]]
    with pytest.raises(InvalidInput) as exc:
        services.post_update(actor=world.users["leader_A1"], post_id=post.pk, leader_id=world.persons["guard1"].pk)
    assert exc.value.errors[0].field == "leader"


def test_a_missed_check_in_is_marked_and_alerted_once(world, gates):
    now = timezone.now().replace(second=0, microsecond=0)
    shift = _shift(world, gates, now - dt.timedelta(minutes=20))
    on_time = _shift(world, gates, now - dt.timedelta(minutes=10), who="guard2")
    with override_settings(GATE_CHECKIN_GRACE_MINUTES=15):
        assert services.missed_sweep(now=now) == 1
        assert services.missed_sweep(now=now) == 0
    shift.refresh_from_db()
    on_time.refresh_from_db()
    assert shift.status == ShiftStatus.MISSED and on_time.status == ShiftStatus.PLANNED
    assert Notification.objects.filter(event="duty.missed", recipient=world.persons["supervisor_A1e"]).count() == 1
    # The guard may still check in late.
    services.shift_checkin(actor=world.users["guard1"], shift_id=shift.pk, lon=POST_LON, lat=POST_LAT, at=now)
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.CHECKED_IN


def test_post_bad_input(world, gates):
    with pytest.raises(InvalidInput) as exc:
        services.post_create(actor=world.users["leader_A1"], estate_id=world.grid("A1").pk, name="北门")
    assert exc.value.errors[0].field == "estate"
    with pytest.raises(InvalidInput) as exc:
        services.post_create(actor=world.users["leader_A1"], estate_id=world.grid("A1e").pk, name="东门")
    assert exc.value.errors[0].field == "name"
    with pytest.raises(InvalidInput) as exc:
        services.post_create(actor=world.users["leader_A1"], estate_id=world.grid("A1e").pk, name="北门", lon=112.1)
    assert exc.value.errors[0].field == "lat"
