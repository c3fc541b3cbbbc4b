"""The reports page: request a report, follow its progress (an htmx partial polled while any report is
queued or running), download it, retry a failed one, subscribe to the node's reports. Thin: parse, one
service or selector, render."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.core.errors import Conflict, InvalidInput
from wangge.core.jobs import ACTIVE
from wangge.core.views import field_errors, form_id, refusals
from wangge.people.access import request_scope

from . import selectors, services
from .xlsx import CONTENT_TYPE

LIST_SIZE = 30
MIME = {"xlsx": CONTENT_TYPE, "pdf": "application/pdf"}


def _last_month() -> str:
    return f"{(timezone.localdate().replace(day=1) - dt.timedelta(days=1)):%Y-%m}"


def _list_context(request) -> dict:
    reports = list(selectors.report_list(actor=request_scope(request))[:LIST_SIZE])
    return {"reports": reports, "polling": any(r.status in ACTIVE for r in reports)}


def _page(request, *, node_id=None, month: str = "", errors: dict | None = None, status: int = 200):
    scope = request_scope(request)
    nodes = list(selectors.report_nodes(actor=scope))
    chosen = next((n for n in nodes if n.pk == node_id), nodes[0] if nodes else None)
    context = {
        "nodes": nodes, "node": chosen, "month": month or _last_month(), "max_month": f"{timezone.localdate():%Y-%m}",
        "errors": errors or {}, "subscribed": chosen is not None and selectors.subscribed(actor=request.user,
                                                                                          node=chosen),
        **_list_context(request),
    }
    return render(request, "reports/reports.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@refusals
def reports(request):
    """GET: the page (`?node=` the node the form and the subscription are about). POST (node, month):
    request a report, then back to the page, where it shows its progress."""
    if request.method == "GET":
        return _page(request, node_id=form_id(request.GET.get("node")))
    node_id, month = form_id(request.POST.get("node")), (request.POST.get("month") or "").strip()
    try:
        services.report_request(actor=request.user, node_id=node_id, month=month)
    except InvalidInput as exc:
        return _page(request, node_id=node_id, month=month, errors=field_errors(exc), status=422)
    return redirect(f"{request.path}?node={node_id}")


@login_required
@require_GET
@refusals
def report_list_partial(request):
    """The list of reports, polled every two seconds while any of them is queued or running."""
    return render(request, "reports/_list.html", _list_context(request))


@login_required
@require_POST
@refusals
def report_retry(request, report_id: int):
    try:
        report = services.report_retry(actor=request.user, report_id=report_id)
    except Conflict as exc:
        return _page(request, errors={"retry": exc.message}, status=409)
    return redirect(f"{reverse('reports')}?node={report.grid_id}")


@login_required
@require_GET
@refusals
def report_download(request, report_id: int, kind: str):
    if kind not in MIME:
        raise Http404
    report, field = selectors.report_file(actor=request_scope(request), report_id=report_id, kind=kind)
    return FileResponse(field.open("rb"), content_type=MIME[kind], as_attachment=True,
                        filename=report.file_name(kind))


@login_required
@require_POST
@refusals
def subscription(request):
    node_id = form_id(request.POST.get("node"))
    try:
        services.subscription_set(actor=request.user, node_id=node_id,
                                  subscribed=request.POST.get("subscribed") == "1")
    except InvalidInput as exc:
        return _page(request, node_id=node_id, errors=field_errors(exc), status=422)
    return redirect(f"{reverse('reports')}?node={node_id}")
