"""A community with a year of public work, made through the services as the workers would make it.

Every record is dated relative to now (an hour ago, 70, 200 and 330 days ago, and 400 days ago, which is
outside the twelve-month line), so the expected figures are worked out from the same dates: what falls in
this calendar year, and in which month of the line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.utils import timezone

from wangge.community.activities import services as activities
from wangge.fieldwork.cameras import services as cameras
from wangge.fieldwork.disputes import services as disputes
from wangge.fieldwork.visits import services as visits
from wangge.hall.meetings import services as meetings
from wangge.hall.meetings.tests.conftest import add_meeting
from wangge.matters import services as matters
from wangge.matters.tests.conftest import A1EM1

AGES = [dt.timedelta(hours=1), dt.timedelta(days=70), dt.timedelta(days=200), dt.timedelta(days=330)]
TOO_OLD = dt.timedelta(days=400)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def month_of(at: dt.datetime | dt.date) -> str:
    day = timezone.localtime(at).date() if isinstance(at, dt.datetime) else at
    return f"{day.year:04d}-{day.month:02d}"


def this_year(at: dt.datetime) -> bool:
    return timezone.localtime(at).year == timezone.localdate().year


@dataclass
class Expect:
    """What the world holds, per figure: the datetimes of the rows that count."""

    dates: dict[str, list[dt.datetime]] = field(default_factory=dict)

    def add(self, name: str, at: dt.datetime, n: int = 1) -> None:
        self.dates.setdefault(name, []).extend([at] * n)

    def year(self, name: str) -> int:
        return sum(1 for at in self.dates.get(name, []) if this_year(at))

    def month(self, name: str, key: str) -> int:
        return sum(1 for at in self.dates.get(name, []) if month_of(at) == key)


def _activity(world, grid: str, starts_at: dt.datetime, **extra):
    return activities.activity_create(actor=None, grid=world.grid(grid).pk, kind="volunteer", title="楼道清洁志愿服务",
                                      place="社区党群服务中心", starts_at=starts_at,
                                      ends_at=starts_at + dt.timedelta(hours=2), **extra)


def _walk_in(world, activity, residents, at):
    for r in residents:
        activities.checkin_by_staff(actor=None, activity_id=activity.pk, resident=r.pk, now=at)


def _dispute(world, title: str, *, micro: str = "A1em1", actor_key: str = "member_A1e", at=None):
    residents = world.residents[micro]
    data = disputes.DisputeIn(kind="neighbours", title=title, summary="双方因琐事发生争执", grid=world.grid(micro).pk,
                              parties=[disputes.PartyIn(side="applicant", resident=residents[0].pk),
                                       disputes.PartyIn(side="respondent", resident=residents[2].pk)])
    return disputes.dispute_open(actor=world.users[actor_key], data=data, at=at)


def build_scene(world) -> Expect:
    now = timezone.now()
    e = Expect()
    a1em1, a2em1 = world.residents["A1em1"], world.residents["A2em1"]

    # Activities: held ones count (with their check-ins); drafts, cancelled and future ones do not.
    held = [("A", [a1em1[0], a1em1[1]]), ("A1", [a1em1[0]]), ("A2e", [a2em1[0], a2em1[1]]), ("A1em1", [a1em1[1]]),
            ("A", [a1em1[0]])]
    for (grid, attendees), age in zip(held, [*AGES, TOO_OLD], strict=True):
        at = now - age
        activity = _activity(world, grid, at)
        _walk_in(world, activity, attendees, at + dt.timedelta(minutes=5))
        if age != TOO_OLD:
            e.add("activities", at)
            e.add("attendance", at, len(attendees))
    _activity(world, "A", now - dt.timedelta(days=3), status="draft")
    cancelled = _activity(world, "A", now - dt.timedelta(days=4))
    activities.activity_cancel(actor=None, activity_id=cancelled.pk, reason="下雨", now=now - dt.timedelta(days=5))
    _activity(world, "A", now + dt.timedelta(days=2))               # not held yet
    _activity(world, "B", now - dt.timedelta(hours=2))              # another community

    # Key small matters: reported at several ages; the recent ones closed and rated.
    leader = world.users["leader_A1"]
    for age in AGES:
        at = now - age
        matter, _ = matters.matter_report(
            actor=world.users["resident"],
            report=matters.Report(category="env-garbage", description="楼下垃圾没人清运", **A1EM1), at=at)
        e.add("received", at)
        if age <= dt.timedelta(days=70):
            closed_at = at + dt.timedelta(minutes=30)
            for action in ("accept", "dispatch", "start", "resolve", "verify", "close"):
                matters.matter_transition(actor=leader, matter_id=matter.pk, action=action, note="", at=closed_at)
            e.add("closed", closed_at)
            matters.matter_rate(actor=world.users["resident"], matter_id=matter.pk,
                                rating="satisfied" if age < dt.timedelta(days=1) else "basic",
                                at=closed_at + dt.timedelta(minutes=5))

    # Disputes: registered now and 70 days ago; the older one mediated to an agreement, the newer one failed.
    first = _dispute(world, "停车纠纷", at=now - dt.timedelta(days=70))
    recent = _dispute(world, "噪音扰民", at=now - dt.timedelta(hours=1))
    for d in (first, recent):
        e.add("disputes_received", d.opened_at)
    mediator = world.users["member_A1e"]
    disputes.dispute_conclude(actor=mediator, dispute_id=first.pk, at=now - dt.timedelta(days=69),
                              outcome=disputes.OutcomeIn(outcome="agreement", agreement_terms="按车位划线停放"))
    first.refresh_from_db()
    e.add("disputes_mediated", first.concluded_at)
    disputes.dispute_conclude(actor=mediator, dispute_id=recent.pk,
                              outcome=disputes.OutcomeIn(outcome="failed", failure_reason="双方意见分歧大"))
    _dispute(world, "B社区纠纷", micro="B1em1", actor_key="member_B1e")  # another community

    # Cameras: two in service, one faulty, one removed, one in community B.
    long_ago = timezone.localdate() - dt.timedelta(days=500)
    cameras.camera_create(actor=None, code="A-001", name="1号楼单元门", lon=112.125, lat=37.15, installed_on=long_ago)
    cameras.camera_create(actor=None, code="A-002", name="1号楼北侧", lon=112.126, lat=37.15,
                          installed_on=(now - dt.timedelta(days=70)).date())
    cameras.camera_create(actor=None, code="A-003", name="2号楼", lon=112.17, lat=37.15, installed_on=long_ago,
                          status="faulty")
    gone = cameras.camera_create(actor=None, code="A-004", name="旧探头", lon=112.127, lat=37.15, installed_on=long_ago)
    cameras.camera_update(actor=None, camera_id=gone.pk, status="removed")
    cameras.camera_create(actor=None, code="B-001", name="B小区大门", lon=112.25, lat=37.15, installed_on=long_ago)

    # The deliberation hall: a session held and published with one resolution.
    add_meeting(world)
    e.add("received", world.matter.created_at)  # the lift matter the session discusses
    sec = world.users["committee_A"]
    meetings.meeting_minutes_update(actor=sec, item_id=world.items[0].pk, text="与会各方同意更换电梯。")
    meetings.meeting_resolution_create(actor=sec, session_id=world.session.pk, data=meetings.ResolutionIn(
        item=world.items[0].pk, text="物业公司更换电梯", due_on=timezone.localdate() + dt.timedelta(days=20),
        responsible_organisation=world.organisations["property"].pk))
    meetings.meeting_mark_held(actor=sec, session_id=world.session.pk)
    meetings.meeting_publish(actor=sec, session_id=world.session.pk)
    e.add("sessions_held", world.session.starts_at)
    e.add("resolutions", world.session.starts_at)

    # Door-to-door visits: three visits to two households of A; one in B.
    member = world.users["member_A1e"]
    h1, h2 = world.households["A1em1"][0], world.households["A1em2"][0]
    for household, age in [(h1, dt.timedelta(hours=1)), (h1, dt.timedelta(days=20)), (h2, dt.timedelta(days=2))]:
        visit = visits.visit_log(actor=member, household=household.pk, outcome="met", visited_at=now - age)
        e.add("visits", visit.visited_at)
    visits.visit_log(actor=world.users["member_B1e"], household=world.households["B1em1"][0].pk, outcome="met")
    e.households_visited = len({h1.pk, h2.pk})
    return e


@pytest.fixture
def scene(world):
    return build_scene(world)
