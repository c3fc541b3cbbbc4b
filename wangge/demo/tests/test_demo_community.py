"""The deliberation hall and community life of the demo, loaded once for this module with the rest of the
demo (`load_plan`), inside a transaction rolled back at the end: a session on the 10th of each of the last
12 months with the article's mix of items, resolutions adopting the 8 key small matters it solved,
consultations, venues and more than 10 themed party activities, one finished election of each award, and
notices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wangge.community.activities import selectors as activities_selectors
from wangge.community.activities.models import PARTY_KINDS, Activity, SignUp
from wangge.community.elections import selectors as election_selectors
from wangge.community.elections import services as election_services
from wangge.community.elections.models import Ballot, Election
from wangge.community.notices import selectors as notice_selectors
from wangge.community.venues.models import Booking, Venue
from wangge.community.venues.services import check_slot
from wangge.demo.generator import FEATURED_CODE, build_plan
from wangge.demo.loader import load_plan
from wangge.demo.matters import ARTICLE_MATTERS, article_matters
from wangge.demo.meetings import load_meetings
from wangge.hall.agenda import selectors as agenda_selectors
from wangge.hall.agenda.models import Hall, Item, ItemStatus, Session, SessionStatus
from wangge.hall.consultations import selectors as consultations_selectors
from wangge.hall.consultations import services as consultations_services
from wangge.hall.consultations.models import Consultation, Response
from wangge.hall.consultations.models import Status as ConsultationsStatus
from wangge.hall.meetings import services as meetings_services
from wangge.hall.meetings.models import Resolution
from wangge.matters.models import Source
from wangge.people.access import scope_for
from wangge.people.models import Person
from wangge.registry.models import GridNode

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """What the hall and community loaders wrote (their counts)."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            result = load_plan(build_plan())
            yield result.community
            transaction.set_rollback(True)


# -- agenda ----------------------------------------------------------------------------------------------


def _hall():
    return Hall.objects.select_related("community").get(community__code=FEATURED_CODE)


def test_counts_and_halls(demo):
    assert demo["hall_halls"] == 2 and demo["hall_sessions"] >= 12 + 3 + 3 + 3 and demo["hall_items"] > 30
    hall = _hall()
    assert (hall.name, hall.place) == ("红色物业议事厅", "康宁社区党群服务中心")


def test_a_year_of_sessions_on_the_10th_and_three_ahead(demo):
    hall = _hall()
    # Held, then published by the meetings loader with their minutes and resolutions.
    held = list(hall.sessions.filter(status__in=[SessionStatus.HELD, SessionStatus.PUBLISHED]).order_by("starts_at"))
    assert len(held) == 12 and all(s.status == SessionStatus.PUBLISHED for s in held)
    assert all(timezone.localtime(s.starts_at).day == 10 for s in held)
    assert len({(s.starts_at.year, s.starts_at.month) for s in held}) == 12
    planned = hall.sessions.filter(status=SessionStatus.PLANNED, starts_at__gte=timezone.now())
    assert planned.count() == 3
    for s in held:
        items = list(s.items.all())
        assert 2 <= len(items) <= 4 or len(items) > 4 and any(i.matters.exists() for i in items)
        assert len({i.kind for i in items}) >= 2


def test_article_matters_are_on_items_of_their_sessions(demo):
    hall = _hall()
    linked = Item.objects.filter(hall=hall, matters__source=Source.DELIBERATION).distinct()
    assert linked.count() == len(ARTICLE_MATTERS)
    kinds = {"集中反映的迫切事": "urgent", "协商协调的疑难事": "difficult", "征求意见的重大事": "major"}
    for item in linked:
        [matter] = list(item.matters.all())
        article = next(a for a in ARTICLE_MATTERS if matter.description.startswith(a.title))
        assert item.kind == kinds[article.kind] and item.status == ItemStatus.DISCUSSED
        assert item.session.starts_at.date() >= matter.created_at.date()


def test_proposals_wait_and_suggestions_exist(demo):
    hall = _hall()
    assert Item.objects.filter(hall=hall, status=ItemStatus.PROPOSED).count() >= 3
    found = agenda_selectors.suggestions(hall=hall)
    kinds = {s.kind for s in found}
    assert {"urgent", "difficult"} <= kinds
    urgent = next(s for s in found if s.kind == "urgent")
    assert urgent.households >= hall.collective_min_households and len(urgent.matters) >= 2


def test_loading_is_fast(demo):
    assert Session.objects.filter(hall__community__code=FEATURED_CODE).count() == 15


