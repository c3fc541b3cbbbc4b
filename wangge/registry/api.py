"""/api/v1 routes of the grid registry: grids, boundaries, locate, buildings, units, households,
residents, coverage. Each parses, calls one selector or service, and serializes."""

from __future__ import annotations

from contextlib import contextmanager

from django.http import JsonResponse
from ninja import Query, Router, Status

from wangge.core.errors import FieldError, InvalidInput
from wangge.core.schemas import ERRORS, Id, ListQuery, list_of, page_of
from wangge.people.access import EDIT_REGISTRY, request_scope, require
from wangge.people.services import resident_unmask

from . import selectors, services
from .coverage import coverage_report
from .locate import locate
from .schemas import (
    BoundaryIn,
    BuildingOut,
    CoverageOut,
    CoverageQuery,
    GeoQuery,
    GridDetailOut,
    GridOut,
    GridQuery,
    HouseholdIn,
    HouseholdOut,
    HouseholdPatch,
    LocateOut,
    LocateQuery,
    ResidentIn,
    ResidentLeaveIn,
    ResidentMoveIn,
    ResidentOut,
    ResidentPatch,
    ResidentQuery,
    UnitOut,
    UnmaskIn,
    UnmaskOut,
)
from .serializers import building_out, grid_out, household_out, resident_out, unit_out

router = Router(tags=["registry"])


@router.get("/grids", response={200: list_of(GridOut), **ERRORS}, operation_id="grid_list")
def grid_list(request, query: Query[GridQuery]):
    qs = selectors.grid_list(
        actor=request_scope(request), level=query.level, parent=query.parent, within=query.within, q=query.q
    )
    return page_of(qs, query, grid_out)


@router.get("/grids.geojson", response={200: dict, **ERRORS}, operation_id="grid_geojson")
def grid_geojson(request, query: Query[GeoQuery]):
    """Boundaries as a GeoJSON FeatureCollection (WGS84)."""
    qs = selectors.grid_list(
        actor=request_scope(request), level=query.level, parent=query.parent, within=query.within
    ).filter(boundary__isnull=False)
    features = [
        {"type": "Feature", "id": n.pk, "geometry": n.boundary, "properties": grid_out(n)} for n in qs.iterator()
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features}, json_dumps_params={"ensure_ascii": False})


@router.get("/grids/locate", response={200: LocateOut, **ERRORS}, operation_id="grid_locate")
def grid_locate(request, query: Query[LocateQuery]):
    """The micro-grid (or the deepest grid with a boundary) containing a point, with its ancestors."""
    node, point = locate(lon=query.lon, lat=query.lat, crs=query.crs)
    ancestors = selectors.grid_ancestors(node)
    return {"grid": grid_out(node), "ancestors": [grid_out(a) for a in ancestors], "wgs84": list(point)}


def _detail(node) -> dict:
    return {
        **grid_out(node),
        "boundary": node.boundary,
        "ancestors": [grid_out(a) for a in selectors.grid_ancestors(node)],
        **{k: v for k, v in selectors.grid_stats(node).items()},
    }


@router.get("/grids/{grid_id}", response={200: GridDetailOut, **ERRORS}, operation_id="grid_get")
def grid_get(request, grid_id: Id):
    return _detail(selectors.grid_get(actor=request_scope(request), grid_id=grid_id))


@router.get("/grids/{grid_id}/children", response={200: list_of(GridOut), **ERRORS}, operation_id="grid_children")
def grid_children(request, grid_id: Id, query: Query[ListQuery]):
    scope = request_scope(request)
    qs = selectors.grid_list(actor=scope, parent=grid_id, within=query.within, q=query.q)
    return page_of(qs, query, grid_out)


@router.put("/grids/{grid_id}/boundary", response={200: GridDetailOut, **ERRORS}, operation_id="grid_set_boundary")
def grid_set_boundary(request, grid_id: Id, payload: BoundaryIn):
    node = selectors.grid_get(actor=request_scope(request), grid_id=grid_id)
    node = services.grid_update(actor=request_scope(request), grid=node, boundary=payload.boundary)
    return _detail(node)


