"""Pages of 访客登记.

- `/v/<token>/` (visitor-register): the form a visitor opens by scanning a gate's QR code, no login.
- `/visitors/` (visitors-desk): the guard's desk at one of their posts — visitors waiting, big buttons for
  the measurement, the checks, admit and refuse; today's visitors; search.
- `/visitors/<id>/` (visitor-detail): one record; leaders may unmask the phone with a reason.
- `/visitors/mine/` (visitors-mine): a resident's visitors, to confirm.
- `/visitors/posts/<id>/qr/` (visitor-gate-qr) with `qr.png` and `qr.svg`: the printable code of a gate.
- `/visitors/rules/` (visitor-rules): the check rules in force; roster keepers edit them.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wangge.core.errors import ApplicationError, Conflict, InvalidInput, NotFound
from wangge.core.views import field_errors, forbidden, form_id, is_htmx, refusals
from wangge.people.access import GATE, ROSTER, UNMASK, Actor, request_scope

from . import selectors, services
from .limits import TooManyRequests, throttle_register
from .models import CheckItem, Kind, Status, Visitor

PER_PAGE = 30
SESSION_POST = "visitors_post"


# -- the visitor, on their phone --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register(request, token: str):
    try:
        post = services.post_for_token(token)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    _, items = services.rules_for(post.estate)
    context = {"post": post, "units": services.estate_units(post.estate), "items": items, "errors": {},
               "values": {}, "token": token, "days": services.retention_days()}
    status = 200
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in ("name", "phone", "purpose", "unit", "room", "host")}
        context["values"] = data
        try:
            throttle_register(request, token)
            visitor = services.visitor_register(token=token, name=data["name"], phone=data["phone"],
                                                purpose=data["purpose"], unit=form_id(data["unit"]) or data["unit"] or None,
                                                room=data["room"], host=data["host"])
        except InvalidInput as exc:
            context["errors"] = field_errors(exc)
            status = 422
        except TooManyRequests as exc:
            context["errors"] = {"form": exc.message}
            status = 429
        else:
            return render(request, "visitors/registered.html", {"post": post, "visitor": visitor, "items": items})
    return render(request, "visitors/register.html", context, status=status)


# -- the guard's desk ---------------------------------------------------------------------------------


def _desk_post(request, posts):
    chosen = form_id(request.GET.get("post")) or request.session.get(SESSION_POST)
    post = next((p for p in posts if p.pk == chosen), None) or (posts[0] if posts else None)
    if post is not None:
        request.session[SESSION_POST] = post.pk
    return post


def _card(request, visitor: Visitor, post, *, errors=None, values=None, note=""):
    return render(request, "visitors/_desk_card.html", {
        "v": visitor, "post": post, "errors": errors or {}, "values": values or {}, "note": note,
        "kinds": Kind,
    })


@login_required
@refusals
def desk(request):
    scope = request_scope(request)
    if not (scope.is_admin or scope.paths(GATE)):
        return forbidden(request, _("访客登记只对门岗值守人员和小区负责人开放"))
    posts = list(selectors.gate_posts(actor=scope))
    post = _desk_post(request, posts)
    q = (request.GET.get("q") or "").strip()[:100]
    pending = list(selectors.pending_at(actor=scope, post=post)) if post else []
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    qs = selectors.visitor_list(actor=scope, q=q or None, since=None if q else today)
    if post is not None:
        qs = qs.filter(estate_id=post.estate_id)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "visitors/desk.html", {
        "posts": posts, "post": post, "pending": pending, "page": page, "q": q,
        "query": urlencode({k: v for k, v in {"post": post.pk if post else "", "q": q}.items() if v}),
        "can_roster": post is not None and scope.can(ROSTER, post.estate),
    })


@login_required
@require_POST
@refusals
def check(request, visitor_id: int):
    scope = request_scope(request)
    post = selectors.post_get(actor=scope, post_id=form_id(request.POST.get("post")) or 0)
    visitor = selectors.visitor_get(actor=scope, visitor_id=visitor_id)
    if not selectors.is_staff_for(scope, visitor):
        raise NotFound("未找到该访客")
    values = {}
    for item in visitor.rules:
        raw = request.POST.get(f"v_{item['code']}", "").strip()
        if raw:
            values[item["code"]] = raw
    note = request.POST.get("note", "")
    decision = request.POST.get("decision", "")
    try:
        visitor = services.visitor_check(actor=Actor.for_request(request), visitor_id=visitor_id, post_id=post.pk, decision=decision,
                                         values=values, note=note)
    except (InvalidInput, Conflict) as exc:
        errors = field_errors(exc) if isinstance(exc, InvalidInput) else {"form": exc.message}
        if is_htmx(request):
            return _card(request, visitor, post, errors=errors, values=values, note=note)
        messages.error(request, "；".join(errors.values()))
        return redirect(f"{reverse('visitors-desk')}?post={post.pk}")
    visitor = selectors.visitor_get(actor=scope, visitor_id=visitor_id)
    if is_htmx(request):
        return _card(request, visitor, post)
    messages.success(request, _("已记录：%(name)s %(status)s") % {"name": visitor.name,
                                                              "status": visitor.get_status_display()})
    return redirect(f"{reverse('visitors-desk')}?post={post.pk}")


@login_required
@refusals
def detail(request, visitor_id: int):
    scope = request_scope(request)
    visitor = selectors.visitor_get(actor=scope, visitor_id=visitor_id)
    staff = selectors.is_staff_for(scope, visitor)
    return render(request, "visitors/detail.html", {
        "v": visitor, "staff": staff, "can_unmask": staff and scope.can(UNMASK, visitor.estate),
        "is_host": scope.household_id is not None and visitor.host_household_id == scope.household_id,
    })


@login_required
@require_POST
@refusals
def unmask(request, visitor_id: int):
    try:
        phone = services.visitor_unmask(actor=Actor.for_request(request), visitor_id=visitor_id, reason=request.POST.get("reason", ""))
    except InvalidInput as exc:
        return render(request, "visitors/_unmask.html", {"v_id": visitor_id, "error": exc.message}, status=422)
    return render(request, "visitors/_unmask.html", {"v_id": visitor_id, "phone": phone})


# -- the host ----------------------------------------------------------------------------------------


@login_required
@refusals
def mine(request):
    scope = request_scope(request)
    if scope.household_id is None:
        return forbidden(request, _("只有登记了住户的居民可以查看来访自家的访客"))
    qs = selectors.visitor_list(actor=scope, mine=True)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "visitors/mine.html", {"page": page})


@login_required
@require_POST
@refusals
def confirm(request, visitor_id: int):
    confirmed = request.POST.get("confirmed", "1") != "0"
    visitor = services.visitor_confirm(actor=request.user, visitor_id=visitor_id, confirmed=confirmed)
    if is_htmx(request):
        visitor = selectors.visitor_get(actor=request_scope(request), visitor_id=visitor_id)
        return render(request, "visitors/_mine_card.html", {"v": visitor})
    messages.success(request, _("已答复：%(name)s") % {"name": visitor.name})
    return redirect("visitors-mine")


# -- the gate's QR code -------------------------------------------------------------------------------


def _register_url(request, post) -> str:
    path = reverse("visitor-register", args=[post.qr_token])
    base = settings.VISITOR_QR_BASE_URL.rstrip("/")
    return f"{base}{path}" if base else request.build_absolute_uri(path)


@login_required
@refusals
def gate_qr(request, post_id: int):
    post = selectors.post_get(actor=request_scope(request), post_id=post_id)
    _, items = services.rules_for(post.estate)
    return render(request, "visitors/gate_qr.html", {"post": post, "url": _register_url(request, post),
                                                     "items": items})


@login_required
@refusals
def gate_qr_image(request, post_id: int, fmt: str):
    post = selectors.post_get(actor=request_scope(request), post_id=post_id)
    qr = segno.make(_register_url(request, post), error="m")
    buffer = io.BytesIO()
    if fmt == "svg":
        qr.save(buffer, kind="svg", scale=8, border=2, xmldecl=True, title=f"{post.estate.name}{post.name}")
        content_type = "image/svg+xml"
    else:
        qr.save(buffer, kind="png", scale=10, border=2)
        content_type = "image/png"
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="gate-{post.pk}.{fmt}"'
    return response


# -- the rules ------------------------------------------------------------------------------------------


def _rule_rows(post_data) -> list[dict]:
    rows = []
    for i in range(services.ITEMS_MAX + 1):
        code = post_data.get(f"code_{i}", "").strip()
        label = post_data.get(f"label_{i}", "").strip()
        if not code and not label:
            continue
        rows.append({
            "code": code, "label": label, "kind": post_data.get(f"kind_{i}", ""),
            "unit": post_data.get(f"unit_{i}", ""), "min": post_data.get(f"min_{i}", ""),
            "max": post_data.get(f"max_{i}", ""), "pass_label": post_data.get(f"pass_label_{i}", ""),
            "required": bool(post_data.get(f"required_{i}")), "active": bool(post_data.get(f"active_{i}")),
        })
    return rows


@login_required
@require_http_methods(["GET", "POST"])
@refusals
def rules(request):
    scope = request_scope(request)
    grids = list(selectors.rule_grids(actor=scope)[:200])
    estates = {p.estate_id: p.estate for p in selectors.gate_posts(actor=scope)}
    choices = {g.pk: g for g in grids} | estates
    if not choices:
        return forbidden(request, _("查验规则只对门岗值守人员和小区负责人开放"))
    grid = choices.get(form_id(request.GET.get("grid") or request.POST.get("grid"))) or next(iter(choices.values()))
    can_edit = scope.can(ROSTER, grid) and grid.level in services.RULE_LEVELS
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not can_edit:
            return forbidden(request, _("您不能修改该网格的查验规则"))
        try:
            if request.POST.get("inherit"):
                services.visitor_rules_set(actor=request.user, grid_id=grid.pk, inherit=True)
            else:
                services.visitor_rules_set(actor=request.user, grid_id=grid.pk, items=_rule_rows(request.POST))
        except ApplicationError as exc:
            errors = field_errors(exc) if isinstance(exc, InvalidInput) else {"form": exc.message}
        else:
            messages.success(request, _("查验规则已保存，此后登记的访客按新规则查验"))
            return redirect(f"{reverse('visitor-rules')}?grid={grid.pk}")
    source, items = services.rules_for(grid)
    own = list(CheckItem.objects.filter(grid=grid).order_by("order", "code"))
    # Without rules of its own, the form starts from the inherited ones: saving makes them the node's own.
    rows = own or [CheckItem(code=i.code, label=i.label, kind=i.kind, unit=i.unit, min_value=i.min_value,
                             max_value=i.max_value, pass_label=i.pass_label, required=i.required) for i in items]
    return render(request, "visitors/rules.html", {
        "grid": grid, "choices": sorted(choices.values(), key=lambda g: g.path), "source": source, "items": items,
        "own": rows, "can_edit": can_edit, "errors": errors, "blank_index": len(rows), "kinds": Kind,
        "status": Status,
    }, status=422 if errors else 200)

