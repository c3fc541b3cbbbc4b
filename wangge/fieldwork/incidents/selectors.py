"""Every read of incidents, scoped: handlers (incidents.handle) see the incidents of their grids; a
resident sees only the incidents they reported."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from wangge.core.errors import InvalidInput, NotFound, PermissionDenied, one_of
from wangge.core.text import normalize_query
from wangge.people.access import INCIDENTS, VIEW, Scope, actor_scope
from wangge.registry.selectors import within_node

from .models import OPEN_STATUSES, Event, FootageReview, Incident, Kind, Status


def require_handler(scope: Scope, grid) -> None:
    """404 outside the scope (a resident never learns of others' incidents), 403 for staff who view the
    grid without incidents.handle."""
    if scope.can(INCIDENTS, grid):
        return
    if scope.can(VIEW, grid):
        raise PermissionDenied("您在该网格没有办理案事件的权限")
    raise NotFound("未找到该案事件")


def visible_q(scope: Scope) -> Q:
    if scope.is_admin:
        return Q()
    q = scope.grid_q("grid__", INCIDENTS)
    if scope.user_id is not None:
        q |= Q(reporter_user_id=scope.user_id)
    return q


def _base() -> QuerySet[Incident]:
    return Incident.objects.select_related("grid", "police", "reporter_person")


def incident_list(
    *, actor, within: int | None = None, status: list[str] | str | None = None, kind: str | None = None,
    q: str | None = None, mine: bool = False, open_only: bool = False,
) -> QuerySet[Incident]:
    scope = actor_scope(actor)
    qs = _base().filter(visible_q(scope))
    node = within_node(scope, within)
    if node is not None:
        qs = qs.filter(grid__path__startswith=node.path)
    if status:
        wanted = [status] if isinstance(status, str) else list(status)
        unknown = [s for s in wanted if s not in Status.values]
        if unknown:
            raise InvalidInput.field("status", f"未知状态 {'、'.join(unknown)}")
        qs = qs.filter(status__in=wanted)
    if open_only:
        qs = qs.filter(status__in=list(OPEN_STATUSES))
    if kind:
        one_of(kind, Kind.values, "kind", "类别")
        qs = qs.filter(kind=kind)
    if mine:
        qs = qs.filter(reporter_user_id=scope.user_id) if scope.user_id else qs.none()
    if q:
        needle = normalize_query(q)
        qs = qs.filter(Q(search_text__contains=needle) | Q(pk=int(needle) if needle.isdigit() and len(needle) < 18 else 0))
    return qs.order_by("-id")


def incident_get(*, actor, incident_id: int) -> Incident:
    """The incident for its reporter or a handler: 404 outside the scope, 403 for someone who views the
    grid without incidents.handle."""
    scope = actor_scope(actor)
    incident = _base().filter(pk=incident_id).first()
    if incident is None:
        raise NotFound("未找到该案事件")
    if scope.user_id is not None and incident.reporter_user_id == scope.user_id:
        return incident
    require_handler(scope, incident.grid)
    return incident


def can_handle(actor, incident: Incident) -> bool:
    return actor_scope(actor).can(INCIDENTS, incident.grid)


def reviews(incident: Incident) -> list[FootageReview]:
    return list(incident.reviews.prefetch_related("cameras").select_related("reviewer"))


def events(incident: Incident) -> list[Event]:
    return list(incident.events.all())


def police_stations(incident: Incident):
    from wangge.people.models import Organisation, OrganisationKind

    return Organisation.objects.filter(kind=OrganisationKind.POLICE_STATION, subdistrict_id=incident.subdistrict_id)


def cameras_for(incident: Incident):
    """The cameras a footage request may name: those of the incident's estate, nearest first when the
    incident has a point."""
    from wangge.fieldwork.cameras.models import Camera
    from wangge.fieldwork.cameras.services import distance_m

    from .services import _estate_path

    qs = list(Camera.objects.filter(grid__path__startswith=_estate_path(incident.grid)).select_related("building", "gate")
              .order_by("code"))
    if incident.lon is not None:
        qs.sort(key=lambda c: distance_m(c.lon, c.lat, incident.lon, incident.lat))
    return qs
