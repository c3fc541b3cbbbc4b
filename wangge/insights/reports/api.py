"""/api/v1/reports: monthly reports of a community, subdistrict or district — request one, follow its
progress, download its XLSX and PDF, retry a failed one, subscribe to a node's reports."""

from __future__ import annotations

from django.http import FileResponse
from ninja import Query, Router, Status

from wangge.core.schemas import ERRORS, Id, list_of, page_of
from wangge.people.access import request_scope

from . import selectors, services
from .schemas import (
    MonthlyReportIn,
    MonthlyReportOut,
    MonthlyReportQuery,
    ReportSubscriptionIn,
    ReportSubscriptionOut,
)
from .serializers import report_out
from .xlsx import CONTENT_TYPE

router = Router(tags=["insights"])


def _file_doc(mime: str, what: str) -> dict:
    return {"responses": {200: {"description": what, "content": {mime: {"schema": {"type": "string",
                                                                                    "format": "binary"}}}}}}


@router.get("/reports", response={200: list_of(MonthlyReportOut), **ERRORS}, operation_id="report_list")
def report_list(request, query: Query[MonthlyReportQuery]):
    """The reports of the communities, subdistricts and districts in your scope, newest first."""
    qs = selectors.report_list(actor=request_scope(request), node_id=query.node)
    return page_of(qs, query, report_out)


@router.post("/reports", response={200: MonthlyReportOut, 202: MonthlyReportOut, **ERRORS},
             operation_id="report_create")
def report_create(request, payload: MonthlyReportIn):
    """Request the report of a node (community, subdistrict or district) for a month: 202 with the queued
    report, generated in the background (poll GET /reports/{id}). The same report already queued or running
    answers 200 with it instead of a second one."""
    report, created = services.report_request(actor=request.user, node_id=payload.node, month=payload.month)
    report = selectors.report_get(actor=request_scope(request), report_id=report.pk)
    return Status(202 if created else 200, report_out(report))


# Before /reports/{report_id}, which would take "subscriptions" for an id.
@router.put("/reports/subscriptions", response={200: ReportSubscriptionOut, **ERRORS},
            operation_id="report_subscription_set")
def report_subscription_set(request, payload: ReportSubscriptionIn):
    """Receive a node's reports by e-mail (and in your inbox) when each is done — the monthly one on the
    1st, and any a colleague requests — or stop receiving them."""
    services.subscription_set(actor=request.user, node_id=payload.node, subscribed=payload.subscribed)
    return {"node": payload.node, "subscribed": payload.subscribed, "email": request.user.email or ""}


@router.get("/reports/{report_id}", response={200: MonthlyReportOut, **ERRORS}, operation_id="report_get")
def report_get(request, report_id: Id):
    """Status, stage, progress and — when it failed — the error of one report."""
    return report_out(selectors.report_get(actor=request_scope(request), report_id=report_id))


@router.post("/reports/{report_id}/retry", response={202: MonthlyReportOut, **ERRORS}, operation_id="report_retry")
def report_retry(request, report_id: Id):
    """Run a failed report again (409 unless it failed)."""
    services.report_retry(actor=request.user, report_id=report_id)
    return Status(202, report_out(selectors.report_get(actor=request_scope(request), report_id=report_id)))


def _download(request, report_id: int, kind: str, mime: str) -> FileResponse:
    report, field = selectors.report_file(actor=request_scope(request), report_id=report_id, kind=kind)
    return FileResponse(field.open("rb"), content_type=mime, as_attachment=True, filename=report.file_name(kind))


@router.get("/reports/{report_id}/xlsx", response=ERRORS, operation_id="report_xlsx",
            openapi_extra=_file_doc(CONTENT_TYPE, "表格（XLSX）"))
def report_xlsx(request, report_id: Id):
    """The report's tables as XLSX (404 outside your scope, or until it is done)."""
    return _download(request, report_id, "xlsx", CONTENT_TYPE)


@router.get("/reports/{report_id}/pdf", response=ERRORS, operation_id="report_pdf",
            openapi_extra=_file_doc("application/pdf", "PDF（含图表）"))
def report_pdf(request, report_id: Id):
    """The report as a PDF in Chinese, with charts (404 outside your scope, or until it is done)."""
    return _download(request, report_id, "pdf", "application/pdf")
