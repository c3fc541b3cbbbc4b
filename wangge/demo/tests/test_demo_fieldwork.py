"""The field work of the demo, loaded once for this module with the rest of the demo (`load_plan`), inside
a transaction rolled back at the end: gate duty, visitor checks, door-to-door visits, the article's 11
mediated disputes, cameras from 60 to over 300, solved incidents, and the night fire."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.db import transaction
from django.utils import timezone

from wangge.demo.cameras import BEFORE_CAMPAIGN, CAMPAIGN_MONTHS, campaign_start
from wangge.demo.disputes import ARTICLE_DISPUTES
from wangge.demo.gates import DEMO_POINT
from wangge.demo.generator import DEMO_PASSWORD, FEATURED_CODE, SUBDISTRICT_CODE, build_plan
from wangge.demo.loader import load_plan
from wangge.fieldwork.cameras import selectors as cameras_selectors
from wangge.fieldwork.cameras.models import Camera
from wangge.fieldwork.cameras.models import Status as CamerasStatus
from wangge.fieldwork.disputes import pdf as disputes_pdf
from wangge.fieldwork.disputes import selectors as disputes_selectors
from wangge.fieldwork.disputes.models import Dispute
from wangge.fieldwork.disputes.models import Status as DisputesStatus
from wangge.fieldwork.emergencies import selectors as emergencies_selectors
from wangge.fieldwork.emergencies.models import Emergency, HouseholdStatus, StatusChange
from wangge.fieldwork.gates import selectors as gates_selectors
from wangge.fieldwork.gates import services as gates_services
from wangge.fieldwork.gates.models import Post, Shift, ShiftStatus
from wangge.fieldwork.incidents.models import FootageReview, Incident
from wangge.fieldwork.visitors import selectors as visitors_selectors
from wangge.fieldwork.visitors import services as visitors_services
from wangge.fieldwork.visitors.models import CheckItem, Visitor
from wangge.fieldwork.visitors.models import Status as VisitorsStatus
from wangge.fieldwork.visits import selectors as visits_selectors
from wangge.fieldwork.visits.models import Outcome, Visit, VisitPlan
from wangge.matters.lifecycle import OPEN_STATES
from wangge.matters.models import Source
from wangge.people.access import GATE, MEDIATE, ROLE_CAPABILITIES, VISIT, actor_scope, scope_for
from wangge.people.models import Duty, Role
from wangge.registry.locate import locate_id
from wangge.registry.models import GridNode, Level

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """What the field-work loaders wrote (their counts)."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            result = load_plan(build_plan())
            yield result.fieldwork
            transaction.set_rollback(True)


# -- gates -----------------------------------------------------------------------------------------------


def test_every_estate_has_a_post_with_three_shifts(demo):
    featured = GridNode.objects.get(code=FEATURED_CODE)
    estates = GridNode.objects.filter(level=Level.ESTATE_GRID, path__startswith=featured.path)
    assert estates.exists()
    for estate in estates:
        posts = Post.objects.filter(estate=estate)
        assert 1 <= posts.count() <= 2
        for post in posts:
            assert post.lon is not None and [t.name for t in post.templates.all()] == ["早班", "中班", "夜班"]
            assert gates_services.guards_of(post).count() >= 3


def test_three_weeks_covered_but_one_gap_next_week(demo):
    now = timezone.now()
    monday = gates_services.week_start(timezone.localdate()) - dt.timedelta(days=7)
    start = gates_services._local(monday, dt.time(0))
    end = start + dt.timedelta(days=21)
    ahead = {post.pk: gates_services.gaps_of(post, now, end) for post in Post.objects.all()}
    with_gaps = {pk: g for pk, g in ahead.items() if g}
    assert len(with_gaps) == 1
    (gap,) = next(iter(with_gaps.values()))
    assert gap[1] - gap[0] == dt.timedelta(hours=8) and timezone.localtime(gap[0]).weekday() == 2
    assert timezone.localtime(gap[0]).time() == dt.time(0)
    # Behind: nobody was at the gate during the two missed shifts, and only then.
    missed = Shift.objects.filter(status=ShiftStatus.MISSED)
    assert missed.count() == 2
    behind = sorted(g for post in Post.objects.all() for g in gates_services.gaps_of(post, start, now))
    assert behind == sorted((s.starts_at, s.ends_at) for s in missed)
    assert Shift.objects.filter(status=ShiftStatus.DONE, ends_at__lte=now).count() > 20


def test_the_guard_login_keeps_the_main_gate_of_the_demo_point(demo):
    user = authenticate(username="guard", password=DEMO_PASSWORD)
    assert user is not None
    estate = GridNode.objects.get(pk=locate_id(*DEMO_POINT)).parent
    scope = scope_for(user)
    assert scope.can(GATE, estate)
    posts = list(gates_selectors.post_list(actor=user))
    assert posts and all(p.estate_id == estate.pk for p in posts)
    mine = gates_selectors.shift_list(actor=user, mine=True)
    assert mine.count() >= 20 and all(s.post.estate_id == estate.pk for s in mine)


# -- visitors --------------------------------------------------------------------------------------------


