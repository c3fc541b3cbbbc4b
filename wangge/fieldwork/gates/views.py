"""Pages of gate duty:

- `/duty/` (duty-posts) — the posts in scope with today's coverage;
- `/duty/posts/<id>/` (duty-post) — the roster of a week (gaps in red), the template editor and the
  roster builder (a grid of days × shifts) for those who roster;
- `/duty/my/` (duty-my) — a guard's shifts on the phone, with big check-in and check-out buttons that send
  the phone's position;
- `/duty/shifts/<id>/swap/` (duty-swap-new) and `/duty/swaps/` (duty-swaps) — ask for a swap, decide one.

Views parse, call one service or selector, and render; every refusal shows on the page as a message.
"""

from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wangge.core.errors import ApplicationError, InvalidInput
from wangge.core.views import form_id, refusals
from wangge.people.access import GATE, ROSTER, Actor, request_scope

from . import selectors, services
from .coverage import gap_label
from .models import ShiftStatus
from .schemas import HHMM, parse_hhmm

FIELD_LABELS = {
    "position": gettext_lazy("位置"), "time": gettext_lazy("签到时间"), "name": gettext_lazy("名称"), "assignments": gettext_lazy("排班"), "persons": gettext_lazy("值守人员"),
    "replace": gettext_lazy("覆盖本周"), "to_person": gettext_lazy("接班人"), "exchange_shift": gettext_lazy("换回的班次"), "reason": gettext_lazy("理由"),
    "shift": gettext_lazy("班次"), "start": gettext_lazy("开始时间"), "end": gettext_lazy("结束时间"), "templates": gettext_lazy("班次"), "person": gettext_lazy("值守人员"),
}


def _lines(exc: ApplicationError) -> list[str]:
    if not exc.errors:
        return [exc.message]
    out = []
    for e in exc.errors:
        where = _("第%(n)s行 ") % {"n": e.row} if e.row is not None else ""
        label = FIELD_LABELS.get(e.field)
        out.append(f"{where}{label}：{e.message}" if label else f"{where}{e.message}")
    return out


def _refuse(request, exc: ApplicationError) -> None:
    for line in _lines(exc):
        messages.error(request, line)


def _float(value) -> float | None:
    try:
        return float(value) if str(value or "").strip() else None
    except ValueError:
        return None


@login_required
@refusals
def posts(request):
    scope = request_scope(request)
    rows = []
    for post in selectors.post_list(actor=scope, active=True)[:200]:
        gaps = selectors.today_gaps(post)
        rows.append({"post": post, "gaps": [gap_label(a, b) for a, b in gaps], "can_roster": scope.can(ROSTER, post.estate)})
    return render(request, "gates/posts.html", {"rows": rows, "anywhere_gate": scope.is_admin or bool(scope.paths(GATE))})


@login_required
@refusals
def post_page(request, post_id: int):
    scope = request_scope(request)
    post = selectors.post_get(actor=scope, post_id=post_id)
    try:
        day = dt.date.fromisoformat(request.GET.get("week", "")) if request.GET.get("week") else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    week = selectors.week_view(post, day)
    can_roster = scope.can(ROSTER, post.estate)
    templates = week.templates
    ctx = {
        "post": post, "week": week, "can_roster": can_roster,
        "gap_labels": [gap_label(a, b, with_date=True) for a, b in week.upcoming_gaps],
        "prev_week": week.monday - dt.timedelta(days=7), "next_week": week.monday + dt.timedelta(days=7),
        "day_gaps": services.day_gaps(post, templates), "leaders": services.leaders_of(post),
        "guards": list(services.guards_of(post)) if can_roster else [],
        "template_rows": [*templates, None, None] if can_roster else templates,
    }
    return render(request, "gates/post.html", ctx)


@login_required
@require_POST
@refusals
def post_templates(request, post_id: int):
    names, starts, ends = (request.POST.getlist(k) for k in ("name", "start", "end"))
    specs, problems = [], []
    for i, (name, start, end) in enumerate(zip(names, starts, ends, strict=False), start=1):
        if not name.strip() and not start and not end:
            continue
        if not re.match(HHMM, start or "") or not re.match(HHMM, end or ""):
            problems.append(_("第%(n)s个班次：时间应为 HH:MM") % {"n": i})
            continue
        specs.append(services.TemplateSpec(name, parse_hhmm(start), parse_hhmm(end)))
    if problems:
        for p in problems:
            messages.error(request, p)
        return redirect("duty-post", post_id=post_id)
    try:
        services.templates_set(actor=request_scope(request), post_id=post_id, templates=specs)
        messages.success(request, _("班次已保存"))
    except InvalidInput as exc:
        _refuse(request, exc)
    return redirect("duty-post", post_id=post_id)


