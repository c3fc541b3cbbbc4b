"""Every read of 社区活动, filtered through the access scope.

Staff see the activities of the grids they may view (drafts only where they hold ACTIVITIES) and the
published ones of the grids above; residents
see the published, finished and cancelled activities of any grid on their household's chain (their
micro-grid up to the district) and only their own sign-ups."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from wangge.core.errors import InvalidInput, NotFound, one_of
from wangge.core.text import normalize_query
from wangge.people.access import ACTIVITIES, Scope, actor_scope
from wangge.registry.models import GridNode, path_ids
from wangge.registry.selectors import within_node

from .models import TAKING_PLACE, Activity, Kind, SignUp, SignUpStatus, Status


def activity_visible_q(scope: Scope) -> Q:
    if scope.is_admin:
        return Q()
    q = scope.grid_q("grid__", ACTIVITIES) | (scope.grid_q("grid__") & ~Q(status=Status.DRAFT))
    # Staff also see the published activities of the grids above theirs (their residents may join them).
    above = scope.ancestor_ids()
    if above:
        q |= Q(grid_id__in=above) & ~Q(status=Status.DRAFT)
    if scope.household_chain:
        q |= Q(grid_id__in=scope.household_chain) & ~Q(status=Status.DRAFT)
    return q


def can_manage(scope: Scope, activity: Activity) -> bool:
    return scope.can(ACTIVITIES, activity.grid)


def _with_counts(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    return qs.annotate(
        n_confirmed=Count("signups", filter=Q(signups__status__in=TAKING_PLACE)),
        n_waiting=Count("signups", filter=Q(signups__status=SignUpStatus.WAITING)),
        n_attended=Count("signups", filter=Q(signups__status=SignUpStatus.ATTENDED)),
    )


def activity_list(*, actor, within: int | None = None, q: str | None = None, kind: str | None = None,
                  upcoming: bool | None = None, status: str | None = None,
                  now: dt.datetime | None = None) -> QuerySet[Activity]:
    scope = actor_scope(actor)
    qs = Activity.objects.filter(activity_visible_q(scope)).select_related("grid", "venue", "organiser")
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(grid__path__startswith=node.path)
    if kind:
        one_of(kind, Kind.values, "kind", "类别")
        qs = qs.filter(kind=kind)
    if status:
        one_of(status, Status.values, "status", "状态")
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(search_text__contains=normalize_query(q))
    now = now or timezone.now()
    if upcoming:
        return _with_counts(qs.filter(ends_at__gte=now)).order_by("starts_at", "id")
    if upcoming is False:
        qs = qs.filter(ends_at__lt=now)
    return _with_counts(qs).order_by("-starts_at", "-id")


def activity_get(*, actor, activity_id: int) -> Activity:
    activity = _with_counts(Activity.objects.filter(activity_visible_q(actor_scope(actor)), pk=activity_id)
                            .select_related("grid", "venue", "organiser", "organiser_person")).first()
    if activity is None:
        raise NotFound("未找到该活动")
    return activity


def my_signup(*, actor, activity: Activity) -> SignUp | None:
    scope = actor_scope(actor)
    if scope.person_id is None:
        return None
    return SignUp.objects.filter(activity=activity, person_id=scope.person_id).first()


def my_signups(*, actor) -> dict[int, SignUp]:
    scope = actor_scope(actor)
    if scope.person_id is None:
        return {}
    return {s.activity_id: s for s in SignUp.objects.filter(person_id=scope.person_id)}


def waiting_rank(signup: SignUp) -> int | None:
    """1 for the first on the waiting list."""
    if signup.status != SignUpStatus.WAITING:
        return None
    return SignUp.objects.filter(activity_id=signup.activity_id, status=SignUpStatus.WAITING,
                                 position__lt=signup.position).count() + 1


def signup_list(*, activity: Activity, status: str | None = None) -> QuerySet[SignUp]:
    """The sign-ups of an activity (callers check ACTIVITIES first): places first, then the waiting list."""
    qs = SignUp.objects.filter(activity=activity).select_related("person__resident__household__unit__building", "grid")
    if status:
        one_of(status, SignUpStatus.values, "status", "状态")
        qs = qs.filter(status=status)
    return qs.order_by("status", "position", "created_at", "id")


def attendance_stats(*, actor, within: int | None = None, since: dt.date | None = None,
                     until: dt.date | None = None) -> dict:
    """Attendance of the activities the actor may see held in [since, until]: per kind (activities held,
    attendees) and per grid — each attendee counted at their micro-grid and every grid above it, listed
    for the grids the actor may view."""
    scope = actor_scope(actor)
    if since and until and until < since:
        raise InvalidInput.field("until", "结束日期不能早于开始日期")
    activities = Activity.objects.filter(activity_visible_q(scope)).exclude(status__in=[Status.DRAFT, Status.CANCELLED])
    node = within_node(scope, within)
    if node is not None:
        activities = activities.filter(grid__path__startswith=node.path)
    tz = timezone.get_current_timezone()
    if since:
        activities = activities.filter(starts_at__gte=dt.datetime.combine(since, dt.time.min, tz))
    if until:
        activities = activities.filter(starts_at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tz))
    per_kind = {row["kind"]: row for row in activities.values("kind").annotate(
        activities=Count("id", distinct=True),
        attended=Count("signups", filter=Q(signups__status=SignUpStatus.ATTENDED)))}
    kinds = [{"kind": k.value, "label": str(k.label), "activities": per_kind.get(k.value, {}).get("activities", 0),
              "attended": per_kind.get(k.value, {}).get("attended", 0)} for k in Kind]
    attended = SignUp.objects.filter(activity__in=activities, status=SignUpStatus.ATTENDED)
    counter: Counter[int] = Counter()
    for path, n in attended.exclude(grid__isnull=True).values_list("grid__path").annotate(n=Count("id")):
        for node_id in path_ids(path):
            counter[node_id] += n
    grids = GridNode.objects.filter(pk__in=list(counter))
    if not scope.is_admin:
        grids = grids.filter(scope.grid_q())
    if node is not None:
        grids = grids.filter(path__startswith=node.path)
    by_grid = [{"grid": g.pk, "name": g.name, "level": g.level, "depth": g.depth, "attended": counter[g.pk]}
               for g in grids.order_by("path")]
    return {"activities": sum(k["activities"] for k in kinds), "attended": sum(k["attended"] for k in kinds),
            "by_kind": kinds, "by_grid": by_grid,
            "party_activities": sum(k["activities"] for k in kinds if k["kind"] in
                                    ("party_education", "policy_talk", "party_history"))}