@router.get("/coverage", response={200: CoverageOut, **ERRORS}, operation_id="coverage_report")
def coverage(request, query: Query[CoverageQuery]):
    """Households outside exactly one micro-grid, unstaffed grids, overlapping or gapped boundaries."""
    scope = request_scope(request)
    if query.grid is not None:
        root = selectors.grid_get(actor=scope, grid_id=query.grid)
    else:
        roots = selectors.grid_roots(actor=scope)
        root = None if scope.is_admin else (roots[0] if len(roots) == 1 else None)
        if root is None and not scope.is_admin:
            from wangge.core.errors import InvalidInput

            raise InvalidInput.field("grid", "请指定要检查的网格")
    report = coverage_report(root=root)
    return {
        "complete": report.complete,
        "grid_id": root.pk if root else None,
        "households_checked": report.households_checked,
        "grids_checked": report.grids_checked,
        "problems": [p.as_dict() for p in report.problems],
    }


@router.get("/buildings", response={200: list_of(BuildingOut), **ERRORS}, operation_id="building_list")
def building_list(request, query: Query[ListQuery]):
    return page_of(selectors.building_list(actor=request_scope(request), within=query.within, q=query.q), query, building_out)


@router.get("/buildings/{building_id}", response={200: BuildingOut, **ERRORS}, operation_id="building_get")
def building_get(request, building_id: Id):
    return building_out(selectors.building_get(actor=request_scope(request), building_id=building_id))


@router.get("/units", response={200: list_of(UnitOut), **ERRORS}, operation_id="unit_list")
def unit_list(request, query: Query[ListQuery]):
    return page_of(selectors.unit_list(actor=request_scope(request), within=query.within, q=query.q), query, unit_out)


@router.get("/units/{unit_id}", response={200: UnitOut, **ERRORS}, operation_id="unit_get")
def unit_get(request, unit_id: Id):
    return unit_out(selectors.unit_get(actor=request_scope(request), unit_id=unit_id))


@router.get("/households", response={200: list_of(HouseholdOut), **ERRORS}, operation_id="household_list")
def household_list(request, query: Query[ListQuery]):
    qs = selectors.household_list(actor=request_scope(request), within=query.within, q=query.q)
    return page_of(qs, query, household_out)


@router.get("/households/{household_id}", response={200: HouseholdOut, **ERRORS}, operation_id="household_get")
def household_get(request, household_id: Id):
    return household_out(selectors.household_get(actor=request_scope(request), household_id=household_id))


@router.get("/residents", response={200: list_of(ResidentOut), **ERRORS}, operation_id="resident_list")
def resident_list(request, query: Query[ResidentQuery]):
    """Residents living in the scope now; `status=left` lists those who have left, `status=all` both."""
    qs = selectors.resident_list(actor=request_scope(request), within=query.within, q=query.q, status=query.status)
    return page_of(qs, query, resident_out)


@router.get("/residents/{resident_id}", response={200: ResidentOut, **ERRORS}, operation_id="resident_get")
def resident_get(request, resident_id: Id):
    return resident_out(selectors.resident_get(actor=request_scope(request), resident_id=resident_id))


@router.post("/residents/{resident_id}/unmask", response={200: UnmaskOut, **ERRORS}, operation_id="resident_unmask")
def resident_unmask_view(request, resident_id: Id, payload: UnmaskIn):
    """The full ID number, phone and address of one resident. Needs the unmask permission; logged."""
    resident = selectors.resident_get(actor=request_scope(request), resident_id=resident_id)
    return resident_unmask(actor=request.user, resident=resident, reason=payload.reason)


# -- keeping the registry current: households and residents, written by grid workers ------------------------
# Each needs EDIT_REGISTRY at the unit's micro-grid (or its estate grid when the unit has none): outside the
# scope 404, inside it without the permission 403. Answers are masked like the reads.


@contextmanager
def _body_names(**names: str):
    """Services name a field by their keyword (`household`); the body calls it `household_id`."""
    try:
        yield
    except InvalidInput as exc:
        exc.errors = [FieldError(names.get(e.field, e.field), e.message, e.row) for e in exc.errors]
        raise


