"""Sign-ups, the waiting list and promotion, eligibility, check-in windows, walk-ins, attendance counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wangge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from wangge.notify.models import Notification

from .. import selectors, services
from ..models import Activity, SignUp, SignUpStatus
from .conftest import make_activity, resident_login, soon

pytestmark = pytest.mark.django_db


def test_over_capacity_goes_to_the_waiting_list_and_a_cancel_promotes_the_first(world, residents2):
    resident_login(world, "A1em2", 0, "r3")
    resident_login(world, "A2em1", 0, "r4")
    activity = make_activity(world, capacity=2)
    first = services.signup_create(actor=world.users["resident"], activity_id=activity.pk)
    assert first.signup.status == SignUpStatus.CONFIRMED and first.message == "报名成功"
    services.signup_create(actor=world.users["resident2"], activity_id=activity.pk)
    third = services.signup_create(actor=world.users["r3"], activity_id=activity.pk)
    fourth = services.signup_create(actor=world.users["r4"], activity_id=activity.pk)
    assert third.signup.status == SignUpStatus.WAITING and third.rank == 1
    assert "候补名单（第1位）" in third.message
    assert fourth.rank == 2

    services.signup_cancel(actor=world.users["resident"], activity_id=activity.pk)
    third.signup.refresh_from_db()
    assert third.signup.status == SignUpStatus.CONFIRMED
    assert selectors.waiting_rank(SignUp.objects.get(pk=fourth.signup.pk)) == 1
    note = Notification.objects.get(recipient=world.persons["r3"], event="activity.promoted")
    assert activity.title in note.title
    assert SignUp.objects.filter(activity=activity, status__in=["confirmed", "attended"]).count() == 2


def test_signing_up_twice_is_refused_but_after_cancelling_one_may_sign_up_again(world):
    activity = make_activity(world, capacity=None)
    services.signup_create(actor=world.users["resident"], activity_id=activity.pk)
    with pytest.raises(Conflict, match="已报名"):
        services.signup_create(actor=world.users["resident"], activity_id=activity.pk)
    services.signup_cancel(actor=world.users["resident"], activity_id=activity.pk)
    again = services.signup_create(actor=world.users["resident"], activity_id=activity.pk)
    assert again.signup.status == SignUpStatus.CONFIRMED
    assert SignUp.objects.filter(activity=activity).count() == 1


def test_only_residents_of_the_grid_and_party_members_where_asked(world, residents2):
    a2 = make_activity(world, "A2")
    with pytest.raises(NotFound):  # A2 is not on the chain of a resident of A1
        services.signup_create(actor=world.users["resident"], activity_id=a2.pk)
    party = make_activity(world, "A", party_only=True)
    with pytest.raises(PermissionDenied, match="仅限党员"):
        services.signup_create(actor=world.users["resident"], activity_id=party.pk)
    resident = world.residents["A1em1"][0]
    resident.is_party_member = True
    resident.save()
    assert services.signup_create(actor=world.users["resident"], activity_id=party.pk).signup.status == "confirmed"
    with pytest.raises(NotFound):
        services.signup_create(actor=world.users["resident_b"], activity_id=party.pk)
    with pytest.raises(PermissionDenied, match="居民"):
        services.signup_create(actor=world.users["committee_A"], activity_id=party.pk)


def test_staff_sign_up_a_resident_of_their_grid_only(world):
    activity = make_activity(world, "A")
    r = world.residents["A2em2"][1]
    result = services.signup_create(actor=world.users["committee_A"], activity_id=activity.pk, resident=r.pk)
    assert result.signup.person.resident_id == r.pk and result.signup.grid == world.grid("A2em2")
    with pytest.raises(PermissionDenied):  # the leader of A2 sees community A's activity, does not hold it
        services.signup_create(actor=world.users["leader_A2"], activity_id=activity.pk,
                               resident=world.residents["A2em1"][2].pk)
    with pytest.raises(InvalidInput) as exc:  # a resident of another community
        services.signup_create(actor=world.users["committee_A"], activity_id=activity.pk,
                               resident=world.residents["B1em1"][2].pk)
    assert exc.value.errors[0].field == "resident"
    with pytest.raises(NotFound):
        services.signup_create(actor=world.users["committee_B"], activity_id=activity.pk,
                               resident=world.residents["B1em1"][2].pk)
    with pytest.raises(PermissionDenied):
        services.signup_create(actor=world.users["micro_A1em1"], activity_id=activity.pk,
                               resident=world.residents["A1em1"][2].pk)


def test_drafts_closed_and_finished_activities_take_no_sign_ups(world):
    draft = make_activity(world, status="draft")
    with pytest.raises(NotFound):
        services.signup_create(actor=world.users["resident"], activity_id=draft.pk)
    closed = make_activity(world, signup_closes=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(Conflict, match="报名已截止"):
        services.signup_create(actor=world.users["resident"], activity_id=closed.pk)
    past = make_activity(world, starts_in=-5)
    with pytest.raises(Conflict, match="已结束"):
        services.signup_create(actor=world.users["resident"], activity_id=past.pk)


def test_raising_the_capacity_promotes_the_waiting(world, residents2):
    activity = make_activity(world, capacity=1)
    services.signup_create(actor=world.users["resident"], activity_id=activity.pk)
    waiting = services.signup_create(actor=world.users["resident2"], activity_id=activity.pk).signup
    assert waiting.status == "waiting"
    services.activity_update(actor=world.users["committee_A"], activity_id=activity.pk, capacity=2)
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    with pytest.raises(InvalidInput) as exc:
        services.activity_update(actor=world.users["committee_A"], activity_id=activity.pk, capacity=1)
    assert exc.value.errors[0].field == "capacity"


def test_bad_input_names_the_field_and_writes_nothing(world):
    cases = [
        ({"kind": ""}, "kind"), ({"title": "  "}, "title"), ({"capacity": 0}, "capacity"),
        ({"place": ""}, "place"),
        ({"starts_at": soon(5), "ends_at": soon(4)}, "ends_at"),
    ]
    for change, field in cases:
        data = {"grid": world.grid("A").pk, "kind": "volunteer", "title": "我是党员我先行", "place": "小区",
                "starts_at": soon(1), "ends_at": soon(2), "capacity": 5} | change
        with pytest.raises(InvalidInput) as exc:
            services.activity_create(actor=world.users["committee_A"], **data)
        assert exc.value.errors[0].field == field, change
    assert not Activity.objects.exists()
    with pytest.raises(NotFound):
        services.activity_create(actor=world.users["committee_B"], grid=world.grid("A").pk, kind="drill",
                                 title="消防演练", place="x", starts_at=soon(1), ends_at=soon(2))
    with pytest.raises(PermissionDenied):
        services.activity_create(actor=world.users["micro_A1em1"], grid=world.grid("A1em1").pk, kind="drill",
                                 title="消防演练", place="x", starts_at=soon(1), ends_at=soon(2))


def test_qr_check_in_only_during_the_activity_and_only_when_signed_up(world, residents2):
    activity = make_activity(world, starts_in=3)
    services.signup_create(actor=world.users["resident"], activity_id=activity.pk)
    with pytest.raises(Conflict, match="开始前1小时"):
        services.checkin_by_token(actor=world.users["resident"], token=activity.checkin_token)
    during = activity.starts_at + dt.timedelta(minutes=-30)
    s = services.checkin_by_token(actor=world.users["resident"], token=activity.checkin_token, now=during)
    assert s.status == "attended" and s.attended_at == during
    # a second scan is harmless
    assert services.checkin_by_token(actor=world.users["resident"], token=activity.checkin_token, now=during).pk == s.pk
    with pytest.raises(Conflict, match="没有报名"):
        services.checkin_by_token(actor=world.users["resident2"], token=activity.checkin_token, now=during)
    with pytest.raises(Conflict, match="签到已关闭"):
        services.checkin_by_token(actor=world.users["resident2"], token=activity.checkin_token,
                                  now=activity.ends_at + dt.timedelta(hours=1, minutes=1))
    with pytest.raises(NotFound):
        services.checkin_by_token(actor=world.users["resident"], token="nope")


def test_staff_check_in_by_hand_and_record_walk_ins(world, residents2):
    activity = make_activity(world, starts_in=0.5, capacity=1)
    s = services.signup_create(actor=world.users["resident"], activity_id=activity.pk).signup
    with pytest.raises(PermissionDenied):  # a grid member of A1e does not hold community A's activities
        services.checkin_by_staff(actor=world.users["member_A1e"], activity_id=activity.pk, signup=s.pk)
    services.checkin_by_staff(actor=world.users["committee_A"], activity_id=activity.pk, signup=s.pk)
    s.refresh_from_db()
    assert s.status == "attended" and s.checked_in_by == "committee_a人员"
    walk = services.checkin_by_staff(actor=world.users["committee_A"], activity_id=activity.pk,
                                     resident=world.residents["A1em2"][0].pk)
    assert walk.walk_in and walk.status == "attended" and walk.grid == world.grid("A1em2")
    with pytest.raises(PermissionDenied):
        services.checkin_by_staff(actor=world.users["resident"], activity_id=activity.pk, signup=s.pk)


def test_attendance_counts_per_grid_and_kind(world):
    ago = timezone.now() - dt.timedelta(days=10)
    party = make_activity(world, "A", capacity=None)
    sport = make_activity(world, "A", capacity=None, kind="culture_sports", title="乒乓球比赛")
    b_act = make_activity(world, "B", capacity=None, kind="culture_sports", title="健身操大赛")
    attendees = {party: [("A1em1", 0), ("A1em1", 1), ("A2em1", 0)], sport: [("A1em2", 0)], b_act: [("B1em1", 0)]}
    for activity, who in attendees.items():
        for mkey, i in who:
            services.checkin_by_staff(actor=None, activity_id=activity.pk, resident=world.residents[mkey][i].pk,
                                      now=activity.starts_at)
    Activity.objects.update(starts_at=ago, ends_at=ago + dt.timedelta(hours=2))
    a = selectors.attendance_stats(actor=world.users["committee_A"], since=(ago - dt.timedelta(days=1)).date())
    kinds = {k["kind"]: k for k in a["by_kind"]}
    assert kinds["party_education"] == {**kinds["party_education"], "activities": 1, "attended": 3}
    assert kinds["culture_sports"]["activities"] == 1 and kinds["culture_sports"]["attended"] == 1
    grids = {g["grid"]: g["attended"] for g in a["by_grid"]}
    assert grids[world.grid("A").pk] == 4
    assert grids[world.grid("A1").pk] == 3 and grids[world.grid("A1em1").pk] == 2 and grids[world.grid("A2").pk] == 1
    assert world.grid("B").pk not in grids and world.grid("sub").pk not in grids
    assert a["party_activities"] == 1
    mine = selectors.attendance_stats(actor=world.users["leader_A2"], since=(ago - dt.timedelta(days=1)).date())
    assert {g["grid"] for g in mine["by_grid"]} == {world.grid(k).pk for k in ("A2", "A2e", "A2em1")}
    assert selectors.attendance_stats(actor=world.users["committee_A"], since=timezone.localdate())["attended"] == 0
