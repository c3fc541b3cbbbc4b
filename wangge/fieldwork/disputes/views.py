"""Pages of dispute mediation (mobile-first, and wide enough for a desk):

- `/disputes/` — the list, filtered by status, kind, grid and text;
- `/disputes/new/` — open a dispute (`?matter=<id>` opens it from a matter: its grid, household, reporter);
- `/disputes/<id>/` — parties, mediators, sessions, the outcome form, the agreement PDF, the signed copy,
  the follow-up visit. Each form posts to its own URL and comes back to the page; a refusal is shown on
  the page beside the form, naming the field, and nothing is written.

Views parse, call one service or selector, and render.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from wangge.core.errors import ApplicationError, NotFound, PermissionDenied
from wangge.core.schemas import MAX_ID
from wangge.core.views import forbidden, form_id, refusals
from wangge.matters.models import Matter
from wangge.people.access import MEDIATE, UNMASK, VIEW, Actor, request_scope
from wangge.registry.models import GridNode, Level

from . import pdf, selectors, services
from .api import signed_copy_response
from .models import Kind, ReferredTo, Side, Status

PER_PAGE = 30
FIELD_LABELS = {
    "kind": gettext_lazy("纠纷类型"), "title": gettext_lazy("标题"), "summary": gettext_lazy("纠纷事实"),
    "grid": gettext_lazy("网格"), "household": gettext_lazy("住户"), "matter": gettext_lazy("来源事项"),
    "mediators": gettext_lazy("调解员"), "parties": gettext_lazy("当事人"), "side": gettext_lazy("身份"),
    "resident": gettext_lazy("在册居民"), "name": gettext_lazy("姓名"), "phone": gettext_lazy("联系电话"),
    "id_number": gettext_lazy("身份证号"), "held_at": gettext_lazy("调解时间"), "place": gettext_lazy("地点"),
    "notes": gettext_lazy("调解记录"), "parties_present": gettext_lazy("到场当事人"),
    "mediators_present": gettext_lazy("到场调解员"), "outcome": gettext_lazy("调解结果"),
    "agreement_terms": gettext_lazy("协议内容"), "follow_up_on": gettext_lazy("回访日期"),
    "referred_to": gettext_lazy("移交去向"), "referred_body": gettext_lazy("接收单位"),
    "failure_reason": gettext_lazy("调解不成的原因"), "withdrawal_reason": gettext_lazy("撤回原因"),
    "note": gettext_lazy("回访情况"), "done_on": gettext_lazy("回访日期"), "file": gettext_lazy("文件"),
    "reason": gettext_lazy("查看事由"),
}


def _lines(exc: ApplicationError) -> list[str]:
    if not exc.errors:
        return [exc.message]
    out = []
    for error in exc.errors:
        parts = error.field.split(".")
        name = FIELD_LABELS.get(parts[-1]) or FIELD_LABELS.get(parts[0])
        out.append(f"{name}：{error.message}" if name else error.message)
    return out


def _ints(values) -> list[int]:
    return [i for i in (form_id(v) for v in values) if i is not None]


def _actor(request) -> Actor:
    return Actor.for_request(request)


def _grid_choices(scope) -> list[GridNode]:
    levels = [Level.COMMUNITY, Level.AREA_GRID, Level.ESTATE_GRID, Level.MICRO_GRID]
    return list(GridNode.objects.filter(scope.grid_q("", MEDIATE), level__in=levels).order_by("path")[:500])


def _dispute_view(view):
    def wrapped(request, dispute_id: int, *args, **kwargs):
        if dispute_id > MAX_ID:
            raise Http404
        return view(request, dispute_id, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# -- list ---------------------------------------------------------------------------------------------------


@login_required
@require_GET
@refusals
def dispute_list(request):
    scope = request_scope(request)
    if not selectors.can_mediate_somewhere(scope):
        return forbidden(request, _("只有网格员、网格长和社区两委成员可以查看矛盾纠纷调解"))
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    grid = form_id(request.GET.get("grid"))
    q = request.GET.get("q", "").strip()[:100]
    error = ""
    try:
        qs = selectors.dispute_list(actor=scope, status=[status] if status else None, kind=kind or None,
                                    within=grid, q=q or None)
    except ApplicationError as exc:
        error = "；".join(_lines(exc))
        qs = selectors.dispute_list(actor=scope)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in {"status": status, "kind": kind, "grid": grid or "", "q": q}.items() if v})
    counts = {row: 0 for row in Status.values}
    for value in selectors.dispute_list(actor=scope).values_list("status", flat=True):
        counts[value] += 1
    return render(request, "disputes/list.html", {
        "page": page, "query": query, "status": status, "kind": kind, "grid": grid, "q": q, "error": error,
        "statuses": Status.choices, "kinds": Kind.choices, "grids": _grid_choices(scope),
        "counts": [(value, label, counts[value]) for value, label in Status.choices],
    })


# -- new ----------------------------------------------------------------------------------------------------


def _new_context(request, values: dict, errors: list[str]) -> dict:
    scope = request_scope(request)
    matter = None
    matter_id = form_id(values.get("matter"))
    if matter_id:
        matter = Matter.objects.select_related("grid", "category").filter(pk=matter_id).first()
        if matter is not None and not scope.can(VIEW, matter.grid):
            matter = None
    return {"values": values, "errors": errors, "kinds": Kind.choices, "grids": _grid_choices(scope),
            "matter": matter, "sides": Side.choices}


@login_required
@refusals
def dispute_new(request):
    scope = request_scope(request)
    if not selectors.can_mediate_somewhere(scope):
        return forbidden(request, _("只有网格员、网格长和社区两委成员可以登记矛盾纠纷"))
    if request.method == "GET":
        values = {"matter": request.GET.get("matter", ""), "kind": "neighbours"}
        context = _new_context(request, values, [])
        if context["matter"] is not None:
            values["summary"] = context["matter"].description
            values["title"] = context["matter"].description[:40]
            if "dispute-fee" in context["matter"].category.code:
                values["kind"] = "property_fee"
        return render(request, "disputes/new.html", context)
    if request.method != "POST":
        return HttpResponse(status=405)
    post = request.POST
    parties = []
    for side in ("applicant", "respondent"):
        name = post.get(f"{side}_name", "").strip()
        resident = form_id(post.get(f"{side}_resident"))
        if name or resident:
            parties.append(services.PartyIn(side=side, resident=resident, name="" if resident else name,
                                            phone=post.get(f"{side}_phone", ""),
                                            id_number=post.get(f"{side}_id_number", "")))
    data = services.DisputeIn(
        kind=post.get("kind", ""), title=post.get("title", ""), summary=post.get("summary", ""),
        grid=form_id(post.get("grid")), matter=form_id(post.get("matter")), parties=parties,
    )
    try:
        dispute = services.dispute_open(actor=_actor(request), data=data)
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as exc:
        return render(request, "disputes/new.html", _new_context(request, post.dict(), _lines(exc)),
                      status=exc.status)
    messages.success(request, _("纠纷已登记"))
    return redirect("dispute", dispute.pk)


# -- detail -------------------------------------------------------------------------------------------------


def _detail_context(request, dispute, *, form: str = "", errors: list[str] | None = None, values=None,
                    revealed=None) -> dict:
    scope = request_scope(request)
    now = timezone.localtime()
    return {
        "d": dispute, "form": form, "errors": errors or [], "values": values or {}, "revealed": revealed,
        "parties": list(dispute.parties.all()), "sessions": list(dispute.sessions.all()),
        "mediators": list(dispute.mediators.all()),
        "mediator_choices": selectors.mediator_choices(actor=scope, grid=dispute.grid) if dispute.is_open else [],
        "sides": Side.choices, "referred_choices": ReferredTo.choices,
        "outcomes": [(s, Status(s).label) for s in (Status.AGREEMENT, Status.REFERRED, Status.FAILED,
                                                     Status.WITHDRAWN)],
        "can_unmask": scope.can(UNMASK, dispute.grid),
        "now_local": now.strftime("%Y-%m-%dT%H:%M"),
        "default_follow_up": (now.date() + dt.timedelta(days=services.FOLLOW_UP_DAYS)).isoformat(),
        "committee": pdf.committee_name(dispute),
    }


@login_required
@require_GET
@refusals
@_dispute_view
def dispute_detail(request, dispute_id: int):
    dispute = selectors.dispute_get(actor=request_scope(request), dispute_id=dispute_id)
    return render(request, "disputes/detail.html", _detail_context(request, dispute))


def _act(request, dispute_id: int, form: str, call, done: str, anchor: str):
    """Run one service for a form of the detail page: back to the page on success, the page with the
    refusal beside the form otherwise."""
    try:
        call()
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as exc:
        dispute = selectors.dispute_get(actor=request_scope(request), dispute_id=dispute_id)
        context = _detail_context(request, dispute, form=form, errors=_lines(exc), values=request.POST.dict())
        return render(request, "disputes/detail.html", context, status=exc.status)
    messages.success(request, done)
    return redirect(reverse("dispute", args=[dispute_id]) + f"#{anchor}")


@login_required
@require_POST
@refusals
@_dispute_view
def dispute_party_add(request, dispute_id: int):
    post = request.POST
    resident = form_id(post.get("resident"))
    party = services.PartyIn(side=post.get("side", ""), resident=resident, name="" if resident else post.get("name", ""),
                             phone=post.get("phone", ""), id_number=post.get("id_number", ""))
    return _act(request, dispute_id, "party",
                lambda: services.dispute_party_add(actor=_actor(request), dispute_id=dispute_id, party=party),
                _("已添加当事人"), "parties")


@login_required
@require_POST
@refusals
@_dispute_view
def dispute_mediators(request, dispute_id: int):
    ids = _ints(request.POST.getlist("mediators"))
    return _act(request, dispute_id, "mediators",
                lambda: services.dispute_mediators_set(actor=_actor(request), dispute_id=dispute_id, mediators=ids),
                _("调解员已更新"), "mediators")


def _date(value: str):
    try:
        return parse_date(value)
    except ValueError:
        return None


def _local_datetime(value: str) -> dt.datetime | None:
    try:
        parsed = parse_datetime(value or "")
    except ValueError:  # well-formed but impossible, e.g. month 13
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


@login_required
@require_POST
@refusals
@_dispute_view
def dispute_session_add(request, dispute_id: int):
    post = request.POST
    held_at = _local_datetime(post.get("held_at", ""))

    def call():
        if post.get("held_at") and held_at is None:
            from wangge.core.errors import InvalidInput

            raise InvalidInput.field("held_at", "请填写有效的日期时间")
        services.dispute_session_add(
            actor=_actor(request), dispute_id=dispute_id, held_at=held_at, place=post.get("place", ""),
            notes=post.get("notes", ""), parties_present=_ints(post.getlist("parties_present")),
            mediators_present=_ints(post.getlist("mediators_present")),
        )

    return _act(request, dispute_id, "session", call, _("已记录本次调解"), "sessions")


@login_required
@require_POST
@refusals
@_dispute_view
def dispute_conclude(request, dispute_id: int):
    post = request.POST
    outcome = post.get("outcome", "")

    def call():
        follow_raw = post.get("follow_up_on", "").strip() if outcome == Status.AGREEMENT else ""
        follow = _date(follow_raw) if follow_raw else None
        if follow_raw and follow is None:
            from wangge.core.errors import InvalidInput

            raise InvalidInput.field("follow_up_on", "请填写有效的日期")
        # Only the fields of the chosen outcome are sent: the form shows all of them at once.
        services.dispute_conclude(actor=_actor(request), dispute_id=dispute_id, outcome=services.OutcomeIn(
            outcome=outcome,
            agreement_terms=post.get("agreement_terms", "") if outcome == Status.AGREEMENT else "",
            follow_up_on=follow,
            referred_to=post.get("referred_to", "") if outcome == Status.REFERRED else "",
            referred_body=post.get("referred_body", "") if outcome == Status.REFERRED else "",
            failure_reason=post.get("failure_reason", "") if outcome == Status.FAILED else "",
            withdrawal_reason=post.get("withdrawal_reason", "") if outcome == Status.WITHDRAWN else "",
        ))

    return _act(request, dispute_id, "conclude", call, _("已记录调解结果"), "outcome")


@login_required
@require_POST
@refusals
@_dispute_view
def dispute_follow_up(request, dispute_id: int):
    post = request.POST

    def call():
        raw = post.get("done_on", "").strip()
        done_on = _date(raw) if raw else None
        if raw and done_on is None:
            from wangge.core.errors import InvalidInput

            raise InvalidInput.field("done_on", "请填写有效的日期")
        services.dispute_follow_up(actor=_actor(request), dispute_id=dispute_id, note=post.get("note", ""),
                                   done_on=done_on)

    return _act(request, dispute_id, "follow_up", call, _("已记录回访"), "follow-up")


@login_required
@refusals
@_dispute_view
def dispute_signed_copy(request, dispute_id: int):
    """GET: the signed copy as uploaded; POST: upload it."""
    if request.method == "GET":
        dispute = selectors.dispute_get(actor=request_scope(request), dispute_id=dispute_id)
        return signed_copy_response(dispute)
    if request.method != "POST":
        return HttpResponse(status=405)
    upload = request.FILES.get("file")

    def call():
        if upload is None:
            from wangge.core.errors import InvalidInput

            raise InvalidInput.field("file", "请选择要上传的文件")
        services.dispute_signed_copy(actor=_actor(request), dispute_id=dispute_id, data=upload)

    return _act(request, dispute_id, "signed_copy", call, _("签字协议已上传"), "agreement")


@login_required
@require_GET
@refusals
@_dispute_view
def dispute_agreement_pdf(request, dispute_id: int):
    dispute = selectors.dispute_get(actor=request_scope(request), dispute_id=dispute_id)
    if dispute.status != Status.AGREEMENT:
        raise Http404("该纠纷尚未达成协议")
    response = HttpResponse(pdf.agreement_pdf(dispute), content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{pdf.filename(dispute)}"'
    return response


@login_required
@require_POST
@refusals
@_dispute_view
def dispute_party_unmask(request, dispute_id: int, party_id: int):
    try:
        revealed = services.dispute_party_unmask(actor=_actor(request), dispute_id=dispute_id,
                                                 party_id=min(party_id, MAX_ID), reason=request.POST.get("reason", ""))
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as exc:
        dispute = selectors.dispute_get(actor=request_scope(request), dispute_id=dispute_id)
        context = _detail_context(request, dispute, form=f"unmask-{party_id}", errors=_lines(exc))
        return render(request, "disputes/detail.html", context, status=exc.status)
    dispute = selectors.dispute_get(actor=request_scope(request), dispute_id=dispute_id)
    return render(request, "disputes/detail.html",
                  _detail_context(request, dispute, revealed={"party": party_id, **revealed}))
