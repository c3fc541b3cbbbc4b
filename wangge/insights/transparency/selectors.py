"""The public figures of one community (社区公开): counts only, never a name, a phone or a room.

Every figure counts rows of the community's whole subtree (its area grids, estates and micro-grids) for
this year (1 January up to now) and for each of the last twelve months. Definitions:

| figure | counts |
| --- | --- |
| activities, attendance | activities published or done that started in the period; sign-ups checked in at them |
| matters received, closed, satisfaction | the matters rollups (`rollups.selectors`): reported in the period; closed in the period; 满意率 of the ratings of the matters reported in the period |
| disputes received, mediated | disputes registered in the period; disputes concluded in the period with an agreement (达成协议) |
| cameras | in place now (installed, not removed), of them in service and faulty; per month, in place at the month's end |
| sessions held, resolutions | deliberation sessions of the community's halls held (or held and published) that started in the period; resolutions of the published ones (unpublished resolutions may still change) |
| visits, households visited | door-to-door visits logged in the period; distinct households they reached |

The whole answer is computed once per `CACHE_SECONDS` per community and kept in the Django cache, so that a
public page cannot be hammered into the database; it is read from the replica when one is configured.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from wangge.community.activities.models import Activity, SignUpStatus
from wangge.community.activities.models import Status as ActivityStatus
from wangge.core.errors import NotFound
from wangge.core.months import last_months, month_end
from wangge.core.replica import replica_reads
from wangge.core.schemas import MAX_ID
from wangge.fieldwork.cameras.models import Camera
from wangge.fieldwork.cameras.models import Status as CameraStatus
from wangge.fieldwork.disputes.models import Dispute
from wangge.fieldwork.disputes.models import Status as DisputeStatus
from wangge.fieldwork.visits.models import Visit
from wangge.hall.agenda.models import Session, SessionStatus
from wangge.hall.meetings.models import Resolution
from wangge.insights.rollups import selectors as rollups
from wangge.registry.models import GridNode, Level

CACHE_SECONDS = 45
LIST_KEY = "transparency:v1:communities"
MONTHS = 12
HELD_ACTIVITY = (ActivityStatus.PUBLISHED, ActivityStatus.DONE)
HELD_SESSION = (SessionStatus.HELD, SessionStatus.PUBLISHED)


@dataclass
class MonthFigures:
    """One month of the line (the running month counts up to now)."""

    month: str  # "2025-07"
    activities: int = 0
    attendance: int = 0
    matters_received: int = 0
    matters_closed: int = 0
    disputes_received: int = 0
    disputes_mediated: int = 0
    cameras: int = 0  # in place at the month's end
    sessions_held: int = 0
    resolutions: int = 0
    visits: int = 0


@dataclass
class Transparency:
    community_id: int
    community: str
    subdistrict: str
    year: int
    as_of: dt.datetime
    activities: int = 0
    attendance: int = 0
    matters_received: int = 0
    matters_closed: int = 0
    matters_rated: int = 0
    satisfaction_rate: float | None = None
    disputes_received: int = 0
    disputes_mediated: int = 0
    cameras: int = 0
    cameras_in_service: int = 0
    cameras_faulty: int = 0
    sessions_held: int = 0
    resolutions: int = 0
    visits: int = 0
    households_visited: int = 0
    months: list[MonthFigures] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


# -- the communities ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommunityEntry:
    id: int
    name: str
    subdistrict: str


@replica_reads
def community_list() -> list[CommunityEntry]:
    """Every community with its subdistrict's name (public names only), by code; cached like the figures."""
    found = cache.get(LIST_KEY)
    if found is None:
        rows = (GridNode.objects.filter(level=Level.COMMUNITY).order_by("code")
                .values_list("id", "name", "parent__name"))
        found = [CommunityEntry(id=pk, name=name, subdistrict=parent or "") for pk, name, parent in rows]
        cache.set(LIST_KEY, found, CACHE_SECONDS)
    return found


def community_get(community_id: int) -> GridNode:
    """A community by id; anything else (unknown, another level, an id out of range) is NotFound."""
    if not 0 < community_id <= MAX_ID:
        raise NotFound(f"未找到社区 {community_id}")
    node = GridNode.objects.filter(pk=community_id, level=Level.COMMUNITY).select_related("parent").first()
    if node is None:
        raise NotFound(f"未找到社区 {community_id}")
    return node


# -- the figures ----------------------------------------------------------------------------------------------


def _key(day: dt.date | dt.datetime) -> str:
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return f"{day.year:04d}-{day.month:02d}"


def _by_month(qs, when: str, **counts) -> dict[str, dict]:
    """{"YYYY-MM": {name: count}} of `qs` grouped by the local month of `when`."""
    tz = timezone.get_current_timezone()
    rows = qs.annotate(m=TruncMonth(when, tzinfo=tz)).values("m").annotate(**counts).order_by()
    return {_key(row.pop("m")): row for row in rows}


def _under(node: GridNode, prefix: str = "grid__") -> Q:
    return Q(**{f"{prefix}path__startswith": node.path})


