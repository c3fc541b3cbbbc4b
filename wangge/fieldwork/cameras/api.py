"""/api/v1 endpoints of 治安联防监控: the registry, coverage of entrances and gates, the count over time."""

from __future__ import annotations

from ninja import Query, Router, Status

from wangge.core.schemas import ERRORS, Id, list_of, page_of
from wangge.people.access import request_scope

from . import selectors, services
from .schemas import (
    CameraCoverageOut,
    CameraCoverageQuery,
    CameraIn,
    CameraOut,
    CameraPatch,
    CameraQuery,
    MonthOut,
    TimelineQuery,
)
from .serializers import camera_out, target_out

router = Router(tags=["cameras"])


@router.get("/cameras/coverage", response={200: CameraCoverageOut, **ERRORS}, operation_id="camera_coverage")
def camera_coverage(request, query: Query[CameraCoverageQuery]):
    """Every building entrance and gate post under `within` (else your whole scope): covered when an
    in-service camera watches it (linked) or stands within its view radius of it. `gaps` lists the rest."""
    cov = selectors.coverage(actor=request_scope(request), within=query.within)
    items = [target_out(t) for t in cov.targets]
    return {
        "within": query.within, "targets": len(cov.targets), "covered": cov.covered_count, "percent": cov.percent,
        "gaps": [i for i in items if not i["covered"]], "items": items, "count": len(items),
    }


@router.get("/cameras/timeline", response={200: list_of(MonthOut), **ERRORS}, operation_id="camera_timeline")
def camera_timeline(request, query: Query[TimelineQuery]):
    """Cameras in place at the end of each of the last `months` months, with those installed and
    removed in each month."""
    rows = selectors.timeline(actor=request_scope(request), within=query.within, months=query.months)
    return {"items": [vars(m) for m in rows], "count": len(rows)}


@router.get("/cameras", response={200: list_of(CameraOut), **ERRORS}, operation_id="camera_list")
def camera_list(request, query: Query[CameraQuery]):
    """Cameras of the grids you may view, by code."""
    qs = selectors.camera_list(
        actor=request_scope(request), within=query.within, status=query.status, kind=query.kind, q=query.q,
        building=query.building, gate=query.gate,
    )
    return page_of(qs, query, camera_out)


@router.get("/cameras/{camera_id}", response={200: CameraOut, **ERRORS}, operation_id="camera_get")
def camera_get(request, camera_id: Id):
    return camera_out(selectors.camera_get(actor=request_scope(request), camera_id=camera_id))


@router.post("/cameras", response={201: CameraOut, **ERRORS}, operation_id="camera_create")
def camera_create(request, payload: CameraIn):
    """Register a camera (needs cameras.manage on its grid)."""
    camera = services.camera_create(actor=request_scope(request), **payload.dict())
    return Status(201, camera_out(selectors.camera_get(actor=request_scope(request), camera_id=camera.pk)))


@router.patch("/cameras/{camera_id}", response={200: CameraOut, **ERRORS}, operation_id="camera_update")
def camera_update(request, camera_id: Id, payload: CameraPatch):
    """Change some fields: move it, relink it, mark it faulty, or remove it (`status=removed`)."""
    services.camera_update(actor=request_scope(request), camera_id=camera_id, **payload.dict(exclude_unset=True))
    return camera_out(selectors.camera_get(actor=request_scope(request), camera_id=camera_id))
