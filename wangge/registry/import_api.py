"""/api/v1 routes for importing and exporting households and residents.

Registered before the registry router in config/api.py, so that /households/export is not taken for a
household id.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from wangge.core.schemas import ERRORS, MAX_ID, FieldErrorOut, Id, ListQuery, list_of, page_of
from wangge.people.access import request_scope

from . import exporting, importing, selectors
from .models import ImportJob

router = Router(tags=["registry"])


class ImportCountsOut(Schema):
    created: int
    updated: int
    unchanged: int


class ImportReportOut(Schema):
    ok: bool
    written: bool = Field(..., description="是否已写入（全部或部分）")
    total_rows: int
    households: ImportCountsOut
    residents: ImportCountsOut
    errors: list[FieldErrorOut] = Field(..., description="逐行错误：行号为表格中的行号（表头为第1行）")
    error_count: int
    errors_truncated: bool
    skipped_rows: list[int] = Field(..., description="跳过有错误的住户时，未导入的行")


class ImportJobOut(Schema):
    id: int
    status: str = Field(..., description="queued / running / done / failed")
    status_label: str
    stage: str
    grid_id: int
    grid_code: str
    grid_name: str
    file_name: str
    skip_invalid: bool
    total_rows: int
    processed_rows: int
    percent: int
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    report: ImportReportOut | None


class ExportQuery(Schema):
    within: int = Field(..., ge=1, le=MAX_ID, description="导出该网格（含全部下级）的住户和居民")
    unmask: bool = Field(False, description="不脱敏导出（需要查看个人信息的权限，并记入查看记录）")
    reason: str | None = Field(None, max_length=200, description="不脱敏导出的事由")


def job_out(job: ImportJob) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "stage": job.stage,
        "grid_id": job.grid_id,
        "grid_code": job.grid.code,
        "grid_name": job.grid.name,
        "file_name": job.file_name,
        "skip_invalid": job.skip_invalid,
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "percent": job.percent,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "report": job.report,
    }


@router.post("/imports/households", response={202: ImportJobOut, **ERRORS}, operation_id="household_import")
def household_import(request, file: File[UploadedFile], grid_id: Form[Id], skip_invalid: Form[bool] = False):
    """Upload an XLSX or CSV file of households and residents (format: docs/import-format.md) to import
    under a grid you may edit (`grid_id`). With `skip_invalid`, households without errors are imported
    and the others reported; otherwise any error writes nothing. The import runs in the background:
    poll GET /imports/{id}."""
    grid = selectors.grid_get(actor=request_scope(request), grid_id=grid_id)
    job = importing.import_job_create(actor=request.user, grid=grid, upload=file, skip_invalid=skip_invalid)
    return Status(202, job_out(job))


@router.get("/imports", response={200: list_of(ImportJobOut), **ERRORS}, operation_id="import_job_list")
def import_job_list(request, query: Query[ListQuery]):
    """Your import jobs, newest first (all jobs for an admin)."""
    return page_of(selectors.import_job_list(actor=request_scope(request)), query, job_out)


@router.get("/imports/{job_id}", response={200: ImportJobOut, **ERRORS}, operation_id="import_job_get")
def import_job_get(request, job_id: Id):
    """Status, progress and, when finished, the report of one of your import jobs."""
    return job_out(selectors.import_job_get(actor=request_scope(request), job_id=job_id))


@router.get(
    "/households/export",
    response={200: None, **ERRORS},
    operation_id="household_export",
    openapi_extra={
        "responses": {
            200: {
                "description": "XLSX 文件（与导入格式相同）",
                "content": {exporting.XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def household_export(request, query: Query[ExportQuery]):
    """The households and residents of a grid as XLSX, masked unless `unmask=true` with a `reason` (needs
    the unmask permission on that grid; every resident exported in full is logged)."""
    grid = selectors.grid_get(actor=request_scope(request), grid_id=query.within)
    export = exporting.households_export(
        actor=request.user, grid=grid, unmask=query.unmask, reason=query.reason or ""
    )
    response = HttpResponse(export.content, content_type=exporting.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, export.file_name)
    return response