def test_two_weeks_of_visitors_at_every_gate(demo):
    counts = demo
    featured = GridNode.objects.get(code=FEATURED_CODE)
    posts = Post.objects.filter(estate__path__startswith=featured.path)
    assert posts.exists()
    assert counts["visitors"] == Visitor.objects.count() > 14 * posts.count()
    assert set(Visitor.objects.values_list("post_id", flat=True)) == set(posts.values_list("pk", flat=True))
    oldest = Visitor.objects.order_by("registered_at").first().registered_at
    assert timezone.now() - oldest < dt.timedelta(days=visitors_services.retention_days())
    assert visitors_services.visitor_purge() == 0


def test_rules_changed_and_old_records_keep_theirs(demo):
    sub = GridNode.objects.get(code=SUBDISTRICT_CODE)
    assert not CheckItem.objects.get(grid=sub, code="itinerary").active
    codes = lambda v: [r["code"] for r in v.rules]  # noqa: E731
    assert "itinerary" in codes(Visitor.objects.order_by("registered_at").first())
    assert "itinerary" not in codes(Visitor.objects.order_by("-registered_at").first())
    estate = Visitor.objects.first().estate
    assert [i.code for i in visitors_services.rules_for(estate)[1]] == ["temp", "health_code", "id_card"]


def test_flagged_refused_and_pending_visitors(demo):
    assert Visitor.objects.filter(status=VisitorsStatus.REFUSED, flagged=True).exists()
    assert Visitor.objects.filter(status=VisitorsStatus.ADMITTED, flagged=True).exclude(note="").exists()
    assert Visitor.objects.filter(status=VisitorsStatus.REGISTERED).count() >= 4
    for v in Visitor.objects.exclude(status=VisitorsStatus.REGISTERED)[:50]:
        assert v.checks and v.checked_at and v.checked_by_label
        assert v.flagged == any(c["ok"] is False for c in v.checks)


def test_the_demo_resident_has_a_visitor_to_confirm(demo):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="resident")
    mine = visitors_selectors.visitor_list(actor=scope_for(user), mine=True)
    assert mine.filter(host_confirmed__isnull=True, status=VisitorsStatus.REGISTERED).exists()
    assert mine.filter(host_confirmed=True).exists()


# -- visits ----------------------------------------------------------------------------------------------


def test_the_featured_community_has_a_quarterly_plan_with_monthly_care_visits(demo):
    plan = VisitPlan.objects.get()
    assert plan.grid.code == FEATURED_CODE
    assert (plan.period_days, plan.care_period_days, plan.active) == (91, 30, True)


def test_coverage_is_high_but_not_perfect(demo):
    community = GridNode.objects.get(code=FEATURED_CODE)
    c = visits_selectors.coverage(actor=None, within=community.pk)
    assert c.total.households > 100
    assert 0.8 <= c.total.share < 1
    assert c.total.overdue > 0 and c.total.never > 0
    assert c.total.care > 0 and c.total.care_in_period > 0
    assert all(g.tally.households for g in c.grids)
    assert c.workers and all(w.tally.households for w in c.workers)


def test_the_microgrid_login_has_households_on_its_list_today(demo):
    user = get_user_model().objects.get(username="microgrid")
    due = visits_selectors.due_list(actor=user)
    assert len(due) >= 3
    assert any(r.status in ("overdue", "never") for r in due)


def test_visits_are_made_by_workers_of_the_households_grid(demo):
    visiting = [r for r, caps in ROLE_CAPABILITIES.items() if VISIT in caps]
    grids = {}
    for person_id, path in Duty.objects.filter(role__in=visiting).values_list("person_id", "grid__path"):
        grids.setdefault(person_id, []).append(path)
    visits = list(Visit.objects.select_related("grid").order_by("id")[:: 25])
    assert visits
    for v in visits:
        assert any(v.grid.path.startswith(p) for p in grids.get(v.worker_id, [])), v
    outcomes = set(Visit.objects.values_list("outcome", flat=True).distinct())
    assert outcomes == set(Outcome.values)


def test_visit_matters_have_their_visit(demo):
    linked = Visit.objects.filter(matters__isnull=False).distinct()
    assert linked.exists()
    for v in linked[:20]:
        for m in v.matters.all():
            assert m.source == Source.VISIT and m.household_id == v.household_id
            assert v.outcome == Outcome.MET


# -- disputes --------------------------------------------------------------------------------------------


def test_exactly_eleven_agreements_in_the_featured_community(demo):
    community = GridNode.objects.get(code=FEATURED_CODE)
    mine = Dispute.objects.filter(grid__path__startswith=community.path)
    assert mine.filter(status=DisputesStatus.AGREEMENT).count() == 11 == len(ARTICLE_DISPUTES)
    statuses = set(mine.values_list("status", flat=True))
    assert statuses == set(DisputesStatus.values)


def test_agreements_are_complete(demo):
    for dispute in Dispute.objects.filter(status=DisputesStatus.AGREEMENT).prefetch_related("parties", "sessions"):
        sides = {p.side for p in dispute.parties.all()}
        assert {"applicant", "respondent"} <= sides
        assert dispute.agreement_terms and dispute.follow_up_on and dispute.concluded_at
        assert dispute.sessions.exists() and dispute.mediators.exists()
        for session in dispute.sessions.all():
            assert dispute.opened_at <= session.held_at <= dispute.concluded_at
        assert dispute.matter is None or dispute.matter.state not in OPEN_STATES


