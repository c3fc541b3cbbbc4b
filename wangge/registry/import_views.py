"""Pages for importing households and residents (upload → job page with live progress → report) and
for exporting a grid's households to XLSX."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.core.errors import InvalidInput, NotFound, PermissionDenied
from wangge.people.access import UNMASK, request_scope

from . import exporting, importing, selectors


def _grid_or_404(request, value):
    if not value or not str(value).isdigit():
        raise Http404(_("未指定网格"))
    try:
        return selectors.grid_get(actor=request_scope(request), grid_id=int(value))
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _forbidden(request, message: str):
    return render(request, "core/forbidden.html", {"message": message}, status=403)


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    """The upload form, and the user's recent import jobs."""
    scope = request_scope(request)
    grids = selectors.import_grid_choices(actor=scope)
    if not grids and request.method == "GET":
        return _forbidden(request, _("您在任何网格都没有修改住户台账的权限，不能导入。"))
    errors: dict[str, str] = {}
    selected = request.POST.get("grid") or request.GET.get("grid") or ""
    skip_invalid = request.POST.get("skip_invalid") == "on"
    status = 200
    if request.method == "POST":
        grid = _grid_or_404(request, selected) if selected else None
        upload = request.FILES.get("file")
        if grid is None:
            errors["grid"] = _("请选择网格")
        if upload is None:
            errors["file"] = _("请选择要导入的文件")
        if not errors:
            try:
                job = importing.import_job_create(
                    actor=request.user, grid=grid, upload=upload, skip_invalid=skip_invalid
                )
            except PermissionDenied as exc:
                return _forbidden(request, exc.message)
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except InvalidInput as exc:
                for error in exc.errors or []:
                    errors[error.field] = error.message
                errors = errors or {"file": exc.message}
            else:
                return redirect("import-job", job_id=job.pk)
        status = 422
    jobs = selectors.import_job_list(actor=scope)[:20]
    context = {
        "grids": grids,
        "selected": str(selected),
        "skip_invalid": skip_invalid,
        "errors": errors,
        "jobs": jobs,
    }
    return render(request, "registry/import.html", context, status=status)


def _job_or_404(request, job_id: int):
    try:
        return selectors.import_job_get(actor=request_scope(request), job_id=job_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
def import_job_page(request, job_id: int):
    return render(request, "registry/import_job.html", {"job": _job_or_404(request, job_id)})


@login_required
def import_job_progress(request, job_id: int):
    """The htmx partial the job page polls every second while the job runs."""
    return render(request, "registry/_import_progress.html", {"job": _job_or_404(request, job_id)})


def _xlsx_response(export) -> HttpResponse:
    response = HttpResponse(export.content, content_type=exporting.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, export.file_name)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def household_export(request):
    """GET ?within=<grid id>: the masked XLSX. GET ?within=<id>&unmask=1: the form asking why a full
    export is needed. POST (within, reason): the full XLSX, logged. A full export writes to the access
    log, so it is never a plain link (a GET) that another site could make the browser follow."""
    scope = request_scope(request)
    grid = _grid_or_404(request, request.POST.get("within") or request.GET.get("within"))
    wants_full = request.method == "POST" or request.GET.get("unmask") in ("1", "true", "on")
    if wants_full and not scope.can(UNMASK, grid):
        if not scope.sees_grid(grid):
            raise Http404
        return _forbidden(request, _("您在该网格没有查看完整个人信息的权限。"))
    if request.method == "GET" and wants_full:
        return render(request, "registry/import_export.html", {"grid": grid, "errors": {}, "reason": ""})
    try:
        export = exporting.households_export(
            actor=request.user, grid=grid, unmask=wants_full, reason=request.POST.get("reason", "")
        )
    except PermissionDenied as exc:
        return _forbidden(request, exc.message)
    except InvalidInput as exc:
        errors = {e.field: e.message for e in exc.errors}
        context = {"grid": grid, "errors": errors, "reason": request.POST.get("reason", "")}
        return render(request, "registry/import_export.html", context, status=422)
    return _xlsx_response(export)