# -- meetings --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_year_of_published_sessions(demo):
    assert demo["meeting_sessions"] >= 12
    assert demo["meeting_resolutions"] >= 8
    community = GridNode.objects.get(code=FEATURED_CODE)
    sessions = Session.objects.filter(hall__community=community, starts_at__lt=timezone.now())
    assert all(s.status == "published" for s in sessions)
    for session in sessions:
        q = meetings_services.quorum(session)
        assert q.met, (session, q.reasons)
        assert session.invitations.filter(organisation__kind="property_company").exists()


@pytest.mark.django_db
def test_article_matters_solved_by_resolutions(demo):
    adopted = set(Resolution.objects.values_list("matters", flat=True))
    article = list(article_matters())
    assert len(article) == 8
    for matter in article:
        assert matter.pk in adopted
        assert matter.source == "deliberation" and matter.state in ("closed", "evaluated")
    for r in Resolution.objects.all():
        assert r.due_on and (r.responsible_organisation_id or r.responsible_person_id)


@pytest.mark.django_db
def test_idempotent(demo):
    assert load_meetings()["meeting_sessions"] == 0


# -- consultations ---------------------------------------------------------------------------------------


def test_two_closed_with_answers_and_one_open(demo):
    assert demo["consultations"] == 3
    closed = Consultation.objects.filter(status=ConsultationsStatus.CLOSED).order_by("closes_at")
    assert [c.title for c in closed] == ["加装电梯意见征集", "小区停车位改造方案"]
    elevator, parking = closed
    assert elevator.basis == "household" and elevator.buildings.exists()
    assert parking.basis == "resident" and parking.grids.exists()
    for c in closed:
        r = consultations_selectors.results(c)
        assert 0.2 < r["rate"] < 0.95 and r["responses"] > 10
        assert r["questions"][2]["mean"] is not None
        assert any(q["texts"] for q in r["questions"])
    # One per household, as the database holds it.
    households = list(Response.objects.filter(consultation=elevator).values_list("household_id", flat=True))
    assert len(households) == len(set(households))


def test_closed_ones_hang_on_major_items_when_the_agenda_has_them(demo):
    from wangge.hall.agenda.models import Item

    if Item.objects.filter(kind="major").exists():
        for c in Consultation.objects.filter(status=ConsultationsStatus.CLOSED):
            assert c.item is not None and c.item.kind == "major"


def test_the_resident_login_can_answer_the_open_one(demo):
    user = get_user_model().objects.get(username="resident")
    c = Consultation.objects.get(status=ConsultationsStatus.OPEN)
    assert c.is_accepting()
    assert consultations_selectors.my_response(c, user) is None
    answers = []
    for q in c.questions.prefetch_related("options"):
        if q.is_choice:
            answers.append({"question": q.pk, "options": [q.options.first().pk]})
        elif q.kind == "scale":
            answers.append({"question": q.pk, "value": 5})
    with transaction.atomic():
        consultations_services.consultation_respond(actor=user, consultation_id=c.pk, answers=answers)
        assert consultations_selectors.my_response(c, user) is not None
        transaction.set_rollback(True)


# -- activities ------------------------------------------------------------------------------------------


def test_counts(demo):
    assert demo["venues"] == 3 and demo["bookings"] > 10 and demo["bookings_pending"] >= 1
    assert demo["activities_party"] > 10
    assert demo["activities"] == Activity.objects.count()


def test_more_than_ten_party_activities_in_the_past_year_with_attendance(demo):
    featured = GridNode.objects.get(code=FEATURED_CODE)
    year_ago = timezone.now() - dt.timedelta(days=366)
    past = Activity.objects.filter(grid=featured, kind__in=PARTY_KINDS, starts_at__gte=year_ago,
                                   starts_at__lt=timezone.now())
    assert past.count() > 10
    assert {"不忘初心、牢记使命 主题党日", "党史学习读书会（第一期）"} <= set(past.values_list("title", flat=True))
    for a in past:
        attended = a.signups.filter(status="attended")
        assert attended.exists()
        assert all(s.person.resident_id and s.grid_id for s in attended.select_related("person"))
        if a.party_only:
            assert all(s.person.resident.is_party_member for s in a.signups.select_related("person__resident")
                       if not s.walk_in)