def test_some_started_from_matters_and_outsiders_are_valid(demo):
    assert Dispute.objects.filter(matter__isnull=False).exists()
    from wangge.core.pii import id_number_problem, phone_problem
    from wangge.fieldwork.disputes.models import Party

    for party in Party.objects.filter(resident__isnull=True):
        assert id_number_problem(party.id_number) is None and phone_problem(party.phone) is None


def test_mediators_may_mediate_there_and_see_the_dispute(demo):
    for dispute in Dispute.objects.prefetch_related("mediators__user"):
        for person in dispute.mediators.all():
            if person.user is None:
                continue
            scope = actor_scope(person.user)
            assert scope.can(MEDIATE, dispute.grid)
            assert disputes_selectors.dispute_list(actor=scope).filter(pk=dispute.pk).exists()


def test_agreement_pdf_renders(demo):
    dispute = Dispute.objects.filter(status=DisputesStatus.AGREEMENT).first()
    assert disputes_pdf.agreement_pdf(dispute).startswith(b"%PDF")


# -- cameras ---------------------------------------------------------------------------------------------


def _featured():
    return GridNode.objects.get(code=FEATURED_CODE)


def test_cameras_from_60_to_over_300(demo):
    featured = _featured()
    cams = Camera.objects.filter(grid__path__startswith=featured.path)
    start = campaign_start(timezone.localdate())
    assert cams.filter(installed_on__lt=start).count() == BEFORE_CAMPAIGN == 60
    assert cams.filter(status=CamerasStatus.IN_SERVICE).count() > 300
    assert cams.filter(status=CamerasStatus.FAULTY).exists() and cams.filter(status=CamerasStatus.REMOVED).exists()
    months = cameras_selectors.timeline(actor=None, within=featured.pk, months=CAMPAIGN_MONTHS + 2)
    assert months[0].in_service == 60          # the month before the campaign
    assert months[-1].in_service > 300
    assert all(a.in_service <= b.in_service + 4 for a, b in zip(months, months[1:], strict=False))
    assert demo["cameras_before_campaign"] == 60


def test_coverage_shows_a_couple_of_gaps(demo):
    cov = cameras_selectors.coverage(actor=None, within=_featured().pk)
    gaps = [t for t in cov.gaps if t.kind == "building"]
    assert len(gaps) == 2
    assert cov.percent > 90


def test_more_than_20_incidents_solved_with_footage(demo):
    featured = _featured()
    incidents = Incident.objects.filter(grid__path__startswith=featured.path)
    assert incidents.filter(status="solved").count() > 20
    assert 25 <= incidents.count() <= 30
    assert incidents.exclude(police_name="").count() >= 3
    assert {"vehicle_damage", "lost_item", "theft"} <= set(incidents.values_list("kind", flat=True))
    for incident in incidents.filter(status="solved"):
        assert incident.outcome
        assert [e.action for e in incident.events.all()][0] == "report"
        assert incident.events.last().to_status == "solved"
    reviews = FootageReview.objects.filter(incident__in=incidents)
    assert reviews.count() >= 25
    for review in reviews.prefetch_related("cameras"):
        assert review.window_to > review.window_from
        assert all(c.installed_on <= review.window_to.date() for c in review.cameras.all())
        assert review.cameras.exists()
    assert incidents.filter(reporter_user__username="resident").count() == 2


# -- emergencies -----------------------------------------------------------------------------------------


def test_the_night_fire_and_the_drill_are_cleared_in_the_featured_community(demo):
    community = GridNode.objects.get(code=FEATURED_CODE)
    assert demo["emergencies"] == 2 and demo["household_statuses"] == HouseholdStatus.objects.count()
    fire = Emergency.objects.get(drill=False)
    drill = Emergency.objects.get(drill=True)
    for e in (fire, drill):
        assert e.status == "cleared" and e.kind == "fire" and e.report and e.cleared_at > e.declared_at
        assert e.grid.path.startswith(community.path)
    assert timezone.localtime(fire.declared_at).strftime("%H:%M") == "01:40"  # a night fire
    assert fire.households.filter(status="not_reached").count() == 0
    assert fire.households.filter(status="needs_help").count() == 2
    assert fire.summary["counts"]["total"] == fire.households.count() > 0
    assert drill.summary["counts"]["not_reached"] == 1 and len(drill.summary["not_reached"]) == 1
    assert "演练" in str(drill) and "演练" in drill.title
    assert StatusChange.objects.count() == HouseholdStatus.objects.exclude(status="not_reached").count()


def test_the_featured_leaders_see_them(demo):
    duty = Duty.objects.filter(role=Role.TWO_COMMITTEE_MEMBER, grid__code=FEATURED_CODE,
                               person__user__isnull=False).select_related("person__user").first()
    assert emergencies_selectors.emergency_list(actor=duty.person.user).count() == 2