def _compute(node: GridNode, now: dt.datetime) -> Transparency:
    today = timezone.localdate(now)
    months = last_months(today, MONTHS)
    year_start = dt.date(today.year, 1, 1)
    first = min(months[0], year_start)
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(first, dt.time.min, tz)
    keys = [_key(m) for m in months]
    year_keys = {f"{today.year:04d}-{m:02d}" for m in range(1, today.month + 1)}
    series: dict[str, dict[str, int]] = {}

    def put(name: str, per_month: dict[str, int]) -> int:
        """Keep a figure's months for the line; answer its total for this year."""
        series[name] = per_month
        return sum(n for k, n in per_month.items() if k in year_keys)

    out = Transparency(community_id=node.pk, community=node.name,
                       subdistrict=node.parent.name if node.parent_id else "", year=today.year, as_of=now)

    activities = Activity.objects.filter(_under(node), status__in=HELD_ACTIVITY, starts_at__gte=since,
                                         starts_at__lte=now)
    rows = _by_month(activities, "starts_at", n=Count("id", distinct=True),
                     attended=Count("signups", filter=Q(signups__status=SignUpStatus.ATTENDED)))
    out.activities = put("activities", {k: r["n"] for k, r in rows.items()})
    out.attendance = put("attendance", {k: r["attended"] for k, r in rows.items()})

    matters = {_key(m): f for m, f in rollups.breakdown(node, first, today, "month").items() if m is not None}
    out.matters_received = put("matters_received", {k: f.received for k, f in matters.items()})
    out.matters_closed = put("matters_closed", {k: f.closed for k, f in matters.items()})
    year = rollups.figures(node, year_start, today)
    out.matters_rated, out.satisfaction_rate = year.rated, year.satisfaction_rate

    disputes = Dispute.objects.filter(_under(node))
    rows = _by_month(disputes.filter(opened_at__gte=since, opened_at__lte=now), "opened_at", n=Count("id"))
    out.disputes_received = put("disputes_received", {k: r["n"] for k, r in rows.items()})
    rows = _by_month(disputes.filter(status=DisputeStatus.AGREEMENT, concluded_at__gte=since,
                                     concluded_at__lte=now), "concluded_at", n=Count("id"))
    out.disputes_mediated = put("disputes_mediated", {k: r["n"] for k, r in rows.items()})

    cameras = list(Camera.objects.filter(_under(node)).values_list("installed_on", "removed_on", "status"))
    in_place = [c for c in cameras if c[0] <= today and c[1] is None and c[2] != CameraStatus.REMOVED]
    out.cameras = len(in_place)
    out.cameras_in_service = sum(1 for c in in_place if c[2] == CameraStatus.IN_SERVICE)
    out.cameras_faulty = sum(1 for c in in_place if c[2] == CameraStatus.FAULTY)
    month_ends = {}
    for start in months:
        end = min(month_end(start), today)
        month_ends[_key(start)] = sum(1 for i, r, _s in cameras if i <= end and (r is None or r > end))
    series["cameras"] = month_ends

    sessions = Session.objects.filter(_under(node, "hall__community__"), status__in=HELD_SESSION,
                                      starts_at__gte=since, starts_at__lte=now)
    rows = _by_month(sessions, "starts_at", n=Count("id"))
    out.sessions_held = put("sessions_held", {k: r["n"] for k, r in rows.items()})
    resolutions = Resolution.objects.filter(_under(node, "session__hall__community__"),
                                            session__status=SessionStatus.PUBLISHED,
                                            session__starts_at__gte=since, session__starts_at__lte=now)
    rows = _by_month(resolutions, "session__starts_at", n=Count("id"))
    out.resolutions = put("resolutions", {k: r["n"] for k, r in rows.items()})

    visits = Visit.objects.filter(_under(node), visited_at__gte=since, visited_at__lte=now)
    rows = _by_month(visits, "visited_at", n=Count("id"))
    out.visits = put("visits", {k: r["n"] for k, r in rows.items()})
    start_of_year = dt.datetime.combine(year_start, dt.time.min, tz)
    out.households_visited = visits.filter(visited_at__gte=start_of_year).values("household_id").distinct().count()

    out.months = [MonthFigures(month=k, **{name: per.get(k, 0) for name, per in series.items()}) for k in keys]
    return out


def cache_key(community_id: int) -> str:
    return f"transparency:v1:{community_id}"


@replica_reads
def transparency(*, community_id: int, now: dt.datetime | None = None, fresh: bool = False) -> Transparency:
    """The public figures of a community, from the cache when they are at most CACHE_SECONDS old. An unknown
    id, or a node that is not a community, is NotFound (a 404)."""
    key = cache_key(community_id)
    if not fresh and now is None:
        found = cache.get(key)
        if found is not None:
            return found
    node = community_get(community_id)
    result = _compute(node, now or timezone.now())
    if now is None:
        cache.set(key, result, CACHE_SECONDS)
    return result