def test_upcoming_free_places_a_full_one_and_the_resident_signed_up(demo):
    upcoming = list(Activity.objects.filter(status="published", starts_at__gt=timezone.now()))
    assert len(upcoming) == 3
    full = [a for a in upcoming if a.capacity and a.signups.filter(status="confirmed").count() >= a.capacity]
    assert len(full) == 1 and full[0].signups.filter(status="waiting").count() >= 1
    assert sum(1 for a in upcoming if a not in full) == 2
    resident = Person.objects.get(user__username="resident")
    mine = SignUp.objects.filter(person=resident, activity__in=upcoming)
    assert mine.count() == 1 and mine.get().status == "confirmed"
    for a in upcoming:  # within the capacity
        assert a.capacity is None or a.signups.filter(status__in=["confirmed", "attended"]).count() <= a.capacity


def test_venues_and_bookings_hold_together(demo):
    names = set(Venue.objects.values_list("name", flat=True))
    assert {"妇儿微家", "党群书吧", "多功能活动室"} <= names
    for b in Booking.objects.filter(status__in=["pending", "approved"]):
        check_slot(venue=b.venue, starts_at=b.starts_at, ends_at=b.ends_at, attendees=b.attendees,
                   exclude_booking=b.pk)  # inside the hours, no overlaps
    assert Booking.objects.filter(status="pending", starts_at__gt=timezone.now()).exists()


def test_the_stats_of_the_community(demo):
    featured = GridNode.objects.get(code=FEATURED_CODE)
    committee = Person.objects.filter(duties__grid=featured, user__isnull=False).first()
    scope = scope_for(committee.user)
    stats = activities_selectors.attendance_stats(actor=scope, within=featured.pk,
                                       since=timezone.localdate() - dt.timedelta(days=366))
    assert stats["party_activities"] > 10
    by_grid = {g["grid"]: g["attended"] for g in stats["by_grid"]}
    assert by_grid[featured.pk] == stats["attended"] > 0


# -- elections -------------------------------------------------------------------------------------------


def test_one_finished_election_of_each_award(demo):
    featured = GridNode.objects.get(code=FEATURED_CODE)
    finished = Election.objects.filter(community=featured, results_published_at__isnull=False)
    assert {e.title for e in finished} >= {"最美党员", "最美业主"}
    party = finished.get(title="最美党员")
    assert party.eligibility == "party_members"
    for n in party.nominations.all():
        assert election_selectors.is_party_member(n.nominee)
    for e in finished:
        r = election_selectors.results(actor=None, election=e)
        assert r["ballots"] > 10 and 0 < r["turnout"] < 1
        assert sum(c["votes"] for c in r["candidates"]) == r["ballots"]
    assert demo["elections"] == 4 and demo["ballots"] > 0


def test_resident_login_can_vote_once_in_the_open_election(demo):
    user = get_user_model().objects.get(username="resident")
    open_ = [e for e in election_selectors.election_list(actor=user) if e.phase() == "voting"]
    assert len(open_) == 1
    e = open_[0]
    cand = e.nominations.filter(status="approved").first()
    before = Ballot.objects.filter(election=e).count()
    election_services.vote_cast(actor=user, election_id=e.pk, candidates=[cand.pk])
    assert Ballot.objects.filter(election=e).count() == before + 1


def test_notices_with_two_unread_for_the_resident(demo):
    user = get_user_model().objects.get(username="resident")
    assert demo["notices"] == 12
    mine = notice_selectors.notice_list(actor=user)
    assert mine.count() >= 6
    assert notice_selectors.notice_list(actor=user, unread=True).count() == 2


# -- lists cost the same whatever their length --------------------------------------------------------------

LISTS = ("/api/v1/hall/halls", "/api/v1/hall/sessions", "/api/v1/hall/items", "/api/v1/hall/resolutions",
         "/api/v1/consultations", "/api/v1/activities", "/api/v1/venues", "/api/v1/bookings", "/api/v1/elections",
         "/api/v1/notices")


def _queries(client, url: str, size: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": size})
    assert response.status_code == 200, (url, response.content[:300])
    return len(captured), len(response.json()["items"])


@pytest.mark.parametrize("username", ["secretary", "resident"])
def test_every_list_of_the_hall_and_community_costs_the_same_for_3_rows_as_for_40(demo, username):
    """A list that asks the database once per row (N+1) would need more queries for a longer page: on the
    demo community every list is read both ways by the secretary and by a resident."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    longer = 0
    for url in LISTS:
        few, rows_few = _queries(client, url, 3)
        many, rows_many = _queries(client, url, 40)
        assert many == few, f"{url}: {few} queries for {rows_few} rows, {many} for {rows_many}"
        longer += rows_many > rows_few
    assert longer >= 5  # most lists really were longer the second time