def _resident_answer(request, resident_id: int) -> dict:
    return resident_out(selectors.resident_get(actor=request_scope(request), resident_id=resident_id))


@router.post("/households", response={201: HouseholdOut, **ERRORS}, operation_id="household_create")
def household_create(request, payload: HouseholdIn):
    """Register a household in a unit."""
    scope = request_scope(request)
    unit = selectors.unit_get(actor=scope, unit_id=payload.unit_id)
    household = services.household_create(
        actor=scope, unit=unit, floor=payload.floor, room=payload.room, occupancy=payload.occupancy
    )
    return Status(201, household_out(selectors.household_get(actor=scope, household_id=household.pk)))


@router.patch("/households/{household_id}", response={200: HouseholdOut, **ERRORS}, operation_id="household_update")
def household_update(request, household_id: Id, payload: HouseholdPatch):
    """Change a household's floor or occupancy (fields left out or null stay as they are)."""
    scope = request_scope(request)
    household = selectors.household_get(actor=scope, household_id=household_id)
    services.household_update(actor=scope, household=household, floor=payload.floor, occupancy=payload.occupancy)
    return household_out(selectors.household_get(actor=scope, household_id=household_id))


@router.post("/residents", response={201: ResidentOut, **ERRORS}, operation_id="resident_create")
def resident_create(request, payload: ResidentIn):
    """Register a resident in a household. The ID number is checked (GB 11643) and must not be registered
    anywhere yet, including to someone who has left (bring them back with /move instead)."""
    scope = request_scope(request)
    household = selectors.household_get(actor=scope, household_id=payload.household_id)
    resident = services.resident_create(
        actor=scope, household=household, name=payload.name, id_number=payload.id_number, phone=payload.phone,
        relation=payload.relation, care_flags=payload.care_flags, is_party_member=payload.is_party_member,
    )
    return Status(201, _resident_answer(request, resident.pk))


@router.patch("/residents/{resident_id}", response={200: ResidentOut, **ERRORS}, operation_id="resident_update")
def resident_update(request, resident_id: Id, payload: ResidentPatch):
    """Change a resident's name, ID number, phone (empty clears it), relation, care flags or party
    membership. Only the fields sent change; a resident who has left cannot be changed (409)."""
    scope = request_scope(request)
    resident = selectors.resident_get(actor=scope, resident_id=resident_id)
    changes = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    services.resident_update(actor=scope, resident=resident, **changes)
    return _resident_answer(request, resident_id)


@router.post("/residents/{resident_id}/move", response={200: ResidentOut, **ERRORS}, operation_id="resident_move")
def resident_move(request, resident_id: Id, payload: ResidentMoveIn):
    """Move a resident to another household the user may edit; a household never gets a second head.
    A resident who has left is registered again this way (their old household included)."""
    scope = request_scope(request)
    resident = selectors.resident_get(actor=scope, resident_id=resident_id)
    require(scope, EDIT_REGISTRY, selectors.resident_grid(resident))  # 403 before looking at the target
    household = selectors.household_get(actor=scope, household_id=payload.household_id)
    new_head = (
        selectors.resident_get(actor=scope, resident_id=payload.new_head_id) if payload.new_head_id else None
    )
    with _body_names(household="household_id", new_head="new_head_id"):
        services.resident_move(
            actor=scope, resident=resident, household=household, relation=payload.relation, new_head=new_head
        )
    return _resident_answer(request, resident_id)


@router.post("/residents/{resident_id}/leave", response={200: ResidentOut, **ERRORS}, operation_id="resident_leave")
def resident_leave(request, resident_id: Id, payload: ResidentLeaveIn):
    """Record that a resident has moved away or died. The record stays (lists skip it) and the ID number
    stays reserved to them."""
    scope = request_scope(request)
    resident = selectors.resident_get(actor=scope, resident_id=resident_id)
    new_head = (
        selectors.resident_get(actor=scope, resident_id=payload.new_head_id) if payload.new_head_id else None
    )
    with _body_names(new_head="new_head_id"):
        services.resident_leave(
            actor=scope, resident=resident, reason=payload.reason, note=payload.note, left_at=payload.left_at,
            new_head=new_head,
        )
    return _resident_answer(request, resident_id)