@login_required
@require_POST
@refusals
def roster_build(request, post_id: int):
    """The builder's grid posts one select per day and template: cell-<YYYY-MM-DD>-<template id>."""
    try:
        week = dt.date.fromisoformat(request.POST.get("week", ""))
    except ValueError:
        messages.error(request, _("请选择要排的周"))
        return redirect("duty-post", post_id=post_id)
    assignments = []
    for key in request.POST:
        if not key.startswith("cell-"):
            continue
        day, template = key[5:15], key[16:]
        try:
            day_ = dt.date.fromisoformat(day)
        except ValueError:
            continue
        persons = [p for p in (form_id(v) for v in request.POST.getlist(key)) if p]
        if persons and form_id(template):
            assignments.append(services.Assignment(day_, form_id(template), persons))
    assignments.sort(key=lambda a: (a.day, a.template))
    try:
        result = services.roster_build(
            actor=request_scope(request), post_id=post_id, week=week, assignments=assignments,
            allow_gaps=request.POST.get("allow_gaps") == "1", replace=request.POST.get("replace") == "1",
        )
        messages.success(request, _("已排 %(n)s 个班次") % {"n": len(result.shifts)})
    except InvalidInput as exc:
        _refuse(request, exc)
    return redirect(f"{request.path.rsplit('roster/', 1)[0]}?week={week}")


@login_required
@refusals
def my_shifts(request):
    scope = request_scope(request)
    now = timezone.now()
    qs = selectors.shift_list(actor=scope, mine=True, start=now - dt.timedelta(days=2), end=now + dt.timedelta(days=14))
    shifts = [s for s in qs if s.status != ShiftStatus.CANCELLED]
    rows = []
    for s in shifts:
        opens = s.starts_at - dt.timedelta(minutes=30)
        rows.append({
            "shift": s,
            "can_checkin": s.status in (ShiftStatus.PLANNED, ShiftStatus.MISSED) and opens <= now <= s.ends_at,
            "can_checkout": s.status == ShiftStatus.CHECKED_IN,
            "can_swap": s.status == ShiftStatus.PLANNED and s.starts_at > now,
            "needs_position": s.post.lon is not None,
        })
    current = next((r for r in rows if r["can_checkout"] or r["can_checkin"]), None)
    return render(request, "gates/my.html", {"rows": rows, "current": current})


@login_required
@require_POST
@refusals
def shift_checkin(request, shift_id: int):
    try:
        services.shift_checkin(actor=request_scope(request), shift_id=shift_id,
                               lon=_float(request.POST.get("lon")), lat=_float(request.POST.get("lat")))
        messages.success(request, _("签到成功"))
    except InvalidInput as exc:
        _refuse(request, exc)
    except ApplicationError as exc:
        if exc.status not in (409,):
            raise
        _refuse(request, exc)
    return redirect("duty-my")


@login_required
@require_POST
@refusals
def shift_checkout(request, shift_id: int):
    try:
        services.shift_checkout(actor=request_scope(request), shift_id=shift_id)
        messages.success(request, _("签退成功，辛苦了"))
    except ApplicationError as exc:
        if exc.status not in (409, 422):
            raise
        _refuse(request, exc)
    return redirect("duty-my")


@login_required
@refusals
def swap_new(request, shift_id: int):
    scope = request_scope(request)
    shift = selectors.shift_get(actor=scope, shift_id=shift_id)
    if request.method == "POST":
        try:
            services.swap_create(actor=scope, shift_id=shift_id, to_person_id=form_id(request.POST.get("to_person")) or 0,
                                 exchange_shift_id=form_id(request.POST.get("exchange_shift")),
                                 reason=request.POST.get("reason", ""))
            messages.success(request, _("换班申请已提交，等待负责人审批"))
            return redirect("duty-my")
        except InvalidInput as exc:
            _refuse(request, exc)
        except ApplicationError as exc:
            if exc.status != 409:
                raise
            _refuse(request, exc)
    guards = [g for g in services.guards_of(shift.post) if g.pk != shift.person_id]
    theirs = selectors.shift_list(actor=scope, post=None, start=timezone.now(), end=timezone.now() + dt.timedelta(days=30),
                                  status=[ShiftStatus.PLANNED], within=shift.post.estate_id).exclude(person_id=shift.person_id)
    return render(request, "gates/swap_new.html", {"shift": shift, "guards": guards, "theirs": theirs[:100]})


@login_required
@refusals
def swaps(request):
    scope = request_scope(request)
    rows = []
    for w in selectors.swap_list(actor=scope)[:100]:
        rows.append({"swap": w, "can_decide": w.status == "pending" and scope.can(ROSTER, w.shift.post.estate)})
    return render(request, "gates/swaps.html", {"rows": rows})


@login_required
@require_POST
@refusals
def swap_decide(request, swap_id: int):
    approve = request.POST.get("approve") == "1"
    try:
        services.swap_decide(actor=Actor.for_request(request), swap_id=swap_id, approve=approve,
                             note=request.POST.get("note", ""))
        messages.success(request, _("已同意换班") if approve else _("已驳回换班申请"))
    except ApplicationError as exc:
        if exc.status not in (409, 422):
            raise
        _refuse(request, exc)
    return redirect("duty-swaps")
