"""The demo's year of key small matters as a user would notice it: every state, channel and kind of matter
over twelve months, legal timelines, on-time and overdue cases with their escalations, ratings, the
article's 8 solved matters, the demo resident's own matters, and nothing added by a second load."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from wangge.demo.generator import DEMO_PASSWORD, FEATURED_CODE, SECOND_CODE, build_plan
from wangge.demo.matters import (
    ARTICLE_MATTERS,
    DELIBERATION_KINDS,
    OPEN311_CLIENT_NAME,
    SWEEP_GAP,
    _Generator,
    _World,
    article_matters,
)
from wangge.matters import lifecycle, routing, selectors
from wangge.matters.lifecycle import STAGE_OF
from wangge.matters.models import Comment, Escalation, Event, Matter, Open311Client, Rating, Source, State
from wangge.matters.services import REPORTER, Actor
from wangge.people.access import SUPERVISE, actor_scope
from wangge.people.models import Duty, Person, Role
from wangge.registry.locate import locate_id
from wangge.registry.models import GridNode, Level, Resident

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module by `wangge demo-data` inside a transaction rolled back at the
    end; each test runs in a savepoint inside it. Yields the load time."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            before = timezone.now()
            call_command("demo-data", "--no-progress", stdout=StringIO())
            yield before
            transaction.set_rollback(True)


@pytest.fixture(scope="module")
def timelines(demo, django_db_blocker):
    with django_db_blocker.unblock():
        events = defaultdict(list)
        for event in Event.objects.order_by("matter_id", "seq"):
            events[event.matter_id].append(event)
        return events


def _login(username: str):
    user = authenticate(username=username, password=DEMO_PASSWORD)
    assert user is not None, username
    return user


def _node(code: str) -> GridNode:
    return GridNode.objects.get(code=code)


# -- size and spread -------------------------------------------------------------------------------------


def test_a_year_of_matters_mostly_in_the_featured_community(demo):
    total = Matter.objects.count()
    assert 1200 <= total <= 2000
    featured = Matter.objects.filter(grid__path__startswith=_node(FEATURED_CODE).path).count()
    second = Matter.objects.filter(grid__path__startswith=_node(SECOND_CODE).path).count()
    assert featured + second == total
    assert featured > 0.75 * total and second > 0.08 * total
    first, last = Matter.objects.order_by("created_at").values_list("created_at", flat=True)[::total - 1]
    assert demo - dt.timedelta(days=366) <= first < demo - dt.timedelta(days=330)
    assert demo - dt.timedelta(days=2) < last <= demo
    months = Counter(m.astimezone(timezone.get_default_timezone()).strftime("%Y-%m")
                     for m in Matter.objects.values_list("created_at", flat=True))
    assert sum(1 for n in months.values() if n >= 40) >= 12


def test_every_state_several_channels_and_most_kinds_appear(demo):
    states = Counter(Matter.objects.values_list("state", flat=True))
    assert set(states) == set(State.values), set(State.values) - set(states)
    sources = Counter(Matter.objects.values_list("source", flat=True))
    assert sources[Source.RESIDENT] == max(sources.values())
    for source in (Source.VISIT, Source.PATROL, Source.HOTLINE, Source.API, Source.DELIBERATION):
        assert sources[source] >= 8, source
    groups = set(Matter.objects.values_list("category__parent__code", flat=True))
    assert len(groups) >= 6
    kinds = Counter(Matter.objects.values_list("category__code", flat=True))
    common = {"property-repair", "property-lift", "property-cleaning", "property-parking", "order-noise",
              "env-garbage", "dispute-leak"}
    rare = {"emergency-fire", "emergency-flood", "emergency-other"}
    assert min(kinds[c] for c in common) > max(kinds[c] for c in rare)
    # Closed and evaluated dominate; the open states are the last weeks'.
    assert states[State.EVALUATED] + states[State.CLOSED] > 0.8 * sum(states.values())
    month_ago = demo - dt.timedelta(days=30)
    for state in (State.REPORTED, State.ACCEPTED, State.DISPATCHED, State.IN_PROGRESS, State.RESOLVED,
                  State.VERIFIED, State.REWORK):
        assert Matter.objects.filter(state=state, created_at__gte=month_ago).exists(), state


def test_hotline_matters_say_where_they_came_from(demo):
    hotline = Matter.objects.filter(source=Source.HOTLINE)
    assert hotline.exists()
    assert all(d.startswith("12345") for d in hotline.values_list("description", flat=True))


# -- places and people -----------------------------------------------------------------------------------


def test_every_matter_is_in_the_micro_grid_of_its_point_and_unit(demo):
    micro = dict(GridNode.objects.filter(level=Level.MICRO_GRID).values_list("pk", "subdistrict_id"))
    rows = Matter.objects.values_list("grid_id", "lon", "lat", "unit__micro_grid_id", "subdistrict_id")
    for grid_id, lon, lat, unit_grid, subdistrict in rows:
        assert grid_id in micro
        assert lon is not None and locate_id(lon, lat) == grid_id
        assert unit_grid in (None, grid_id)
        assert subdistrict == micro[grid_id] and subdistrict is not None


def test_reporters_live_in_the_unit_they_report_from(demo):
    names = defaultdict(set)
    for unit_id, name, phone in Resident.objects.values_list("household__unit_id", "name", "phone"):
        names[unit_id].add((name, phone))
    checked = 0
    for unit_id, name, phone, source in Matter.objects.filter(
        reporter_user__isnull=True, unit__isnull=False,
    ).exclude(source__in=[Source.PATROL, Source.DELIBERATION]).values_list(
        "unit_id", "reporter_name", "reporter_phone", "source"
    ):
        assert (name, phone) in names[unit_id], (unit_id, name, source)
        checked += 1
    assert checked > 1000
    assert not Matter.objects.filter(source=Source.PATROL).exclude(reporter_name="").exists()


def test_the_first_handler_is_the_one_routing_chooses(demo, timelines):
    sample = Matter.objects.select_related("category", "grid").order_by("pk")[::40]
    for matter in sample:
        assign = next(e for e in timelines[matter.pk] if e.action == "assign")
        handler = routing.route(matter.category, matter.grid)
        assert assign.data["to"] == handler.person.pk, matter


# -- the state machine -----------------------------------------------------------------------------------


def test_every_timeline_is_legal(demo, timelines):
    escalations = Counter(Escalation.objects.values_list("matter_id", flat=True))
    matters = Matter.objects.select_related("category", "merged_into")
    for matter in matters:
        events = timelines[matter.pk]
        assert [e.seq for e in events] == list(range(1, len(events) + 1)), matter
        assert all(a.at <= b.at for a, b in zip(events, events[1:], strict=False)), matter
        assert events[0].action == "report" and events[0].at == matter.created_at
        moves = [e for e in events if e.to_state]
        assert moves[0].action == "report" and moves[0].to_state == State.REPORTED and not moves[0].from_state
        for before, after in zip(moves, moves[1:], strict=False):
            assert after.from_state == before.to_state, (matter.pk, before.action, after.action)
            if after.action not in ("rate", "resume"):
                assert after.from_state in lifecycle.ACTIONS[after.action].sources, (matter.pk, after.action)
            if after.action == "rate":
                assert after.from_state == State.CLOSED and after.to_state in (State.EVALUATED, State.REWORK)
            if after.action == "resume":
                hold = next(e for e in reversed(moves[:moves.index(after)]) if e.action == "hold")
                assert after.to_state == hold.from_state
        assert moves[-1].to_state == matter.state, matter.pk
        assert matter.updated_at == max(e.at for e in events if e.action != "absorb"), matter.pk
        # The clock: a deadline exactly when the state has a stage; on hold, the clock stands still.
        if matter.state in STAGE_OF:
            assert matter.deadline is not None and matter.stage == STAGE_OF[matter.state], matter.pk
        elif matter.state == State.ON_HOLD:
            assert matter.deadline is None and matter.held_state and matter.held_remaining_s is not None
            assert matter.stage == STAGE_OF[matter.held_state]
        else:
            assert matter.deadline is None and not matter.stage, matter.pk
        assert escalations[matter.pk] == matter.escalation_level
        assert matter.breached == (matter.escalation_level > 0)
        assert matter.assignee_id is not None
        if matter.state == State.MERGED:
            target = matter.merged_into
            assert target is not None and target.category_id == matter.category_id
            assert target.grid_id == matter.grid_id and target.created_at < matter.created_at
            merge = moves[-1]
            assert merge.data == {"into": target.pk}
            absorb = [e for e in timelines[target.pk] if e.action == "absorb"]
            assert any(e.data == {"from": matter.pk} and e.at == merge.at for e in absorb)
        else:
            assert matter.merged_into_id is None
        if matter.state in (State.CLOSED, State.EVALUATED):
            assert matter.closed_at is not None and matter.resolved_at is not None
            assert matter.created_at < matter.resolved_at < matter.closed_at
        if matter.state == State.EVALUATED:
            assert matter.rating and matter.rated_at > matter.closed_at
            assert moves[-1].action == "rate" and moves[-1].data == {"rating": matter.rating}


def test_staff_steps_are_private_and_resident_steps_public(demo):
    private = Counter(Event.objects.filter(public=False).values_list("action", flat=True))
    assert set(private) <= {"assign", "escalate", "supervise"}
    assert private["assign"] >= Matter.objects.count() and private["escalate"] and private["supervise"]
    public = set(Event.objects.filter(public=True).values_list("action", flat=True))
    assert {"report", "accept", "dispatch", "start", "resolve", "verify", "close", "rate"} <= public
    notes = Event.objects.filter(action="resolve").values_list("note", flat=True)
    assert all(notes) and "已" in "".join(notes)


def test_comments_are_on_some_matters(demo):
    comments = Comment.objects.all()
    assert 10 <= comments.count() < 200
    assert comments.filter(internal=True).exists() and comments.filter(internal=False).exists()
    for comment in comments.select_related("matter"):
        assert comment.at >= comment.matter.created_at


# -- timing: on time, overdue, escalation ---------------------------------------------------------------


def test_on_time_and_overdue_matters_are_consistent_with_their_times(demo):
    total = Matter.objects.count()
    breached = Matter.objects.filter(breached=True)
    assert 0.08 * total < breached.count() < 0.35 * total
    for esc in Escalation.objects.all():
        assert esc.at > esc.deadline
        assert esc.at - esc.deadline < dt.timedelta(minutes=1)   # the sweep runs every minute
    # A matter that was never escalated and never held met its resolve deadline (unless that deadline
    # passed after the sweep last ran).
    held = set(Event.objects.filter(action="hold").values_list("matter_id", flat=True))
    for matter in Matter.objects.filter(breached=False, resolved_at__isnull=False, rework_count=0,
                                        resolve_due__lt=demo - SWEEP_GAP):
        if matter.pk not in held:
            assert matter.resolved_at <= matter.resolve_due, matter.pk


def test_escalations_climb_the_ladder(demo):
    by_matter = defaultdict(list)
    for esc in Escalation.objects.select_related("to_grid").order_by("at"):
        by_matter[esc.matter_id].append(esc)
    duties = defaultdict(set)
    for person, role, grid in Duty.objects.current().values_list("person_id", "role", "grid_id"):
        duties[person].add((role, grid))
    climbed = set()
    for escalations in by_matter.values():
        for esc in escalations:
            if esc.to_person_id is None:
                continue
            roles = {r for r, g in duties[esc.to_person_id] if g == esc.to_grid_id}
            assert roles & set(routing.LADDER_ROLES), esc
            climbed |= roles & set(routing.LADDER_ROLES)
        depths = [e.to_grid.depth for e in escalations if e.to_person_id]
        assert depths == sorted(depths, reverse=True)
    assert {Role.GRID_MEMBER, Role.GRID_LEADER, Role.TWO_COMMITTEE_MEMBER} <= climbed
    several = [m for m, escalations in by_matter.items() if len(escalations) >= 2]
    assert several


def test_some_open_matters_are_overdue_now_and_show_red(demo):
    now = timezone.now()
    overdue = Matter.objects.filter(deadline__lt=now, state__in=list(STAGE_OF))
    assert overdue.count() >= 3
    for matter in overdue:
        assert selectors.light(matter, now) == "red"
        # Passed since the sweep last ran: the next sweep escalates it.
        assert not Escalation.objects.filter(matter=matter, deadline_seq=matter.deadline_seq).exists()
    microgrid = _login("microgrid")
    assert any(selectors.light(m, now) == "red" for m in selectors.queue(actor=microgrid))
    overdue_ids = set(overdue.values_list("pk", flat=True))
    listed = set(selectors.matter_list(actor=_login("secretary"), overdue=True).values_list("pk", flat=True))
    assert listed & overdue_ids


def test_supervision_by_leaders(demo):
    supervised = Matter.objects.filter(supervised_at__isnull=False).select_related("supervised_by__user", "grid")
    assert supervised.count() >= 10
    for matter in supervised:
        assert matter.supervised_at >= matter.created_at
        scope = actor_scope(matter.supervised_by.user) if matter.supervised_by.user else None
        if scope is not None:
            assert scope.can(SUPERVISE, matter.grid)
        else:
            roles = set(Duty.objects.current().filter(person=matter.supervised_by).values_list("role", flat=True))
            assert roles & {Role.GRID_LEADER, Role.TWO_COMMITTEE_MEMBER}
    assert Event.objects.filter(action="supervise").count() == supervised.count()


# -- ratings -------------------------------------------------------------------------------------------


def test_ratings_mostly_satisfied_and_an_unhappy_resident_reopens_once(demo):
    ratings = Counter(Matter.objects.filter(state=State.EVALUATED).values_list("rating", flat=True))
    assert ratings[Rating.SATISFIED] > 0.7 * sum(ratings.values())
    assert ratings[Rating.BASIC] > ratings[Rating.UNSATISFIED] >= 1
    reopened = Matter.objects.filter(reopened=True)
    assert reopened.exists()
    # The first unsatisfied rating reopens the matter as rework for the grid leader; a later one stands.
    for matter in Matter.objects.filter(state=State.EVALUATED, rating=Rating.UNSATISFIED):
        assert matter.reopened
    for matter in reopened:
        rates = list(Event.objects.filter(matter=matter, action="rate").order_by("seq"))
        assert rates[0].data == {"rating": Rating.UNSATISFIED} and rates[0].to_state == State.REWORK
        assign = Event.objects.filter(matter=matter, action="assign", seq__gt=rates[0].seq).first()
        assert assign is not None and assign.note == "居民不满意，请网格长复核"
        assert Duty.objects.current().filter(person_id=assign.data["to"], role=Role.GRID_LEADER).exists()
    assert Matter.objects.filter(state=State.REWORK, reopened=True).exists()
    # Unsatisfied ratings always carry a comment (the API requires one).
    assert not Event.objects.filter(action="rate", data__rating=Rating.UNSATISFIED, note="").exists()


# -- the article's eight ---------------------------------------------------------------------------------


def test_the_article_8_key_small_matters_were_solved_to_satisfaction(demo):
    assert len(ARTICLE_MATTERS) == 8 and len({a.key for a in ARTICLE_MATTERS}) == 8
    found = list(article_matters().select_related("grid"))
    assert len(found) == 8
    featured = _node(FEATURED_CODE)
    tz = timezone.get_default_timezone()
    for article in ARTICLE_MATTERS:
        matter = Matter.objects.get(description__startswith=article.title)
        assert article.kind in DELIBERATION_KINDS and article.kind in matter.description
        assert "红色物业议事厅" in matter.description
        assert matter.state == State.EVALUATED and matter.rating == Rating.SATISFIED
        assert matter.rating_comment == article.rating_comment
        assert matter.source == Source.DELIBERATION and matter.category.code == article.category
        assert not matter.breached and matter.grid.path.startswith(featured.path)
        assert matter.created_at.astimezone(tz).day == 10   # the fixed deliberation day
        notes = set(Event.objects.filter(matter=matter).values_list("note", flat=True))
        assert article.notes["resolve"] in notes and article.notes["start"] in notes
        if article.hold_days:
            assert article.notes["hold"] in notes and article.notes["resume"] in notes
        found_by_search = selectors.matter_list(actor=_login("secretary"), q=article.title[:8])
        assert matter in found_by_search


# -- the demo resident ---------------------------------------------------------------------------------


def test_the_resident_login_sees_their_own_matters_in_several_states(demo):
    user = _login("resident")
    mine = list(selectors.matter_list(actor=user, mine=True))
    assert len(mine) >= 4
    states = {m.state for m in mine}
    assert {State.CLOSED, State.IN_PROGRESS, State.EVALUATED} <= states
    household = user.person.resident.household
    for matter in mine:
        assert matter.reporter_user_id == user.pk and matter.reporter_name == user.person.name
        assert matter.unit_id == household.unit_id
        assert REPORTER in Actor.of(user).roles_on(matter)
    waiting = next(m for m in mine if m.state == State.CLOSED)
    assert not waiting.rating and "rate" in [a.code for a in lifecycle.available(waiting.state)]
    # Their own steps carry their login; they see nobody else's matters as theirs.
    assert Event.objects.filter(matter__in=mine, action="report", actor_user=user).count() == len(mine)
    visible = selectors.matter_list(actor=user)
    assert set(visible) == set(mine)


def test_logins_find_work_in_their_queues(demo):
    for username in ("microgrid", "gridmember", "gridleader"):
        assert selectors.queue(actor=_login(username)), username
    assert selectors.matter_list(actor=_login("gridleader"), supervised=True).exists()


# -- determinism and re-running -------------------------------------------------------------------------


def test_the_same_seed_and_load_time_give_the_same_matters(demo):
    now = timezone.now()

    def draw():
        gen = _Generator(_World(now), build_plan().seed)
        gen.article()
        gen.resident()
        gen.showcase()
        gen.year()
        return [(s.m.description, s.m.state, s.m.created_at, s.m.grid_id, len(s.events)) for s in gen.sims]

    first = draw()
    assert first == draw() and len(first) > 1000


def test_running_again_adds_no_matters(demo):
    before = (Matter.objects.count(), Event.objects.count(), Escalation.objects.count(), Comment.objects.count(),
              Person.objects.count())
    out = StringIO()
    call_command("demo-data", "--no-progress", stdout=out)
    assert "未做改动" in out.getvalue()
    after = (Matter.objects.count(), Event.objects.count(), Escalation.objects.count(), Comment.objects.count(),
             Person.objects.count())
    assert before == after


def test_open311_matters_carry_their_client(demo):
    open311 = Matter.objects.filter(source=Source.OPEN311)
    assert not open311.filter(open311_client__isnull=True).exists()
    if Open311Client.objects.filter(name=OPEN311_CLIENT_NAME).exists():
        assert open311.count() >= 10
    assert Matter.objects.filter(source=Source.API).count() >= 10


def test_inboxes_hold_what_is_going_on_now(demo):
    from wangge.notify import selectors as inbox
    from wangge.notify.models import Notification

    resident = _login("resident")
    told = list(inbox.notification_list(actor=resident))
    assert any(n.event == "matter.close" and "请评价" in n.title for n in told)
    assert inbox.unread_count(actor=resident) > 0
    assigned = Notification.objects.filter(event__in=["matter.assigned", "matter.escalated"])
    for n in assigned[:50]:
        matter = Matter.objects.get(pk=n.payload["matter"])
        assert matter.assignee_id == n.recipient_id and n.link == f"/matters/{matter.pk}/"
    assert assigned.filter(read_at__isnull=True).exists()
